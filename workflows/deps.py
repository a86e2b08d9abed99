"""What workflows need from the outside world, passed in (never imported as globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import AppConfig

if TYPE_CHECKING:
    from bot.pagerduty_gateway import PagerDutyGateway
    from bot.spare_time import SpareTime
    from bot.telemetry import Telemetry
    from workflows.roles import UserGroupDirectory


@dataclass(frozen=True)
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    slack: AsyncWebClient
    config: AppConfig
    clock: Clock
    pagerduty: "PagerDutyGateway | None" = None
    user_groups: "UserGroupDirectory | None" = None  # cached user group members (roles)
    spare_time: "SpareTime | None" = None  # best-effort work waits for it; None: never waits
    telemetry: "Telemetry | None" = None  # this process's counters on /metrics; None: not counted
