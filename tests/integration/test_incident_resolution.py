"""Resolving an incident: the resolution everywhere, the page resolved, and the
post-mortem draft with the timeline and the duration."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.incidents import IncidentStatus
from models.pages import Page, PageStatus
from tests.incident_steps import (
    COMMS, HELPER, IC, INCIDENTS, answer, declare, events, load_incident, run_in_war_room, settle, text_of,
)
from tests.paging_fixtures import *  # noqa: F403 - pagerduty, paged_bot


async def page_of(bot, incident_id: int) -> Page:
    async with bot.runtime.sessions() as db:
        return (await db.execute(select(Page).where(Page.subject_id == incident_id,
                                                    Page.subject_kind == "incident"))).scalar_one()


def postmortems(bot, incident) -> list[dict]:
    return [m for m in bot.slack.messages(incident.channel_id) if (m.get("text") or "").startswith("Post-mortem draft")]


async def run_an_incident(bot, clock):
    """Declare P1, hand over, name comms, update, raise to P0, resolve: 65 minutes."""
    incident, _ = await declare(bot, "P1 Checkout failing for EU customers")
    clock.advance(timedelta(minutes=5))
    await run_in_war_room(bot, incident, f"commander <@{HELPER}|helper>", then="commander_changed")
    await run_in_war_room(bot, incident, f"role comms <@{COMMS}>", then="role_assigned", user=HELPER)
    clock.advance(timedelta(minutes=10))
    await run_in_war_room(bot, incident, "update Found it: a bad &lt;config&gt; push", then="update_posted", user=HELPER)
    clock.advance(timedelta(minutes=10))
    await run_in_war_room(bot, incident, "severity P0", then="severity_changed", user=HELPER)
    clock.advance(timedelta(minutes=40))
    await run_in_war_room(bot, incident, "resolve Config reverted &amp; caches flushed", then="postmortem_posted",
                          user=HELPER)
    return incident


async def test_resolve_posts_updates_everything_resolves_the_page_and_drafts_the_postmortem(bot, clock):
    incident = await run_an_incident(bot, clock)
    stored = await load_incident(bot, incident.id)
    assert stored.status == IncidentStatus.RESOLVED and stored.resolved_at == clock() and stored.resolved_by == HELPER
    assert stored.summary == "Config reverted & caches flushed"
    assert stored.next_update_due_at is None and stored.next_external_update_due_at is None
    assert stored.postmortem_due_at == clock() + timedelta(hours=48)
    # Resolution in the war room and in the incidents channel; topic, declaration, announcement.
    resolution = [text_of(m) for m in bot.slack.messages(incident.channel_id) if "resolved incident" in text_of(m)]
    assert len(resolution) == 1 and "after 1h 5m" in resolution[0] and "Config reverted &amp; caches flushed" in resolution[0]
    assert any("resolved incident" in text_of(m) for m in bot.slack.messages(INCIDENTS))
    assert "RESOLVED" in bot.slack.channels[incident.channel_id]["topic"]["value"]
    declaration = bot.slack.message(incident.channel_id, incident.declaration_ts)
    assert declaration["blocks"][0]["text"]["text"] == "✅ INCIDENT RESOLVED – P0"
    assert "*Resolved:* <!date^" in text_of(declaration)
    announcement = text_of(bot.slack.message(INCIDENTS, incident.announcement_ts))
    assert "Resolved" in announcement and "after 1h 5m" in announcement
    # The page (Slack-only here) is resolved.
    assert (await page_of(bot, incident.id)).status == PageStatus.RESOLVED
    # The post-mortem draft: facts, duration, the whole timeline, the commander asked.
    [draft] = postmortems(bot, incident)
    body = text_of(draft)
    for expected in ("*Duration*\n1h 5m", f"*Commander*\n<@{HELPER}>", f"*Communications*\n<@{COMMS}>",
                     "*Resolution*\nConfig reverted &amp; caches flushed",
                     f"Declared P1 by <@{IC}>, commander <@{IC}>", "On-call paged",
                     f"Command handed from <@{IC}> to <@{HELPER}>", f"<@{COMMS}> named comms lead",
                     f"Status update by <@{HELPER}>: Found it: a bad &lt;config&gt; push",
                     "Severity P1 → P0", f"Resolved by <@{HELPER}>: Config reverted", "*Root cause*",
                     "*Action items*", f"<@{HELPER}>, please complete this post-mortem by <!date^"):
        assert expected in body, expected
    assert "<config>" not in body
    order = [body.index(s) for s in ("Declared P1", "Command handed", "named comms", "Status update by",
                                     "Severity P1", "Resolved by")]
    assert order == sorted(order)
    kinds = [str(e.kind) for e in await events(bot, incident.id)]
    assert kinds[-2:] == ["resolved", "postmortem_posted"]
    [resolved] = [e for e in await events(bot, incident.id) if e.kind == "resolved"]
    assert resolved.detail["duration_seconds"] == 65 * 60


async def test_postmortem_reposts_the_draft_only_once_resolved(bot, clock):
    incident, _ = await declare(bot, "P2 Search is slow")
    text = await answer(bot, "postmortem", channel=incident.channel_id)
    assert text == (f":warning: Incident #{incident.id} is still open; the post-mortem draft is posted when you "
                    "`/incident resolve [summary]`.")
    clock.advance(timedelta(minutes=30))
    await run_in_war_room(bot, incident, "resolve", then="postmortem_posted")
    await run_in_war_room(bot, incident, "post-mortem", then="postmortem_posted", count=2)
    drafts = postmortems(bot, incident)
    assert len(drafts) == 2 and drafts[0]["blocks"] == drafts[1]["blocks"]
    assert "*Duration*\n30m" in text_of(drafts[1]) and "_No events recorded._" not in text_of(drafts[1])


async def test_resolving_sends_the_pagerduty_resolve(paged_bot, pagerduty, clock):
    incident, _ = await declare(paged_bot, "P0 Payments down")
    [trigger] = await pagerduty.wait_for(1, "trigger")
    assert trigger["dedup_key"] == f"supportbot-incident-{incident.id}"
    clock.advance(timedelta(minutes=20))
    await run_in_war_room(paged_bot, incident, "resolve Card processor back", then="postmortem_posted")
    [resolve] = await pagerduty.wait_for(1, "resolve")
    assert resolve["dedup_key"] == f"supportbot-incident-{incident.id}"
    assert (await page_of(paged_bot, incident.id)).status == PageStatus.RESOLVED
    await settle(paged_bot)
