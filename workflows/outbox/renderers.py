"""What the relay renders as it sends, from what it reads then: a ticket's card (posted
or updated as the ticket is when it goes out) and the text of a digest.

The outbox is below the domains and imports none of them: the builders belong to the
domains that own those messages (the card to tickets, the SLA digest to sla), and the
composition root hands them to the relay in ``Deps.outbox_renderers``
(``bot/runtime.py``, ``OUTBOX_RENDERERS``). A relay given none cannot send a card: it
logs that and leaves the row to be retried; its digest posts go out one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from models.tickets import Ticket
from workflows.policy.schema import AppConfig

__all__ = ["CardRenderer", "DigestBuilder", "Renderers"]

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "digests", MappingProxyType(dict(self.digests)))  # read-only once built
