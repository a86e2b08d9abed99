"""SLA targets in app.yaml on business hours (#24): what they mean, said by check-config
(``workflows.policy.explain``), and the resolution-not-shorter check read on each clock."""

import pytest
import yaml

from workflows.policy.explain import calendar_summary, target_meaning, target_notes
from workflows.policy.durations import parse_target
from workflows.policy.loader import parse_config
from workflows.policy.problems import ConfigError
from tests.policies import example_policy
from tests.unit.test_config import CONTRACT_EXAMPLE


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(CONTRACT_EXAMPLE)  # business hours 09:00-18:00 (9h), Mon-Fri


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def test_the_example_policy_says_what_its_business_hours_targets_mean():
    config = example_policy()
    assert target_notes(config) == [
        "priorities.P2.resolution: 24h = 24 working hours ≈ 2.4 working days",
        "priorities.P3.first_response: 24h = 24 working hours ≈ 2.4 working days",
        "priorities.P3.resolution: 1w = 5 working days, at the same time of day",
    ]
    assert calendar_summary(config) == (
        "business hours: mon, tue, wed, thu, fri 08:00-18:00 America/New_York, closed on US public "
        "holidays and 2 more days; a working day is 10h, 1w is 5 working days")


def test_only_targets_a_reader_could_misread_get_a_note(data):
    data["priorities"]["P2"].update(first_response="8h", resolution="1d4h", next_response="2d")
    data["priorities"]["P1"].update(resolution="2d")            # around the clock: no note
    data["categories"][1].update(first_response="9h", resolution="1w")
    assert target_notes(parse_config(data)) == [
        "priorities.P2.resolution: 1d 4h = 1 working day, then 4 working hours",
        "priorities.P2.next_response: 2d = 2 working days, at the same time of day",
        "priorities.P3.first_response: 24h = 24 working hours ≈ 2.7 working days",
        "priorities.P3.resolution: 1w = 5 working days, at the same time of day",
        "categories[1].first_response (Payment failed): 9h = 9 working hours ≈ 1 working day on P2, P3",
        "categories[1].resolution (Payment failed): 1w = 5 working days, at the same time of day on P2, P3",
    ]


def test_no_business_hours_priority_no_notes(data):
    for priority in data["priorities"].values():
        priority["business_hours"] = False
    data["categories"][0].update(resolution="3d")
    assert target_notes(parse_config(data)) == []


def test_meaning_around_the_clock(data):
    hours = parse_config(data).business_hours
    assert target_meaning(parse_target("1w"), business_hours=False, hours=hours) == "1w around the clock"
    assert target_meaning(parse_target("30m"), business_hours=True, hours=hours) == "30m = 0.5 working hours"


def test_resolution_shorter_than_first_response_is_read_on_the_priority_clock(data):
    # On a 09:00-18:00 desk 1d is 9 working hours: shorter than 12h.
    data["priorities"]["P2"].update(first_response="12h", resolution="1d")
    # Around the clock 1d is 24h: not shorter.
    data["priorities"]["P1"].update(first_response="12h", resolution="1d")
    assert problems(data) == ["priorities.P2.resolution: 1d is shorter than first_response (12h)"]


def test_a_category_is_read_on_every_clock_its_priorities_use(data):
    data["categories"][0].update(first_response="12h", resolution="1d")
    assert problems(data) == [
        "categories[0].resolution: 1d is shorter than first_response (12h) on business-hours priorities"]
    data["categories"][0].update(first_response="1w", resolution="6d")   # 1w = 5 working days, 7 days
    assert problems(data) == [
        "categories[0].resolution: 6d is shorter than first_response (1w) around the clock"]
    data["categories"][0].update(first_response="2d", resolution="1d")
    assert problems(data) == ["categories[0].resolution: 1d is shorter than first_response (2d)"]


def test_a_week_on_business_hours_is_not_shorter_than_a_day_of_hours(data):
    data["priorities"]["P3"].update(first_response="24h", resolution="1w")  # 24 < 45 working hours
    parse_config(data)


def test_half_days_are_refused_with_a_hint(data):
    data["priorities"]["P3"]["resolution"] = "1.5d"
    assert problems(data) == [
        "priorities.P3.resolution: '1.5d': weeks and days are whole numbers in a target (e.g. 1d 12h instead of 1.5d)"]
