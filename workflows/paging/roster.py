"""Who is on call at a moment, once people's overrides are applied: the one answer that
pages, re-pages, war-room invites and hand-overs use.

    duty = await on_duty(db, deps.config, now)     # in the caller's transaction
    duty.primary, duty.secondary, duty.source      # source: "rotation" or "override"

The scheduled shift comes from app.yaml's rotation (``workflows/paging/shifts.py``); an
override stored by ``/oncall override`` or ``/oncall swap`` (``models/oncall.py``) that
covers the moment replaces the primary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.oncall_queries import override_at
from workflows.paging.shifts import who_is_on_call
from workflows.policy.schema import AppConfig

__all__ = ["OnDuty", "on_duty"]


@dataclass(frozen=True)
class OnDuty:
    """Slack user ids of who is on call now, and where the primary came from."""

    primary: str | None
    secondary: str | None
    source: str  # "rotation" or "override"
    scheduled_primary: str | None = None  # who the override stands in for
    override_until: datetime | None = None


async def on_duty(db: AsyncSession, config: AppConfig, at: datetime) -> OnDuty:
    """The primary and secondary at ``at``: the rotation's, with an override applied."""
    shift = who_is_on_call(config, at)
    override = await override_at(db, at)
    if override is not None and override.user_id != shift.primary:
        return OnDuty(primary=override.user_id, secondary=shift.secondary, source="override",
                      scheduled_primary=shift.primary, override_until=override.ends_at)
    return OnDuty(primary=shift.primary, secondary=shift.secondary, source="rotation")
