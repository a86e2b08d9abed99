"""What workflows need from the outside world, passed in (never imported as globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.outbox import OutboxKind, OutboxMessage
from workflows.access.user_groups import UserGroupDirectory
from workflows.outbox.renderers import Renderers
from workflows.policy.schema import AppConfig
from workflows.ports import Clock, Pager, SpareTime, StatusPage, Telemetry

#: What prepares the delivery of an outbox row of a kind another room owns (a war room's
#: step, a report and its chart), in the transaction that leased the row: a
#: ``workflows.outbox.calls.Delivery``, or None when nothing is left to send
#: (``workflows/outbox/delivery.py``).
OutboxStep = Callable[[AsyncSession, "Deps", OutboxMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    slack: AsyncWebClient
    config: AppConfig
    clock: Clock
    pagerduty: Pager | None = None
    statuspage: StatusPage | None = None  # STATUSPAGE_API_KEY set (app.yaml's statuspage says which page)
    user_groups: UserGroupDirectory | None = None  # cached user group members (roles)
    spare_time: SpareTime | None = None  # best-effort work waits for it; None: never waits
    #: Runs work in a task of its own that the process keeps and awaits at shutdown (the
    #: runtime's ``spawn``); None: the caller awaits the work itself.
    spawn: Callable[[Coroutine[Any, Any, Any]], object] | None = None
    telemetry: Telemetry | None = None  # this process's counters on /metrics; None: not counted
    #: The outbox kinds other rooms own, and what prepares each (the rooms use the outbox,
    #: so the outbox does not import them): the composition root passes every room's
    #: ``OUTBOX_STEPS`` (``bot/runtime.py``). A row of a kind missing here is not sent.
    outbox_steps: Mapping[OutboxKind, OutboxStep] = field(default_factory=dict)
    #: How the relay renders ticket cards and digests as it sends them (the builders are
    #: the rooms'; ``bot/runtime.py`` passes them). None: cards wait, digests are not folded.
    outbox_renderers: Renderers | None = None
