"""What `supportbot serve` writes to its log: one startup line, no warning on a correct
start, nearly nothing while idle at INFO, and the level and shape the operator asked for
(``LOG_LEVEL``, ``--log-level``, ``LOG_FORMAT``)."""

from __future__ import annotations

import asyncio
import json
import subprocess

from tests.conftest import REPO_ROOT
from tests.serve_process import CLI, ServeProcess, serve_env
from tests.waiting import until
from workflows.policy.roles import OPEN_BY_DEFAULT

IDLE_SECONDS = 15


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


async def test_a_correct_start_logs_one_startup_line_and_an_idle_bot_is_quiet(tmp_path, database_url, fake_slack):
    async with ServeProcess(env=serve_env(database_url, fake_slack.api_url), cwd=tmp_path) as serve:
        await serve.wait_until_healthy()
        started = len(serve.output.splitlines())
        await asyncio.sleep(IDLE_SECONDS)  # wall time is what is measured here: the real scheduler runs
        idle = serve.output.splitlines()[started:]
    lines = json_lines(serve.output)
    assert len(idle) * 60 / IDLE_SECONDS < 5, idle  # fewer than 5 lines a minute while idle
    [startup] = [line["message"] for line in lines if line["message"].startswith("supportbot 0.1.0 serving")]
    assert f"HTTP (POST /slack/events) on 127.0.0.1:{serve.port}" in startup
    assert "priorities P0, P1, P2, P3, 4 tiers, 11 categories" in startup
    armed = startup[startup.index("timers armed ("):]
    assert all(job in armed for job in ("deadline-sweep", "event-replay", "outbox-relay", "page-delivery"))
    assert "database " in startup
    warnings = [line["message"] for line in lines if line["level"] in ("WARNING", "ERROR")]
    # The example app.yaml has no `roles`: that one deliberate notice is all.
    assert warnings == [OPEN_BY_DEFAULT], warnings
    assert "will be unused" not in serve.output
    assert not [line for line in lines if line["logger"].startswith("apscheduler")]


async def test_startup_line_names_the_database(tmp_path, fake_slack):
    # Its password is hidden: tests/unit/test_startup_line.py.
    db = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    async with ServeProcess(env=serve_env(db, fake_slack.api_url), cwd=tmp_path) as serve:
        await serve.wait_until_healthy()
    [startup] = [line["message"] for line in json_lines(serve.output) if "serving HTTP" in line["message"]]
    assert f"database {db};" in startup


async def test_log_level_debug_in_text_shows_the_scheduler_jobs_by_name(tmp_path, database_url, fake_slack):
    env = serve_env(database_url, fake_slack.api_url, LOG_LEVEL="debug", LOG_FORMAT="text")
    async with ServeProcess(env=env, cwd=tmp_path) as serve:
        await serve.wait_until_healthy()
        # the outbox relay runs every second: its run's line names it
        await until(lambda: 'Running job "outbox-relay (trigger: interval[0:00:01]' in serve.output, 10,
                    what="a logged run of the outbox-relay job")
    output = serve.output
    assert not output.lstrip().startswith("{")
    assert " DEBUG " in output and " INFO    bot.service: supportbot 0.1.0 serving" in output
    assert 'Running job "outbox-relay (trigger: interval[0:00:01]' in output
    runs = [line for line in output.splitlines() if "Running job" in line]
    assert runs and not [line for line in runs if "<locals>" in line], runs[:3]


async def test_log_level_warning_hides_info_and_the_flag_wins_over_the_variable(tmp_path, database_url, fake_slack):
    env = serve_env(database_url, fake_slack.api_url, LOG_LEVEL="DEBUG")
    async with ServeProcess(env=env, cwd=tmp_path, args=["--log-level", "WARNING"]) as serve:
        await serve.wait_until_healthy()
    lines = json_lines(serve.output)
    assert lines and {line["level"] for line in lines} == {"WARNING"}, lines


def test_an_unknown_log_level_or_format_is_one_line_and_exit_2(tmp_path):
    env = serve_env(f"sqlite+aiosqlite:///{tmp_path}/x.db", "http://127.0.0.1:1/api/", LOG_LEVEL="chatty")
    result = subprocess.run([*CLI, "serve", "--config", str(REPO_ROOT / "app.yaml")], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "supportbot: LOG_LEVEL='CHATTY' is not a log level; use one of DEBUG, INFO, WARNING, ERROR"]
    env["LOG_LEVEL"], env["LOG_FORMAT"] = "info", "xml"
    result = subprocess.run([*CLI, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "LOG_FORMAT='xml'" in result.stderr and "json or text" in result.stderr
    assert not (tmp_path / "x.db").exists()


async def test_probes_and_scrapes_that_succeed_leave_no_access_log_line(tmp_path, database_url, fake_slack):
    import aiohttp

    async with ServeProcess(env=serve_env(database_url, fake_slack.api_url), cwd=tmp_path) as serve:
        await serve.wait_until_healthy()
        async with aiohttp.ClientSession() as http:
            for path in ("/livez", "/readyz", "/healthz", "/metrics", "/livez?x=1", "/nowhere"):
                async with http.get(serve.url + path) as resp:
                    await resp.read()
    access = [line["message"] for line in json_lines(serve.output) if line["logger"] == "aiohttp.access"]
    assert len(access) == 1 and '"GET /nowhere HTTP/1.1" 404' in access[0], access
