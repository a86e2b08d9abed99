"""Every id Slack echoes back to us: action_ids, callback_ids, block_ids (DESIGN.md point 4)."""

from __future__ import annotations

from enum import StrEnum


class Shortcut(StrEnum):
    CREATE_TICKET_FROM_MESSAGE = "create_ticket_from_message"
