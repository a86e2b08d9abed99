"""`supportbot serve` as an operator runs it: a real process, its output in a file.

    async with ServeProcess(env=serve_env(database_url, fake_slack.api_url), cwd=tmp_path) as serve:
        await serve.wait_until_answering("/healthz")
        ...
    serve.output  # everything it printed, after it stopped (SIGTERM)
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.conftest import BOT_TOKEN, REPO_ROOT, SIGNING_SECRET
from tests.waiting import healthz, until

CLI = [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without Slack, PagerDuty, log or policy settings, plus
    the test tokens, the fake Slack's URL and the database."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_", "LOG_", "METRICS_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack_api_url,
               DATABASE_URL=database_url)
    env.update(extra)
    return env


class ServeProcess:
    def __init__(self, *, env: dict[str, str], cwd: Path, args: list[str] | None = None,
                 config: Path | str = REPO_ROOT / "app.yaml") -> None:
        self.port = free_port()
        self._env, self._cwd = env, cwd
        self._args = ["serve", "--port", str(self.port), "--host", "127.0.0.1", "--config", str(config),
                      *(args or [])]
        self.log_path = cwd / f"serve-{self.port}.log"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def __aenter__(self) -> ServeProcess:
        with self.log_path.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *CLI, *self._args, env=self._env, cwd=self._cwd, stdout=out, stderr=asyncio.subprocess.STDOUT)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode  # type: ignore[return-value]

    async def wait_until_answering(self, path: str = "/livez", timeout: float = 30.0) -> int:
        """Poll ``path`` until it answers (any status); that status."""
        assert self.proc is not None
        proc = self.proc
        async with aiohttp.ClientSession() as http:
            async def answered() -> int | None:
                if proc.returncode is not None:
                    raise AssertionError(f"serve ended (exit {proc.returncode}) before {path} answered:\n"
                                         f"{self.output[-3000:]}")
                try:
                    async with http.get(self.url + path) as resp:
                        return resp.status
                except aiohttp.ClientConnectionError:
                    return None
            return await until(answered, timeout, every=0.1,
                               what=lambda: f"serve answering {path}:\n{self.output[-3000:]}")

    async def wait_until_healthy(self, timeout: float = 30.0) -> None:
        assert self.proc is not None
        await healthz(self.url, timeout, process=self.proc, output=lambda: self.output[-3000:])


async def run_cli(args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 90.0) -> tuple[int, str, str]:
    """Run ``supportbot ARGS`` to its end without blocking the loop (the fakes live on it):
    exit code, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(*CLI, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


def plain_lines(text: str) -> list[str]:
    """The lines that are not JSON log records: what the command itself printed."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith('{"timestamp"')]
