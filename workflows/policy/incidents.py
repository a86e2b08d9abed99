"""War rooms: the ``incidents`` section (channel names and the update cadences)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from workflows.policy.values import Cadence, Section, text_matching

__all__ = ["ChannelPrefix", "Incidents"]

ChannelPrefix = Annotated[str, BeforeValidator(text_matching(
    r"[a-z0-9_-]{1,20}",
    "is not a channel prefix (lowercase letters, digits, - and _, at most 20 characters)"))]


class Incidents(Section):
    """War rooms: channel name prefix and how often updates are due, per priority.

    A priority missing from ``update_cadence`` gets no reminders; ``external_cadence``
    (customer-facing updates) is off for priorities not listed.
    """

    channel_prefix: ChannelPrefix = "inc-"
    update_cadence: Cadence
    external_cadence: Cadence = {}
