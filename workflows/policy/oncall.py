"""Who is on call: the ``oncall`` section (the rotation, PagerDuty, the ack windows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

from workflows.policy.problems import raise_problems, show
from workflows.policy.values import Cadence, ChannelId, Duration, Section, UserId, text_matching

__all__ = ["DEFAULT_ACK_WINDOW", "Oncall", "OncallPagerDuty", "Rotation"]


def _parse_instant(value: object) -> datetime:
    instant = value
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(instant, datetime) and instant.utcoffset() is not None:
        return instant
    raise ValueError(f"{show(value)} is not a date and time with a UTC offset "
                     "(use e.g. 2026-11-23T09:00:00Z or 2026-11-23T09:00:00-05:00)")


class Rotation(Section):
    """From ``start``, every ``every`` the next person in each list is on call."""

    start: Annotated[datetime, BeforeValidator(_parse_instant)]
    every: Duration
    primary: list[UserId] = Field(min_length=1)
    secondary: list[UserId] = []


PagerDutyId = Annotated[str, BeforeValidator(text_matching(
    r"P[A-Z0-9]{1,19}", "is not a PagerDuty id (like PABC123)"))]
UserGroupId = Annotated[str, BeforeValidator(text_matching(
    r"S[A-Z0-9_]+", "is not a Slack user group id (like S0123ABCDE)"))]
DEFAULT_ACK_WINDOW: dict[str, timedelta] = {"P0": timedelta(minutes=5), "P1": timedelta(minutes=15)}


class OncallPagerDuty(Section):
    """Ask PagerDuty (REST ``GET /oncalls``) who is on call: one schedule or one policy."""

    schedule_id: PagerDutyId | None = None
    escalation_policy_id: PagerDutyId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> OncallPagerDuty:
        if (self.schedule_id is None) == (self.escalation_policy_id is None):
            raise_problems([((), "give either schedule_id or escalation_policy_id (one of them)")], self)
        return self


class Oncall(Section):
    """Who is on call (the rotation, or PagerDuty when ``pagerduty`` is set) and how long
    a Slack-only page waits for an acknowledgement before it re-pages (``ack_window``,
    per priority; P0 5m and P1 15m unless given; a priority not listed waits the longest
    window listed).

    At each turn the hand-over is posted in ``handoff_channel`` (default the on-call
    channel), and the members of ``usergroup`` (optional, ``S…``) are set to the new
    primary and secondary."""

    rotation: Rotation
    pagerduty: OncallPagerDuty | None = None
    ack_window: Cadence = DEFAULT_ACK_WINDOW
    usergroup: UserGroupId | None = None
    handoff_channel: ChannelId | None = None

    @field_validator("ack_window")
    @classmethod
    def _over_defaults(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        return {**DEFAULT_ACK_WINDOW, **value}

    def ack_window_for(self, priority: str) -> timedelta:
        """How long a page of ``priority`` waits for an acknowledgement."""
        return self.ack_window.get(priority) or max(self.ack_window.values())
