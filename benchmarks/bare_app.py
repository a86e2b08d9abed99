"""The baseline: a bare slack-bolt AsyncApp whose `/ticket` only acks and calls views.open.

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:PORT/api/ \\
        python -m benchmarks.bare_app --port 3100

Served the way Bolt serves itself (``AsyncApp.web_app()``, Bolt's aiohttp adapter) on
``127.0.0.1``, with a ``GET /healthz``; no database, no middleware, no logging beyond
warnings. ``--view FILE``: the modal to open (JSON); the benchmark passes supportbot's
own new-ticket modal, so that the fake Slack, which validates and stores every view on
the same cores, does the same work for both apps. Without it, a one-input modal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

MODAL = {
    "type": "modal",
    "callback_id": "bare_new_ticket",
    "title": {"type": "plain_text", "text": "New ticket"},
    "submit": {"type": "plain_text", "text": "Open"},
    "blocks": [{
        "type": "input", "block_id": "summary",
        "label": {"type": "plain_text", "text": "Summary"},
        "element": {"type": "plain_text_input", "action_id": "value"},
    }],
}


def build_app(*, token: str, signing_secret: str, api_url: str, view: dict | None = None) -> AsyncApp:
    app = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url), signing_secret=signing_secret)
    modal = view or MODAL

    @app.command("/ticket")
    async def ticket(ack, command, client) -> None:  # noqa: ANN001 - Bolt injects by name
        await ack()
        await client.views_open(trigger_id=command["trigger_id"], view=modal)

    return app


async def serve(port: int, view: dict | None) -> None:
    app = build_app(token=os.environ["SLACK_BOT_TOKEN"], signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                    api_url=os.environ["SLACK_API_URL"], view=view)
    web_app = app.web_app(path="/slack/events")

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description="a bare Bolt app: /ticket acks and opens a modal")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--view", default=None, help="a JSON file with the modal to open")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    view = json.loads(open(args.view).read()) if args.view else None
    asyncio.run(serve(args.port, view))
    return 0


if __name__ == "__main__":
    sys.exit(main())
