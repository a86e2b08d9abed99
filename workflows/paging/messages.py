"""Paging's messages: the Slack mirror of a page, and the /oncall answer.

A page's mirror (the on-call channel message and the DMs) is re-rendered from the
page's state after every change. Two buttons only, Acknowledge and Resolve (on-call
people ask for fewer buttons, not more), until the page is resolved. User text (the
ticket summary, reasons written by people) is escaped; mentions, dates and the
``<!here>`` of the last re-page are ours.

The /oncall answer says who is primary and secondary now, since and until when, and next:

    Primary: <@U1> (since <date>, until <date>) · Secondary: <@U2> · Next: <@U3>, secondary <@U4>, from <date>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workflows.policy.durations import format_duration
from workflows.paging.ids import PageAction, PageBlock
from models.pages import PageStatus
from workflows.block_text import cap, escape, link, mrkdwn, plain, slack_date, user
from workflows.paging.shifts import OnCallAnswer, Person, Shift

REASON_MAX = 500
MAX_REASONS_SHOWN = 10


@dataclass(frozen=True)
class Repaged:
    user_id: str | None
    channel_id: str | None
    at: datetime


@dataclass(frozen=True)
class PageView:
    """What the mirror shows. ``summary`` and ``reasons`` are user text (unescaped)."""

    page_id: int
    label: str  # "Ticket #42"
    priority: str  # "P1 · High"
    summary: str
    reasons: tuple[str, ...]
    permalink: str | None
    war_room: str | None
    status: PageStatus
    paged_at: datetime
    paged_user_id: str | None
    repaged: tuple[Repaged, ...] = ()
    acknowledged_by: str | None = None
    acknowledged_in_pagerduty_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    pagerduty: str | None = None  # "sent", "sending", "refused: …"; None when Slack-only
    oncall_source: str | None = None  # "on call per PagerDuty"… (workflows/paging/roster.py)


def page_fallback_text(view: PageView, *, mention: str | None = None) -> str:
    """The notification text; ``mention`` (a user id of ours) is pinged by it."""
    head = f"<@{mention}> " if mention else ""
    state = {PageStatus.ACKNOWLEDGED: " (acknowledged)", PageStatus.RESOLVED: " (resolved)"}.get(view.status, "")
    return f"{head}Page{state}: {view.label} [{escape(view.priority)}] {escape(cap(view.summary, 150))}"


def _title(view: PageView) -> str:
    icon = {PageStatus.TRIGGERED: ":rotating_light:", PageStatus.ACKNOWLEDGED: ":eyes:",
            PageStatus.RESOLVED: ":white_check_mark:"}[view.status]
    where = link(view.permalink, f"Open {view.label}") if view.permalink else (
        f"War room <#{view.war_room}>" if view.war_room else "")
    text = f"{icon} *Page · {view.label}* · {escape(view.priority)}\n>{escape(cap(view.summary, 1000))}"
    return text + (f"\n{where}" if where else "")


def _reasons(view: PageView) -> str:
    shown = [escape(cap(r, REASON_MAX)) for r in view.reasons[-MAX_REASONS_SHOWN:]]
    if not shown:
        return "*Why:* —"
    if len(shown) == 1:
        return f"*Why:* {shown[0]}"
    more = len(view.reasons) - len(shown)
    lines = "\n".join(f"• {r}" for r in shown)
    return "*Why:*\n" + (f"… {more} earlier\n" if more else "") + lines


def _who(view: PageView) -> str:
    parts = [f"Paged {user(view.paged_user_id)} {slack_date(view.paged_at)}"]
    for repage in view.repaged:
        if repage.user_id:
            parts.append(f"re-paged {user(repage.user_id)} {slack_date(repage.at)}")
        elif repage.channel_id:
            parts.append(f"asked everyone in <#{repage.channel_id}> {slack_date(repage.at)}")
    return " · ".join(parts)


def page_status_text(view: PageView) -> str:
    if view.status == PageStatus.RESOLVED:
        return f":white_check_mark: *Resolved* {slack_date(view.resolved_at)}" if view.resolved_at else "*Resolved*"
    if view.status == PageStatus.ACKNOWLEDGED:
        when = f" at {slack_date(view.acknowledged_at)}" if view.acknowledged_at else ""
        if view.acknowledged_by:
            return f":eyes: *Acknowledged* by {user(view.acknowledged_by)}{when}"
        who = escape(view.acknowledged_in_pagerduty_by) or "someone"
        return f":eyes: *Acknowledged* in PagerDuty by {who}{when}"
    return "*Waiting for an acknowledgement*"


def _buttons(view: PageView) -> dict[str, Any]:
    value = str(view.page_id)
    return {"type": "actions", "block_id": str(PageBlock.PAGE_ACTIONS), "elements": [
        {"type": "button", "text": plain("Acknowledge"), "action_id": str(PageAction.PAGE_ACKNOWLEDGE),
         "value": value, "style": "primary"},
        {"type": "button", "text": plain("Resolve"), "action_id": str(PageAction.PAGE_RESOLVE), "value": value},
    ]}


def build_page_message(view: PageView, *, note: str | None = None) -> list[dict[str, Any]]:
    """Blocks of a page mirror; ``note`` (our text, e.g. a re-page line) goes first."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "section", "text": mrkdwn(note)})
    blocks += [
        {"type": "section", "text": mrkdwn(_title(view))},
        {"type": "section", "text": mrkdwn(_reasons(view))},
        {"type": "section", "text": mrkdwn(page_status_text(view))},
    ]
    context = [_who(view) + (f" ({view.oncall_source})" if view.oncall_source else "")]
    if view.pagerduty:
        context.append(f"PagerDuty: {escape(cap(view.pagerduty, 200))}")
    blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(context))]})
    if view.status != PageStatus.RESOLVED:
        blocks.append(_buttons(view))
    return blocks


def repage_secondary_note(view: PageView, *, secondary: str, primary: str | None, window: timedelta) -> str:
    """The thread reply in the on-call channel and the first line of the secondary's DM."""
    who = f"by {user(primary)} " if primary else ""
    return (f":rotating_light: <@{secondary}> you are paged now: {view.label} was not acknowledged "
            f"{who}within {format_duration(window)}.")


def repage_channel_note(view: PageView, *, window: timedelta) -> str:
    """The last re-page, in the tier's channel: ``<!here>`` is ours, the summary escaped."""
    return (f"<!here> :rotating_light: {view.label} ({escape(view.priority)}) has been paged and nobody "
            f"acknowledged it (last wait {format_duration(window)}). Can someone take it?")


def already_answer(view: PageView) -> str:
    """The ephemeral answer to a click on a page that is no longer waiting."""
    if view.status == PageStatus.RESOLVED:
        return f"{view.label}: this page is already resolved."
    when = f" at {slack_date(view.acknowledged_at)}" if view.acknowledged_at else ""
    if view.acknowledged_by:
        return f"{view.label}: already acknowledged by {user(view.acknowledged_by)}{when}."
    who = escape(view.acknowledged_in_pagerduty_by) or "someone"
    return f"{view.label}: already acknowledged in PagerDuty by {who}{when}."


# --------------------------------------------------------------------------- /oncall


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
