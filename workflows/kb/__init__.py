"""The knowledge base: articles, search, answers, deflections and drafts."""
