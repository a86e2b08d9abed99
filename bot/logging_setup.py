"""Structured logs: one JSON object per line (or one readable text line on a terminal),
with the request's context, secrets redacted.

    configure_logging(os.environ)          # `supportbot serve` does this first
    log.info("ticket #%s claimed", 7)
    # {"timestamp": "2026-11-25T15:00:00.123Z", "level": "INFO", "logger": "workflows.x",
    #  "message": "ticket #7 claimed", "request_id": "9f1c…", "team_id": "T1",
    #  "user_id": "U1", "channel_id": "C1", "ticket": 7}

The context comes from ``workflows.log_context``: the aiohttp middleware
(:func:`request_context_middleware`) gives every HTTP request a ``request_id``; the Bolt
middleware binds the Slack team, user and channel ids, and workflows add the ticket
number or incident id once they know it.

:class:`RedactingFilter` sits on the handler, so it sees every record of every logger:
it renders the message and the exception text, replaces Slack tokens (``xoxb-``,
``xoxp-``, ``xapp-`` …), ``Authorization``/``Bearer`` values and every configured
secret (signing secret, PagerDuty keys, the database password) with ``[redacted]``,
and hands the formatter only the redacted text.

``LOG_LEVEL`` (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``; ``serve --log-level`` wins)
sets the level, ``LOG_FORMAT`` (``json`` or ``text``) the shape: JSON unless the stream
is a terminal. APScheduler's loggers stay at WARNING unless the level is DEBUG: at INFO
they write two lines per job run, several a second while the bot is idle; so do the
access-log lines of successful probes and scrapes (:class:`QuietProbes`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from aiohttp import web
from sqlalchemy.engine import make_url

from workflows.log_context import CONTEXT_FIELDS, current_log_context, log_context

__all__ = ["JsonFormatter", "LogSettingError", "QuietProbes", "RedactingFilter", "TextFormatter", "configure_logging",
           "log_level_from", "request_context_middleware", "secrets_from"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("json", "text")
#: Loggers that say, at INFO, every time a job runs: kept at WARNING unless DEBUG.
QUIET_LOGGERS = ("apscheduler",)

REDACTED = "[redacted]"
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PAGERDUTY_ROUTING_KEY",
                    "PAGERDUTY_API_TOKEN", "PAGERDUTY_WEBHOOK_SECRET", "METRICS_TOKEN")
_PATTERNS = (
    re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]+"),  # Slack bot, user, app, refresh tokens
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?[^\s\"',}]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)(token=)[^\s&\"']+"),
    re.compile(r"(?i)(routing_key[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
    re.compile(r"(?i)(postgres(?:ql)?(?:\+\w+)?://[^:/\s@]*:)[^@\s]+(?=@)"),  # a password in a database URL
)


class RedactingFilter(logging.Filter):
    """Removes tokens and the given secrets from a record's message and exception text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self._renderer = logging.Formatter()

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.re.groups else "") + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:  # noqa: BLE001 - a bad format string must not lose the line
            message = f"{record.msg!r} (unformattable: {type(exc).__name__})"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._renderer.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp, level, logger, message, context, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = current_log_context()
        line.update({k: context[k] for k in CONTEXT_FIELDS if k in context})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """One readable line per record: time, level, logger, message, context as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        context = current_log_context()
        fields = "".join(f" {k}={context[k]}" for k in CONTEXT_FIELDS if k in context)
        line = f"{when} {record.levelname:<7} {record.name}: {record.getMessage()}{fields}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class QuietProbes(logging.Filter):
    """Drops the access-log line of a probe or a scrape that went well (``GET /livez``,
    ``/readyz``, ``/healthz``, ``/metrics`` answered below 400): an orchestrator asks
    every few seconds, and an idle bot should log next to nothing. A failing probe is kept."""

    PATHS = ("/livez", "/readyz", "/healthz", "/metrics")

    def filter(self, record: logging.LogRecord) -> bool:
        line = str(getattr(record, "first_request_line", ""))
        method, _, rest = line.partition(" ")
        path = rest.split(" ", 1)[0].split("?", 1)[0]
        status = getattr(record, "response_status", None)
        return not (method == "GET" and path in self.PATHS and isinstance(status, int) and status < 400)


class LogSettingError(ValueError):
    """``LOG_LEVEL``, ``--log-level`` or ``LOG_FORMAT`` holds a value we do not know."""


def log_level_from(environ: Mapping[str, str], override: str | None = None) -> int:
    """The level named by ``override`` (``--log-level``), else ``LOG_LEVEL``, else INFO."""
    name = (override or environ.get("LOG_LEVEL", "") or "INFO").strip().upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LEVELS:
        source = "--log-level" if override else "LOG_LEVEL"
        raise LogSettingError(f"supportbot: {source}={name!r} is not a log level; use one of {', '.join(LEVELS)}")
    return logging.getLevelName(name)


def log_format_from(environ: Mapping[str, str], stream: TextIO) -> str:
    """``LOG_FORMAT``, else ``text`` on a terminal and ``json`` anywhere else."""
    name = environ.get("LOG_FORMAT", "").strip().lower()
    if not name:
        isatty = getattr(stream, "isatty", None)
        return "text" if isatty is not None and isatty() else "json"
    if name not in FORMATS:
        raise LogSettingError(f"supportbot: LOG_FORMAT={name!r} is not a log format; use json or text")
    return name


def secrets_from(environ: Mapping[str, str]) -> list[str]:
    """The secret values in ``environ`` that must never be logged."""
    secrets = [environ.get(name, "").strip() for name in SECRET_VARIABLES]
    try:
        password = make_url(environ.get("DATABASE_URL", "").strip()).password if environ.get("DATABASE_URL") else None
    except Exception:  # noqa: BLE001 - an unparsable URL is reported elsewhere
        password = None
    return [s for s in [*secrets, password] if s]


def configure_logging(environ: Mapping[str, str], *, level: int | str | None = None,
                      stream: TextIO | None = None) -> logging.Handler:
    """Route every logger to one handler on ``stream`` (stderr), redacting the secrets
    found in ``environ``. Replaces the root logger's handlers. ``level``: a level or its
    name (``--log-level``); else ``LOG_LEVEL``; else INFO. Raises :class:`LogSettingError`
    for a level or format we do not know (the CLI prints it and exits 2)."""
    stream = stream or sys.stderr
    numeric = level if isinstance(level, int) else log_level_from(environ, level)
    shape = log_format_from(environ, stream)
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(secrets_from(environ)))
    handler.setFormatter(JsonFormatter() if shape == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if numeric <= logging.DEBUG else logging.WARNING)
    access = logging.getLogger("aiohttp.access")
    for old_filter in [f for f in access.filters if isinstance(f, QuietProbes)]:
        access.removeFilter(old_filter)
    if numeric > logging.DEBUG:
        access.addFilter(QuietProbes())
    logging.captureWarnings(True)
    return handler


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id (``X-Request-Id`` when the caller sent a sane one) for its
    log lines, and echo it in the response."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if re.fullmatch(r"[A-Za-z0-9._-]{8,64}", given) else uuid.uuid4().hex[:16]
    with log_context(request_id=request_id):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers["X-Request-Id"] = request_id
            raise
    response.headers["X-Request-Id"] = request_id
    return response
