"""What the relay renders as it sends, from what it reads then: a ticket's card (posted
or updated as the ticket is when it goes out) and the text of a digest.

The outbox is below the domains and imports none of them: the builders belong to the
domains that own those messages (the card to tickets, the SLA digest to sla), and the
composition root registers them once at start-up (``bot/runtime.py``,
``register_outbox_renderers``). A relay with nothing registered cannot send a card or a
digest: it logs that and leaves the row to be retried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.tickets import Ticket
from workflows.policy.schema import AppConfig

__all__ = ["CardRenderer", "DigestBuilder", "Renderers", "register_renderers", "registered_renderers"]

#: ``(ticket, config, now) -> (notification text, blocks)``: the ticket's card as it is now.
CardRenderer = Callable[[Ticket, AppConfig, datetime], tuple[str, list[dict[str, Any]]]]
#: ``[(a folded post's text, its digest mark), ...] -> the digest's text``.
DigestBuilder = Callable[[Sequence[tuple[str, object]]], str]


@dataclass(frozen=True)
class Renderers:
    ticket_card: CardRenderer
    #: Digest group (the ``group`` of a post's digest mark) -> its builder. Posts of a
    #: group without a builder go out one by one, as owed.
    digests: Mapping[str, DigestBuilder] = field(default_factory=dict)


_registered: list[Renderers] = []


def register_renderers(renderers: Renderers) -> None:
    """Use ``renderers`` from now on (a second call replaces the first)."""
    _registered[:] = [renderers]


def registered_renderers() -> Renderers:
    if not _registered:
        raise RuntimeError("no outbox renderers registered: the composition root registers them at start-up "
                           "(bot.runtime.register_outbox_renderers)")
    return _registered[0]
