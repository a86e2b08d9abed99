"""What is wrong with app.yaml, in our words: ``ConfigError`` and its problem lines.

One line per problem, ``<key path>: <message>``::

    priorities.P1.first_response: '1 hour' is not a duration (use 30s, 15m, 4h, 2d, 1w)
    categories[1].tier: unknown tier 'tier9' (tiers: tier1, tier2, tier3, tier4)
    reports.colour: unknown key

The section models report a problem with ``raise_problems`` (a pydantic error that
carries our message); the loader turns each validation error into a line with
``problem_path`` and ``problem_message``.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any, NoReturn

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = ["ConfigError", "Location", "Problem", "kind_of", "problem_message", "problem_path",
           "raise_problems", "show"]

#: Where in app.yaml: keys and list positions, e.g. ``("tiers", 2, "channel")``.
Location = tuple[str | int, ...]
#: A problem found by a check: where (relative to the value checked) and what.
Problem = tuple[Location, str]


class ConfigError(Exception):
    """app.yaml cannot be used; ``problems`` has one human-readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


def show(value: object) -> str:
    """A value as a problem line quotes it: repr, but dates and times as ISO text."""
    if isinstance(value, (date, time)):
        return repr(value.isoformat())
    return repr(value)


def kind_of(value: object) -> str:
    """What a value is, for "expected ..., got <kind>": nothing, a mapping, a list, or it."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return show(value)


def raise_problems(problems: list[Problem], value: object) -> NoReturn:
    """Raise one pydantic error per ``(relative loc, message)``, all at once."""
    raise ValidationError.from_exception_data("app.yaml", [
        InitErrorDetails(type=PydanticCustomError("config_problem", "{problem}",
                                                  {"problem": message}),
                         loc=loc, input=value)
        for loc, message in problems
    ])


def problem_path(loc: Location) -> str:
    """('tiers', 2, 'channel') -> 'tiers[2].channel'; dict keys are dotted names."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "top level"


def problem_message(error: dict[str, Any]) -> str:
    """Pydantic's error -> our wording."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "config_problem":
        return str(error["msg"])
    simple = {
        "missing": "missing",
        "extra_forbidden": "unknown key",
        "string_type": f"expected text, got {kind_of(value)}",
        "model_type": f"expected a mapping (key: value), got {kind_of(value)}",
        "model_attributes_type": f"expected a mapping (key: value), got {kind_of(value)}",
        "dict_type": f"expected a mapping (key: value), got {kind_of(value)}",
        "list_type": f"expected a list, got {kind_of(value)}",
        "bool_type": f"expected true or false, got {kind_of(value)}",
        "bool_parsing": f"expected true or false, got {kind_of(value)}",
    }
    if kind in simple:
        return simple[kind]
    if kind == "too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else \
            f"needs at least {ctx.get('min_length')} entries"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} entries"
    msg = str(error.get("msg", kind))
    return msg[:1].lower() + msg[1:]
