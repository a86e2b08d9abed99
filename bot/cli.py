"""The ``supportbot`` command: serve, db upgrade, check-config, simulate, report, manifest, doctor, kb reindex,
init.

Exit codes: 0 success, 1 a check found problems (check-config, doctor), 2 the command cannot
run as configured (missing token, unreadable config, bad arguments).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from bot.clock import system_clock
from workflows.policy.loader import load_config
from workflows.policy.problems import ConfigError
from workflows.policy.schema import AppConfig
from bot.database import make_engine, upgrade_database
from bot.doctor_cli import add_doctor_parser, run_doctor_command
from workflows.policy.durations import parse_duration
from workflows.policy.explain import calendar_summary, target_notes
from workflows.policy.escalation_notes import escalation_warnings
from bot.init_cli import add_init_parser, run_init
from bot.kb_cli import add_kb_parser, run_kb_command
from bot.manifest import ManifestUrlError, render_manifest
from bot.report_cli import add_report_parser, run_report
from bot.startup_line import package_version
from bot.settings import (
    DEFAULT_DATABASE_URL,
    SettingError,
    config_path_from,
    database_url_from,
    load_settings,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supportbot", description="Slack-native support desk and incident bot.")
    parser.add_argument("--version", action="version", version=f"supportbot {package_version()}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot (HTTP server, scheduler, database)")
    serve.add_argument("--port", type=int, default=None,
                       help="the port of POST /slack/events, the webhooks and the probes (default: $PORT, else 3000)")
    serve.add_argument("--host", default="0.0.0.0",
                       help="the address to listen on (default 0.0.0.0: every interface; 127.0.0.1: this machine only)")
    serve.add_argument("--config", default=None, help="policy file (default: $SUPPORTBOT_CONFIG or ./app.yaml)")
    serve.add_argument("--socket-mode", action="store_true",
                       help="receive Slack's requests over Socket Mode ($SLACK_APP_TOKEN, xapp-…) instead of "
                            "POST /slack/events; the other routes still listen on --port")
    serve.add_argument("--metrics-port", type=int, default=None,
                       help="serve GET /metrics on this port alone (of --metrics-host), not on --port")
    serve.add_argument("--metrics-host", default=None,
                       help="the address of the --metrics-port listener (default 127.0.0.1: this machine only)")
    _add_log_level(serve)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    _add_log_level(db_sub.add_parser("upgrade", help="apply pending migrations to $DATABASE_URL"))

    check = sub.add_parser("check-config", help="validate app.yaml and list every problem")
    check.add_argument("path", nargs="?", default=None, metavar="PATH",
                       help="the policy file (default: $SUPPORTBOT_CONFIG or ./app.yaml)")

    simulate = sub.add_parser("simulate", help="print what the bot would do to one ticket under this policy, "
                                                "or (--replay) what the stored tickets would have produced")
    simulate.add_argument("--priority", default=None, help="P0, P1, P2 or P3 (required without --replay)")
    simulate.add_argument("--category", default=None, help="a category name from app.yaml (required without --replay)")
    simulate.add_argument("--created", default=None, help='local time in the policy\'s timezone, e.g. "2026-11-27 17:30" (default: now)')
    simulate.add_argument("--responds-after", default=None, help="when an agent first replies, e.g. 2h (default: never)")
    simulate.add_argument("--resolved-after", default=None,
                          help="when an agent resolves the ticket, e.g. 3d (default: never); its reporter never "
                               "answers, so it closes after tickets.close_after")
    simulate.add_argument("--plan", default=None, help="a plan from app.yaml's plans: the ticket of a customer on it")
    simulate.add_argument("--config", default=None, help="policy file (default: $SUPPORTBOT_CONFIG or ./app.yaml); "
                                                          "with --replay, the proposed policy")
    simulate.add_argument("--replay", action="store_true", help="replay the tickets stored in $DATABASE_URL under "
                                                                 "$SUPPORTBOT_CONFIG and --config, side by side")
    simulate.add_argument("--since", default="90d", help="with --replay: the tickets opened this long before "
                                                         "--until (default 90d)")
    simulate.add_argument("--until", default=None, help='with --replay: the end of the period, "YYYY-MM-DD" or '
                                                        '"YYYY-MM-DD HH:MM" in the policy\'s timezone (default: now)')

    add_report_parser(sub)

    manifest = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--url", default=None,
                          help="the bot's public base URL, e.g. https://support.example.com (not with --socket-mode)")
    manifest.add_argument("--name", default="supportbot", help="the app's display name")
    manifest.add_argument("--socket-mode", action="store_true", help="a Socket Mode app: no request URLs")

    add_doctor_parser(sub)
    add_kb_parser(sub)
    add_init_parser(sub)
    return parser


def _add_log_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-level", default=None, metavar="LEVEL",
                        help="DEBUG, INFO, WARNING or ERROR (default: $LOG_LEVEL, else INFO); "
                             "the shape is $LOG_FORMAT: json (default off a terminal) or text")


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def _load_config_or_report(path: str) -> AppConfig | ConfigError:
    try:
        return load_config(path)
    except ConfigError as error:
        return error


def _check_config(path: str) -> int:
    result = _load_config_or_report(path)
    if isinstance(result, ConfigError):
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return _fail(f"{path}: {len(result.problems)} problem(s)", 1)
    print(
        f"{path}: OK — {len(result.priorities)} priorities, {len(result.tiers)} tiers, "
        f"{len(result.categories)} categories"
    )
    notes = target_notes(result)  # what business-hours targets mean; not problems
    if notes:
        print(calendar_summary(result))
        for note in notes:
            print(note)
    for warning in escalation_warnings(result):  # the policy works; these entries cannot act as written
        print(f"warning: {warning}")
    return 0


async def _db_upgrade(url: str) -> None:
    from bot.progress import TerminalProgress

    engine = make_engine(url)
    try:
        with TerminalProgress("db upgrade", unit="migration") as progress:
            await upgrade_database(engine, on_progress=progress)
    finally:
        await engine.dispose()


def settle_heap() -> None:
    """Once started, move what startup built (modules, policy, mappers, compiled SQL) out
    of the garbage collector's sight: a full collection otherwise walks all of it and
    stalls the loop for 100 ms and more every second or so under load (every request in
    flight waits; seen in benchmarks/ section 1). Only the process entry point does it."""
    gc.collect()
    gc.freeze()


async def _serve(settings, config: AppConfig, host: str, port: int, socket_mode: bool = False,
                 metrics_host: str | None = None, metrics_port: int | None = None) -> int:
    from bot.reload import reload_policy
    from bot.runtime import build_runtime
    from bot.server import wait_for_stop_signal
    from bot.service import Service
    from bot.socket_mode import SocketModeError
    from bot.startup_errors import StartupError, check_bot_token

    service = Service(build_runtime(settings=settings, config=config, clock=system_clock), host=host, port=port,
                      socket_mode=socket_mode, metrics_host=metrics_host or "127.0.0.1", metrics_port=metrics_port)
    try:
        if not socket_mode:  # Socket Mode: opening the socket says whether the tokens work
            await check_bot_token(service.runtime.slack)
        await service.start()
    except (SocketModeError, StartupError) as error:
        await service.stop()
        return _fail(str(error), 2)
    except BaseException:
        await service.stop()  # nothing left open (the Slack session, the engine) behind the one line
        raise
    settle_heap()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: service.runtime.spawn(
        reload_policy(service.runtime, settings.config_path)))
    try:
        await wait_for_stop_signal(asyncio.Event())
    finally:
        await service.stop()
    return 0


def _simulate(args: argparse.Namespace, path: str) -> int:
    from bot.simulation import simulate

    if args.priority is None or args.category is None:
        return _fail("supportbot simulate: give --priority and --category (or --replay)", 2)

    config = _load_config_or_report(path)
    if isinstance(config, ConfigError):
        for problem in config.problems:
            print(problem, file=sys.stderr)
        return _fail(f"supportbot simulate: fix {path} first (see `supportbot check-config`)", 2)
    try:
        scenario = parse_scenario(config, args)
    except ValueError as error:
        return _fail(f"supportbot simulate: {error}", 2)
    for line in asyncio.run(simulate(config, scenario)):
        print(line)
    return 0


def parse_scenario(config: AppConfig, args: argparse.Namespace) -> Any:
    from datetime import datetime

    from bot.simulation import Scenario

    if args.priority not in config.priorities:
        raise ValueError(f"--priority {args.priority!r} is not one of {', '.join(config.priorities)}")
    category = config.category(args.category)
    if category is None:
        names = ", ".join(repr(c.name) for c in config.categories)
        raise ValueError(f"--category {args.category!r} is not in the policy; categories: {names}")
    if args.created:
        try:
            local = datetime.strptime(args.created.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            raise ValueError(f"--created {args.created!r} is not a time like \"2026-11-27 17:30\"") from None
        created = local.replace(tzinfo=config.zone).astimezone(UTC)
    else:
        created = system_clock().replace(second=0, microsecond=0)
    responds_after = parse_duration(args.responds_after) if args.responds_after else None
    resolved_after = None
    if getattr(args, "resolved_after", None):
        try:
            resolved_after = parse_duration(args.resolved_after)
        except ValueError as error:
            raise ValueError(f"--resolved-after: {error}") from None
    plan = getattr(args, "plan", None)
    if plan is not None and plan not in config.plans:
        raise ValueError(f"--plan {plan!r} is not in the policy; plans: {', '.join(config.plans) or 'none defined'}")
    return Scenario(priority=args.priority, category=category.name, created=created, responds_after=responds_after,
                    plan=plan, resolved_after=resolved_after)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command. What stops it from starting (a setting, the database, the port)
    is one line on stderr and exit 2, never a traceback (``bot/startup_errors.py``)."""
    args = _parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        return _run(args, env)
    except SettingError as error:
        return _fail(str(error), 2)
    except Exception as error:
        from bot.startup_errors import describe_database_failure

        line = describe_database_failure(error, _database_url_or_default(env))
        if line is None:
            raise
        return _fail(line, 2)


def _database_url_or_default(env: Mapping[str, str]) -> str:
    try:
        return database_url_from(env)
    except SettingError:
        return DEFAULT_DATABASE_URL


def _config_or_fail(path: str) -> AppConfig | int:
    """The policy, or (after printing why) exit code 2: one line when the file itself
    cannot be read, else every problem with its key path and one line saying what to do."""
    config = _load_config_or_report(path)
    if not isinstance(config, ConfigError):
        return config
    if len(config.problems) == 1 and config.problems[0].startswith(f"{path}: "):
        return _fail(f"supportbot: cannot read the policy {config.problems[0]}; give --config PATH or set "
                     f"SUPPORTBOT_CONFIG (`supportbot init` writes an example to start from)", 2)
    for problem in config.problems:
        print(problem, file=sys.stderr)
    return _fail(f"supportbot: fix {path} (see `supportbot check-config`)", 2)


def _run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.command == "init":
        return run_init(args)
    if args.command == "manifest":
        try:
            sys.stdout.write(render_manifest(args.url, name=args.name, socket_mode=args.socket_mode))
        except ManifestUrlError as error:
            return _fail(f"supportbot manifest: {error}", 2)
        return 0
    if args.command == "check-config":
        return _check_config(config_path_from(env, args.path))
    if args.command == "simulate" and args.replay:
        from bot.replay_cli import run_replay

        return run_replay(args, env)
    if args.command == "simulate":
        return _simulate(args, config_path_from(env, args.config))
    if args.command == "report":
        return run_report(args, env)
    if args.command == "doctor":
        return run_doctor_command(args, env)
    if args.command == "kb":
        return run_kb_command(args, env)
    from bot.logging_setup import (
        LogSettingError,
        configure_logging,  # JSON lines (text on a terminal), tokens and secrets redacted
    )
    try:
        configure_logging(env, level=args.log_level)
    except LogSettingError as error:
        return _fail(str(error), 2)
    if args.command == "db":
        asyncio.run(_db_upgrade(database_url_from(env)))
        print("database is at the latest migration")
        return 0
    if args.port is None:
        port = env.get("PORT", "").strip() or "3000"
        if not (port.isdigit() and int(port) <= 65535):
            return _fail(f"supportbot serve: PORT={port!r} is not a port number (0-65535)", 2)
        args.port = int(port)
    if args.metrics_host is not None and args.metrics_port is None:
        return _fail("supportbot serve: --metrics-host needs --metrics-port (the port /metrics listens on)", 2)
    if args.metrics_port is not None and args.metrics_port == args.port:
        return _fail("supportbot serve: --metrics-port must differ from --port", 2)
    settings = load_settings(env, config_path=args.config, socket_mode=args.socket_mode)
    config = _config_or_fail(settings.config_path)
    if isinstance(config, int):
        return config
    return asyncio.run(_serve(settings, config, args.host, args.port, args.socket_mode,
                              args.metrics_host, args.metrics_port))


if __name__ == "__main__":
    sys.exit(main())
