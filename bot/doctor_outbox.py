"""``supportbot doctor``'s look at the Slack outbox: the messages it gave up on in the
last day (a final error such as ``invalid_blocks``, or a channel the bot stayed out of,
or a token Slack kept refusing, for the whole day the outbox retries). Each is named
with where it was going, why, and what it said; they are not sent again.

Run after the database check passed (the database is reachable and migrated).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.database import make_engine, make_session_factory
from bot.doctor_checks import CheckResult, failed, passed
from models.outbox import OutboxMessage, failed_since

__all__ = ["SHOWN", "WINDOW", "check_outbox"]

WINDOW = timedelta(days=1)
SHOWN = 10  # the latest ones are listed; the count says how many there were
FIX = ("read each reason: not_in_channel / channel_not_found: invite the bot or fix the channel id in app.yaml; "
       "invalid_auth / token_revoked: rotate SLACK_BOT_TOKEN; anything else: report it with the line. "
       "These messages are not sent again")


def _describe(row: OutboxMessage) -> str:
    text = str((row.payload or {}).get("text") or row.kind.value).replace("\n", " ")
    when = row.failed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if row.failed_at else "?"
    return f"#{row.id} to {row.lane} at {when}: {row.last_error} — {text[:80]!r}"


async def check_outbox(url: str, *, now: datetime | None = None) -> list[CheckResult]:
    now = now or datetime.now(UTC)
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            count, rows = await failed_since(db, now - WINDOW, limit=SHOWN)
    except SQLAlchemyError as error:
        return [failed(f"Slack outbox unreadable ({type(error).__name__})", "check the database (see above)")]
    finally:
        await engine.dispose()
    if not count:
        return [passed("Slack outbox: no message given up on in the last day")]
    listed = "".join(f"\n    {_describe(row)}" for row in rows)
    more = f"\n    … and {count - len(rows)} more" if count > len(rows) else ""
    return [failed(f"Slack outbox: {count} message(s) given up on in the last day:{listed}{more}\n ", FIX)]
