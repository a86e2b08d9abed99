"""Durations as app.yaml writes them: ``30s``, ``15m``, ``4h``, ``2d``, ``1w``.

``parse_duration`` turns such a value into a positive ``timedelta``; ``format_duration``
turns a ``timedelta`` back into the same compact text, so that what the bot says
("due in 1h 30m") reads like what the admin wrote.

The accepted grammar is deliberately small: one or more ``<number><unit>`` parts, units
``w d h m s`` in that order, spaces allowed between parts (``1h30m``, ``1h 30m``,
``1.5h``). The arithmetic is done by ``pytimeparse2``; we only decide what we let it see.
Rejected, each with the same message form::

    '1 hour' is not a duration (use 30s, 15m, 4h, 2d, 1w)

- ``None`` (a key written with no value), booleans and bare numbers. A bare number has no
  unit, and PyYAML reads an unquoted ``1:30`` as the integer 90, so a number is never
  taken on trust.
- Words and clock notation (``1 hour``, ``"1:30"``), months and years (their length
  varies), negative and zero durations.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytimeparse2

__all__ = ["parse_duration", "format_duration"]

HINT = "(use 30s, 15m, 4h, 2d, 1w)"

# One or more "<number><unit>" parts; pytimeparse2 then checks the unit order.
_COMPACT = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+", re.IGNORECASE)

_UNITS: tuple[tuple[str, int], ...] = (
    ("w", 7 * 24 * 3600),
    ("d", 24 * 3600),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
)


def parse_duration(value: object) -> timedelta:
    """Return the positive ``timedelta`` written as ``value`` (e.g. ``"15m"``).

    A ``timedelta`` is accepted as is when it is positive, so models can also be built
    from Python values. Anything else raises ``ValueError`` with a message of the form
    ``'<value>' is not a duration (use 30s, 15m, 4h, 2d, 1w)``.
    """
    if isinstance(value, timedelta):
        if value > timedelta(0):
            return value
        raise _not_a_duration(value)
    if not isinstance(value, str) or not _COMPACT.fullmatch(value):
        raise _not_a_duration(value)
    seconds = pytimeparse2.parse(value.strip().lower())
    if seconds is None or seconds <= 0:
        raise _not_a_duration(value)
    return timedelta(seconds=seconds)


def format_duration(td: timedelta) -> str:
    """Compact text for ``td``: ``15m``, ``1h``, ``1h 30m``, ``2d``, ``1w 2d``.

    Whole seconds only (fractions are dropped); zero is ``0s``; a negative duration gets
    a leading ``-`` (``-5m``), which is handy for "overdue by" texts built by callers.
    """
    total = int(td.total_seconds())
    sign = "-" if total < 0 else ""
    remaining = abs(total)
    parts: list[str] = []
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + (" ".join(parts) if parts else "0s")


def _not_a_duration(value: object) -> ValueError:
    return ValueError(f"{value!r} is not a duration {HINT}")
