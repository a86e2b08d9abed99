"""Long CLI work shows a progress bar on a terminal, and nothing of the kind elsewhere
(bot/progress.py): `db upgrade`, `kb reindex` and `report`."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.serve_process import CLI, run_cli, serve_env

CONFIG = str(REPO_ROOT / "app.yaml")


def _in_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run ``supportbot ARGS`` with a pseudo-terminal as stdin, stdout and stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([*CLI, *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd)
    os.close(slave)
    output = b""
    try:
        while select.select([master], [], [], 60)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:  # the other side closed
                break
            if not data:
                break
            output += data
    finally:
        os.close(master)
        proc.wait(timeout=60)
    return proc.returncode, output.decode(errors="replace")


async def test_a_terminal_sees_progress_bars(tmp_path, database_url):
    env = serve_env(database_url, "http://127.0.0.1:1/api/", LOG_LEVEL="WARNING")
    code, output = await asyncio.to_thread(_in_a_terminal, ["kb", "reindex", "--config", CONFIG], env, tmp_path)
    assert code == 0, output
    assert "db upgrade:" in output and "migration" in output and "100%|" in output
    assert "kb reindex:" in output and "knowledge base: " in output
    code, output = await asyncio.to_thread(_in_a_terminal, ["report", "--since", "365d", "--config", CONFIG], env,
                                           tmp_path)
    assert code == 0, output
    assert "report:" in output and "3/3" in output and "Support metrics, last" in output
    code, output = await asyncio.to_thread(_in_a_terminal, ["db", "upgrade"], env, tmp_path)
    assert code == 0 and "database is at the latest migration" in output


async def test_a_pipe_sees_no_progress_at_all(tmp_path, database_url):
    env = serve_env(database_url, "http://127.0.0.1:1/api/", LOG_LEVEL="WARNING")
    for args in (["db", "upgrade"], ["kb", "reindex", "--config", CONFIG], ["report", "--since", "365d", "--config", CONFIG]):
        code, stdout, stderr = await run_cli(args, env=env, cwd=tmp_path)
        assert code == 0, stderr
        for stream in (stdout, stderr):
            assert "\r" not in stream and "%|" not in stream and "\x1b" not in stream, (args, stream[-500:])
