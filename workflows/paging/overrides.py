"""`/oncall override` and `/oncall swap`: someone else is primary for a while.

    /oncall override @ana until 2026-12-08 18:00                      from now until then
    /oncall override @ana from 2026-12-08 09:00 until 2026-12-08 18:00
    /oncall swap @ben                 my next turn as primary is Ben's, and his next one mine

Times are wall-clock times in app.yaml's ``timezone``. Only people on call and admins
may change who is on call (``workflows/access/authority.py``); a refusal is kept on the
on-call timeline. An override is stored (``models/oncall.py``) with a timeline row and a
note in the on-call channel (through the outbox), in one transaction; from then on
``workflows/paging/roster.py`` pages the override's person inside its span, and the
scheduled person again after it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.oncall import OncallEventKind, OncallOverride, OverrideKind
from models.oncall_queries import add_oncall_event
from workflows.access.authority import Operation, can
from workflows.access.roles import roles_of
from workflows.deps import Deps
from workflows.errors import InvalidRequest, NotAllowed
from workflows.outbox.enqueue import deliver_outbox, owe_post
from workflows.paging.roster_messages import OverrideLine, override_set_text, swap_text
from workflows.paging.shifts import OnCall, next_shift, who_is_on_call
from workflows.policy.schema import AppConfig

log = logging.getLogger(__name__)

__all__ = ["MAX_SPAN", "OverrideRequest", "parse_override", "parse_swap", "set_override", "swap_turns"]

#: The longest override: longer than this is a change of the rotation (app.yaml).
MAX_SPAN = timedelta(days=31)

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_ID = re.compile(r"^([UW][A-Z0-9]{2,})$")
_WHEN = r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})"
_OVERRIDE = re.compile(rf"^(\S+)\s+(?:from\s+{_WHEN}\s+)?until\s+{_WHEN}$", re.IGNORECASE)
OVERRIDE_USAGE = "`/oncall override @someone [from YYYY-MM-DD HH:MM] until YYYY-MM-DD HH:MM`"


@dataclass(frozen=True)
class OverrideRequest:
    user_id: str
    starts_at: datetime | None  # None: from now
    ends_at: datetime


def _user(token: str) -> str | None:
    match = _MENTION.match(token) or _BARE_ID.match(token)
    return match.group(1) if match else None


def _moment(day: str, time: str, zone: ZoneInfo) -> datetime:
    try:
        wall = datetime.strptime(f"{day} {time}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise InvalidRequest(f"{day} {time} is not a date and time I can read (YYYY-MM-DD HH:MM).") from None
    return wall.replace(tzinfo=zone)


def parse_override(rest: str, zone: ZoneInfo) -> OverrideRequest:
    """The arguments of `/oncall override` (Slack's markup, as sent); InvalidRequest when unreadable."""
    match = _OVERRIDE.match(" ".join(rest.split()))
    if match is None:
        raise InvalidRequest(f"Say who and until when: {OVERRIDE_USAGE}.")
    who, from_day, from_time, until_day, until_time = match.groups()
    user_id = _user(who)
    if user_id is None:
        raise InvalidRequest(f"Mention the person: {OVERRIDE_USAGE}.")
    starts = _moment(from_day, from_time, zone) if from_day else None
    return OverrideRequest(user_id, starts, _moment(until_day, until_time, zone))


def parse_swap(rest: str) -> str:
    words = rest.split()
    user_id = _user(words[0]) if len(words) == 1 else None
    if user_id is None:
        raise InvalidRequest("Mention the one person to swap with: `/oncall swap @someone`.")
    return user_id


async def _authorize(deps: Deps, actor_id: str, what: str) -> None:
    """Return when ``actor_id`` may change who is on call; else keep the refusal, raise."""
    decision = can(await roles_of(deps=deps, user_id=actor_id), Operation.CHANGE_ONCALL)
    if decision.allowed:
        return
    async with deps.sessions.begin() as db:
        add_oncall_event(db, OncallEventKind.REFUSED, actor_id=actor_id, at=deps.clock(),
                         detail={"action": str(Operation.CHANGE_ONCALL), "command": what, "reason": decision.reason})
    log.info("refused %s for %s: %s", what, actor_id, decision.reason)
    raise NotAllowed(decision.reason)


def _line(row: OncallOverride) -> OverrideLine:
    return OverrideLine(user_id=row.user_id, replaces_user_id=row.replaces_user_id, starts_at=row.starts_at,
                        ends_at=row.ends_at, swap=row.kind == OverrideKind.SWAP)


async def _store(db: AsyncSession, *, kind: OverrideKind, user_id: str, replaces: str | None, starts_at: datetime,
                 ends_at: datetime, actor_id: str, now: datetime) -> OverrideLine:
    row = OncallOverride(kind=kind, user_id=user_id, replaces_user_id=replaces if replaces != user_id else None,
                         starts_at=starts_at, ends_at=ends_at, created_by=actor_id, created_at=now)
    db.add(row)
    await db.flush()
    return _line(row)


async def set_override(*, deps: Deps, actor_id: str, request: OverrideRequest) -> str:
    """Store the override (and announce it); the ephemeral answer."""
    now = deps.clock()
    starts = max(request.starts_at or now, now)
    ends = request.ends_at
    if ends <= starts:
        raise InvalidRequest("The override must end after it starts (and after now).")
    if ends - starts > MAX_SPAN:
        raise InvalidRequest("Keep an override to 31 days or less; for longer, change the rotation in app.yaml.")
    await _authorize(deps, actor_id, "override")
    scheduled = who_is_on_call(deps.config, starts).primary
    async with deps.sessions.begin() as db:
        line = await _store(db, kind=OverrideKind.OVERRIDE, user_id=request.user_id, replaces=scheduled,
                            starts_at=starts, ends_at=ends, actor_id=actor_id, now=now)
        add_oncall_event(db, OncallEventKind.OVERRIDE_SET, actor_id=actor_id, at=now, detail={
            "user": line.user_id, "replaces": line.replaces_user_id, "from": starts.isoformat(),
            "until": ends.isoformat()})
        await owe_post(db, channel=deps.config.channels.oncall, text=override_set_text(actor_id=actor_id, line=line),
                       now=now)
    await deliver_outbox(deps)
    log.info("on-call override by %s: %s is primary %s..%s", actor_id, line.user_id, starts, ends)
    return override_set_text(actor_id=actor_id, line=line)


def next_turn(config: AppConfig, person: str, after: datetime) -> OnCall | None:
    """``person``'s first turn as primary that starts after ``after`` (None: no turn)."""
    rotation = config.oncall.rotation
    if person not in rotation.primary:
        return None
    shift = who_is_on_call(config, after)
    for _ in range(len(rotation.primary) + 1):
        shift = next_shift(config, shift.since)
        if shift.primary == person:
            return shift
    return None


async def swap_turns(*, deps: Deps, actor_id: str, other_id: str) -> str:
    """The caller's next turn as primary goes to ``other_id`` and theirs to the caller."""
    if other_id == actor_id:
        raise InvalidRequest("Swap with someone else: `/oncall swap @someone`.")
    now = deps.clock()
    mine = next_turn(deps.config, actor_id, now)
    if mine is None:
        raise InvalidRequest("You have no turn as primary in the rotation to swap; "
                             "`/oncall override` puts someone on call for a span.")
    theirs = next_turn(deps.config, other_id, now)
    if theirs is None:
        raise InvalidRequest(f"<@{other_id}> has no turn as primary in the rotation; "
                             f"`/oncall override <@{other_id}> from … until …` covers a span instead.")
    await _authorize(deps, actor_id, "swap")
    async with deps.sessions.begin() as db:
        given = await _store(db, kind=OverrideKind.SWAP, user_id=other_id, replaces=actor_id, starts_at=mine.since,
                             ends_at=mine.until, actor_id=actor_id, now=now)
        taken = await _store(db, kind=OverrideKind.SWAP, user_id=actor_id, replaces=other_id,
                             starts_at=theirs.since, ends_at=theirs.until, actor_id=actor_id, now=now)
        add_oncall_event(db, OncallEventKind.SWAPPED, actor_id=actor_id, at=now, detail={
            "with": other_id, "given": [mine.since.isoformat(), mine.until.isoformat()],
            "taken": [theirs.since.isoformat(), theirs.until.isoformat()]})
        text = swap_text(actor_id=actor_id, other_id=other_id, mine=given, theirs=taken)
        await owe_post(db, channel=deps.config.channels.oncall, text=text, now=now)
    await deliver_outbox(deps)
    log.info("on-call swap: %s and %s", actor_id, other_id)
    return text
