"""The incident rules that need no database and no Slack: priorities, the update
cadences, and the war room's channel name.

    war_room_name("inc-", date(2026, 11, 25), "Checkout down (EU)")  # 'inc-20261125-checkout-down-eu'
    war_room_name("inc-", date(2026, 11, 25), "Checkout down (EU)", attempt=2)  # '…-checkout-down-eu-2'
    next_due_after(due, timedelta(minutes=15), now)  # the first due + k·15m later than now
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from workflows.policy.schema import AppConfig

__all__ = ["INCIDENT_PRIORITIES", "TITLE_MAX", "DESCRIPTION_MAX", "TEXT_MAX", "CHANNEL_NAME_MAX", "POSTMORTEM_WITHIN",
           "parse_priority", "is_raise", "update_cadence", "external_cadence", "first_due", "next_due_after",
           "channel_slug", "war_room_name"]

INCIDENT_PRIORITIES = ("P0", "P1", "P2")
TITLE_MAX = 150
DESCRIPTION_MAX = 3000
TEXT_MAX = 3000  # a status update, a resolution summary
CHANNEL_NAME_MAX = 80  # Slack's limit
#: The practice: the post-mortem is written within 48 hours of resolution.
POSTMORTEM_WITHIN = timedelta(hours=48)
FALLBACK_SLUG = "incident"


def parse_priority(text: str | None) -> str | None:
    """``P0``/``p1``/``P2`` -> the priority id; anything else None."""
    value = (text or "").strip().upper()
    return value if value in INCIDENT_PRIORITIES else None


def is_raise(old: str, new: str) -> bool:
    """True when ``new`` is more urgent than ``old`` (P0 is the most urgent)."""
    return new < old


def update_cadence(config: AppConfig, priority: str) -> timedelta | None:
    """How often the war room owes a status update (None: no reminders)."""
    return config.incidents.update_cadence.get(priority)


def external_cadence(config: AppConfig, priority: str) -> timedelta | None:
    """How often customers should hear from us (None: off for this priority)."""
    return config.incidents.external_cadence.get(priority)


def first_due(config: AppConfig, priority: str, start: datetime, *, external: bool = False) -> datetime | None:
    """When the first reminder after ``start`` falls due (None: that cadence is off)."""
    period = external_cadence(config, priority) if external else update_cadence(config, priority)
    return start + period if period else None


def next_due_after(seen: datetime, period: timedelta | None, now: datetime) -> datetime | None:
    """The reminder after the one due at ``seen``: one period later, or — after downtime —
    the first whole period later than ``now`` (one catch-up reminder, not a burst)."""
    if not period:
        return None
    missed = max(0, (now - seen) // period)
    return seen + (missed + 1) * period


def channel_slug(title: str) -> str:
    """Lowercase ASCII letters and digits from ``title``, words joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def war_room_name(prefix: str, day: date, title: str, *, attempt: int = 1) -> str:
    """``{prefix}{yyyymmdd}-{slug}``, at most 80 characters; ``attempt`` 2, 3… adds ``-2``, ``-3``…

    The slug is cut at a word boundary when it can be, so the suffix always fits.
    """
    head = f"{prefix}{day:%Y%m%d}-"
    suffix = f"-{attempt}" if attempt > 1 else ""
    room = CHANNEL_NAME_MAX - len(head) - len(suffix)
    slug = channel_slug(title) or FALLBACK_SLUG
    if len(slug) > room:
        cut = slug[:room]
        slug = cut.rsplit("-", 1)[0] if "-" in cut and slug[room] != "-" else cut
        slug = slug.strip("-") or FALLBACK_SLUG[:room]
    return f"{head}{slug}{suffix}"
