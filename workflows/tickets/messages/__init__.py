"""The ticket's Slack messages and forms (pure Block Kit builders)."""
