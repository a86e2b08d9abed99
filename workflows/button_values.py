"""Reading back the values our own messages carry: row ids in button values and in
modals' ``private_metadata``.

Slack echoes a button's ``value`` as it was sent, but a signed request can carry
anything there. Only what our builders write is accepted: ASCII digits naming a row id
that fits the database's integer (no ``²``, ``١``, ``-1``, ``1e3`` or 20-digit numbers,
which ``str.isdigit`` and ``int`` would let through or turn into database errors).
"""

from __future__ import annotations

import re

__all__ = ["ROW_ID_MAX", "parse_row_id"]

ROW_ID_MAX = 2**31 - 1  # the largest id of an INTEGER primary key (Postgres int4)
_ROW_ID = re.compile(r"[0-9]{1,10}")


def parse_row_id(value: object) -> int | None:
    """The row id the text ``value`` names (surrounding spaces allowed), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ROW_ID.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= ROW_ID_MAX else None
