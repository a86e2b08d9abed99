"""`supportbot report`: the support metrics of a period, printed for a person or a tool.

    supportbot report --since 30d --format table|csv|json [--until "2026-11-30 09:00"]
                      [--tier tier2 | --category "Login problems"] [--customer Acme] [--config app.yaml]

Reads ``DATABASE_URL`` (as ``db upgrade`` does) and the policy; needs no Slack token.
``--until`` is a local date or date and time in the policy's (reports') time zone,
default now. Exit codes as for every command: 2 for bad arguments or an unusable policy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError

from bot.clock import system_clock
from workflows.policy.loader import load_config
from workflows.policy.problems import ConfigError
from workflows.policy.schema import AppConfig
from bot.database import make_engine, make_session_factory
from bot.progress import TerminalProgress
from workflows.policy.durations import format_duration, parse_duration
from bot.settings import config_path_from, database_url_from
from bot.startup_errors import describe_database_failure
from workflows.reports.metrics import SupportStats, compute_stats, report_targets, report_zone
from workflows.reports.formats import format_csv, format_json, format_table, stat_rows
from workflows.reports.lifecycle_stats import backlog_label

__all__ = ["add_report_parser", "run_report"]

FORMATS = ("table", "csv", "json")


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="print the support metrics of a period (table, csv or json)")
    report.add_argument("--since", default="30d", help="how far back from --until: 7d, 30d, 12w (default 30d)")
    report.add_argument("--until", default=None,
                        help='end of the period, "2026-11-30" or "2026-11-30 09:00" in the policy\'s time zone (default: now)')
    report.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
    report.add_argument("--tier", default=None, help="only tickets this tier handled (id or name)")
    report.add_argument("--category", default=None, help="only tickets of this category")
    report.add_argument("--customer", default=None,
                        help="only this customer's tickets (any case; against its plan's targets when app.yaml knows it)")
    report.add_argument("--config", default=None, help="policy file (default: $SUPPORTBOT_CONFIG or ./app.yaml)")


def _until(config: AppConfig, text: str | None) -> datetime:
    if not text:
        return system_clock()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return local.replace(tzinfo=report_zone(config)).astimezone(UTC)
    raise ValueError(f'--until {text!r} is not a date like "2026-11-30" or "2026-11-30 09:00"')


def _filters(config: AppConfig, tier: str | None, category: str | None) -> tuple[str | None, str | None]:
    if tier and category:
        raise ValueError("give --tier or --category, not both")
    if tier:
        found = next((t for t in config.tiers if tier.casefold() in (t.id.casefold(), t.name.casefold())), None)
        if found is None:
            raise ValueError(f"--tier {tier!r} is not one of {', '.join(t.id for t in config.tiers)}")
        return found.id, None
    if category:
        match = config.category(category)
        if match is None:
            raise ValueError(f"--category {category!r} is not in the policy")
        return None, match.name
    return None, None


def _customer(config: AppConfig, name: str | None) -> str | None:
    """The customer as app.yaml writes it (any name is allowed: /ticket takes free text)."""
    if name is None or not name.strip():
        return None
    known = config.customer(name)
    return known.name if known else name.strip()


async def _compute(url: str, config: AppConfig, **kwargs: object) -> SupportStats:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            with TerminalProgress("report", unit="query") as progress:
                return await compute_stats(db=db, config=config, on_progress=progress, **kwargs)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def run_report(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import asyncio

    path = config_path_from(env, args.config)
    try:
        config = load_config(path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        print(f"supportbot report: fix {path} first (see `supportbot check-config`)", file=sys.stderr)
        return 2
    try:
        period = parse_duration(args.since)
        until = _until(config, args.until)
        tier, category = _filters(config, args.tier, args.category)
    except ValueError as error:
        print(f"supportbot report: {error}", file=sys.stderr)
        return 2
    url = database_url_from(env)
    try:
        customer = _customer(config, args.customer)
        stats = asyncio.run(_compute(url, config, since=until - period, until=until, tier=tier, category=category,
                                     customer=customer))
    except DBAPIError as error:
        print(describe_database_failure(error, url)
              or f"supportbot report: cannot read the database at $DATABASE_URL ({type(error.orig).__name__}); "
                 "is it migrated (`supportbot db upgrade`)?", file=sys.stderr)
        return 2
    targets = report_targets(config)
    if args.format == "json":
        sys.stdout.write(format_json(stats, targets))
    elif args.format == "csv":
        sys.stdout.write(format_csv(stat_rows(stats, targets)))
    else:
        zone = report_zone(config)
        heading = (f"Support metrics, last {format_duration(period)}: tickets opened "
                   f"{stats.since.astimezone(zone):%Y-%m-%d %H:%M} – {stats.until.astimezone(zone):%Y-%m-%d %H:%M} "
                   f"({zone.key})" + (f", tier {tier}" if tier else "") + (f", category {category}" if category else "")
                   + (f", customer {customer}" if customer else ""))
        labels = {"backlog": backlog_label(stats.until, zone, "%Y-%m-%d %H:%M")}
        sys.stdout.write(format_table(stat_rows(stats, targets), heading=heading, labels=labels))
    return 0
