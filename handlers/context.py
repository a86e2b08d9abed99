"""Typed access to what the Bolt middleware (``bot/app.py``) put into the context:
``deps`` (the workflows' ``Deps``, built for this request), and ``sessions``,
``config`` and ``clock``."""

from __future__ import annotations

from typing import Any

from workflows.deps import Deps
from workflows.intake.teams import EventTeam


def deps_of(context: Any) -> Deps:
    return context["deps"]


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return str(team or "")


def home_team_of(body: dict[str, Any], context: Any) -> str:
    """The workspace the bot is installed in (``auth.test``'s team, which Bolt keeps in
    the context; else ``authorizations[0]`` of an event; else the request's team)."""
    result = context.get("authorize_result") if hasattr(context, "get") else None
    team = getattr(result, "team_id", None)
    if isinstance(team, str) and team:
        return team
    authorizations = body.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else None
    if isinstance(first, dict) and isinstance(first.get("team_id"), str) and first["team_id"]:
        return first["team_id"]
    return team_of(body)


def event_team_of(body: dict[str, Any], event: dict[str, Any], context: Any) -> EventTeam:
    """The teams an Events API event names (the envelope's ``team_id``, the event's
    ``user_team`` and ``team``: the author's in a Slack Connect channel) and the bot's own."""
    author = next((event[key] for key in ("user_team", "team") if isinstance(event.get(key), str) and event[key]),
                  None)
    seen = {team for team in (body.get("team_id"), event.get("user_team"), event.get("team"))
            if isinstance(team, str) and team}
    return EventTeam(home=home_team_of(body, context), seen=frozenset(seen), author=author)


def click_team_of(body: dict[str, Any], context: Any) -> str:
    """The workspace a click acts for: the request's own (``team_of``), except a click in a
    customer channel (a Slack Connect guest's team is not ours), which acts for the
    bot's workspace. Everywhere else another team's click stays another team's."""
    channel = (body.get("channel") or {}).get("id") if isinstance(body.get("channel"), dict) else None
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = channel or container.get("channel_id")
    if isinstance(channel, str) and deps_of(context).config.customer_of_channel(channel) is not None:
        return home_team_of(body, context)
    return team_of(body)
