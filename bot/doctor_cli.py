"""`supportbot doctor`: run every deployment check and print one line each (see bot/doctor.py).

    supportbot doctor [--config app.yaml] [--join]

Reads the same environment as ``serve`` (with ``SLACK_APP_TOKEN`` set, Socket Mode's:
no signing secret needed). Exit codes: 0 every check passed, 1 at least one ✗ (a
missing token or a broken app.yaml is a ✗ too).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Mapping

from workflows.policy.loader import load_config
from workflows.policy.problems import ConfigError
from workflows.policy.schema import AppConfig
from bot.doctor import run_checks
from bot.doctor_checks import CheckResult, failed
from bot.settings import SettingError, load_settings

__all__ = ["add_doctor_parser", "run_doctor_command"]


def add_doctor_parser(sub: argparse._SubParsersAction) -> None:
    doctor = sub.add_parser("doctor", help="check tokens, scopes, channels, people, database and PagerDuty")
    doctor.add_argument("--config", default=None, help="policy file (default: $SUPPORTBOT_CONFIG or ./app.yaml)")
    doctor.add_argument("--join", action="store_true",
                        help="join the public channels named in app.yaml that the bot is not in yet")


def run_doctor_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    logging.basicConfig(level=logging.ERROR)  # the checks' own lines say what went wrong
    socket_mode = bool(env.get("SLACK_APP_TOKEN", "").strip()) and not env.get("SLACK_SIGNING_SECRET", "").strip()
    try:
        settings = load_settings(env, config_path=args.config, socket_mode=socket_mode)
    except SettingError as error:
        print(failed(str(error).removeprefix("supportbot: "), "then run `supportbot doctor` again").line())
        return 1
    config: AppConfig | None
    results: list[CheckResult] = []
    try:
        config = load_config(settings.config_path)
    except ConfigError as error:
        config = None
        results.append(failed(f"{settings.config_path}: {len(error.problems)} problem(s); channel and people "
                              f"checks skipped", f"see `supportbot check-config {settings.config_path}`"))
    results += asyncio.run(run_checks(settings, config, join=args.join))
    for result in results:
        print(result.line())
    problems = sum(1 for r in results if not r.ok)
    print(f"{len(results)} checks, {problems} problem(s)" if problems else f"{len(results)} checks, all passed")
    return 1 if problems else 0
