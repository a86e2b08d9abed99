"""Plumbing shared by the benchmarks: processes (fake Slack, `supportbot serve`, the bare
app), throwaway databases, the fake's control API, percentiles and text tables."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from benchmarks.fake_slack_server import BOT_TOKEN
from tests import dbutil as test_databases

REPO_ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "bench-signing-secret"
DEFAULT_PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table (Markdown pipe syntax, so the README renders it)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# -- processes ----------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    proc: asyncio.subprocess.Process
    log: Path
    port: int | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self, tail: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-tail:]
        except FileNotFoundError:
            return ""

    async def stop(self, timeout: float = 20.0) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MiB, from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount, _unit = line.split()
                values[key] = int(amount) / 1024
    return values.get("VmRSS:", math.nan), values.get("VmHWM:", math.nan)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def spawn(name: str, args: Sequence[str], *, env: dict[str, str], workdir: Path) -> Proc:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(*args, env=env, cwd=REPO_ROOT, stdout=out,
                                                    stderr=asyncio.subprocess.STDOUT)
    return Proc(name, proc, log)


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "PAGERDUTY_", "SUPPORTBOT_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


async def wait_healthy(proc: Proc, timeout: float = 60.0) -> float:
    """Seconds from spawn until ``GET /healthz`` answers 200."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline:
            if proc.proc.returncode is not None:
                break
            try:
                async with http.get(f"{proc.url}/healthz") as resp:
                    if resp.status == 200:
                        return time.monotonic() - proc.started
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{proc.name} never became healthy:\n{proc.output()}")


def unlimited_policy(workdir: Path) -> Path:
    """app.yaml with its per-person limits off: a benchmark opens hundreds of tickets a
    minute as a handful of people, which app.yaml's `limits` would refuse."""
    policy = yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
    policy["limits"] = {"tickets_per_minute": "off", "incidents_per_minute": "off"}
    path = workdir / "app-unlimited.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


async def start_bot(name: str, *, database_url: str, fake_api_url: str, workdir: Path,
                    config: Path | None = None, profile_to: Path | None = None) -> Proc:
    """The real `supportbot serve` on a free loopback port (``profile_to``: under
    pyinstrument, its session saved there when the process stops)."""
    env = base_env()
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_api_url,
               DATABASE_URL=database_url)
    port = free_port()
    serve = ["serve", "--host", HOST, "--port", str(port), "--config", str(config or unlimited_policy(workdir))]
    if profile_to is None:
        args = [sys.executable, "-m", "bot.cli", *serve]
    else:
        args = [sys.executable, "-m", "pyinstrument", "--renderer", "session", "--outfile", str(profile_to),
                "--interval", "0.001", "-m", "bot.cli", *serve]
    proc = await spawn(name, args, env=env, workdir=workdir)
    proc.port = port
    return proc


async def start_bare(workdir: Path, fake_api_url: str, view_file: Path | None = None) -> Proc:
    env = base_env()
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_api_url)
    port = free_port()
    view = ["--view", str(view_file)] if view_file else []
    proc = await spawn("bare", [sys.executable, "-m", "benchmarks.bare_app", "--port", str(port), *view],
                       env=env, workdir=workdir)
    proc.port = port
    return proc


# -- the fake Slack -------------------------------------------------------------------


class FakeSlackProcess:
    """``benchmarks.fake_slack_server`` as a subprocess, and a client of its control API."""

    def __init__(self, proc: asyncio.subprocess.Process, root: str) -> None:
        self.proc = proc
        self.root = root
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self._next = 0

    @property
    def api_url(self) -> str:
        return f"{self.root}api/"

    def response_url(self, name: str) -> str:
        return f"{self.root}response/{name}"

    @classmethod
    async def start(cls, workdir: Path) -> FakeSlackProcess:
        env = base_env()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.fake_slack_server", env=env, cwd=REPO_ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=(workdir / "fake_slack.log").open("wb"))
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake Slack did not start: {line!r}")
        return cls(proc, line.split(" ", 1)[1])

    async def stop(self) -> None:
        await self._http.close()
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def reset(self) -> None:
        async with self._http.post(f"{self.root}bench/reset") as resp:
            resp.raise_for_status()
        self._next = 0

    async def counts(self) -> dict[str, int]:
        async with self._http.get(f"{self.root}bench/counts") as resp:
            return await resp.json()

    async def records(self, *, all_: bool = False) -> list[dict[str, Any]]:
        """Records since the previous call (or, with ``all_``, since the last reset)."""
        since = 0 if all_ else self._next
        async with self._http.get(f"{self.root}bench/records", params={"since": str(since)}) as resp:
            data = await resp.json()
        if not all_:
            self._next = data["next"]
        return data["records"]

    async def latest_view(self, callback_id: str | None = None) -> dict[str, Any]:
        params = {"callback_id": callback_id} if callback_id else {}
        async with self._http.get(f"{self.root}bench/latest_view", params=params) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def seed_cards(self, cards: list[dict[str, str]]) -> None:
        for start in range(0, len(cards), 5000):
            async with self._http.post(f"{self.root}bench/cards", json=cards[start:start + 5000]) as resp:
                resp.raise_for_status()

    async def wait_count(self, method: str, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (await self.counts()).get(method, 0) >= count:
                return True
            await asyncio.sleep(0.1)
        return False


# -- databases ------------------------------------------------------------------------


@asynccontextmanager
async def throwaway_database(kind: str, pg_server: str) -> AsyncIterator[str]:
    """A new empty database (``sb_bench_<hex>`` on the Postgres server), dropped afterwards."""
    async with test_databases.throwaway_database(kind, server_url=pg_server, prefix="sb_bench_") as url:
        yield url


async def migrate(url: str) -> None:
    from bot.database import make_engine, upgrade_database

    engine = make_engine(url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


# -- reporting ------------------------------------------------------------------------


class Report:
    """Collects what a run prints, so the same text goes to stdout and to the README."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def heading(self, title: str) -> None:
        self._emit(f"\n### {title}\n")

    def text(self, body: str) -> None:
        self._emit(body.rstrip() + "\n")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self._emit(table(headers, rows) + "\n")

    def _emit(self, chunk: str) -> None:
        print(chunk, flush=True)
        self.parts.append(chunk)

    def markdown(self) -> str:
        return "\n".join(self.parts)


@dataclass
class Context:
    quick: bool
    workdir: Path
    fake: FakeSlackProcess
    pg_server: str
    report: Report
    databases: list[str]
    soak: float = 600.0     # seconds of the memory soak (``--soak``)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full
