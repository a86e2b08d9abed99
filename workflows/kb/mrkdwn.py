"""Markdown (a knowledge-base article) as Slack mrkdwn, through markdown-it-py's parser.

The article is parsed as CommonMark with GitHub's tables and strikethrough (raw HTML is
text), then each node is written the way Slack shows it:

| Markdown | mrkdwn |
|---|---|
| ``*em*``, ``_em_`` | ``_em_`` |
| ``**strong**``, ``__strong__`` | ``*strong*`` |
| ``~~strike~~`` | ``~strike~`` |
| ``# Heading`` | ``*Heading*`` on its own line |
| ```code```, fenced and indented blocks | the same: ``code``, a triple-backtick block |
| ``[text](https://…)``, ``![alt](https://…)`` | ``<https://…|text>`` (other schemes: the text) |
| ``- item``, ``1. item`` (nested too) | ``• item``, ``1. item``, nested levels indented |
| ``> quote`` | ``> quote`` |
| a table | a monospaced block with aligned columns (Slack has no tables) |
| ``---`` | a line |

Every piece of text is escaped (``& < >``), so an article cannot mention ``<!channel>``
or smuggle a link. :func:`markdown_blocks` gives the top-level blocks one by one (so a
long article can be cut between them, never inside a code block or a table).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from workflows.block_text import escape

__all__ = ["markdown_blocks", "markdown_to_mrkdwn"]

_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_RULE = "───────────"
_WRAP = {"em": "_", "strong": "*", "s": "~"}


def markdown_to_mrkdwn(markdown: str) -> str:
    """The whole article as one mrkdwn text, blocks separated by a blank line."""
    return "\n\n".join(markdown_blocks(markdown))


def markdown_blocks(markdown: str) -> list[str]:
    """Each top-level block (paragraph, heading, list, code block, table…) as mrkdwn."""
    root = SyntaxTreeNode(_PARSER.parse(markdown))
    return [text for node in root.children if (text := _block(node).strip("\n"))]


def _block(node: SyntaxTreeNode, depth: int = 0) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inline_of(node)
    if kind == "heading":
        return f"*{_inline_of(node, plain=True)}*"
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, depth)
    if kind in ("fence", "code_block"):
        return _code_block(node.content)
    if kind == "blockquote":
        inner = "\n\n".join(_block(child, depth) for child in node.children)
        return "\n".join(f"> {line}" if line else ">" for line in inner.splitlines())
    if kind == "table":
        return _table(node)
    if kind == "hr":
        return _RULE
    return escape(node.content)  # html_block (raw HTML is off: shown as text) and the like


def _list(node: SyntaxTreeNode, depth: int) -> str:
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 0
    indent = "    " * depth
    lines: list[str] = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}." if node.type == "ordered_list" else ("•" if depth % 2 == 0 else "◦")
        parts = [_block(child, depth + 1) for child in item.children]
        first, *rest = parts or [""]
        first_line, *more = first.splitlines() or [""]
        lines.append(f"{indent}{marker} {first_line}")
        lines += [f"{indent}   {line}" if line else "" for line in more]
        for part in rest:  # a nested list is already indented; a second paragraph is not
            lines += [line if line.startswith(indent + "    ") else f"{indent}   {line}" for line in part.splitlines()]
    return "\n".join(lines)


def _code_block(code: str) -> str:
    return f"```\n{escape(code.rstrip(chr(10)))}\n```"


def _table(node: SyntaxTreeNode) -> str:
    rows = [[_inline_of(cell, plain=True, escaped=False) for cell in row.children]
            for section in node.children for row in section.children]
    widths = [max(len(row[i]) if i < len(row) else 0 for row in rows) for i in range(max(map(len, rows)))]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    if node.children and node.children[0].type == "thead":
        lines.insert(1, "-+-".join("-" * width for width in widths))
    return _code_block("\n".join(lines))


def _inline_of(node: SyntaxTreeNode, *, plain: bool = False, escaped: bool = True) -> str:
    """The text of a block's inline content. ``plain``: no emphasis marks (a heading is
    bold already; a table is monospaced). ``escaped=False``: for a code block, escaped whole."""
    return "".join(_inline(child, plain, escaped) for inline in node.children for child in inline.children)


def _inline(node: SyntaxTreeNode, plain: bool, escaped: bool) -> str:
    kind = node.type
    text = escape if escaped else str
    inner = "".join(_inline(child, plain, escaped) for child in node.children)
    if kind == "text" or kind == "html_inline":
        return text(node.content)
    if kind in ("softbreak", "hardbreak"):
        return " " if plain else "\n"
    if kind == "code_inline":
        return text(node.content) if plain else f"`{text(node.content)}`"
    if kind in _WRAP:
        return inner if plain or not inner.strip() else f"{_WRAP[kind]}{inner}{_WRAP[kind]}"
    if kind in ("link", "image"):
        url = str(node.attrs.get("href") or node.attrs.get("src") or "")
        label = inner if kind == "link" else text(node.content) or "image"
        if plain or not escaped or not url.startswith(_LINK_SCHEMES):
            return label
        return f"<{escape(url)}|{label.replace('|', '¦')}>"
    return inner
