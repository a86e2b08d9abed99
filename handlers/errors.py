"""The one error handler: domain errors become an ephemeral answer; an unreachable
database and an unreachable Slack get one clear log line (no traceback) and an answer
that says so; anything else is logged with an id and answered politely. See
``workflows/errors.py`` for the hierarchy."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.errors import SupportbotError, is_database_unavailable
from workflows.housekeeping import event_processed

log = logging.getLogger("supportbot.errors")

Listener = Callable[..., Awaitable[None]]


def _response_url(body: dict[str, Any]) -> str | None:
    if body.get("response_url"):
        return str(body["response_url"])
    urls = body.get("response_urls") or []
    return urls[0].get("response_url") if urls and isinstance(urls[0], dict) else None


def _ids(body: dict[str, Any]) -> tuple[str | None, str | None]:
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    return user, channel


async def answer_privately(client: AsyncWebClient, body: dict[str, Any], respond: Any, text: str) -> None:
    """Answer the person behind ``body`` where only they see it (direct: the answer to
    what they just did, ephemeral, with nothing to keep if it is lost)."""
    if _response_url(body) and respond is not None:
        await respond(text=text, response_type="ephemeral", replace_original=False)
        return
    user, channel = _ids(body)
    if not user:
        return
    try:
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await client.chat_postMessage(channel=user, text=text)
    except SlackApiError as error:
        log.warning("could not answer %s: %s", user, error.response.get("error"))


_SPENT_TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


async def report_error(error: Exception, body: dict[str, Any], respond: Any, client: AsyncWebClient) -> None:
    """Tell the person what went wrong: the domain message, or a polite note with an id."""
    if isinstance(error, SupportbotError):
        text = f":warning: {error.message}"
    elif is_database_unavailable(error):
        log.error("database unavailable while handling a %s request: %s", body.get("type") or body.get("command"),
                  f"{type(error).__name__}: {error}"[:300])
        text = (":warning: The support desk cannot reach its database right now, so nothing was changed. "
                "Please try again in a minute.")
    elif isinstance(error, SlackApiError) and error.response.get("error") in _SPENT_TRIGGER_ERRORS:
        log.info("a form could not open for a %s request: %s", body.get("type") or body.get("command"),
                 error.response.get("error"))
        text = (":warning: The form could not open: Slack only lets a click or command open one form, within "
                "3 seconds. Please run the command or click the button again.")
    elif isinstance(error, (ClientError, asyncio.TimeoutError)):
        log.warning("Slack unreachable while handling a %s request: %s", body.get("type") or body.get("command"),
                    f"{type(error).__name__}: {error}"[:300])
        text = ":warning: Slack could not be reached just now, so the answer may be missing. Please try again."
    else:
        error_id = uuid.uuid4().hex[:10]
        log.error("unexpected error %s while handling a %s request", error_id, body.get("type") or body.get("command"),
                  exc_info=error)
        text = (f":warning: Something went wrong on our side (error id `{error_id}`). "
                "Please try again; if it keeps happening, give the error id to your supportbot admin.")
    try:
        await answer_privately(client, body, respond, text)
    except Exception as failure:  # noqa: BLE001 - the answer itself failed (a dead response_url)
        log.warning("could not deliver an error answer: %s", f"{type(failure).__name__}: {failure}"[:300])


def answers_errors(listener: Listener) -> Listener:
    """Wrap a listener so nothing it raises after ``ack()`` reaches Bolt.

    Bolt overwrites an already-sent ack when a listener raises (Slack then sees a
    timeout); instead the error is answered here, like ``@app.error`` would. The
    listener must take ``body`` and ``context`` (Bolt injects by parameter name and
    looks through this wrapper to the listener's own signature); one that does not is
    refused here, when the app is wired, rather than at its first request.
    """
    missing = {"body", "context"} - set(inspect.signature(listener).parameters)
    if missing:
        raise TypeError(f"{listener.__qualname__} must take {', '.join(sorted(missing))} to be wrapped by answers_errors")

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        try:
            await listener(**kwargs)
        except Exception as error:
            context = kwargs["context"]
            await report_error(error, kwargs["body"], context.respond, context.client)
        await _mark_event_processed(kwargs["body"], kwargs["context"])

    return run


async def _mark_event_processed(body: dict[str, Any], context: Any) -> None:
    """The event's listener has finished (well or with an answered error): it is not
    replayed after a crash (``bot/event_replay.py``)."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    sessions, clock = context.get("sessions"), context.get("clock")
    if not event_id or sessions is None or clock is None:
        return
    try:
        await event_processed(sessions=sessions, event_id=str(event_id), now=clock())
    except Exception as failure:  # noqa: BLE001 - at worst the event is replayed once
        log.warning("could not mark event %s processed: %s", event_id, f"{type(failure).__name__}: {failure}"[:300])


def register(app: AsyncApp) -> None:
    app.error(report_error)
