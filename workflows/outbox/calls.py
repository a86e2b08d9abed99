"""One attempt at sending an outbox row, as the relay sees it: a ``Delivery``.

Every kind of row is prepared into one (``workflows/outbox/delivery.py``); the relay
then reserves its channel's posting slot, makes its call(s), and records the outcome,
without knowing what the row is about.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["Answer", "Delivery", "SlackCall", "call_delivery"]

Answer = Mapping[str, Any]


@dataclass(frozen=True)
class SlackCall:
    method: str        # "chat.postMessage" or "chat.update"
    args: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """One attempt at sending a row (or a digest of rows).

    ``send`` makes the Slack call(s) and returns Slack's answer, raising
    ``SlackApiError`` (or a network error, or ``Undeliverable``) when it was refused;
    ``paced_channel``: the channel whose posting slot the relay reserves first (None for
    calls that post nothing); ``record``: what the success writes, in the transaction
    that marks the row sent; ``after_commit``: what follows that commit;
    ``on_failure``: what a final failure writes, in the transaction that marks it failed;
    ``text``: what the message says, for the log line if it is given up on."""

    send: Callable[[AsyncWebClient], Awaitable[Answer]]
    paced_channel: str | None = None
    record: Callable[[AsyncSession, Answer], Awaitable[None]] | None = None
    after_commit: Callable[[Answer], Awaitable[None]] | None = None
    on_failure: Callable[[AsyncSession, str], Awaitable[None]] | None = None
    text: str = ""


async def _call(slack: AsyncWebClient, call: SlackCall) -> Answer:
    if call.method == "chat.update":
        return await slack.chat_update(**call.args)
    return await slack.chat_postMessage(**call.args)


def call_delivery(call: SlackCall, **more: Any) -> Delivery:
    """A delivery that is one ``chat.postMessage`` (paced on its channel) or ``chat.update``."""
    paced = str(call.args.get("channel")) if call.method == "chat.postMessage" else None
    return Delivery(send=lambda slack: _call(slack, call), paced_channel=paced,
                    text=str(call.args.get("text") or ""), **more)
