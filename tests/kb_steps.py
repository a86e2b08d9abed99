"""Steps and fixtures the knowledge-base tests share: the bot over HTTP with the starter
articles copied into a temporary folder and a help channel, and the clicks people make.

    from tests.kb_steps import kb_bot, kb_folder  # noqa: F401  (fixtures)
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from workflows.policy.knowledge_base import KnowledgeBase
from workflows.policy.schema import AppConfig
from bot.runtime import build_runtime
from bot.service import Service
from models.knowledge_base import KbDeflection, KbSearch
from models.tickets import Ticket
from tests.conftest import REPO_ROOT, SIGNING_SECRET, RunningBot, make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SlackSender, block_actions_payload
from tests.waiting import drain, until

HELP_CHANNEL = "C0HELPDESK"
ASKER = "U0ASKER"


def with_knowledge_base(config: AppConfig, folder: Path, **settings: object) -> AppConfig:
    kb = KnowledgeBase(path=str(folder), help_channels=[HELP_CHANNEL], **settings)  # type: ignore[arg-type]
    return config.model_copy(update={"knowledge_base": kb})


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    """A copy of the starter knowledge base (kb/), free to change."""
    folder = tmp_path / "kb"
    shutil.copytree(REPO_ROOT / "kb", folder)
    return folder


async def start_bot(database_url: str, fake_slack: FakeSlack, clock: FakeClock, config: AppConfig) -> RunningBot:
    settings = make_settings(database_url, fake_slack.api_url)
    service = Service(build_runtime(settings=settings, config=config, clock=clock), host="127.0.0.1", port=0,
                      timers=False)
    await service.start()
    sender = SlackSender(f"http://127.0.0.1:{service.port}", SIGNING_SECRET)
    return RunningBot(service=service, sender=sender, slack=fake_slack, clock=clock)


async def stop_bot(bot: RunningBot) -> None:
    await bot.sender.close()
    await bot.service.stop()


@pytest.fixture
async def kb_bot(database_url: str, fake_slack: FakeSlack, clock: FakeClock, config: AppConfig,
                 kb_folder: Path) -> AsyncIterator[RunningBot]:
    """The bot with the starter articles (from ``kb_folder``) and ``HELP_CHANNEL``."""
    bot = await start_bot(database_url, fake_slack, clock, with_knowledge_base(config, kb_folder))
    try:
        yield bot
    finally:
        await stop_bot(bot)


# -- reading what happened --------------------------------------------------------


async def count(bot: RunningBot, model: type) -> int:
    async with bot.runtime.sessions() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def searches(bot: RunningBot) -> list[KbSearch]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(KbSearch).order_by(KbSearch.id))).scalars())


async def deflections(bot: RunningBot) -> list[KbDeflection]:
    async with bot.runtime.sessions() as db:
        return list((await db.execute(select(KbDeflection).order_by(KbDeflection.id))).scalars())


async def ticket_count(bot: RunningBot) -> int:
    return await count(bot, Ticket)


def buttons(blocks: list[dict]) -> dict[str, dict]:
    """Every button in ``blocks`` (accessories too), by its text; the last one wins."""
    found: dict[str, dict] = {}
    for block in blocks:
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def texts(blocks: list[dict]) -> str:
    """All mrkdwn and plain text of ``blocks``, joined (for "contains" checks)."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


# -- asking -------------------------------------------------------------------------


def mention_of(message_event: dict) -> dict:
    """The ``app_mention`` event Slack sends for a message that mentions the bot."""
    event = {k: v for k, v in message_event.items() if k not in ("channel_type", "subtype")}
    return {**event, "type": "app_mention"}


async def ask(bot, text: str, *, channel: str = HELP_CHANNEL, user: str = ASKER, thread_ts: str | None = None,
              mention: bool = False, also_message: bool = False) -> dict:
    """Post ``text`` as a person and deliver its events; return the message event."""
    event = bot.slack.add_message(channel, text, user=user, thread_ts=thread_ts)
    if mention:
        assert (await bot.sender.event(mention_of(event))).status == 200
    if also_message or not mention:
        assert (await bot.sender.event(event)).status == 200
    return event


async def answer_to(bot, event: dict, timeout: float = 5.0) -> dict:
    """The bot's (latest) reply in the thread of ``event``, once there is one."""
    thread_ts = event.get("thread_ts") or event["ts"]
    replies = await until(
        lambda: [m for m in bot.slack.thread(event["channel"], thread_ts) if m.get("bot_id")], timeout,
        what=lambda: f"an answer in the thread of {thread_ts} (calls: {[str(c) for c in bot.slack.calls]})")
    await drain(bot)
    return replies[-1]


# -- clicking ---------------------------------------------------------------------


async def click_in_message(bot: RunningBot, message: dict, label: str, *, user_id: str = ASKER,
                           channel_id: str = HELP_CHANNEL, answer: str | None = None, value: str | None = None):
    """Click the button ``label`` of ``message`` (as Slack stored it)."""
    button = buttons(message["blocks"])[label]
    payload = block_actions_payload(
        button["action_id"], button.get("value") if value is None else value, user_id=user_id,
        channel_id=channel_id, message=message, response_url=bot.slack.response_url(answer) if answer else None)
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text
    return payload


async def click_in_view(bot: RunningBot, view: dict, label: str, *, user_id: str, index: int = 0):
    """Click the ``index``-th button labelled ``label`` in ``view`` (as Slack stored it)."""
    matching = [e for b in view["blocks"] for e in b.get("elements") or []
                if e.get("type") == "button" and e["text"]["text"] == label]
    button = matching[index]
    block = next(b for b in view["blocks"] if button in (b.get("elements") or []))
    payload = block_actions_payload(button["action_id"], button["value"], user_id=user_id, view=view,
                                    block_id=block.get("block_id"))
    reply = await bot.sender.interactive(payload)
    assert reply.status == 200, reply.text
    return payload
