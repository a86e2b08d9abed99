"""Choosing the agent a tier's automatic assignment gives the next ticket to (#19)."""

from __future__ import annotations

from workflows.tickets.assignment import pick_agent

MEMBERS = ["U1", "U2", "U3"]


def test_round_robin_takes_the_next_member_after_the_last_and_wraps():
    pick = lambda last, **kw: pick_agent("round_robin", MEMBERS, away=kw.get("away", set()),  # noqa: E731
                                        counts=kw.get("counts", {}), max_open=kw.get("max_open"), last=last)
    assert [pick(None), pick("U1"), pick("U2"), pick("U3")] == ["U1", "U2", "U3", "U1"]
    assert pick("U9") == "U1"  # someone no longer a member: start again
    assert pick("U1", away={"U2"}) == "U3"
    assert pick("U1", counts={"U2": 2, "U3": 1}, max_open=2) == "U3"
    assert pick("U1", away={"U1", "U2", "U3"}) is None


def test_least_open_takes_the_fewest_open_and_the_first_listed_on_a_tie():
    pick = lambda counts, **kw: pick_agent("least_open", MEMBERS, away=kw.get("away", set()),  # noqa: E731
                                          counts=counts, max_open=kw.get("max_open"), last="U1")
    assert pick({}) == "U1"
    assert pick({"U1": 3, "U2": 1, "U3": 1}) == "U2"
    assert pick({"U1": 3, "U2": 1, "U3": 2}, away={"U2"}) == "U3"
    assert pick({"U1": 1, "U2": 1, "U3": 1}, max_open=1) is None
