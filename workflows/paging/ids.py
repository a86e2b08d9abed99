"""The ids a page's Slack mirror carries, which Slack echoes back."""

from __future__ import annotations

from enum import StrEnum


class PageBlock(StrEnum):
    """block_ids (validation errors are keyed by these)."""

    PAGE_ACTIONS = "page_actions"


class PageAction(StrEnum):
    """action_ids of inputs and buttons."""

    PAGE_ACKNOWLEDGE = "page_acknowledge"
    PAGE_RESOLVE = "page_resolve"
