"""Pure incident rules: war-room names, cadences, catch-up after downtime."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.incidents.rules import (
    channel_slug, external_cadence, first_due, is_raise, next_due_after, parse_priority, update_cadence, war_room_name,
)

DAY = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
VALID = re.compile(r"^[a-z0-9_-]{1,80}$")


@pytest.mark.parametrize(("title", "slug"), [
    ("Checkout failing for EU customers", "checkout-failing-for-eu-customers"),
    ("  DB: primary down!!  ", "db-primary-down"),
    ("Ünïcode façade — naïve café", "unicode-facade-naive-cafe"),
    ("<!channel> & <@U123>", "channel-u123"),
    ("日本語だけ", ""),
    ("a_b  c--d", "a-b-c-d"),
])
def test_channel_slug(title, slug):
    assert channel_slug(title) == slug


def test_war_room_name_shape_and_suffixes():
    assert war_room_name("inc-", DAY, "Checkout down") == "inc-20261125-checkout-down"
    assert war_room_name("inc-", DAY, "Checkout down", attempt=2) == "inc-20261125-checkout-down-2"
    assert war_room_name("inc-", DAY, "日本語だけ") == "inc-20261125-incident"
    assert war_room_name("ops_inc-", DAY, "x") == "ops_inc-20261125-x"


@pytest.mark.parametrize("attempt", [1, 2, 9, 10, 123])
@pytest.mark.parametrize("title", ["word " * 40, "a" * 150, "ab-" * 50, "x" * 66 + " yz", "x" * 67 + "-yz"])
def test_long_names_fit_in_80_characters_and_stay_valid(title, attempt):
    name = war_room_name("incident-prefix-xyz-", DAY, title, attempt=attempt)
    assert len(name) <= 80 and VALID.match(name), name
    assert "--" not in name.replace("prefix-xyz-", "") and not name.endswith("-")
    if attempt > 1:
        assert name.endswith(f"-{attempt}")


def test_a_long_slug_is_cut_at_a_word_boundary():
    name = war_room_name("inc-", DAY, "database " * 20)
    assert name.endswith("-database") and len(name) <= 80


def test_priorities():
    assert parse_priority("p1") == "P1" and parse_priority(" P0 ") == "P0"
    assert parse_priority("P3") is None and parse_priority(None) is None and parse_priority("high") is None
    assert is_raise("P2", "P0") and not is_raise("P0", "P1")


def test_cadences_from_the_policy(config):
    assert update_cadence(config, "P0") == timedelta(minutes=15)
    assert update_cadence(config, "P2") == timedelta(hours=2)
    assert external_cadence(config, "P1") == timedelta(hours=1)
    assert external_cadence(config, "P2") is None
    assert first_due(config, "P1", T0) == T0 + timedelta(minutes=30)
    assert first_due(config, "P2", T0, external=True) is None


@pytest.mark.parametrize(("late", "expected"), [
    (timedelta(0), timedelta(minutes=15)),
    (timedelta(seconds=1), timedelta(minutes=15)),
    (timedelta(minutes=14, seconds=59), timedelta(minutes=15)),
    (timedelta(minutes=15), timedelta(minutes=30)),
    (timedelta(minutes=85), timedelta(minutes=90)),
])
def test_next_due_after_skips_whole_missed_periods(late, expected):
    period = timedelta(minutes=15)
    assert next_due_after(T0, period, T0 + late) == T0 + expected
    assert next_due_after(T0, period, T0 + late) > T0 + late
    assert next_due_after(T0, None, T0) is None
