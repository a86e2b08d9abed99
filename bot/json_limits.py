"""JSON from the network: how deeply it may nest, and which texts no database stores.

``json.loads`` recurses once per level: a body of a few kilobytes of ``[[[[…`` raises
``RecursionError`` (not a ``ValueError``), and a body just shallow enough to parse can
still exhaust the stack of whatever walks it later (``json.dumps``, ``copy.deepcopy``,
a logger). Nothing Slack or PagerDuty sends nests deeper than a dozen levels, so a body
nested deeper than :data:`MAX_JSON_DEPTH` is refused as malformed (400) before anything
else reads it:

    payload = load_json(body)          # ValueError: not JSON; JsonTooDeep: nested too deeply
    reason = json_problem(parsed)      # for a body someone else parsed (Bolt)

JSON can also carry texts that are not Unicode a database can store: ``"\\u0000"``
(PostgreSQL refuses NUL in text) and lone surrogates like ``"\\ud800"`` (not UTF-8 at
all). Slack's clients cannot type either; :func:`json_problem` names them too.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "JsonTooDeep", "json_problem", "load_json", "nested_deeper_than"]

#: Objects and arrays inside one another; Slack's deepest (rich text in a view) is ~12.
MAX_JSON_DEPTH = 64
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JsonTooDeep(ValueError):
    """The body nests objects and arrays deeper than :data:`MAX_JSON_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def json_problem(value: Any, *, limit: int = MAX_JSON_DEPTH, texts: bool = True) -> str | None:
    """Why this parsed JSON cannot be processed: nested more than ``limit`` levels, or
    (``texts``) a text or key with a NUL or a lone surrogate. Walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if texts and _UNSTORABLE.search(node):
                return "text with a NUL or a lone surrogate"
            continue
        if isinstance(node, dict):
            children: Any = node.values()
            if texts and any(isinstance(key, str) and _UNSTORABLE.search(key) for key in node):
                return "text with a NUL or a lone surrogate"
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return str(JsonTooDeep())
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, str)))
    return None


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when objects and arrays nest more than ``limit`` levels."""
    return json_problem(value, limit=limit, texts=False) is not None


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
