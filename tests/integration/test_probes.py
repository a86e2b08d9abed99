"""Liveness and readiness: ``GET /livez`` answers 200 while the process answers, whatever
the database does (a database blip must not get healthy pods restarted); ``GET /readyz``,
like ``GET /healthz``, answers 503 while the database or the scheduler is down."""

from __future__ import annotations

import json

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.database import make_engine
from tests.serve_process import ServeProcess, serve_env
from tests.tcp_proxy import TcpProxy
from tests.waiting import until


async def test_livez_is_200_and_readyz_503_while_the_database_is_unreachable(bot):
    for path in ("/livez", "/readyz", "/healthz"):
        assert (await bot.sender.get(path)).status == 200
    dead_engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    live_engine = bot.runtime.engine
    bot.runtime.engine = dead_engine
    try:
        live, ready, health = [await bot.sender.get(p) for p in ("/livez", "/readyz", "/healthz")]
    finally:
        bot.runtime.engine = live_engine
        await dead_engine.dispose()
    assert (live.status, json.loads(live.body)) == (200, {"status": "ok"})
    assert ready.status == health.status == 503
    assert json.loads(ready.body) == {"status": "unavailable", "database": "down", "scheduler": "running"}


async def test_readyz_is_503_when_the_scheduler_is_down_and_livez_still_200(bot):
    bot.runtime.scheduler.shutdown()
    assert (await bot.sender.get("/livez")).status == 200
    ready = await bot.sender.get("/readyz")
    assert ready.status == 503 and json.loads(ready.body)["scheduler"] == "stopped"


async def _status(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
        return resp.status


async def _until(http: aiohttp.ClientSession, url: str, status: int, timeout: float = 20.0) -> None:
    async def answers() -> bool:
        return await _status(http, url) == status
    await until(answers, timeout, every=0.2, what=f"{url} answering {status}")


async def test_a_serving_process_with_its_postgres_cut_off_is_live_but_not_ready(tmp_path, database_url, fake_slack):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a SQLite file cannot be stopped under a running process (the test above covers both)")
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        async with ServeProcess(env=serve_env(through, fake_slack.api_url), cwd=tmp_path) as serve, \
                aiohttp.ClientSession() as http:
            await serve.wait_until_healthy()
            await proxy.cut()  # the database is down for this process
            await _until(http, serve.url + "/readyz", 503)
            assert await _status(http, serve.url + "/healthz") == 503
            assert await _status(http, serve.url + "/livez") == 200
            await proxy.restore()  # and back
            await _until(http, serve.url + "/readyz", 200)
            assert await _status(http, serve.url + "/livez") == 200
