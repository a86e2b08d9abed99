"""How many posts the relay folds into one digest (``workflows/outbox/relay.py``).

A post owed with a digest mark (``owe_post(digest=...)``, e.g. an SLA notice to a tier
channel) may go out folded with the others of its group waiting in the same channel:
when at least ``DIGEST_THRESHOLD`` of them wait as the relay takes the first, the
channel gets one message listing them instead of a message each. The words of a
digest belong to the domain that marks its posts (the SLA notices' in
``workflows/sla/messages.py``); this module only sizes it.

Why 5: a notice is two posts in the channel its card is in (the thread and the channel
itself), and Slack allows a channel a burst of about 10 posts, then one a second
(``bot/channel_pacer.py``). From 5 notices at once the channel's burst is spent and
every further post waits its second; folding the channel posts leaves the budget to the
threads. Below that, notices that merely happen to fall due together look as always.
"""

from __future__ import annotations

from collections.abc import Sequence

from workflows.block_text import MESSAGE_TEXT_MAX

__all__ = ["BULLET", "DIGEST_THRESHOLD", "MAX_NOTICES", "digest_size"]

#: Fold when at least this many posts wait in the channel (the head included).
DIGEST_THRESHOLD = 5
#: At most this many posts in one digest; more make further digests.
MAX_NOTICES = 20
#: What each folded post's line starts with.
BULLET = "• "
_HEADER_ROOM = 200  # the header line, counted before the posts


def digest_size(texts: Sequence[str], *, budget: int = MESSAGE_TEXT_MAX, most: int = MAX_NOTICES) -> int:
    """How many of the leading post ``texts`` go into one digest: as many as fit in
    ``budget`` characters (well under Slack's advice of 4,000 for ``text``) and ``most``;
    at least one. A rest too short to make a digest of its own (it would go out one
    post at a time) is avoided: two even digests, or a small one now and a digest of
    ``DIGEST_THRESHOLD`` after it."""
    used, size = _HEADER_ROOM, 0
    for text in texts[:most]:
        used += len(BULLET) + len(text) + 1
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
