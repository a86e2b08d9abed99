"""One message in a tier channel for the SLA notices waiting there together (a storm).

Each notice is owed to the tier channel on its own (``workflows/sla/engine.py``), marked
``sla_digest_mark(kind)``. When at least ``DIGEST_THRESHOLD`` of them wait in one
channel as the relay takes the first, the channel gets one message listing them, each
line the notice's own text (already escaped, its ``#N`` linked to the ticket's card
where the permalink was known), instead of a message per notice; each ticket's thread
still gets its own notice. A single notice is sent exactly as it was owed.

Why 5: a notice is two posts in the channel its card is in (the thread and the channel
itself), and Slack allows a channel a burst of about 10 posts, then one a second
(``bot/channel_pacer.py``). From 5 notices at once the channel's burst is spent and
every further post waits its second; folding the channel posts leaves the budget to the
threads. Below that, notices that merely happen to fall due together look as always.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from models.sla import SlaNotificationKind as Kind
from workflows.block_text import MESSAGE_TEXT_MAX

__all__ = ["DIGEST_THRESHOLD", "MAX_NOTICES", "SLA_DIGEST", "build_sla_digest_text", "digest_size",
           "sla_digest_mark"]

SLA_DIGEST = "sla"
#: Fold when at least this many notices wait in the channel (the head included).
DIGEST_THRESHOLD = 5
#: At most this many notices in one digest; more make further digests.
MAX_NOTICES = 20
_HEADER_ROOM = 200  # the header line, counted before the notices
_BULLET = "• "


def sla_digest_mark(kind: Kind) -> dict[str, str]:
    """The payload mark (``models.outbox.DIGEST``) of a notice owed to a tier channel."""
    return {"group": SLA_DIGEST, "kind": kind.value}


def digest_size(texts: Sequence[str], *, budget: int = MESSAGE_TEXT_MAX, most: int = MAX_NOTICES) -> int:
    """How many of the leading notice ``texts`` go into one digest: as many as fit in
    ``budget`` characters (well under Slack's advice of 4,000 for ``text``) and ``most``;
    at least one. A rest too short to make a digest of its own (it would go out one
    notice at a time) is avoided: two even digests, or a small one now and a digest of
    ``DIGEST_THRESHOLD`` after it."""
    used, size = _HEADER_ROOM, 0
    for text in texts[:most]:
        used += len(_BULLET) + len(text) + 1
        if size and used > budget:
            break
        size += 1
    count = len(texts)
    if 0 < count - size < DIGEST_THRESHOLD:
        half = (count + 1) // 2
        if half <= size and count - half >= DIGEST_THRESHOLD:
            size = half
        elif 2 <= count - DIGEST_THRESHOLD < size:
            size = count - DIGEST_THRESHOLD
    return size


def _kind_of(mark: object) -> str:
    return str(mark.get("kind", "")) if isinstance(mark, dict) else ""


def _counts(kinds: Sequence[str]) -> str:
    tally = Counter("breached" if k.endswith("_breach") else "warning" if k.endswith("_warning")
                    else "management" if k == Kind.MANAGEMENT_NOTICE.value else "other" for k in kinds)
    parts = []
    if tally["breached"]:
        parts.append(f"{tally['breached']} breached")
    if tally["warning"]:
        parts.append(f"{tally['warning']} warning{'s' if tally['warning'] > 1 else ''}")
    if tally["management"]:
        parts.append(f"{tally['management']} management notice{'s' if tally['management'] > 1 else ''}")
    if tally["other"]:
        parts.append(f"{tally['other']} other")
    return ", ".join(parts)


def build_sla_digest_text(notices: Sequence[tuple[str, object]]) -> str:
    """The digest of ``notices`` (each: the notice's text as owed, its digest mark): a
    header naming how many and of which kinds, then one line per notice, in order."""
    kinds = [_kind_of(mark) for _text, mark in notices]
    threads = "" if Kind.MANAGEMENT_NOTICE.value in kinds else "; each ticket's thread has its own"
    header = f":bell: *{len(notices)} SLA notices at once* ({_counts(kinds)}){threads}:"
    return "\n".join([header, *(f"{_BULLET}{text}" for text, _mark in notices)])
