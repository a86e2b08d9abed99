"""The test suite's fake Slack (``tests.fakes.slack.FakeSlack``) in a process of its own,
with a small control API for the benchmarks.

    python -m benchmarks.fake_slack_server        # prints "READY http://127.0.0.1:PORT/" once listening

Every Web API call and every response_url POST is stamped with the wall-clock time it
arrived (``time.time()``, the same clock the bot's due times are written in) and kept as
a small record; the full ``SlackCall`` list of the test fake is dropped after each call,
so a long run does not hold every request in memory. Control routes (JSON):

- ``GET  /bench/records?since=N``: records N.. as ``{"records": [...], "next": M}``; a
  record is ``{"t", "m" (method or "response"), "ch", "th", "tr", "tx", "ok", "u" (user_id)}``;
- ``GET  /bench/counts``: calls per method so far;
- ``GET  /bench/latest_view``: the latest view opened (a modal to submit);
- ``POST /bench/cards``: ``[{"channel", "ts"}, ...]`` stored as bot messages (ticket
  cards seeded straight into the database need their Slack message for chat.update);
- ``POST /bench/reset``: forget the workspace and the records.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections import Counter
from typing import Any

from aiohttp import web

from tests.fakes.slack import FakeSlack

BOT_TOKEN = "xoxb-bench-token"


class BenchFakeSlack(FakeSlack):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()

    def reset(self) -> None:
        super().reset()
        self.records.clear()
        self.counts.clear()

    async def start_on(self, port: int) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/bench/records", self._records)
        app.router.add_get("/bench/counts", self._counts)
        app.router.add_get("/bench/latest_view", self._latest_view)
        app.router.add_post("/bench/cards", self._cards)
        app.router.add_post("/bench/reset", self._reset)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, bound = self._runner.addresses[0][:2]
        self._root = f"http://{host}:{bound}/"
        self.base_url = self._root

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.time()
        response = await super()._api(request)
        call = self.calls.pop()  # appended by FakeSlack._api just before it returned
        self.calls.clear()
        args = call.args
        self.counts[call.method] += 1
        text = args.get("text")
        self.records.append({
            "t": arrived, "m": call.method, "ch": args.get("channel"), "th": args.get("thread_ts"),
            "tr": args.get("trigger_id"), "tx": text[:300] if isinstance(text, str) else None, "ok": call.ok,
            "u": args.get("user_id"),
        })
        return response

    async def _response(self, request: web.Request) -> web.Response:
        arrived = time.time()
        name = request.match_info["name"]
        response = await super()._response(request)
        self.responses.pop(name, None)
        self.counts["response"] += 1
        self.records.append({"t": arrived, "m": "response", "ch": name, "th": None, "tr": None, "tx": None,
                             "ok": response.status == 200, "u": None})
        return response

    async def _records(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"records": self.records[since:], "next": len(self.records)})

    async def _counts(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.counts))

    async def _latest_view(self, request: web.Request) -> web.Response:
        return web.json_response(self.latest_view(request.query.get("callback_id") or None))

    async def _cards(self, request: web.Request) -> web.Response:
        for card in await request.json():
            self.store_message(card["channel"], {
                "user": self.bot_user_id, "bot_id": self.bot_id, "app_id": self.app_id, "team": self.team_id,
                "ts": card["ts"], "text": card.get("text", "card"),
            })
        return web.json_response({"ok": True})

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


async def serve(port: int) -> None:
    fake = BenchFakeSlack(bot_token=BOT_TOKEN)
    await fake.start_on(port)
    print(f"READY {fake.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args().port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
