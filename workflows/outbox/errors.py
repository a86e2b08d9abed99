"""What the outbox relay does when Slack (or the network) refuses a message.

    verdict = judge(error, attempts)     # Verdict(action, delay, reason)

- ``retry``: Slack is busy or down (429 with its ``Retry-After``; 5xx,
  ``internal_error``-like answers, timeouts, refused connections: 1 s, 2 s, 4 s … up
  to 5 minutes between tries). The lane waits; later rows of the channel stay behind.
- ``pause_lane``: the channel cannot take the bot's posts *now* (``not_in_channel``,
  ``channel_not_found``, ``is_archived``): someone invites the bot, restores the
  channel, unarchives it. The lane pauses, 30 s, 1 min … up to 10 minutes between tries.
- ``pause_relay``: Slack refused the bot's token (``invalid_auth``, ``token_revoked``,
  ``account_inactive`` …): every message would be refused alike until the token is
  rotated or the app reinstalled, so the whole relay pauses (``models/outbox_pause.py``).
- ``final``: anything else (``invalid_blocks``, ``msg_too_long`` …) will never succeed.

Whatever is not final is given up on only after ``GIVE_UP_AFTER`` (a day after it was
owed): then it is marked failed, counted and logged like a final error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError

__all__ = [
    "AUTH_ERRORS", "GIVE_UP_AFTER", "MEMBERSHIP_ERRORS", "NETWORK_ERRORS", "Undeliverable", "Verdict", "backoff",
    "judge", "judge_network", "pause_backoff", "retry_delay",
]

GIVE_UP_AFTER = timedelta(days=1)
MAX_BACKOFF = timedelta(minutes=5)
MAX_PAUSE = timedelta(minutes=10)
PAUSE_START = timedelta(seconds=30)
DEFAULT_RETRY_AFTER = timedelta(seconds=30)
#: Slack answers that mean "try again later" although the HTTP status may be 200.
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                              "request_timeout"})
#: The token is refused: true of every call until someone rotates or reinstalls it.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})
#: The channel cannot take the bot's posts until someone invites the bot or restores the channel.
MEMBERSHIP_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)

Action = Literal["retry", "pause_lane", "pause_relay", "final"]


class Undeliverable(Exception):
    """A delivery step found that its message can never go (e.g. every war-room name is
    taken): final, with ``reason`` as the error recorded and counted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Verdict:
    action: Action
    delay: timedelta | None   # when to try again (pause_relay: decided by the relay's pause)
    reason: str               # Slack's error, the HTTP status, or the network error's name


def _code(error: SlackApiError) -> str | None:
    return error.response.get("error") if hasattr(error.response, "get") else None


def judge(error: SlackApiError, attempts: int) -> Verdict:
    """What to do after Slack refused a message for the ``attempts``-th time."""
    status = getattr(error.response, "status_code", 200)
    code = _code(error)
    reason = str(code or status)
    if status == 429 or code == "ratelimited":
        return Verdict("retry", retry_delay(error), reason)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return Verdict("retry", backoff(attempts), reason)
    if code in AUTH_ERRORS:
        return Verdict("pause_relay", None, reason)
    if code in MEMBERSHIP_ERRORS:
        return Verdict("pause_lane", pause_backoff(attempts), reason)
    return Verdict("final", None, reason)


def judge_network(error: BaseException, attempts: int) -> Verdict:
    return Verdict("retry", backoff(attempts), type(error).__name__)


def retry_delay(error: SlackApiError) -> timedelta:
    """A 429's ``Retry-After`` (at least a second; 30 s when Slack gave none)."""
    try:
        return timedelta(seconds=max(1, int(error.response.headers.get("Retry-After", ""))))
    except (AttributeError, TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … at most 5 minutes."""
    return min(MAX_BACKOFF, timedelta(seconds=2 ** max(0, min(attempts - 1, 16))))


def pause_backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … at most 10 minutes."""
    return min(MAX_PAUSE, PAUSE_START * 2 ** max(0, min(attempts - 1, 16)))
