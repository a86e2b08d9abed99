"""`/oncall`: who is on call now and next, from app.yaml's rotation or PagerDuty.

With ``oncall.pagerduty`` in app.yaml and ``PAGERDUTY_API_TOKEN`` set, ``/oncall`` asks
PagerDuty's ``/oncalls`` (read by ``workflows/paging/shifts.py``), and falls back to the
rotation, saying so, when PagerDuty cannot answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from workflows.deps import Deps
from workflows.paging.messages import build_oncall_message
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


async def answer_oncall_command(*, deps: Deps) -> dict[str, object]:
    """`/oncall`: the ephemeral answer (``text`` and ``blocks``)."""
    return build_oncall_message(await find_on_call(deps=deps, at=deps.clock()))
