"""Typed access to what the runtime middleware put into Bolt's context."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from workflows.deps import Deps


def runtime_of(context: Any) -> Runtime:
    return context["runtime"]


def deps_of(context: Any) -> Deps:
    return runtime_of(context).deps


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return str(team or "")
