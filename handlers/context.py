"""Typed access to what the Bolt middleware (``bot/app.py``) put into the context:
``deps`` (the workflows' ``Deps``, built for this request), and ``sessions``,
``config`` and ``clock``."""

from __future__ import annotations

from typing import Any

from workflows.deps import Deps


def deps_of(context: Any) -> Deps:
    return context["deps"]


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return str(team or "")
