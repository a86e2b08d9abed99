"""`/ticket …` text -> what it asks for (workflows/ticket_commands.parse_ticket_command)."""

from __future__ import annotations

import pytest

from workflows.errors import InvalidRequest
from workflows.tickets.commands import (
    HELP_TEXT,
    TicketCommand,
    TicketSubcommand,
    parse_number,
    parse_ticket_command,
)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_no_text_opens_an_empty_new_ticket_form(text):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.NEW)


@pytest.mark.parametrize("text, number", [("#1", 1), ("#42", 42), ("  #7  ", 7), ("#007", 7), ("#123456789", 123456789)])
def test_hash_number_shows_that_ticket(text, number):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.SHOW, number=number)


@pytest.mark.parametrize("text", ["#", "#abc", "#12a", "#-3", "#1.5", "#1234567890", "##4"])
def test_a_bad_ticket_number_is_an_invalid_request(text):
    with pytest.raises(InvalidRequest, match="is not a ticket number"):
        parse_ticket_command(text)


def test_a_bad_number_is_quoted_short():
    with pytest.raises(InvalidRequest) as info:
        parse_ticket_command("#" + "x" * 100)
    assert len(info.value.message) < 100


@pytest.mark.parametrize("text", ["help", "HELP", " Help "])
def test_help(text):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.HELP)


@pytest.mark.parametrize("text", ["mine", "Mine", "MINE"])
def test_mine(text):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.MINE)


@pytest.mark.parametrize("text", ["help me", "mine please", "mine #3"])
def test_help_and_mine_take_nothing_after_them(text):
    with pytest.raises(InvalidRequest, match="takes nothing after it"):
        parse_ticket_command(text)


def test_queue_without_a_tier():
    assert parse_ticket_command("queue") == TicketCommand(TicketSubcommand.QUEUE, argument="")


@pytest.mark.parametrize("text, tier", [("queue tier2", "tier2"), ("QUEUE Technical", "Technical"), ("queue  tier1 ", "tier1")])
def test_queue_with_a_tier_keeps_the_tier_as_typed(text, tier):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.QUEUE, argument=tier)


def test_queue_takes_at_most_one_tier():
    with pytest.raises(InvalidRequest, match="at most one tier"):
        parse_ticket_command("queue tier1 tier2")


@pytest.mark.parametrize("text, number", [("reopen #5", 5), ("reopen 5", 5), ("Reopen #12", 12)])
def test_reopen(text, number):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.REOPEN, number=number)


@pytest.mark.parametrize("text", ["reopen", "reopen #x", "reopen #5 #6", "reopen five", "reopen #5 now"])
def test_reopen_needs_exactly_one_number(text):
    with pytest.raises(InvalidRequest, match="Say which ticket to reopen"):
        parse_ticket_command(text)


@pytest.mark.parametrize("text", [
    "Checkout page is blank",
    "VPN down since 9am",
    "#1 is broken again",          # a number followed by words is a summary
    "help! login fails",           # not the bare word help
    "queued payments stuck",
    "minecraft server down",
    "<!channel> <@U123> & friends",
])
def test_free_text_is_a_new_ticket_with_that_summary(text):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.NEW, argument=text)


def test_free_text_is_trimmed_but_keeps_inner_spacing():
    assert parse_ticket_command("  Printer  on fire \n").argument == "Printer  on fire"


@pytest.mark.parametrize("word, number", [("#3", 3), ("3", 3), (" 42 ", 42), ("#x", None), ("", None), ("1e3", None)])
def test_parse_number(word, number):
    assert parse_number(word) == number


def test_help_text_names_every_subcommand():
    for usage in ("/ticket #N", "/ticket mine", "/ticket queue [tier]", "/ticket reopen #N", "/ticket help"):
        assert usage in HELP_TEXT


@pytest.mark.parametrize("text, kind, number", [
    ("wait #5", TicketSubcommand.WAIT, 5), ("WAIT 12", TicketSubcommand.WAIT, 12),
    ("resume #7", TicketSubcommand.RESUME, 7), ("Resume 7", TicketSubcommand.RESUME, 7),
])
def test_wait_and_resume_name_one_ticket(text, kind, number):
    assert parse_ticket_command(text) == TicketCommand(kind, number=number)


@pytest.mark.parametrize("text", ["wait", "wait #x", "wait #5 #6", "resume", "resume #5 now"])
def test_wait_and_resume_need_exactly_one_number(text):
    with pytest.raises(InvalidRequest, match="Say which ticket"):
        parse_ticket_command(text)


def test_priority_takes_a_number_and_a_priority_kept_as_typed():
    assert parse_ticket_command("priority #42 p1") == TicketCommand(TicketSubcommand.PRIORITY, number=42, argument="p1")
    assert parse_ticket_command("PRIORITY 3 P0") == TicketCommand(TicketSubcommand.PRIORITY, number=3, argument="P0")


@pytest.mark.parametrize("text", ["priority", "priority #42", "priority #42 P1 now", "priority #x P1"])
def test_priority_needs_a_number_and_one_priority(text):
    with pytest.raises(InvalidRequest, match="which priority"):
        parse_ticket_command(text)


@pytest.mark.parametrize("text", ["wait times are too long", "priority support is down", "resume upload fails"])
def test_a_summary_that_starts_with_a_newer_subcommand_word_is_a_new_ticket(text):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.NEW, argument=text)


def test_help_names_the_sla_subcommands():
    for usage in ("/ticket wait #N", "/ticket resume #N", "/ticket priority #N P1"):
        assert usage in HELP_TEXT


@pytest.mark.parametrize(
    "text, argument",
    [("stats", ""), ("stats 7d", "7d"), ("stats tier2", "tier2"), ("stats 30d Payment failed", "30d Payment failed")],
)
def test_stats_subcommand(text, argument):
    assert parse_ticket_command(text) == TicketCommand(TicketSubcommand.STATS, argument=argument)


def test_a_summary_starting_with_stats_stays_a_ticket():
    assert parse_ticket_command("stats page is broken").kind == TicketSubcommand.NEW
