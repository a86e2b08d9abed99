"""`supportbot simulate`: the live SLA engine on a virtual clock, printed as a timeline."""

from __future__ import annotations

from bot.cli import main
from tests.conftest import REPO_ROOT

CONFIG = str(REPO_ROOT / "app.yaml")


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(["simulate", "--config", CONFIG, *args], environ={})
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_p1_without_a_reply_warns_breaches_escalates_and_pages(capsys):
    code, lines, _ = run(capsys, "--priority", "P1", "--category", "Payment failed", "--created", "2026-11-27 17:30")
    assert code == 0
    text = "\n".join(lines)
    assert lines[0] == "Fri 2026-11-27 17:30 EST  ticket opened"
    warning = [line for line in lines if "SLA warning" in line and "first response" in line]
    assert warning and all(line.startswith("Fri 2026-11-27 18:15 EST") for line in warning)
    breach = [line for line in lines if "SLA breached" in line and "first response" in line]
    assert breach and all(line.startswith("Fri 2026-11-27 18:30 EST") for line in breach)
    assert "Escalated automatically to *Technical*" in breach[0]
    assert "Escalation request" in text
    assert any("Management notice" in line and line.startswith("Fri 2026-11-27 21:30 EST") for line in lines)
    assert any("resolution overdue" in line and line.startswith("Sat 2026-11-28 01:30 EST") for line in lines)


def test_p1_answered_in_time_has_no_first_response_notices(capsys):
    code, lines, _ = run(capsys, "--priority", "P1", "--category", "Payment failed", "--created", "2026-11-27 17:30",
                         "--responds-after", "30m")
    assert code == 0
    assert "Fri 2026-11-27 18:00 EST  an agent replies in the ticket thread" in lines
    assert not [line for line in lines if "first response" in line and "SLA" in line]


def test_p3_clock_runs_in_business_hours_only(capsys):
    # Friday after Thanksgiving is a listed extra holiday; P3 first response is 24h of working time.
    code, lines, _ = run(capsys, "--priority", "P3", "--category", "Feature request", "--created", "2026-11-25 16:00")
    assert code == 0
    breach = [line for line in lines if "first response overdue" in line]
    # Wed 16:00-18:00 (2h), Mon (10h), Tue (10h) -> 22h; 2h more on Wednesday Dec 2 -> 10:00.
    assert breach and breach[0].startswith("Wed 2026-12-02 10:00 EST")


def test_unknown_priority_or_category_is_a_clear_error(capsys):
    code, _, err = run(capsys, "--priority", "P9", "--category", "Payment failed")
    assert code == 2 and "--priority 'P9' is not one of P0, P1, P2, P3" in err
    code, _, err = run(capsys, "--priority", "P1", "--category", "Nope")
    assert code == 2 and "--category 'Nope' is not in the policy" in err
    code, _, err = run(capsys, "--priority", "P1", "--category", "Payment failed", "--created", "tomorrow")
    assert code == 2 and "is not a time like" in err


def test_example_p3_is_due_five_working_days_after_creation(capsys):
    # #24: `resolution: 1w` on a business-hours priority is five working days, not 168 working hours.
    code, lines, _ = run(capsys, "--priority", "P3", "--category", "Login problems", "--created", "2026-12-08 10:00")
    assert code == 0
    assert lines[:3] == [
        "Tue 2026-12-08 10:00 EST  ticket opened",
        "Tue 2026-12-08 10:00 EST  first response due Thu 2026-12-10 14:00 EST "
        "(24h = 24 working hours ≈ 2.4 working days)",
        "Tue 2026-12-08 10:00 EST  resolution due Tue 2026-12-15 10:00 EST (1w = 5 working days, at the same time of day)",
    ]
    breach = [line for line in lines if "resolution overdue" in line]
    assert breach and all(line.startswith("Tue 2026-12-15 10:00 EST") for line in breach)
    # Warned at 0.75 of the 50 working hours: Friday 17:30.
    warning = [line for line in lines if "SLA warning" in line and "resolution" in line]
    assert warning and all(line.startswith("Fri 2026-12-11 17:30 EST") for line in warning)


def test_around_the_clock_targets_say_so(capsys):
    code, lines, _ = run(capsys, "--priority", "P1", "--category", "Payment failed", "--created", "2026-11-27 17:30")
    assert code == 0
    assert "Fri 2026-11-27 17:30 EST  resolution due Sat 2026-11-28 01:30 EST (8h around the clock)" in lines


def test_every_event_of_the_escalation_matrix_is_on_the_virtual_clock(capsys):
    # The example's matrix: a P0 pages when opened; its first-response breach moves it from Technical to
    # Engineering (the end of its path), whose 15m response is warned and breached; at 30m it is due to move
    # on but stays, said once; management hears at 4h. Every escalation tells the reporter.
    code, lines, _ = run(capsys, "--priority", "P0", "--category", "Performance issues", "--created", "2026-12-08 10:00")
    assert code == 0

    def at(time: str, *words: str) -> list[str]:
        return [line for line in lines if line.startswith(f"Tue 2026-12-08 {time} EST") and all(w in line for w in words)]

    assert at("10:00", "• on-call paged: P0 ticket opened (page on open)")
    assert at("10:00", "→ #oncall:", "Page: Ticket #1")
    assert at("10:15", "→ #tier3 (Engineering): <@U0PRIMARY3> Escalation request")  # mention: oncall
    assert at("10:15", "• page updated: escalated to Engineering")
    assert at("10:15", "→ DM U0REPORTER:", "passed to *Engineering*", "within 15m")
    assert len(at("10:26", "Engineering response due in 4m")) == 2       # thread and tier channel
    assert len(at("10:30", "Engineering response overdue")) == 2
    assert at("10:30", "• not escalated (unresolved after 30m (P0))")
    assert len([line for line in lines if "last tier of its escalation path" in line and "→" in line]) == 2
    assert at("14:00", "→ #tier4 (Executive): <!subteam^S0MANAGERS> :briefcase: Management notice")


def test_a_timed_escalation_names_its_reason(capsys):
    code, lines, _ = run(capsys, "--priority", "P1", "--category", "Payment failed", "--created", "2026-11-27 17:30",
                         "--responds-after", "10m")
    assert code == 0
    [note] = [line for line in lines if "supportbot escalated" in line]
    assert note.startswith("Fri 2026-11-27 19:30 EST") and "unresolved after 2h (P1)" in note
    assert [line for line in lines if line.startswith("Fri 2026-11-27 19:30 EST") and "→ #tier2 (Technical):" in line
            and "<!subteam^S0TIER2LEAD> Escalation request" in line]


async def test_the_slack_stand_in_never_repeats_a_ts_across_the_relays_copies():
    import copy

    from bot.simulation import SimulatedSlack

    slack = SimulatedSlack()
    copies = [copy.copy(slack) for _ in range(3)]  # the outbox relay posts through a copy of its client
    answers = [await c.chat_postMessage(channel="C0TIER1FL", text="x") for c in copies]
    assert len({a["ts"] for a in answers}) == 3 and len(slack.posts) == 3
