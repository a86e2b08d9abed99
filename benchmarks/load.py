"""Signed requests as Slack sends them, fired at an app with bounded concurrency.

Bodies come from ``tests.fakes.slack_requests`` (the builders the integration tests use)
and are built before the clock starts; each is signed just before it is sent, as Slack
does. Latency is client-side: from just before the POST to the whole answer read.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.harness import SIGNING_SECRET
from tests.fakes.slack_requests import interactive_body, sign, slash_command_body, view_submission_payload

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Request:
    body: bytes
    key: str = ""          # what to match the request with later (a trigger_id, a summary)
    content_type: str = FORM


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)   # seconds, answered requests
    statuses: Counter[int | str] = field(default_factory=Counter)
    sent_at: dict[str, float] = field(default_factory=dict)  # key -> time.time() when sent
    wall: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def slash_requests(tag: str, count: int, *, text: str = "Printer on fire", channel_id: str = "C0GENERAL",
                   response_url: str | None = None, user_id: str | None = None) -> list[Request]:
    """``count`` signed `/ticket text` commands, by 50 people in turn (``user_id``: all by one)."""
    requests = []
    for i in range(count):
        trigger = f"{10_000 + i}.{tag}.bench"
        extra = {"response_url": response_url} if response_url else {}
        body = slash_command_body("/ticket", text, trigger_id=trigger,
                                  user_id=user_id or f"U0USER{i % 50:03d}",
                                  channel_id=channel_id, **extra)
        requests.append(Request(body, trigger))
    return requests


def submission_request(view: dict[str, Any], state: dict[str, Any], *, user_id: str, key: str) -> Request:
    return Request(interactive_body(view_submission_payload(view, state, user_id=user_id)), key)


async def fire(url: str | list[str], requests: list[Request], concurrency: int, *, timeout: float = 30.0,
               pace: float | None = None) -> LoadResult:
    """POST every request to ``{url}/slack/events``, ``concurrency`` at a time (keep-alive
    connections). Several URLs (replicas): the workers are spread evenly over them.
    ``pace``: at most this many requests started per second."""
    result = LoadResult()
    urls = [url] if isinstance(url, str) else url
    endpoints = [u.rstrip("/") + "/slack/events" for u in urls]
    connector = aiohttp.TCPConnector(limit=concurrency)
    queue = iter(enumerate(requests))
    started = time.perf_counter()

    async def worker(http: aiohttp.ClientSession, endpoint: str) -> None:
        for index, request in queue:
            if pace:
                delay = started + index / pace - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            headers = {"Content-Type": request.content_type, **sign(request.body, SIGNING_SECRET)}
            result.sent_at[request.key] = time.time()
            t0 = time.perf_counter()
            try:
                async with http.post(endpoint, data=request.body, headers=headers) as resp:
                    await resp.read()
                    status: int | str = resp.status
            except (aiohttp.ClientError, TimeoutError) as error:
                status = type(error).__name__
            elapsed = time.perf_counter() - t0
            result.statuses[status] += 1
            if status == 200:
                result.latencies.append(elapsed)

    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        await asyncio.gather(*(worker(http, endpoints[i % len(endpoints)]) for i in range(concurrency)))
    result.wall = time.perf_counter() - started
    return result
