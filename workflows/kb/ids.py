"""The ids the knowledge base's answers and article views carry, which Slack echoes back."""

from __future__ import annotations

from enum import StrEnum


class KbView(StrEnum):
    """callback_ids of modals."""

    KB_THANKS = "kb_thanks"
    KB_ARTICLE = "kb_article"


class KbBlock(StrEnum):
    """block_ids (validation errors are keyed by these)."""

    KB_ANSWER_ACTIONS = "kb_answer_actions"


class KbAction(StrEnum):
    """action_ids of inputs and buttons."""

    # Knowledge-base answers (a thread reply, a /kb answer): "Solved" and "Open a ticket"
    # carry the search id; "Show article" carries "<search id>:<slug>".
    KB_SOLVED = "kb_solved"
    KB_OPEN_TICKET = "kb_open_ticket"
    KB_SHOW_ARTICLE = "kb_show_article"
    # The articles above the /ticket form: "This solved it" and "Show article" carry
    # "<search id>:<slug>".
    KB_MODAL_SOLVED = "kb_modal_solved"
    KB_MODAL_SHOW_ARTICLE = "kb_modal_show_article"
