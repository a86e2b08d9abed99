"""Finds the Slack calls in workflows/ and handlers/ that change something in Slack
(posts, updates, views, channels, pins, files, user groups) outside the outbox.

A message that must not be lost goes through the outbox (docs/architecture.md): the
call is then made by a delivery's ``send`` (``workflows/outbox/calls.py``, or a room's
own ``send`` closure handed to the relay). Anything else that writes to Slack directly
says why in a ``# direct: …`` comment on its line or the two lines above, or in its
function's docstring.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.architecture import PROJECT_ROOT

PACKAGES = ("workflows", "handlers")
#: AsyncWebClient methods that change Slack. Reads (conversations.info and .history,
#: users.lookupByEmail, usergroups.users.list, auth.test …) are not checked.
WRITES = re.compile(
    r"^(chat_(postMessage|postEphemeral|update|delete|scheduleMessage|meMessage)"
    r"|views_(open|push|update|publish)"
    r"|conversations_(create|invite|join|kick|archive|unarchive|rename|setTopic|setPurpose|leave|open|close)"
    r"|pins_(add|remove)|reactions_(add|remove)|bookmarks_\w+|files_\w+"
    r"|usergroups_(users_update|create|update|enable|disable)|api_call)$")
#: Where a delivery's Slack call is made: the outbox's own calls, and ``send`` closures.
OUTBOX_CALLS = Path("workflows/outbox/calls.py")
DELIVERY_FUNCTIONS = {"send"}
WHY = "direct:"


def _functions(tree: ast.AST) -> Iterator[tuple[ast.Call, list[ast.AST]]]:
    """Every call with the functions around it, outermost first."""
    def visit(node: ast.AST, around: list[ast.AST]) -> Iterator[tuple[ast.Call, list[ast.AST]]]:
        if isinstance(node, ast.Call):
            yield node, around
        inner = [*around, node] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else around
        for child in ast.iter_child_nodes(node):
            yield from visit(child, inner)
    yield from visit(tree, [])


def _says_why(lines: list[str], call: ast.Call, around: list[ast.AST]) -> bool:
    first = call.lineno - 1
    if any(WHY in line for line in lines[max(0, first - 2): first + 1]):
        return True
    functions = [f for f in around if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return bool(functions) and WHY in (ast.get_docstring(functions[-1]) or "")


def undeclared_direct_calls(root: Path = PROJECT_ROOT, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """One line per Slack write outside the outbox that does not say why: file:line, method."""
    problems: list[str] = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative == OUTBOX_CALLS:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for call, around in _functions(ast.parse(source, filename=str(relative))):
                if not (isinstance(call.func, ast.Attribute) and WRITES.match(call.func.attr)):
                    continue
                in_delivery = any(getattr(f, "name", None) in DELIVERY_FUNCTIONS for f in around)
                if in_delivery or _says_why(lines, call, around):
                    continue
                problems.append(f"{relative}:{call.lineno}: {call.func.attr} straight to Slack: owe it through "
                                f"the outbox, or say why in a `# {WHY} …` comment")
    return problems
