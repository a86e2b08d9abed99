"""`supportbot simulate`: what the bot would do to one ticket, from app.yaml alone.

Wiring for workflows/sla/simulation.py: a throwaway SQLite database, a Slack stand-in
that records instead of sending, and a plain-text timeline in the policy's timezone.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from workflows.policy.schema import AppConfig
from bot.database import make_engine, make_session_factory, upgrade_database
from workflows.deps import Deps
from workflows.sla.simulation import DueMoment, Scenario, VirtualClock, run_scenario


class SimulatedSlack(AsyncWebClient):
    """Answers every Web API call locally and records the messages it was asked to post."""

    def __init__(self) -> None:
        super().__init__(token="xoxb-simulation", base_url="http://simulation.invalid/api/")
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self._ts = 1_000_000_000.0

    async def api_call(self, api_method: str, *, http_verb: str = "POST", files=None, data=None, params=None,
                       json=None, headers=None, auth=None) -> AsyncSlackResponse:
        args = {**(params or {}), **(data or {}), **(json or {})}
        self._ts += 1
        ts = f"{self._ts:.6f}"
        if api_method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            self.posts.append((api_method, args))
        payload: dict[str, Any] = {"ok": True, "channel": args.get("channel"), "ts": ts, "message_ts": ts,
                                   "permalink": f"https://slack.invalid/archives/{args.get('channel')}/p{ts}"}
        return AsyncSlackResponse(client=self, http_verb=http_verb, api_url=api_method, req_args=args,
                                  data=payload, headers={}, status_code=200)


_DATE = re.compile(r"<!date\^(\d+)\^[^|]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


@dataclass
class Timeline:
    config: AppConfig
    lines: list[str] = field(default_factory=list)

    def channel_name(self, channel: str) -> str:
        tier = self.config.tier_by_channel(channel)
        if tier:
            return f"#{tier.id} ({tier.name})"
        for name in ("triage", "incidents", "oncall"):
            if getattr(self.config.channels, name) == channel:
                return f"#{name}"
        return f"DM {channel}" if channel.startswith("U") else channel

    def when(self, moment: datetime) -> str:
        return moment.astimezone(self.config.zone).strftime("%a %Y-%m-%d %H:%M %Z")

    def add(self, moment: datetime, what: str) -> None:
        self.lines.append(f"{self.when(moment)}  {what}")


def _plain(text: str, timeline: Timeline) -> str:
    """Slack markup as a terminal shows it: dates in the policy's zone, links as labels."""
    text = _DATE.sub(lambda m: timeline.when(datetime.fromtimestamp(int(m.group(1)), UTC)), text)
    text = _LINK.sub(lambda m: m.group(2), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def simulate(config: AppConfig, scenario: Scenario) -> list[str]:
    """The timeline of what the bot would post for ``scenario``, one line per effect."""
    timeline = Timeline(config)
    slack = SimulatedSlack()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'simulation.db'}")
        try:
            await upgrade_database(engine)
            clock = VirtualClock(scenario.created)
            deps = Deps(sessions=make_session_factory(engine), slack=slack, config=config, clock=clock)
            seen = 0

            def flush(moment: datetime) -> None:
                nonlocal seen
                for method, args in slack.posts[seen:]:
                    if method != "chat.postMessage":
                        continue
                    where = timeline.channel_name(str(args.get("channel")))
                    where += " thread" if args.get("thread_ts") else ""
                    text = _plain(str(args.get("text", "")), timeline).replace("\n", "\n" + " " * 26)
                    timeline.add(moment, f"→ {where}: {text}")
                seen = len(slack.posts)

            last = [scenario.created]

            def on_step(moment: datetime, label: str | None) -> None:
                flush(last[0])
                last[0] = moment
                if label:
                    timeline.add(moment, label)

            def on_due(due: DueMoment) -> None:
                timeline.add(scenario.created, f"{due.clock} due {timeline.when(due.due_at)} ({due.meaning})")

            await run_scenario(deps=deps, clock=clock, scenario=scenario, on_step=on_step, on_due=on_due)
            flush(last[0])
        finally:
            await engine.dispose()
    return timeline.lines
