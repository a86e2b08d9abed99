"""What `/ticket …` asks for: a pure parser of the command text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workflows.errors import InvalidRequest


class TicketSubcommand(StrEnum):
    NEW = "new"
    SHOW = "show"
    MINE = "mine"
    QUEUE = "queue"
    REOPEN = "reopen"
    WAIT = "wait"
    RESUME = "resume"
    PRIORITY = "priority"
    STATS = "stats"
    HELP = "help"
    TRIAGE = "triage"
    ASSIGN = "assign"
    AWAY = "away"
    BACK = "back"
    CATEGORY = "category"
    MOVE = "move"
    MERGE = "merge"


@dataclass(frozen=True)
class TicketCommand:
    kind: TicketSubcommand
    number: int | None = None
    argument: str = ""
    other: int | None = None  # `/ticket merge #A #B`: B


# Subcommands that name one ticket, and what "say which ticket …" asks.
_ONE_TICKET = {"reopen": "to reopen", "wait": "waits on the customer", "resume": "to resume", "triage": "to triage"}
# Subcommands naming a ticket and one more thing: what to say when it is missing.
_TICKET_AND = {
    "priority": "Say which ticket and which priority, e.g. `/ticket priority #42 P1`.",
    "assign": "Say which ticket and to whom, e.g. `/ticket assign #42 @ana`.",
    "category": "Say which ticket and which category, e.g. `/ticket category #42 Payment failed`.",
    "move": "Say which ticket and which tier, e.g. `/ticket move #42 tier2`.",
}
_NUMBER = re.compile(r"^#?(\d{1,9})$")
# Subcommands added after people could open tickets whose summary starts with the word:
# they are subcommands only when a ticket number (or what tries to be one) follows.
_NEWER = frozenset({"wait", "resume", "priority", "triage", "assign", "category", "move", "merge"})
# Subcommands that are one word alone ("/ticket back button broken" is a ticket).
_ALONE = frozenset({"away", "back"})
_NUMBERISH = re.compile(r"^(#|\d)")
_PERIOD = re.compile(r"^\d{1,4}[hdw]$", re.IGNORECASE)

HELP_TEXT = """*Support tickets*
• `/ticket` or `/ticket <summary>`: open a ticket (a form opens, prefilled with the summary)
• `/ticket #N`: the status of ticket N
• `/ticket mine`: tickets you reported or claimed, open ones first
• `/ticket queue [tier]`: open tickets of a tier, nearest SLA deadline first
• `/ticket reopen #N`: reopen a resolved ticket
• `/ticket wait #N`: wait on the customer (the resolution clock pauses until the reporter replies in the thread)
• `/ticket resume #N`: stop waiting on the customer by hand
• `/ticket priority #N P1`: change the priority (P0–P3); the SLA due times are computed again
• `/ticket triage #N`: a form to set priority, category and assignee in one step
• `/ticket assign #N @person`: give the ticket to someone (they get a DM)
• `/ticket category #N Name`: change the category (the ticket moves to that category's tier)
• `/ticket move #N tier2`: move the ticket to another tier's channel (or `triage`); SLA clocks keep running
• `/ticket merge #A #B`: resolve A as a duplicate of B (open or resolved); A's reporter hears B's resolution
• `/ticket away` / `/ticket back`: no automatic assignments for you while away
• `/ticket stats [7d|30d|…] [tier|category] [customer:Name]`: support metrics (response and resolution times, SLA attainment, escalation and reopen rates, CSAT)
• `/ticket help`: this help
Reply in a ticket card's thread to talk about the ticket; the card's buttons triage, claim and assign it, wait on the customer, resolve it and merge it into another."""


def parse_number(word: str) -> int | None:
    match = _NUMBER.match(word.strip())
    return int(match.group(1)) if match else None


def parse_ticket_command(text: str) -> TicketCommand:
    """Read `/ticket` text. Free text that is not a subcommand is the new ticket's summary."""
    words = text.strip().split()
    if not words:
        return TicketCommand(TicketSubcommand.NEW)
    head, rest = words[0].lower(), words[1:]
    if len(words) == 1 and words[0].startswith("#"):
        number = parse_number(words[0])
        if number is None:
            raise InvalidRequest(f"`{words[0][:20]}` is not a ticket number; try `/ticket #42`.")
        return TicketCommand(TicketSubcommand.SHOW, number=number)
    if head in _ALONE and not rest:
        return TicketCommand(TicketSubcommand(head))
    if head in ("help", "mine"):
        if rest:
            raise InvalidRequest(f"`/ticket {head}` takes nothing after it. See `/ticket help`.")
        return TicketCommand(TicketSubcommand(head))
    if head == "queue":
        if len(rest) > 1:
            raise InvalidRequest("`/ticket queue` takes at most one tier, e.g. `/ticket queue tier2`.")
        return TicketCommand(TicketSubcommand.QUEUE, argument=rest[0] if rest else "")
    if head == "stats" and (not rest or len(rest) == 1 or _PERIOD.match(rest[0])
                            or rest[0].casefold().startswith("customer:")):
        # "/ticket stats page is broken" stays a ticket; "/ticket stats 30d Payment failed" is stats.
        return TicketCommand(TicketSubcommand.STATS, argument=" ".join(rest))
    if head in _NEWER and rest and not _NUMBERISH.match(rest[0]):
        # "/ticket wait times are long" is a ticket about waiting, not a subcommand.
        return TicketCommand(TicketSubcommand.NEW, argument=text.strip())
    if head in _ONE_TICKET:
        number = parse_number(rest[0]) if len(rest) == 1 else None
        if number is None:
            raise InvalidRequest(f"Say which ticket {_ONE_TICKET[head]}, e.g. `/ticket {head} #42`.")
        return TicketCommand(TicketSubcommand(head), number=number)
    if head in _TICKET_AND:
        number = parse_number(rest[0]) if len(rest) >= 2 else None
        if number is None or (head != "category" and len(rest) != 2):
            raise InvalidRequest(_TICKET_AND[head])
        return TicketCommand(TicketSubcommand(head), number=number, argument=" ".join(rest[1:]))
    if head == "merge":
        numbers = [parse_number(word) for word in rest if word.lower() != "into"]
        if len(numbers) != 2 or None in numbers:
            raise InvalidRequest("Say which ticket is a duplicate of which, e.g. `/ticket merge #41 #42` "
                                 "(41 is resolved as a duplicate of 42).")
        if numbers[0] == numbers[1]:
            raise InvalidRequest("A ticket cannot be merged into itself.")
        return TicketCommand(TicketSubcommand.MERGE, number=numbers[0], other=numbers[1])
    return TicketCommand(TicketSubcommand.NEW, argument=text.strip())
