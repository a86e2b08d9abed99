"""The ids intake's messages carry, which Slack echoes back (the listeners import them)."""

from __future__ import annotations

from enum import StrEnum


class IntakeAction(StrEnum):
    """action_ids of the buttons under a customer's message (``intake.customer_channels: ask``);
    their value is ``"<channel>:<ts>"`` of that message."""

    OPEN_TICKET = "intake_open_ticket"
    NO_THANKS = "intake_no_thanks"


class IntakeBlock(StrEnum):
    OFFER = "intake_offer"
