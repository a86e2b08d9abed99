"""Who is on call, as pure arithmetic: app.yaml's rotation, or PagerDuty's ``/oncalls`` answer.

The rotation hands over every ``every`` from ``start``, counted in the wall-clock time
of app.yaml's ``timezone``: a weekly 09:00 hand-over stays at 09:00 across a daylight
saving change. ``who_is_on_call(config, at)`` is the shift covering ``at``;
``next_shift(config, at)`` the one after it. ``pagerduty_answer`` reads the same from
PagerDuty's on-call entries (escalation level 1 is the primary, level 2 the secondary).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from workflows.policy.schema import AppConfig

__all__ = ["OnCall", "Person", "Shift", "OnCallAnswer", "who_is_on_call", "next_shift", "rotation_answer",
           "pagerduty_answer"]


@dataclass(frozen=True)
class Person:
    """Someone on call: a Slack user id (from app.yaml) or a name (from PagerDuty)."""

    user_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class OnCall:
    """One shift: Slack user ids of the primary and secondary (None: nobody), and when."""

    primary: str
    secondary: str | None
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Shift:
    """A shift as /oncall shows it; ``until`` None means no end is scheduled."""

    primary: Person | None
    secondary: Person | None
    since: datetime | None
    until: datetime | None


@dataclass(frozen=True)
class OnCallAnswer:
    now: Shift
    next: Shift | None
    source: str  # "rotation" or "pagerduty"
    note: str | None = None


def _wall(when: datetime, zone: ZoneInfo) -> datetime:
    return when.astimezone(zone).replace(tzinfo=None)


def _aware(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _shift(config: AppConfig, index: int) -> OnCall:
    rotation, zone = config.oncall.rotation, config.zone
    start = _wall(rotation.start, zone)
    secondary = rotation.secondary[index % len(rotation.secondary)] if rotation.secondary else None
    return OnCall(
        primary=rotation.primary[index % len(rotation.primary)], secondary=secondary,
        since=_aware(start + index * rotation.every, zone), until=_aware(start + (index + 1) * rotation.every, zone),
    )


def _index(config: AppConfig, at: datetime) -> int:
    rotation, zone = config.oncall.rotation, config.zone
    index = (_wall(at, zone) - _wall(rotation.start, zone)) // rotation.every
    # A wall-clock hour that happens twice (or never) can put ``at`` one shift off.
    while _shift(config, index).since > at:
        index -= 1
    while _shift(config, index).until <= at:
        index += 1
    return index


def who_is_on_call(config: AppConfig, at: datetime) -> OnCall:
    """The rotation's shift covering ``at`` (before ``start`` the turns count backwards)."""
    return _shift(config, _index(config, at))


def next_shift(config: AppConfig, at: datetime) -> OnCall:
    """The rotation's shift after the one covering ``at``."""
    return _shift(config, _index(config, at) + 1)


def _rotation_shift(shift: OnCall) -> Shift:
    return Shift(primary=Person(user_id=shift.primary),
                 secondary=Person(user_id=shift.secondary) if shift.secondary else None,
                 since=shift.since, until=shift.until)


def rotation_answer(config: AppConfig, at: datetime, note: str | None = None) -> OnCallAnswer:
    return OnCallAnswer(now=_rotation_shift(who_is_on_call(config, at)),
                        next=_rotation_shift(next_shift(config, at)), source="rotation", note=note)


# --------------------------------------------------------------------------- PagerDuty


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Entry:
    level: int
    person: Person
    start: datetime | None
    end: datetime | None

    def covers(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)


def _entries(oncalls: list[dict]) -> list[_Entry]:
    entries = []
    for item in oncalls:
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        level = item.get("escalation_level")
        if not isinstance(level, int):
            continue
        name = user.get("summary") or user.get("name") or user.get("id")
        entries.append(_Entry(level, Person(name=str(name) if name else None),
                              _parse_time(item.get("start")), _parse_time(item.get("end"))))
    return entries


def pagerduty_answer(oncalls: list[dict], at: datetime) -> OnCallAnswer | None:
    """Primary = lowest escalation level on call at ``at``, secondary the level after."""
    entries = _entries(oncalls)
    current = sorted((e for e in entries if e.covers(at)), key=lambda e: (e.level, e.start or at))
    if not current:
        return None
    levels = sorted({e.level for e in current})
    primary = next(e for e in current if e.level == levels[0])
    secondary = next((e for e in current if len(levels) > 1 and e.level == levels[1]), None)
    now = Shift(primary.person, secondary.person if secondary else None, primary.start, primary.end)
    following = None
    if primary.end is not None:
        upcoming = sorted((e for e in entries if e.level == primary.level and e.start and e.start >= primary.end),
                          key=lambda e: e.start or at)
        if upcoming:
            nxt = upcoming[0]
            assert nxt.start is not None
            second = next((e for e in entries if e.level != nxt.level and e.covers(nxt.start)), None)
            following = Shift(nxt.person, second.person if second else None, nxt.start, nxt.end)
    return OnCallAnswer(now=now, next=following, source="pagerduty")
