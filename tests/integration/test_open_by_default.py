"""Without a ``roles`` section everyone may do everything (the small-team default), and
`serve` and `doctor` each say so in one line; with roles they say what is restricted."""

from __future__ import annotations

import logging

import pytest

from workflows.policy.roles import OPEN_BY_DEFAULT
from bot.doctor import run_checks
from tests.authority_steps import *  # noqa: F403  (config: app.yaml plus roles; engineers)
from tests.conftest import make_settings

OPEN = "open by default: app.yaml has no `roles` section, so everyone in the workspace may do everything"


def serve_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.get_records("setup") if r.name == "bot.service"]


@pytest.mark.parametrize("config", [None], indirect=True)
async def test_serve_and_doctor_say_the_bot_is_open_by_default(caplog, bot, database_url, fake_slack, config):
    [line] = [m for m in serve_lines(caplog) if "roles" in m]
    assert line == OPEN_BY_DEFAULT and line.startswith(OPEN)
    [record] = [r for r in caplog.get_records("setup") if r.getMessage() == line]
    assert record.levelno == logging.WARNING

    results = await run_checks(make_settings(database_url, fake_slack.api_url), config)
    [check] = [r.line() for r in results if "roles" in r.text]
    assert check.startswith(f"✓ {OPEN}")


async def test_with_roles_serve_is_quiet_about_it_and_doctor_says_what_is_restricted(caplog, bot, database_url,
                                                                                       fake_slack, config):
    assert not [m for m in serve_lines(caplog) if "open by default" in m]
    results = await run_checks(make_settings(database_url, fake_slack.api_url), config)
    [check] = [r.line() for r in results if "roles" in r.text]
    assert check.startswith("✓ roles declared: only agents claim, resolve and escalate tickets; P0/P1 incidents need")
