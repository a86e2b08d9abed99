"""Incident Block Kit builders: escaping, Slack's limits, the post-mortem timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.incidents import Incident, IncidentEvent, IncidentEventKind as Kind, IncidentStatus
from models.tickets import Ticket, TicketStatus
from tests.fakes.slack_views import validate_message_blocks
from tests.ticket_steps import mrkdwn_texts
from workflows.incidents.messages.posts import (
    TOPIC_MAX, TicketRef, ago_text, build_announcement_message, build_declaration_message,
    build_status_update_message, purpose_text, reminder_text, topic_text,
)
from workflows.incidents.messages.postmortem import build_postmortem_message, timeline_lines
from workflows.tickets.messages.card import build_declare_incident_button, offers_incident

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
EVIL = "<!channel> <@U0X> & <https://evil.example|click>"


def make_incident(**overrides) -> Incident:
    values = dict(id=7, team_id="T0", title=EVIL, description=EVIL, priority="P1", status=IncidentStatus.OPEN,
                  commander_id="U0IC", comms_id=None, channel_id="C0WAR", channel_name="inc-x", declared_by="U0IC",
                  declared_at=T0, next_update_due_at=T0 + timedelta(minutes=30), last_update_at=None,
                  last_external_update_at=None, resolved_at=None, resolved_by=None, summary=None,
                  postmortem_due_at=None)
    values.update(overrides)
    return Incident(**values)


def event(kind: Kind, minutes: int, actor: str | None = "U0IC", **detail) -> IncidentEvent:
    return IncidentEvent(incident_id=7, kind=kind, actor_id=actor, at=T0 + timedelta(minutes=minutes), detail=detail)


def assert_safe(blocks: list[dict]) -> None:
    assert validate_message_blocks(blocks) == []
    text = " ".join(mrkdwn_texts(blocks))
    assert "<!channel>" not in text and "<@U0X>" not in text and "<https://evil" not in text


def test_declaration_and_announcement_escape_user_text_and_validate(config):
    incident = make_incident()
    for blocks in (build_declaration_message(incident, config, oncall_id="U0ON", paged=True,
                                             ticket=TicketRef(12, "https://fake.slack.com/archives/C1/p1")),
                   build_announcement_message(incident, config),
                   build_status_update_message(incident, config, author_id="U0IC", text=EVIL, at=T0)):
        assert_safe(blocks)
    resolved = make_incident(status=IncidentStatus.RESOLVED, resolved_at=T0 + timedelta(minutes=90),
                             resolved_by="U0IC", summary=EVIL, postmortem_due_at=T0 + timedelta(hours=50))
    blocks = build_declaration_message(resolved, config, oncall_id=None, paged=False)
    assert blocks[0]["text"]["text"] == "✅ INCIDENT RESOLVED – P1"
    assert "after 1h 30m" in " ".join(mrkdwn_texts(blocks))
    assert_safe(build_announcement_message(resolved, config))


def test_topic_and_purpose_fit_slack(config):
    incident = make_incident(title="t" * 150, comms_id="U0COMMS")
    assert topic_text(incident, config) == "P1 · High | Open | Commander: <@U0IC> | Comms: <@U0COMMS>"
    assert len(purpose_text(incident)) <= TOPIC_MAX
    assert "&lt;!channel&gt;" in purpose_text(make_incident())


def test_reminder_texts():
    incident = make_incident(last_update_at=T0 + timedelta(minutes=10))
    text = reminder_text(incident, now=T0 + timedelta(minutes=40), external=False)
    assert text.startswith("<@U0IC> :alarm_clock: Status update due — last update 30 min ago.")
    external = reminder_text(make_incident(comms_id="U0COMMS"), now=T0 + timedelta(hours=1), external=True)
    assert external.startswith("<@U0COMMS> :mega: Customer update due — no customer update since the declaration 1 h ago")
    assert ago_text(timedelta(minutes=135)) == "2 h 15 min"


def test_postmortem_lists_the_timeline_in_order_and_counts_reminders(config):
    incident = make_incident(status=IncidentStatus.RESOLVED, resolved_at=T0 + timedelta(minutes=65),
                             resolved_by="U0B", summary="Reverted", postmortem_due_at=T0 + timedelta(hours=49))
    events = [
        event(Kind.DECLARED, 0, priority="P1", commander="U0IC"),
        event(Kind.PAGED, 0, actor=None, reason="Incident declared", user="U0ON", repeat=False),
        event(Kind.ACKNOWLEDGED, 3, actor="U0ON", via="slack"),
        event(Kind.REMINDER_SENT, 30, actor=None),
        event(Kind.COMMANDER_CHANGED, 31, **{"from": "U0IC", "to": "U0B"}),
        event(Kind.UPDATE_POSTED, 32, actor="U0B", text=EVIL),
        event(Kind.SEVERITY_CHANGED, 40, actor="U0B", **{"from": "P1", "to": "P0"}),
        event(Kind.RESOLVED, 65, actor="U0B", summary="Reverted"),
        event(Kind.POSTMORTEM_POSTED, 65, actor="U0B"),
    ]
    lines = timeline_lines(events)
    assert len(lines) == 7  # reminders are counted, the post-mortem itself is not an event of the incident
    assert [line.split(" — ", 1)[1].split()[0] for line in lines] == \
        ["Declared", "On-call", "Page", "Command", "Status", "Severity", "Resolved"]
    blocks = build_postmortem_message(incident, config, events)
    assert_safe(blocks)
    text = " ".join(mrkdwn_texts(blocks))
    assert "*Duration*\n1h 5m" in text and "1 update reminder went out" in text


def test_a_long_postmortem_stays_within_slack_limits(config):
    incident = make_incident(status=IncidentStatus.RESOLVED, resolved_at=T0 + timedelta(days=2), resolved_by="U0B")
    events = [event(Kind.DECLARED, 0, priority="P1", commander="U0IC")] + \
        [event(Kind.UPDATE_POSTED, n, text="x" * 3000) for n in range(1, 400)]
    blocks = build_postmortem_message(incident, config, events)
    assert len(blocks) <= 50
    assert validate_message_blocks(blocks) == []
    assert "more timeline entries" in " ".join(mrkdwn_texts(blocks))


def test_the_declare_button_is_offered_on_open_p0_p1_tickets():
    assert offers_incident(Ticket(priority="P0", status=TicketStatus.NEW))
    assert not offers_incident(Ticket(priority="P2", status=TicketStatus.NEW))
    assert not offers_incident(Ticket(priority="P1", status=TicketStatus.RESOLVED))
    button = build_declare_incident_button(42)
    assert (button["action_id"], button["value"]) == ("ticket_declare_incident", "42")
    assert validate_message_blocks([{"type": "actions", "elements": [button]}]) == []
