"""`/oncall`: who is on call now and next, from app.yaml's rotation or PagerDuty, with
the overrides people set (`/oncall override`, `/oncall swap`: ``workflows/paging/overrides.py``).

With ``oncall.pagerduty`` in app.yaml and ``PAGERDUTY_API_TOKEN`` set, ``/oncall`` asks
PagerDuty's ``/oncalls`` (read by ``workflows/paging/shifts.py``), and falls back to the
rotation, saying so, when PagerDuty cannot answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from models.oncall import OverrideKind
from models.oncall_queries import overrides_after
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.paging.messages import build_oncall_message
from workflows.paging.overrides import parse_override, parse_swap, set_override, swap_turns
from workflows.paging.roster_messages import ONCALL_HELP, OverrideLine, with_overrides
from workflows.paging.shifts import OnCallAnswer, pagerduty_answer, rotation_answer
from workflows.ports import PagerDutyError

log = logging.getLogger(__name__)

__all__ = ["find_on_call", "answer_oncall_command"]

#: How far ahead PagerDuty is asked, to find the next shift.
LOOKAHEAD = timedelta(days=14)


async def find_on_call(*, deps: Deps, at: datetime) -> OnCallAnswer:
    """Ask PagerDuty when configured for it, else (or when it fails) the rotation."""
    settings = deps.config.oncall.pagerduty
    gateway = deps.pagerduty
    if settings is None:
        return rotation_answer(deps.config, at)
    if gateway is None or not gateway.reads_oncall:
        return rotation_answer(deps.config, at, note="PAGERDUTY_API_TOKEN is not set; showing app.yaml's rotation.")
    try:
        oncalls = await gateway.oncalls(since=at, until=at + LOOKAHEAD, schedule_id=settings.schedule_id,
                                        escalation_policy_id=settings.escalation_policy_id)
    except PagerDutyError as error:
        log.warning("on-call look-up in PagerDuty failed: %s", error)
        return rotation_answer(deps.config, at, note="PagerDuty could not be reached; showing app.yaml's rotation.")
    answer = pagerduty_answer(oncalls, at)
    if answer is None:
        return rotation_answer(deps.config, at, note="PagerDuty shows nobody on call; showing app.yaml's rotation.")
    return answer


async def _overview(deps: Deps) -> dict[str, object]:
    now = deps.clock()
    reply = build_oncall_message(await find_on_call(deps=deps, at=now))
    async with deps.sessions() as db:
        rows = await overrides_after(db, now)
    lines = [OverrideLine(user_id=r.user_id, replaces_user_id=r.replaces_user_id, starts_at=r.starts_at,
                          ends_at=r.ends_at, swap=r.kind == OverrideKind.SWAP) for r in rows]
    return with_overrides(reply, lines, now)


async def answer_oncall_command(*, deps: Deps, user_id: str = "", text: str = "") -> dict[str, object]:
    """`/oncall [override … | swap … | help]`: the ephemeral answer (``text``, and ``blocks``
    for the overview)."""
    head, _, rest = text.strip().partition(" ")
    word = head.lower()
    if word == "":
        return await _overview(deps)
    if word == "help":
        return {"text": ONCALL_HELP.format(zone=deps.config.timezone)}
    if word == "override":
        request = parse_override(rest, deps.config.zone)
        return {"text": await set_override(deps=deps, actor_id=user_id, request=request)}
    if word == "swap":
        return {"text": await swap_turns(deps=deps, actor_id=user_id, other_id=parse_swap(rest))}
    raise InvalidRequest("`/oncall` knows `override`, `swap` and `help`; `/oncall help` says how.")
