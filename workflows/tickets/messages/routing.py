"""What a move says: the old card, edited to point to the new one; the first note under the
new card, linking the conversation so far; the note left in the old thread; merges."""

from __future__ import annotations

from typing import Any

from models.tickets import Ticket
from workflows.outbox.enqueue import CARD_LINK_TEXT
from workflows.block_text import HEADER_TEXT_MAX, cap, escape, link, mrkdwn, plain, user


def _who(actor_id: str | None) -> str:
    return user(actor_id) if actor_id else "supportbot"


def moved_card_text(ticket: Ticket, *, to_channel: str) -> str:
    return f"Ticket #{ticket.number} moved to <#{to_channel}>"


def build_moved_card(ticket: Ticket, *, to_name: str, to_channel: str, actor_id: str | None) -> list[dict[str, Any]]:
    """The old card once the ticket has moved: where it went, and no buttons."""
    return [
        {"type": "header", "text": plain(f"#{ticket.number} {ticket.summary}", HEADER_TEXT_MAX)},
        {"type": "section", "text": mrkdwn(
            f":arrow_right: {_who(actor_id)} moved #{ticket.number} to *{escape(to_name)}* (<#{to_channel}>). "
            f"The ticket continues under its card there; its SLA clocks kept running.")},
        {"type": "context", "elements": [mrkdwn("Replies here still reach the ticket; please continue there.")]},
    ]


def moved_here_note(ticket: Ticket, *, from_name: str, from_channel: str | None, old_permalink: str | None,
                    actor_id: str | None, why: str) -> str:
    """The first note under the new card: where it came from and the conversation so far."""
    history = f" The conversation so far: {link(old_permalink, 'the thread in ' + from_name)}." if old_permalink else ""
    where = f" (<#{from_channel}>)" if from_channel else ""
    return f":arrow_right: {_who(actor_id)} moved #{ticket.number} here from *{escape(from_name)}*{where}{why}.{history}"


def moved_away_note(ticket: Ticket, *, to_name: str, to_channel: str) -> str:
    return (f":arrow_right: #{ticket.number} moved to *{escape(to_name)}* (<#{to_channel}>); "
            f"please reply under its card there.")


def former_thread_pointer(ticket: Ticket, *, user_id: str) -> str:
    """The answer to the first reply in a moved ticket's old thread; its ``{card}`` becomes
    the link to the ticket's card when it is sent (``workflows.outbox.enqueue.owe_card_link_post``)."""
    return (f":arrow_right: {user(user_id)}, #{ticket.number} has moved: your reply is on the ticket, "
            f"but please continue under its {CARD_LINK_TEXT}.")


def category_note(ticket: Ticket, *, previous: str, actor_id: str | None) -> str:
    return (f"{_who(actor_id)} changed the category of #{ticket.number} from *{escape(previous)}* "
            f"to *{escape(ticket.category)}*.")


def merged_note(duplicate: Ticket, target: Ticket, *, actor_id: str, target_resolved: bool = False) -> str:
    """In the duplicate's thread."""
    hears = "was sent its resolution" if target_resolved else "hears its resolution"
    return (f"{user(actor_id)} merged #{duplicate.number} into "
            f"*{link(target.permalink, f'#{target.number}')}* as a duplicate: the conversation continues there, "
            f"and {user(duplicate.reporter_id)} {hears}.")


def duplicate_note(duplicate: Ticket, target: Ticket, *, actor_id: str, target_resolved: bool = False) -> str:
    """In the thread of the ticket it was merged into."""
    hears = "was sent its resolution" if target_resolved else "will hear how it is resolved"
    return (f"{user(actor_id)} merged *{link(duplicate.permalink, f'#{duplicate.number}')}* "
            f"({escape(cap(duplicate.summary, 100))}, reported by {user(duplicate.reporter_id)}) into "
            f"#{target.number} as a duplicate; {user(duplicate.reporter_id)} {hears}.")


def merged_dm_text(duplicate: Ticket, target: Ticket, *, target_resolved: bool = False) -> str:
    """To the duplicate's reporter (the resolution follows at once when ``target_resolved``)."""
    then = (f"#{target.number} is resolved already: here is how." if target_resolved
            else f"You will hear here when #{target.number} is resolved.")
    return (f"Your ticket #{duplicate.number} ({escape(cap(duplicate.summary, 100))}) is the same problem as "
            f"*{link(target.permalink, f'#{target.number}')}*, so it was merged into it. {then}")
