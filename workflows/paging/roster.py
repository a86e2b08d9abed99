"""Who is on call at a moment: the one answer that pages, re-pages, war-room invites and
hand-overs use.

    duty = await on_duty(db, deps.config, now)     # in the caller's transaction
    duty.primary, duty.secondary, duty.source

The scheduled shift comes from PagerDuty when ``oncall.pagerduty`` is configured and
PagerDuty answered lately (its last answer is kept in ``oncall_snapshots`` by
``workflows/paging/pagerduty_roster.py``, every few minutes; nothing here calls it), and
from app.yaml's rotation otherwise (``workflows/paging/shifts.py``). An override stored
by ``/oncall override`` or ``/oncall swap`` (``models/oncall.py``) that covers the moment
replaces the primary. ``source`` says which was used, and the page's mirror shows it:

    pagerduty           PagerDuty's on-call
    rotation            app.yaml's rotation (PagerDuty is not configured)
    rotation_fallback   app.yaml's rotation, because PagerDuty did not answer lately (or
                        its on-call person has no Slack account with the same email)
    override            an /oncall override or swap
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.oncall import OncallSnapshot
from models.oncall_queries import override_at
from workflows.paging.shifts import who_is_on_call
from workflows.policy.schema import AppConfig

__all__ = ["PAGERDUTY", "STALE_AFTER", "OnDuty", "on_duty", "snapshot_shift", "source_text"]

PAGERDUTY = "pagerduty"
#: PagerDuty's last answer counts this long; older (PagerDuty did not answer since), the rotation.
STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class OnDuty:
    """Slack user ids of who is on call, and where the primary came from."""

    primary: str | None
    secondary: str | None
    source: str  # pagerduty, rotation, rotation_fallback, override
    scheduled_primary: str | None = None  # who the override stands in for
    override_until: datetime | None = None
    since: datetime | None = None  # the scheduled shift (None: PagerDuty gave no start)
    until: datetime | None = None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _covers(entry: dict[str, Any], at: datetime) -> bool:
    start, end = _time(entry.get("start")), _time(entry.get("end"))
    return (start is None or start <= at) and (end is None or at < end)


def snapshot_shift(snapshot: OncallSnapshot | None, at: datetime) -> OnDuty | None:
    """PagerDuty's shift at ``at`` from its last answer; None when that answer is missing,
    stale or failed since, or names nobody on call with a Slack account."""
    if snapshot is None or snapshot.fetched_at is None or snapshot.fetched_at < at - STALE_AFTER:
        return None
    if snapshot.failed_at is not None and snapshot.failed_at > snapshot.fetched_at:
        return None
    entries = [e for e in (snapshot.entries or {}).get("entries", []) if _covers(e, at)]
    levels = sorted({int(e["level"]) for e in entries})
    if not levels:
        return None
    primary = next(e for e in entries if int(e["level"]) == levels[0])
    secondary = next((e for e in entries if len(levels) > 1 and int(e["level"]) == levels[1]), None)
    if not primary.get("user"):
        return None
    return OnDuty(primary=primary["user"], secondary=secondary.get("user") if secondary else None,
                  source=PAGERDUTY, since=_time(primary.get("start")), until=_time(primary.get("end")))


async def _scheduled(db: AsyncSession, config: AppConfig, at: datetime) -> OnDuty:
    if config.oncall.pagerduty is not None:
        shift = snapshot_shift(await db.get(OncallSnapshot, PAGERDUTY), at)
        if shift is not None:
            return shift
    rotation = who_is_on_call(config, at)
    source = "rotation" if config.oncall.pagerduty is None else "rotation_fallback"
    return OnDuty(primary=rotation.primary, secondary=rotation.secondary, source=source, since=rotation.since,
                  until=rotation.until)


async def on_duty(db: AsyncSession, config: AppConfig, at: datetime) -> OnDuty:
    """The primary and secondary at ``at``: PagerDuty's or the rotation's, with an override applied."""
    shift = await _scheduled(db, config, at)
    override = await override_at(db, at)
    if override is not None and override.user_id != shift.primary:
        return OnDuty(primary=override.user_id, secondary=shift.secondary, source="override",
                      scheduled_primary=shift.primary, override_until=override.ends_at, since=shift.since,
                      until=shift.until)
    return shift


def source_text(source: str | None) -> str | None:
    """How a page's mirror says who decided the paged person (None: not recorded)."""
    return {
        PAGERDUTY: "on call per PagerDuty",
        "rotation": "on call per app.yaml's rotation",
        "rotation_fallback": "on call per app.yaml's rotation (PagerDuty did not answer)",
        "override": "on call by an /oncall override",
    }.get(source or "")
