"""`supportbot simulate --replay [--since 90d] [--config proposed.yaml]`: the stored tickets
of the period replayed under the current policy and under a proposed one, and what each
would have produced, per priority, side by side (``bot/replay.py``).

The current policy is the one the bot runs: ``$SUPPORTBOT_CONFIG`` (default ``./app.yaml``);
the proposed one is ``--config`` (without it, the current one again: both columns agree).
On a terminal a progress bar shows the reading and each replay (``bot/progress.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError

from bot.clock import system_clock
from bot.progress import TerminalProgress
from bot.replay import COUNTED, Counts, StoredTicket, read_history, replay
from bot.settings import config_path_from, database_url_from
from bot.startup_errors import describe_database_failure
from workflows.policy.durations import parse_duration
from workflows.policy.loader import load_config
from workflows.policy.problems import ConfigError
from workflows.policy.schema import AppConfig
from workflows.policy.values import PRIORITY_IDS

__all__ = ["format_comparison", "run_replay"]


def _load(path: str, role: str) -> AppConfig | str:
    try:
        return load_config(path)
    except ConfigError as error:
        return "\n".join([*error.problems, f"supportbot simulate --replay: fix the {role} policy {path} first "
                                           f"(see `supportbot check-config`)"])


def _until(config: AppConfig, text: str | None) -> datetime:
    """The end of the period: now, or a local date (its midnight) or date and time."""
    if not text:
        return system_clock()
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return local.replace(tzinfo=config.zone).astimezone(UTC)
    raise ValueError(f'--until {text!r} is not a date like "2026-11-30" or "2026-11-30 09:00"')


def format_comparison(current: Counts, proposed: Counts, *, current_name: str, proposed_name: str,
                      heading: str) -> str:
    """Per priority, each counted effect under both policies, side by side, and a total."""
    priorities = [p for p in PRIORITY_IDS if current.tickets[p] or proposed.tickets[p]]
    width = max(len(w) for w in COUNTED) + 4
    columns = [current_name, proposed_name]
    size = max(12, *(len(c) for c in columns))
    lines = [heading, "", f"{'':{width}}{columns[0]:>{size}}  {columns[1]:>{size}}  change"]
    for scope in [*priorities, "all"]:
        chosen = priorities if scope == "all" else [scope]
        tickets = sum(current.tickets[p] for p in chosen)
        lines.append(f"{scope} ({tickets} ticket{'s' if tickets != 1 else ''})" if scope != "all"
                     else f"all priorities ({tickets} ticket{'s' if tickets != 1 else ''})")
        for what in COUNTED:
            before = sum(current.of(p, what) for p in chosen)
            after = sum(proposed.of(p, what) for p in chosen)
            change = "" if after == before else f"{after - before:+d}"
            lines.append(f"  {what:{width - 2}}{before:>{size}}  {after:>{size}}  {change}")
    return "\n".join(lines) + "\n"


async def _compare(url: str, current: AppConfig, proposed: AppConfig, *, since: datetime,
                   until: datetime) -> tuple[list[StoredTicket], Counts, Counts]:
    with TerminalProgress("reading tickets", unit="ticket") as progress:
        tickets = await read_history(url, since=since, until=until, on_progress=progress)
    with TerminalProgress("replay (current)", unit="step") as progress:
        before = await replay(current, tickets, until=until, on_progress=progress)
    with TerminalProgress("replay (proposed)", unit="step") as progress:
        after = await replay(proposed, tickets, until=until, on_progress=progress)
    return tickets, before, after


def run_replay(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    current_path = config_path_from(env)
    proposed_path = args.config or current_path
    loaded = [_load(current_path, "current"), _load(proposed_path, "proposed")]
    problems = [x for x in loaded if isinstance(x, str)]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    current, proposed = loaded
    assert isinstance(current, AppConfig) and isinstance(proposed, AppConfig)
    try:
        period = parse_duration(args.since)
    except ValueError as error:
        print(f"supportbot simulate --replay: --since {error}", file=sys.stderr)
        return 2
    try:
        until = _until(current, args.until)
    except ValueError as error:
        print(f"supportbot simulate --replay: {error}", file=sys.stderr)
        return 2
    url = database_url_from(env)
    try:
        tickets, before, after = asyncio.run(_compare(url, current, proposed, since=until - period, until=until))
    except DBAPIError as error:
        print(describe_database_failure(error, url)
              or f"supportbot simulate --replay: cannot read the database at $DATABASE_URL "
                 f"({type(error.orig).__name__}); is it migrated (`supportbot db upgrade`)?", file=sys.stderr)
        return 2
    zone = current.zone
    heading = (f"Replayed {len(tickets)} ticket{'s' if len(tickets) != 1 else ''} opened in the last "
               f"{args.since.strip()} ({(until - period).astimezone(zone):%Y-%m-%d %H:%M} – "
               f"{until.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}): current {current_path}, "
               f"proposed {proposed_path}")
    sys.stdout.write(format_comparison(before, after, current_name="current", proposed_name="proposed",
                                       heading=heading))
    return 0
