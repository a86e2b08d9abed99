"""What workflows need from the outside world, passed in (never imported as globals)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from workflows.access.user_groups import UserGroupDirectory
from workflows.policy.schema import AppConfig
from workflows.ports import Clock, Pager, SpareTime


@dataclass(frozen=True)
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    slack: AsyncWebClient
    config: AppConfig
    clock: Clock
    pagerduty: Pager | None = None
    user_groups: UserGroupDirectory | None = None  # cached user group members (roles)
    spare_time: SpareTime | None = None  # best-effort work waits for it; None: never waits
    #: Runs work in a task of its own that the process keeps and awaits at shutdown (the
    #: runtime's ``spawn``); None: the caller awaits the work itself.
    spawn: Callable[[Coroutine[Any, Any, Any]], object] | None = None
