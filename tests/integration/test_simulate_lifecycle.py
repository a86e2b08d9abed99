"""`supportbot simulate` plays the lifecycle's timers too (#19): the quiet-thread reminder
of `tickets.update_every` once per quiet period, and the automatic closing at
`tickets.close_after` after a `--resolved-after` resolution, when the real timers would
fire them; nothing of the kind when those keys are off."""

from __future__ import annotations

import yaml

from bot.cli import main
from tests.conftest import REPO_ROOT
from tests.policies import example_policy_data

CONFIG = str(REPO_ROOT / "app.yaml")  # tickets: {close_after: 7d, update_every: 24h}
# A P2 opened Monday 10:00 in New York; the agent replies 30 hours later, resolves after 3 days.
TICKET = ("--priority", "P2", "--category", "Login problems", "--created", "2026-12-07 10:00")


def run(capsys, *args: str, config: str = CONFIG) -> tuple[int, list[str], str]:
    code = main(["simulate", "--config", config, *args], environ={})
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def reminders(lines: list[str]) -> list[str]:
    """The reminder's moments (in the thread; with nobody holding the ticket, also in a tier's channel)."""
    return [line[:24] for line in lines if "→" in line and " thread: :hourglass: " in line
            and "nobody has written to" in line]


def closings(lines: list[str]) -> list[str]:
    return [line for line in lines if "closed automatically" in line]


def test_a_reminder_for_each_quiet_period_and_the_closing_after_close_after(capsys):
    code, lines, err = run(capsys, *TICKET, "--responds-after", "30h", "--resolved-after", "3d")
    assert code == 0, err
    # Quiet from the opening (Mon 10:00) and from the agent's reply (Tue 16:00), 24h each; none once resolved.
    assert reminders(lines) == ["Tue 2026-12-08 10:00 EST", "Wed 2026-12-09 16:00 EST"]
    assert [line for line in lines if line.startswith("Tue 2026-12-08 10:00 EST  → #tier1 (Frontline): :hourglass:")
            and "nobody holds it" in line]
    assert "Tue 2026-12-08 16:00 EST  an agent replies in the ticket thread" in lines
    assert "Thu 2026-12-10 10:00 EST  an agent resolves the ticket" in lines
    assert [line for line in lines if line.startswith("Thu 2026-12-10 10:00 EST  → #tier1 (Frontline) thread: ")
            and "resolved by" in line]
    # The reporter never writes: it closes 7 days after its resolution, once, and nothing follows.
    assert closings(lines) == [
        "Thu 2026-12-17 10:00 EST  → #tier1 (Frontline) thread: #1 closed automatically: resolved 1w ago, "
        "with no word from <@U0REPORTER> since."]
    assert lines[-1] == closings(lines)[0]


def test_nobody_writing_is_one_reminder_and_no_closing_without_a_resolution(capsys):
    code, lines, err = run(capsys, *TICKET)
    assert code == 0, err
    assert reminders(lines) == ["Tue 2026-12-08 10:00 EST"]  # once per quiet period, however long it lasts
    assert not closings(lines)


def test_the_closing_is_played_past_the_usual_horizon(capsys):
    # Resolved after 25 days: its closing, 7 days later, falls after the 30 days simulated otherwise.
    code, lines, err = run(capsys, *TICKET, "--resolved-after", "25d")
    assert code == 0, err
    assert [line[:24] for line in closings(lines)] == ["Fri 2027-01-08 10:00 EST"]


def test_nothing_of_the_kind_when_the_keys_are_off(capsys, tmp_path):
    data = example_policy_data()
    del data["tickets"]
    policy = tmp_path / "app.yaml"
    policy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, lines, err = run(capsys, *TICKET, "--responds-after", "30h", "--resolved-after", "3d", config=str(policy))
    assert code == 0, err
    assert "Thu 2026-12-10 10:00 EST  an agent resolves the ticket" in lines
    assert not reminders(lines) and not closings(lines)
    assert not [line for line in lines if ":hourglass: " in line]
    assert lines[-1].startswith("Thu 2026-12-10 10:00 EST")  # nothing after the resolution


def test_a_bad_resolved_after_is_a_clear_error(capsys):
    code, _, err = run(capsys, *TICKET, "--resolved-after", "soon")
    assert code == 2
    assert "supportbot simulate: --resolved-after: 'soon' is not a duration" in err


def test_the_simulated_agent_may_resolve_under_roles(capsys, tmp_path):
    data = example_policy_data()
    data["roles"] = {"agents": ["U0AGENT01"]}  # the simulated agent is not listed: it still acts as one
    policy = tmp_path / "app.yaml"
    policy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, lines, err = run(capsys, *TICKET, "--responds-after", "30m", "--resolved-after", "3d", config=str(policy))
    assert code == 0, err
    assert not [line for line in lines if "first response overdue" in line]  # its reply was the desk's
    assert [line[:24] for line in closings(lines)] == ["Thu 2026-12-17 10:00 EST"]
