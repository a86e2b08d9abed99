"""War rooms: the ``incidents`` section (channel names, the update cadences, private war
rooms and the executives' notice)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, Field

from workflows.policy.values import Cadence, Duration, OptionalDuration, PriorityId, Section, text_matching

__all__ = ["ChannelPrefix", "Executives", "Incidents", "NotifyTarget"]

ChannelPrefix = Annotated[str, BeforeValidator(text_matching(
    r"[a-z0-9_-]{1,20}",
    "is not a channel prefix (lowercase letters, digits, - and _, at most 20 characters)"))]
EmojiName = Annotated[str, BeforeValidator(text_matching(
    r"[a-z0-9_+'-]{1,100}", "is not an emoji name (like pushpin, without colons)"))]
NotifyTarget = Annotated[str, BeforeValidator(text_matching(
    r"[UWSCG][A-Z0-9_]+",
    "is not a Slack user (U…), user group (S…) or channel (C…) id"))]


class Executives(Section):
    """Who hears of a severe incident: one notice when an incident of ``priorities`` is
    still open ``after`` its declaration (``0s``: at once), and one at its resolution.
    ``notify``: users (a DM), user groups (a DM to each member), channels (a post)."""

    priorities: list[PriorityId] = Field(default=["P0"], min_length=1)
    after: Duration = timedelta(minutes=15)
    notify: list[NotifyTarget] = Field(min_length=1)


class Incidents(Section):
    """War rooms: channel name prefix and how often updates are due, per priority.

    A priority missing from ``update_cadence`` gets no reminders; ``external_cadence``
    (customer-facing updates) is off for priorities not listed. Incidents declared from
    tickets of ``private_categories`` get a private war room (as `/incident declare
    --private` does), announced without title or details. The post-mortem owner is
    reminded ``postmortem_due`` after the resolution, then daily until it is done. A
    ``pin_emoji`` reaction on a message in a war room adds it to the incident's timeline.
    With ``archive_after``, a resolved incident's war room is archived that long after the
    resolution, once its post-mortem and action items are done or past due
    (``workflows/incidents/archive.py``); without it, war rooms stay open.
    """

    channel_prefix: ChannelPrefix = "inc-"
    update_cadence: Cadence
    external_cadence: Cadence = {}
    private_categories: list[str] = []
    executives: Executives | None = None
    postmortem_due: Duration = timedelta(hours=48)
    pin_emoji: EmojiName = "pushpin"
    archive_after: OptionalDuration = None
