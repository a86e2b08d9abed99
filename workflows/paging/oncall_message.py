"""The /oncall answer: who is primary and secondary now, since and until when, and next.

    Primary: <@U1> (since <date>, until <date>) · Secondary: <@U2> · Next: <@U3>, secondary <@U4>, from <date>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflows.block_text import escape, mrkdwn, slack_date

if TYPE_CHECKING:
    from workflows.paging.oncall import OnCallAnswer, Person, Shift


def person_text(person: Person | None) -> str:
    """A Slack mention for an app.yaml person, the (escaped) name for a PagerDuty one."""
    if person is None:
        return "nobody"
    if person.user_id:
        return f"<@{person.user_id}>"
    return escape(person.name) or "someone"


def _span(shift: Shift) -> str:
    parts = []
    if shift.since:
        parts.append(f"since {slack_date(shift.since)}")
    parts.append(f"until {slack_date(shift.until)}" if shift.until else "no end scheduled")
    return ", ".join(parts)


def oncall_text(answer: OnCallAnswer) -> str:
    now = answer.now
    text = (f"Primary: {person_text(now.primary)} ({_span(now)}) · "
            f"Secondary: {person_text(now.secondary)}")
    if answer.next is not None:
        nxt = answer.next
        text += f" · Next: {person_text(nxt.primary)}"
        if nxt.secondary is not None:
            text += f", secondary {person_text(nxt.secondary)}"
        if nxt.since:
            text += f", from {slack_date(nxt.since)}"
    return text


def build_oncall_message(answer: OnCallAnswer) -> dict[str, Any]:
    """Keyword arguments for ``respond``: ``text`` and ``blocks``."""
    source = "PagerDuty" if answer.source == "pagerduty" else "the rotation in app.yaml"
    context = f"From {source}." + (f" {answer.note}" if answer.note else "")
    text = oncall_text(answer)
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": mrkdwn(f":pager: *On call*\n{text}")},
            {"type": "context", "elements": [mrkdwn(escape(context))]},
        ],
    }
