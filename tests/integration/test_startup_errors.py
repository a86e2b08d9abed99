"""What stops `supportbot` from starting is one line saying what and how to fix it, and
exit 2: the database down or missing, the port taken, a URL that is not a database's,
a policy file that cannot be read, a bot token Slack refuses. Slack out of reach is a
warning, and the bot starts (bot/startup_errors.py)."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import REPO_ROOT
from tests.fakes.slack import FakeSlack
from tests.serve_process import ServeProcess, free_port, plain_lines, run_cli, serve_env

CONFIG = str(REPO_ROOT / "app.yaml")


def assert_one_line(stderr: str, *parts: str) -> None:
    assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr[-3000:]
    [line] = plain_lines(stderr)
    assert line.startswith("supportbot: "), line
    for part in parts:
        assert part in line, line


@pytest.mark.parametrize("command", [
    ["serve", "--port", "0", "--config", CONFIG], ["db", "upgrade"], ["report", "--since", "7d", "--config", CONFIG],
    ["kb", "reindex", "--config", CONFIG]])
async def test_a_database_that_is_down_is_one_line_and_exit_2(tmp_path, fake_slack, command):
    closed = free_port()  # nothing listens there: the database server is down
    env = serve_env(f"postgresql://bot:pw-s3cret@127.0.0.1:{closed}/supportbot", fake_slack.api_url)
    code, _, stderr = await run_cli(command, env=env, cwd=tmp_path)
    assert code == 2
    assert_one_line(stderr, f"cannot reach the database at postgresql+asyncpg://bot:***@127.0.0.1:{closed}/supportbot",
                    "start it, or fix the host and port in DATABASE_URL")
    assert "pw-s3cret" not in stderr


async def test_a_database_that_does_not_exist_is_one_line_and_exit_2(tmp_path, fake_slack, database_url):
    if make_url(database_url).get_backend_name() != "postgresql":
        url = f"sqlite:///{tmp_path}/no/such/folder/bot.db"
        expected = ("cannot open the SQLite database", "create its folder")
    else:
        url = make_url(database_url).set(database="supportbot_no_such_database").render_as_string(hide_password=False)
        expected = ("the database 'supportbot_no_such_database' does not exist",
                    "createdb supportbot_no_such_database")
    code, _, stderr = await run_cli(["serve", "--port", "0", "--config", CONFIG],
                                    env=serve_env(url, fake_slack.api_url), cwd=tmp_path)
    assert code == 2
    assert_one_line(stderr, *expected)


@pytest.mark.parametrize("url, expected", [
    ("mysql://bot@db/support", "DATABASE_URL names 'mysql', which supportbot does not speak"),
    ("postgresql+psycopg://bot@db/support", "names 'postgresql+psycopg'"),
    ("support.db", "DATABASE_URL is not a database URL"),
    ("postgresql://bot:pw@db:five/support", "cannot be read as a postgresql URL"),
])
async def test_a_url_that_is_not_a_database_url_is_one_line_and_exit_2(tmp_path, url, expected):
    for command in (["serve", "--config", CONFIG], ["db", "upgrade"]):
        code, _, stderr = await run_cli(command, env=serve_env(url, "http://127.0.0.1:1/api/"), cwd=tmp_path)
        assert code == 2
        assert_one_line(stderr, expected, "use postgresql://user:password@host:5432/dbname or sqlite:///")


async def test_postgres_and_postgresql_urls_get_the_async_driver(tmp_path, database_url):
    plain = database_url.replace("postgresql+asyncpg://", "postgres://", 1).replace("sqlite+aiosqlite://", "sqlite://", 1)
    assert plain != database_url
    code, stdout, stderr = await run_cli(["db", "upgrade"], env=serve_env(plain, "http://127.0.0.1:1/api/"),
                                         cwd=tmp_path)
    assert code == 0, stderr[-3000:]
    assert "database is at the latest migration" in stdout


async def test_a_port_in_use_is_one_line_and_exit_2(tmp_path, fake_slack):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, stderr = await run_cli(
            ["serve", "--port", str(port), "--host", "127.0.0.1", "--config", CONFIG],
            env=serve_env(f"sqlite+aiosqlite:///{tmp_path}/bot.db", fake_slack.api_url), cwd=tmp_path)
    assert code == 2
    assert_one_line(stderr, f"port {port} on 127.0.0.1 is already in use", "--port")
    assert '"level": "ERROR"' not in stderr and '"level": "WARNING", "logger": "asyncio"' not in stderr


@pytest.mark.parametrize("problem", ["missing", "folder", "yaml"])
async def test_a_policy_file_that_cannot_be_read_is_one_line_and_exit_2(tmp_path, problem):
    path = tmp_path / "app.yaml"
    if problem == "folder":
        path.mkdir()
    elif problem == "yaml":
        path.write_text("timezone: [UTC\n")
    code, _, stderr = await run_cli(["serve", "--config", str(path)],
                                    env=serve_env(f"sqlite+aiosqlite:///{tmp_path}/bot.db", "http://127.0.0.1:1/api/"),
                                    cwd=tmp_path)
    assert code == 2
    assert_one_line(stderr, f"cannot read the policy {path}: ", "--config PATH or set SUPPORTBOT_CONFIG")
    assert not (tmp_path / "bot.db").exists()


async def test_a_bot_token_slack_refuses_is_one_line_and_exit_2(tmp_path):
    async with FakeSlack(bot_token="xoxb-the-real-token") as slack:
        env = serve_env(f"sqlite+aiosqlite:///{tmp_path}/bot.db", slack.api_url, SLACK_BOT_TOKEN="xoxb-a-revoked-token")
        code, _, stderr = await run_cli(["serve", "--port", "0", "--config", CONFIG], env=env, cwd=tmp_path)
    assert code == 2
    assert_one_line(stderr, "Slack refused SLACK_BOT_TOKEN (invalid_auth)", "Bot User OAuth Token",
                    "api.slack.com/apps")
    assert "xoxb-a-revoked-token" not in stderr
    assert not (tmp_path / "bot.db").exists()  # refused before anything was written


async def test_slack_out_of_reach_is_a_warning_and_the_bot_starts(tmp_path):
    unreachable = f"http://127.0.0.1:{free_port()}/api/"
    env = serve_env(f"sqlite+aiosqlite:///{tmp_path}/bot.db", unreachable)
    async with ServeProcess(env=env, cwd=tmp_path) as serve:
        await serve.wait_until_healthy(timeout=60)
    assert "Traceback" not in serve.output
    assert any("Slack cannot be reached" in line and '"level": "WARNING"' in line and "starting anyway" in line
               for line in serve.output.splitlines()), serve.output[-3000:]
    assert "supportbot 0.1.0 serving HTTP" in serve.output


