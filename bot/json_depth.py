"""JSON bodies from the network, with a bound on how deeply they nest.

``json.loads`` recurses once per level: a body of a few kilobytes of ``[[[[…`` raises
``RecursionError`` (not a ``ValueError``), and a body just shallow enough to parse can
still exhaust the stack of whatever walks it later (``json.dumps``, ``copy.deepcopy``,
a logger). Nothing Slack or PagerDuty sends nests deeper than a dozen levels, so a body
nested deeper than :data:`MAX_JSON_DEPTH` is refused as malformed (400) before anything
else reads it:

    payload = load_json(body)          # ValueError: not JSON, or nested too deeply
    if nested_deeper_than(parsed): …   # for a body someone else parsed (Bolt)
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "JsonTooDeep", "load_json", "nested_deeper_than"]

#: Objects and arrays inside one another; Slack's deepest (rich text in a view) is ~12.
MAX_JSON_DEPTH = 64


class JsonTooDeep(ValueError):
    """The body nests objects and arrays deeper than :data:`MAX_JSON_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when objects and arrays nest more than ``limit`` levels (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def load_json(body: bytes | str) -> Any:
    """The parsed body; ``ValueError`` when it is not JSON (``UnicodeDecodeError`` is one),
    its subclass :class:`JsonTooDeep` when it nests deeper than :data:`MAX_JSON_DEPTH`."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise JsonTooDeep() from None
    if nested_deeper_than(value):
        raise JsonTooDeep()
    return value
