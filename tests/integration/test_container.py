"""The container image: built from the Dockerfile with the lock, run as a non-root user,
`supportbot serve` by default, healthy on GET /livez; and compose.yaml runs it with
PostgreSQL.

Building needs a working container engine (podman or docker) and the base image already
on this machine: the tests pull nothing. ``SUPPORTBOT_TEST_BASE_IMAGE`` names another base
(with ``python3`` 3.11 and its ``venv`` module, e.g. a Debian bookworm image), and
``SUPPORTBOT_TEST_CONTAINER_ARGS`` adds options to every build and run (a sandbox may need
``--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024``). Without them the
build test is skipped, saying why.

A base without a registry, from Debian's mirror (as root, with Debian's podman, runc and
debootstrap)::

    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm /tmp/base
    tar -C /tmp/base -c . | podman import - localhost/bookworm-python:3.11
    SUPPORTBOT_TEST_BASE_IMAGE=localhost/bookworm-python:3.11 \
    SUPPORTBOT_TEST_CONTAINER_ARGS="--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024" \
        .venv/bin/pytest tests/integration/test_container.py
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

import aiohttp
import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.conftest import REPO_ROOT
from tests.serve_process import free_port
from tests.waiting import until

DEFAULT_BASE = "python:3.11-slim-bookworm"


def test_the_dockerfile_uses_the_lock_a_user_serve_and_livez():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.11-slim" in dockerfile
    assert "-c constraints.txt" in dockerfile
    assert "\nUSER supportbot\n" in dockerfile
    assert 'ENTRYPOINT ["supportbot"]\nCMD ["serve"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/livez" in dockerfile
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "*.db"} <= set(ignored)


def test_compose_runs_the_bot_on_postgres_after_it_is_ready():
    compose = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:") and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["build"] == "." and bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    url = make_url(bot["environment"]["DATABASE_URL"].replace("${POSTGRES_PASSWORD:-supportbot}", "pw"))
    assert (url.get_backend_name(), url.host, url.port, url.database) == ("postgresql", "db", 5432, "supportbot")
    assert "SLACK_BOT_TOKEN" in bot["environment"] and "SLACK_SIGNING_SECRET" in bot["environment"]
    assert "3000:3000" in bot["ports"]


def _engine() -> str | None:
    for name in ("podman", "docker"):
        path = shutil.which(name)
        if path and subprocess.run([path, "info"], capture_output=True, timeout=60).returncode == 0:
            return path
    return None


def _base_image(engine: str) -> str | None:
    for image in (os.environ.get("SUPPORTBOT_TEST_BASE_IMAGE", "").strip(), DEFAULT_BASE):
        if image and subprocess.run([engine, "image", "inspect", image], capture_output=True,
                                    timeout=60).returncode == 0:
            return image
    return None


def _build_options(engine: str) -> list[str]:
    """Options for a build on this machine: its network, and its pip settings (an index
    mirror, a CA) when it has them."""
    options = ["--network", "host"]
    if Path(engine).name == "podman":
        options += ["--format", "docker"]  # keeps HEALTHCHECK (OCI images have none)
        for path in ("/etc/pip.conf", "/etc/ssl/certs/ca-certificates.crt"):
            if Path(path).exists():
                options += ["-v", f"{path}:{path}:ro"]
    return options


async def _until_ok(url: str, timeout: float = 90.0) -> None:
    async with aiohttp.ClientSession() as http:
        async def ok() -> bool:
            try:
                async with http.get(url) as resp:
                    return resp.status == 200
            except aiohttp.ClientConnectionError:
                return False
        await until(ok, timeout, every=0.5, what=f"{url} answering 200")


async def test_the_image_builds_and_serves_as_a_non_root_user(tmp_path, database_url, fake_slack):
    engine = _engine()
    if engine is None:
        pytest.skip("no container engine runs here (podman info / docker info failed)")
    base = _base_image(engine)
    if base is None:
        pytest.skip(f"the base image {DEFAULT_BASE} is not on this machine and the tests pull nothing "
                    f"(set SUPPORTBOT_TEST_BASE_IMAGE to a local python3.11 image)")
    extra = shlex.split(os.environ.get("SUPPORTBOT_TEST_CONTAINER_ARGS", ""))
    tag = f"localhost/supportbot-test:{uuid.uuid4().hex[:8]}"
    name = f"supportbot-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([engine, *args], capture_output=True, text=True, timeout=timeout)

    build = await asyncio.to_thread(
        run, "build", *extra, *_build_options(engine), "--build-arg", f"BASE_IMAGE={base}", "-t", tag,
        str(REPO_ROOT), timeout=1500)
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    try:
        version = await asyncio.to_thread(run, "run", "--rm", *extra, "--network", "host", tag, "--version")
        assert version.returncode == 0 and version.stdout.strip() == "supportbot 0.1.0", version

        port = free_port()
        env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "test-signing-secret",
               "SLACK_API_URL": fake_slack.api_url, "PORT": str(port)}
        if make_url(database_url).get_backend_name() == "postgresql":
            env["DATABASE_URL"] = database_url  # else the image's own SQLite file
        started = await asyncio.to_thread(
            run, "run", "-d", "--name", name, *extra, "--network", "host",
            *[arg for key, value in env.items() for arg in ("-e", f"{key}={value}")], tag)
        assert started.returncode == 0, started.stderr
        try:
            await _until_ok(f"http://127.0.0.1:{port}/livez")
            await _until_ok(f"http://127.0.0.1:{port}/readyz")
            user = await asyncio.to_thread(run, "exec", name, "id", "-u")
            assert user.stdout.strip() == "10001", user
            if Path(engine).name == "podman":
                health = await asyncio.to_thread(run, "healthcheck", "run", name)
                assert health.returncode == 0, health.stdout + health.stderr
            inspect = await asyncio.to_thread(run, "image", "inspect", "--format", "{{json .Config.Healthcheck}}", tag)
            assert "/livez" in inspect.stdout
        finally:
            logs = await asyncio.to_thread(run, "logs", name)
            await asyncio.to_thread(run, "rm", "-f", name)
        assert "serving HTTP" in logs.stdout + logs.stderr
        assert "Traceback" not in logs.stdout + logs.stderr
    finally:
        await asyncio.to_thread(run, "rmi", "-f", tag)
