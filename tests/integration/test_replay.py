"""`supportbot simulate --replay`: the tickets stored in $DATABASE_URL, replayed under the
current and a proposed policy, with what each would have produced per priority side by
side. The tickets are handled through the real bot on the fake clock first (Wednesday
2026-11-25, New York), under the example policy without its escalation matrix."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.fakes.clock import DEFAULT_START
from tests.integration.test_progress import _in_a_terminal
from tests.metrics_steps import Desk
from tests.policies import example_policy_data, policy_without_matrix
from tests.serve_process import run_cli, serve_env
from tests.ticket_steps import REPORTER, create_ticket

T0 = DEFAULT_START
M, H = timedelta(minutes=1), timedelta(hours=1)
UNTIL = "2026-11-28 00:00"
STRICTER = str(REPO_ROOT / "app.yaml")  # the example with its matrix: pages P0 on open, escalates P0 after 30m…


@pytest.fixture
def config():
    return policy_without_matrix()


def current_policy(tmp_path) -> str:
    data = example_policy_data()
    data.pop("escalation")
    for tier in data["tiers"]:
        tier.pop("response", None)
        tier.pop("mention", None)
    for priority in data["priorities"].values():
        priority.pop("page_on_open", None)
    data["knowledge_base"]["path"] = str(REPO_ROOT / "kb")
    path = tmp_path / "current.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


async def seed(bot) -> None:
    desk = Desk(bot)
    await desk.at(T0)
    site = await create_ticket(bot, "Site down", category="Login problems", priority="P0")
    await desk.at(T0 + 10 * M)
    await desk.reply(site)
    checkout = await create_ticket(bot, "Checkout fails", category="Payment failed", priority="P1")
    await desk.at(T0 + 3 * H)
    await desk.resolve(site)
    await desk.at(T0 + 3 * H + 10 * M)
    await desk.reply(checkout)  # late: its first response was due at +1h10m
    login = await create_ticket(bot, "Cannot log in", category="Login problems", priority="P2")
    await desk.at(T0 + 4 * H)
    await desk.escalate(login)  # by hand: Frontline -> Technical
    event = bot.slack.add_message(login.channel_id, "still broken", user=REPORTER, thread_ts=login.message_ts)
    assert (await bot.sender.event(event)).status == 200
    await desk.at(T0 + 6 * H)
    await desk.resolve(checkout)
    await create_ticket(bot, "How do exports work?", category="General question", priority="P3")
    await desk.at(T0 + 30 * H)


def table(stdout: str) -> dict[str, dict[str, tuple[int, int]]]:
    """{scope: {effect: (current, proposed)}} from the printed comparison."""
    found: dict[str, dict[str, tuple[int, int]]] = {}
    scope = ""
    for line in stdout.splitlines()[3:]:
        if line and not line.startswith(" "):
            scope = line.split(" (")[0]
            found[scope] = {}
        elif line.strip():
            words = line.split()
            numbers = [w for w in words if w.lstrip("+-").isdigit()]
            name = " ".join(w for w in words if not w.lstrip("+-").isdigit())
            found[scope][name] = (int(numbers[0]), int(numbers[1]))
    return found


async def replay(database_url: str, tmp_path, *args: str, current: str) -> tuple[int, str, str]:
    env = serve_env(database_url, "http://127.0.0.1:1/api/", SUPPORTBOT_CONFIG=current)
    return await run_cli(["simulate", "--replay", "--since", "30d", "--until", UNTIL, *args], env=env, cwd=tmp_path,
                         timeout=180)


async def test_the_same_policy_gives_the_same_counts_and_a_stricter_one_more(bot, database_url, tmp_path):
    await seed(bot)
    current = current_policy(tmp_path)

    code, out, err = await replay(database_url, tmp_path, "--config", current, current=current)
    assert code == 0, err
    assert out.splitlines()[0].startswith("Replayed 4 tickets opened in the last 30d")
    same = table(out)
    assert set(same) == {"P0", "P1", "P2", "P3", "all priorities"}
    assert all(before == after for scope in same.values() for before, after in scope.values())
    # As it happened: the P1 answered late (breach, escalation, page), still open at 4h (management);
    # the P0 answered in time but resolved after its 2h (breach, page).
    assert same["P1"] == {"warnings": (1, 1), "breaches": (1, 1), "automatic escalations": (1, 1),
                          "management notices": (1, 1), "pages": (1, 1)}
    assert same["P0"]["breaches"] == same["P0"]["pages"] == (1, 1)
    assert "\r" not in out + err and "%|" not in err  # no progress bar off a terminal

    code, out, err = await replay(database_url, tmp_path, "--config", STRICTER, current=current)
    assert code == 0, err
    stricter = table(out)
    # escalation.after (30m) to Technical, then the resolution breach to Engineering
    assert stricter["P0"]["automatic escalations"] == (0, 2)
    assert stricter["P0"]["pages"] == (1, 1)               # paged on opening: the breach updates that page
    assert stricter["P0"]["management notices"] == (0, 0)  # resolved before 4h under both
    assert stricter["P2"]["warnings"] == stricter["P2"]["breaches"] == (1, 2)  # Technical's 30m to answer
    assert stricter["P3"] == same["P3"]
    assert stricter["all priorities"]["warnings"] == (3, 8)
    assert "proposed" in out.splitlines()[2] and "+2" in out


async def test_a_terminal_sees_the_replay_progress(bot, database_url, tmp_path):
    await seed(bot)
    current = current_policy(tmp_path)
    env = serve_env(database_url, "http://127.0.0.1:1/api/", SUPPORTBOT_CONFIG=current, LOG_LEVEL="WARNING")
    code, output = await asyncio.to_thread(_in_a_terminal, ["simulate", "--replay", "--since", "30d", "--until",
                                                            UNTIL, "--config", STRICTER], env, tmp_path)
    assert code == 0, output
    assert "replay (current):" in output and "replay (proposed):" in output and "100%|" in output
    assert "Replayed 4 tickets" in output


async def test_bad_arguments_and_policies_exit_2_with_a_clear_line(database_url, tmp_path):
    current = current_policy(tmp_path)
    env = serve_env(database_url, "http://127.0.0.1:1/api/", SUPPORTBOT_CONFIG=current)
    code, _, err = await run_cli(["simulate", "--replay", "--since", "a while"], env=env, cwd=tmp_path)
    assert code == 2 and "--since 'a while' is not a duration" in err
    code, _, err = await run_cli(["simulate", "--replay", "--until", "yesterday"], env=env, cwd=tmp_path)
    assert code == 2 and "--until 'yesterday' is not a date" in err
    broken = tmp_path / "proposed.yaml"
    broken.write_text("timezone: Mars/Base\n")
    code, _, err = await run_cli(["simulate", "--replay", "--config", str(broken)], env=env, cwd=tmp_path)
    assert code == 2 and "fix the proposed policy" in err and "timezone" in err
    code, _, err = await run_cli(["simulate", "--config", current], env=env, cwd=tmp_path)
    assert code == 2 and "give --priority and --category (or --replay)" in err
