"""The outbox kinds that other rooms own, and what prepares each one's delivery.

A thin module above the outbox and those rooms: the relay reaches a war room's steps
and a report's message and chart through it, and those rooms owe their rows with
``models.outbox.enqueue``, never through the relay, so no module imports itself back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from models.outbox import OutboxKind, OutboxMessage
from workflows.deps import Deps
from workflows.outbox_calls import Delivery
from workflows.report_delivery import prepare_report, prepare_report_chart
from workflows.war_room_steps import prepare_war_room_step

__all__ = ["STEPS"]

Prepare = Callable[[AsyncSession, Deps, OutboxMessage], Awaitable[Delivery | None]]

STEPS: Mapping[OutboxKind, Prepare] = {
    OutboxKind.WAR_ROOM: prepare_war_room_step,
    OutboxKind.REPORT: prepare_report,
    OutboxKind.REPORT_CHART: prepare_report_chart,
}
