"""app.yaml -> AppConfig, and the problem lines an admin sees when it is wrong."""

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pydantic
import pytest
import yaml

from workflows.policy.durations import Target, parse_target
from workflows.policy.loader import load_config, parse_config
from workflows.policy.problems import ConfigError
from workflows.policy.schema import AppConfig

REPO_ROOT = Path(__file__).resolve().parents[2]

# The documented shape of app.yaml (README.md, "app.yaml"): these keys and shapes are a promise.
CONTRACT_EXAMPLE = """\
timezone: UTC
business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
channels: {triage: C_TRIAGE, incidents: C_INCIDENTS, oncall: C_ONCALL}
priorities:
  P0: {name: Critical, first_response: 15m, resolution: 2h, warn_at: 0.75, page: true, business_hours: false}
  P1: {name: High, first_response: 1h, resolution: 8h, warn_at: 0.75, page: true, business_hours: false}
  P2: {name: Medium, first_response: 4h, resolution: 24h, warn_at: 0.75, page: false, business_hours: true}
  P3: {name: Low, first_response: 24h, resolution: 1w, warn_at: 0.75, page: false, business_hours: true}
tiers:
  - {id: tier1, name: Frontline, channel: C_TIER1}
  - {id: tier2, name: Technical, channel: C_TIER2}
  - {id: tier3, name: Engineering, channel: C_TIER3, page: true}
  - {id: tier4, name: Executive, channel: C_TIER4}
categories:
  - {name: Login problems, tier: tier1, escalation: [tier2, tier3]}
  - {name: Payment failed, tier: tier1, escalation: [tier2, tier3]}
  - {name: Performance issues, tier: tier2, escalation: [tier3]}
  - {name: Account compromise, tier: tier2, escalation: [tier3, tier4]}
incidents:
  channel_prefix: inc-
  update_cadence: {P0: 15m, P1: 30m, P2: 2h}
  # external_cadence: {P0: 30m, P1: 1h}   # off unless set
oncall:
  rotation: {start: "2026-11-23T00:00:00Z", every: 1w, primary: [U_ONCALL_A, U_ONCALL_B], secondary: [U_ONCALL_C]}
"""

DURATION_HINT = "(use 30s, 15m, 4h, 2d, 1w)"


@pytest.fixture
def data() -> dict:
    """A fresh, valid app.yaml as plain data, for a test to break."""
    return yaml.safe_load(CONTRACT_EXAMPLE)


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ good files


def test_contract_example_loads(tmp_path):
    config = load_config(write(tmp_path, CONTRACT_EXAMPLE))
    assert config.timezone == "UTC"
    assert config.business_hours.days == ["mon", "tue", "wed", "thu", "fri"]
    assert config.business_hours.start == time(9, 0)
    assert config.channels.triage == "C_TRIAGE"
    assert config.priority("P3").resolution == Target(weeks=1)
    assert config.tier("tier3").page is True
    assert config.tier("tier1").page is False
    assert config.incidents.update_cadence == {
        "P0": timedelta(minutes=15), "P1": timedelta(minutes=30), "P2": timedelta(hours=2)}
    assert config.incidents.external_cadence == {}
    assert config.oncall.rotation.start == datetime(2026, 11, 23, tzinfo=timezone.utc)
    assert config.oncall.rotation.secondary == ["U_ONCALL_C"]
    assert config.holidays is None


def test_contract_example_loads_from_safe_load_data_too(data):
    assert parse_config(data).priority("P0").first_response == Target(time=timedelta(minutes=15))


def test_example_app_yaml_loads_with_the_practice_numbers():
    config = load_config(REPO_ROOT / "app.yaml")
    assert config.zone == ZoneInfo("America/New_York")
    assert config.business_hours.days == ["mon", "tue", "wed", "thu", "fri"]
    assert (config.business_hours.start, config.business_hours.end) == (time(8), time(18))
    assert config.business_hours.weekdays == frozenset({0, 1, 2, 3, 4})
    targets = {pid: (p.name, p.first_response, p.resolution, p.page, p.business_hours)
               for pid, p in config.priorities.items()}
    target = parse_target
    assert targets == {
        "P0": ("Critical", target("15m"), target("2h"), True, False),
        "P1": ("High", target("1h"), target("8h"), True, False),
        "P2": ("Medium", target("4h"), target("24h"), False, True),
        "P3": ("Low", target("24h"), Target(weeks=1), False, True),
    }
    assert {p.warn_at for p in config.priorities.values()} == {0.75}
    assert {pid: p.next_response for pid, p in config.priorities.items()} == {
        "P0": target("30m"), "P1": target("2h"), "P2": None, "P3": None}
    assert [(t.id, t.name, t.page) for t in config.tiers] == [
        ("tier1", "Frontline", False), ("tier2", "Technical", False),
        ("tier3", "Engineering", True), ("tier4", "Executive", False)]
    assert [c.name for c in config.categories] == [
        "Login problems", "Bug report", "Performance issues", "API errors", "Data sync",
        "Payment failed", "Refund request", "Account compromise", "Fraud suspicion",
        "Feature request", "General question"]
    assert [t.id for t in config.escalation_path("Login problems")] == ["tier1", "tier2", "tier3"]
    assert config.channel_for_category("General question") == config.channels.triage
    assert config.incidents.channel_prefix == "inc-"
    assert config.incidents.update_cadence == {
        "P0": timedelta(minutes=15), "P1": timedelta(minutes=30), "P2": timedelta(hours=2)}
    assert config.incidents.external_cadence == {
        "P0": timedelta(minutes=30), "P1": timedelta(hours=1)}
    assert config.oncall.rotation.every == timedelta(weeks=1)
    assert config.oncall.rotation.primary and config.oncall.rotation.secondary
    assert config.oncall.rotation.start.utcoffset() is not None
    assert config.holidays is not None and config.holidays.country == "US"
    calendar = config.holidays.calendar()
    assert date(2026, 7, 3) in calendar        # Independence Day, observed
    assert date(2026, 12, 24) in calendar      # one of our extra days


def test_optional_sections_and_overrides(data):
    data["holidays"] = {"country": "us", "subdivision": "NY", "extra": ["2026-12-24"]}
    data["categories"][0].update(first_response="30m", resolution="2h", description="Sign-in")
    config = parse_config(data)
    assert config.holidays.country == "US"
    assert config.holidays.extra == [date(2026, 12, 24)]
    login = config.category("Login problems")
    assert (login.first_response, login.resolution) == (parse_target("30m"), parse_target("2h"))
    assert login.description == "Sign-in"
    assert config.category("Payment failed").first_response is None


def test_models_are_frozen(data):
    config = parse_config(data)
    with pytest.raises(pydantic.ValidationError):
        config.timezone = "Europe/Paris"
    with pytest.raises(pydantic.ValidationError):
        config.priority("P0").page = False


def test_yaml_quirks_are_read_the_way_an_admin_means(tmp_path):
    # Unquoted 18:00 stays a time (not the base-60 integer 1080), and 1:30 is refused
    # as a duration instead of silently becoming 90 seconds.
    text = CONTRACT_EXAMPLE.replace('end: "18:00"', "end: 18:00")
    assert load_config(write(tmp_path, text)).business_hours.end == time(18)
    # Only true/false are booleans: NO is Norway.
    config = load_config(write(tmp_path, CONTRACT_EXAMPLE + "holidays: {country: NO}\n"))
    assert config.holidays.country == "NO"
    text = CONTRACT_EXAMPLE.replace("every: 1w", "every: 1:30")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.problems == [
        f"oncall.rotation.every: '1:30' is not a duration {DURATION_HINT}"]


# ------------------------------------------------------------------ one mistake, one line


def test_bad_duration(data):
    data["priorities"]["P1"]["first_response"] = "1 hour"
    assert problems(data) == [
        f"priorities.P1.first_response: '1 hour' is not a duration {DURATION_HINT}"]


def test_next_response_is_optional_and_a_duration(data):
    assert parse_config(data).priority("P1").next_response is None
    data["priorities"]["P1"]["next_response"] = "2h"
    assert parse_config(data).priority("P1").next_response == Target(time=timedelta(hours=2))
    data["priorities"]["P1"]["next_response"] = "soon"
    data["priorities"]["P2"]["next_response"] = "-5m"
    assert problems(data) == [
        f"priorities.P1.next_response: 'soon' is not a duration {DURATION_HINT}",
        f"priorities.P2.next_response: '-5m' is not a duration {DURATION_HINT}"]


def test_bare_number_duration(data):
    data["incidents"]["update_cadence"]["P0"] = 90   # what yaml.safe_load makes of 1:30
    assert problems(data) == [f"incidents.update_cadence.P0: 90 is not a duration {DURATION_HINT}"]


def test_missing_key(data):
    del data["tiers"][2]["channel"]
    assert problems(data) == ["tiers[2].channel: missing"]


def test_unknown_key(data):
    data["helpdesk"] = {"daily": True}
    assert problems(data) == ["helpdesk: unknown key"]


def test_unknown_nested_key(data):
    data["priorities"]["P0"]["paging"] = True
    assert problems(data) == ["priorities.P0.paging: unknown key"]


def test_unknown_tier_in_category(data):
    data["categories"][1]["tier"] = "tier9"
    assert problems(data) == [
        "categories[1].tier: unknown tier 'tier9' (tiers: tier1, tier2, tier3, tier4)"]


def test_unknown_tier_in_escalation(data):
    data["categories"][0]["escalation"] = ["tier2", "tier7"]
    assert problems(data) == [
        "categories[0].escalation[1]: unknown tier 'tier7' (tiers: tier1, tier2, tier3, tier4)"]


def test_escalation_path_must_not_loop(data):
    data["categories"][0]["escalation"] = ["tier2", "tier1", "tier2"]
    assert problems(data) == [
        "categories[0].escalation[1]: 'tier1' is the category's own tier",
        "categories[0].escalation[2]: 'tier2' is already on the escalation path",
    ]


@pytest.mark.parametrize("value", [1.5, 0, 1, True, "75%"])
def test_bad_warn_at(data, value):
    data["priorities"]["P2"]["warn_at"] = value
    assert problems(data) == [
        f"priorities.P2.warn_at: {value!r} is not between 0 and 1 "
        "(e.g. 0.75: warn when 75% of the time has passed)"]


def test_bad_timezone(data):
    data["timezone"] = "Mars/Base"
    assert problems(data) == ["timezone: 'Mars/Base' is not an IANA time zone"]


def test_bad_time_of_day(data):
    data["business_hours"]["start"] = "25:00"
    assert problems(data) == ["business_hours.start: '25:00' is not a time of day (use HH:MM)"]


def test_end_before_start(data):
    data["business_hours"]["end"] = "08:30"
    assert problems(data) == ["business_hours.end: 08:30 is not later than start (09:00)"]


def test_bad_day(data):
    data["business_hours"]["days"] = ["mon", "fry"]
    assert problems(data) == [
        "business_hours.days[1]: 'fry' is not a day (use mon, tue, wed, thu, fri, sat, sun)"]


def test_resolution_shorter_than_first_response(data):
    data["priorities"]["P2"]["resolution"] = "2h"
    assert problems(data) == ["priorities.P2.resolution: 2h is shorter than first_response (4h)"]


def test_category_override_resolution_shorter_than_first_response(data):
    data["categories"][0].update(first_response="4h", resolution="90m")
    assert problems(data) == [
        "categories[0].resolution: 1h 30m is shorter than first_response (4h)"]


def test_business_day_listed_twice(data):
    data["business_hours"]["days"] = ["mon", "Tuesday", "mon"]
    assert problems(data) == ["business_hours.days: mon listed more than once"]


def test_missing_priority(data):
    del data["priorities"]["P2"]
    assert problems(data) == ["priorities.P2: missing"]


def test_unknown_priority(data):
    data["priorities"]["P4"] = dict(data["priorities"]["P3"])
    assert problems(data) == ["priorities.P4: unknown priority 'P4' (priorities: P0, P1, P2, P3)"]


def test_cadence_for_unknown_priority(data):
    data["incidents"]["update_cadence"]["P5"] = "1h"
    assert problems(data) == [
        "incidents.update_cadence.P5: unknown priority 'P5' (priorities: P0, P1, P2, P3)"]


def test_duplicate_tier_id(data):
    data["tiers"].append({"id": "tier1", "name": "Second line", "channel": "C_TIER5"})
    assert problems(data) == ["tiers[4].id: duplicate tier id 'tier1'"]


def test_duplicate_category(data):
    data["categories"][2]["name"] = "login problems"
    assert problems(data) == ["categories[2].name: duplicate category 'login problems'"]


def test_bad_slack_ids(data):
    data["channels"]["oncall"] = "#oncall"
    data["oncall"]["rotation"]["primary"] = []
    data["oncall"]["rotation"]["secondary"] = ["alice"]
    assert problems(data) == [
        "channels.oncall: '#oncall' is not a Slack channel id (like C0123ABCDE)",
        "oncall.rotation.primary: must not be empty",
        "oncall.rotation.secondary[0]: 'alice' is not a Slack user id (like U0123ABCDE)",
    ]


def test_rotation_start_needs_an_offset(data):
    data["oncall"]["rotation"]["start"] = "2026-11-23T00:00"
    assert problems(data) == [
        "oncall.rotation.start: '2026-11-23T00:00' is not a date and time with a UTC offset "
        "(use e.g. 2026-11-23T09:00:00Z or 2026-11-23T09:00:00-05:00)"]


def test_bad_channel_prefix(data):
    data["incidents"]["channel_prefix"] = "INC "
    assert problems(data) == [
        "incidents.channel_prefix: 'INC ' is not a channel prefix "
        "(lowercase letters, digits, - and _, at most 20 characters)"]


def test_bad_holidays(data):
    data["holidays"] = {"country": "XX", "extra": ["24/12/2026"]}
    assert problems(data) == [
        "holidays.country: 'XX' is not a country code known to the holidays library "
        "(like US, GB, DE)",
        "holidays.extra[0]: '24/12/2026' is not a date (use YYYY-MM-DD)",
    ]
    data["holidays"] = {"country": "US", "subdivision": "ZZ"}
    assert problems(data) == ["holidays.subdivision: 'ZZ' is not a subdivision of US"]
    for odd in ("Mon", "int", ""):
        data["holidays"] = {"country": odd}
        assert problems(data) == [
            f"holidays.country: {odd!r} is not a country code known to the holidays library "
            "(like US, GB, DE)"]


def test_wrong_shapes(data):
    data["channels"] = ["C_TRIAGE"]
    data["tiers"] = {"id": "tier1"}
    data["priorities"]["P0"]["page"] = None
    assert problems(data) == [
        "channels: expected a mapping (key: value), got a list",
        "priorities.P0.page: expected true or false, got nothing",
        "tiers: expected a list, got a mapping",
    ]


def test_missing_section(data):
    del data["oncall"]
    assert problems(data) == ["oncall: missing"]


def test_every_mistake_gets_its_own_line(data):
    data["timezone"] = "Mars/Base"
    data["priorities"]["P1"]["first_response"] = "1 hour"
    del data["priorities"]["P2"]
    del data["tiers"][2]["channel"]
    data["helpdesk"] = {}
    assert problems(data) == [
        "timezone: 'Mars/Base' is not an IANA time zone",
        f"priorities.P1.first_response: '1 hour' is not a duration {DURATION_HINT}",
        "priorities.P2: missing",
        "tiers[2].channel: missing",
        "helpdesk: unknown key",
    ]


def test_config_error_joins_problems_with_newlines():
    error = ConfigError(["a: missing", "b: unknown key"])
    assert str(error) == "a: missing\nb: unknown key"
    assert error.problems == ["a: missing", "b: unknown key"]


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError) as info:
        parse_config(["timezone: UTC"])
    assert info.value.problems == [
        "top level: expected a mapping of settings (key: value), got a list"]


# ------------------------------------------------------------------ reading the file


def test_file_not_found(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == [f"{path}: file not found"]


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path = write(tmp_path, "timezone: UTC\nbusiness_hours: {days: [mon, tue}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == [
        f"{path}: line 2, column 33: expected ',' or ']', but got '}}'"]


def test_duplicate_yaml_key(tmp_path):
    path = write(tmp_path, CONTRACT_EXAMPLE + "timezone: Europe/Paris\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == [f"{path}: line 25, column 1: duplicate key 'timezone'"]


def test_empty_file(tmp_path):
    path = write(tmp_path, "# nothing yet\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == [f"{path}: file is empty"]


# ------------------------------------------------------------------ helpers


@pytest.fixture
def config(data) -> AppConfig:
    data["categories"].append({"name": "General question", "escalation": ["tier1", "tier2"]})
    return parse_config(data)


def test_next_tier_walks_the_escalation_path(config):
    assert config.next_tier("Login problems", "tier1").id == "tier2"
    assert config.next_tier("Login problems", "tier2").id == "tier3"
    assert config.next_tier("Account compromise", "tier3").id == "tier4"


def test_next_tier_is_none_at_the_end_of_the_path(config):
    assert config.next_tier("Login problems", "tier3") is None
    assert config.next_tier("Performance issues", "tier3") is None


def test_next_tier_edge_cases(config):
    assert config.next_tier("General question", None).id == "tier1"   # from triage
    assert config.next_tier("Login problems", "tier4") is None         # not on the path
    assert config.next_tier("No such category", "tier1") is None


def test_channel_for_category(config):
    assert config.channel_for_category("Login problems") == "C_TIER1"
    assert config.channel_for_category("Performance issues") == "C_TIER2"
    assert config.channel_for_category("General question") == "C_TRIAGE"   # no tier
    assert config.channel_for_category("No such category") == "C_TRIAGE"


def test_lookups(config):
    assert config.priority("P1").name == "High"
    with pytest.raises(KeyError):
        config.priority("P9")
    assert config.tier("tier4").name == "Executive"
    with pytest.raises(KeyError):
        config.tier("tier9")
    assert config.category("login PROBLEMS").name == "Login problems"
    assert config.category("nope") is None
    assert config.initial_tier(config.category("Account compromise")).id == "tier2"
    assert config.initial_tier("General question") is None
    assert config.tier_by_channel("C_TIER3").id == "tier3"
    assert config.tier_by_channel("C_TRIAGE") is None
    assert config.zone == ZoneInfo("UTC")
