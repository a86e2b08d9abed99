"""Run the benchmark suite: ``python -m benchmarks.run [--quick] [--only NAMES] [--profile]
[--soak SECONDS] [--large]``.

Starts the fake Slack (its own process), then each section in turn; prints text tables
and, after a complete run (every section, both databases) unless ``--no-readme``, writes
them into ``benchmarks/README.md`` between the ``<!-- results:full|quick:... -->``
markers, with the command, the date, the code's revision and the machine's facts.
``--large`` adds the million-ticket section (``benchmarks/large.py``, its own time
budget); ``--large --only large`` runs it alone. Its results go to the
``results:large`` block (``large-quick`` with ``--quick``) when it ran on both databases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import ack_latency, ack_rounds, large, replicas, scale, timers
from benchmarks.harness import DEFAULT_PG_SERVER, Context, FakeSlackProcess, Report

SECTIONS = {"ack": ack_latency.run, "rounds": ack_rounds.run, "timers": timers.run, "scale": scale.run,
            "replicas": replicas.run}
LARGE = {"large": large.run}
README = Path(__file__).resolve().parent / "README.md"


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import slack_bolt
    import sqlalchemy

    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} "
            f"{platform.release()}, slack-bolt {slack_bolt.version.__version__}, SQLAlchemy {sqlalchemy.__version__}")


def _revision() -> str:
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=README.parent, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, cwd=README.parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' with uncommitted changes' if dirty else ''}"


def _write_readme(mode: str, body: str) -> None:
    """Replace the README's block for ``mode`` ("full" or "quick") with ``body``."""
    begin, end = f"<!-- results:{mode}:begin -->", f"<!-- results:{mode}:end -->"
    text = README.read_text() if README.exists() else ""
    if begin not in text or end not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _old, tail = rest.split(end, 1)
    README.write_text(f"{head}{begin}\n{body.strip()}\n{end}{tail}")


async def _postgres_started(server: str) -> str | None:
    """When the Postgres server last started (None: unreachable): a restart by someone
    else during a run is reported with the results."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(server, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SELECT pg_postmaster_start_time()"))).scalar_one())
    except Exception:  # noqa: BLE001 - only a note in the report
        return None
    finally:
        await engine.dispose()


async def _main(args: argparse.Namespace) -> int:
    report = Report()
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    report.text(f"Command: `{command.strip()}`  \n"
                f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  \nCode: {_revision()}  \nMachine: {_machine()}")
    started = time.monotonic()
    large_from = None
    pg_started = await _postgres_started(args.pg_server) if "postgres" in args.databases else None
    with tempfile.TemporaryDirectory(prefix="sb_bench_run_") as tmp:
        workdir = Path(tmp)
        fake = await FakeSlackProcess.start(workdir)
        ctx = Context(quick=args.quick, workdir=workdir, fake=fake, pg_server=args.pg_server, report=report,
                      databases=args.databases, soak=args.soak)
        try:
            for name in args.only:
                if name in LARGE:
                    large_from = len(report.parts)
                section_started = time.monotonic()
                await {**SECTIONS, **LARGE}[name](ctx)
                print(f"[{name}: {time.monotonic() - section_started:.0f} s]", flush=True)
            if args.profile:
                from benchmarks import profiling

                await profiling.run(ctx)
        finally:
            await fake.stop()
            if args.keep_logs:
                for log in workdir.glob("*.log"):
                    (Path(args.keep_logs) / log.name).write_bytes(log.read_bytes())
    report.text(f"Total time: {time.monotonic() - started:.0f} s")
    if "postgres" in args.databases and await _postgres_started(args.pg_server) != pg_started:
        report.text("**Postgres was restarted during this run (not by the benchmarks); rows measured on "
                    "Postgres around that moment may show it.**")
    both = sorted(args.databases) == ["postgres", "sqlite"]
    complete = [name for name in args.only if name in SECTIONS] == list(SECTIONS) and both
    block = "quick" if args.quick else "full"
    if args.no_readme:
        pass
    elif complete or ("large" in args.only and both):
        parts = report.parts
        split = len(parts) - 1 if large_from is None else large_from  # the last part: the total time
        if complete:
            _write_readme(block, "\n".join(parts[:split] + parts[-1:]))
        if large_from is not None and both:
            _write_readme(f"large-{block}" if args.quick else "large", "\n".join(parts[:1] + parts[split:]))
        print(f"results written to {README}")
    else:
        print("a partial run (--only / --databases): benchmarks/README.md left as it was")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="supportbot benchmarks (issue 11)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    parser.add_argument("--large", action="store_true",
                        help="also the million-ticket section (about 10 minutes of loading, then the soak)")
    parser.add_argument("--soak", type=float, default=None,
                        help="seconds of the memory soak at 20 requests/s (default 600; 60 with --quick; 0: none)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, of {', '.join([*SECTIONS, *LARGE])}")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--profile", action="store_true", help="also profile the hot paths with pyinstrument")
    parser.add_argument("--pg-server", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG_SERVER),
                        help="Postgres server (its maintenance database) throwaway databases are made on")
    parser.add_argument("--no-readme", action="store_true",
                        help="print only; leave benchmarks/README.md alone (partial runs never write it)")
    parser.add_argument("--keep-logs", default=None, help="copy the processes' logs into this directory")
    args = parser.parse_args()
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if args.large and "large" not in args.only:
        args.only.append("large")
    if args.soak is None:
        args.soak = 60.0 if args.quick else 600.0
    unknown = [name for name in args.only if name not in SECTIONS and name not in LARGE]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
