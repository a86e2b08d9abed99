"""Knowledge-base Markdown as Slack mrkdwn (workflows/kb/mrkdwn.py, markdown-it-py):
emphasis, strike, code, links, lists, quotes and tables as Slack shows them, escaped."""

from __future__ import annotations

import pytest

from workflows.kb.messages import article_text_chunks
from workflows.kb.mrkdwn import markdown_blocks, markdown_to_mrkdwn


@pytest.mark.parametrize("markdown, mrkdwn", [
    ("*italic* and _italic_", "_italic_ and _italic_"),
    ("**bold** and __bold__", "*bold* and *bold*"),
    ("***both***", "_*both*_"),
    ("~~gone~~", "~gone~"),
    ("2 * 3 * 4", "2 * 3 * 4"),
    ("# Reset **your** password", "*Reset your password*"),
    ("Setext heading\n===", "*Setext heading*"),
    ("run `pip install <pkg>` now", "run `pip install &lt;pkg&gt;` now"),
    ("[the docs](https://help.example.com/a?b=1&c=2)", "<https://help.example.com/a?b=1&amp;c=2|the docs>"),
    ("[write **us**](mailto:help@example.com)", "<mailto:help@example.com|write *us*>"),
    ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
    ("[relative](/articles/x)", "relative"),
    ("![a chart](https://img.example.com/c.png)", "<https://img.example.com/c.png|a chart>"),
    ("<https://auto.example.com>", "<https://auto.example.com|https://auto.example.com>"),
    ("<!channel> & <b>html</b>", "&lt;!channel&gt; &amp; &lt;b&gt;html&lt;/b&gt;"),
    ("line one\nline two", "line one\nline two"),
    ("> quoted\n> **twice**", "> quoted\n> *twice*"),
    ("---", "───────────"),
])
def test_inline_and_simple_blocks(markdown, mrkdwn):
    assert markdown_to_mrkdwn(markdown) == mrkdwn


def test_bullets_numbers_and_nesting():
    markdown = "- one\n- two **b**\n  - nested\n    1. deeper\n- three\n\n5. five\n6. six\n"
    assert markdown_to_mrkdwn(markdown) == (
        "• one\n• two *b*\n    ◦ nested\n        1. deeper\n• three\n\n5. five\n6. six")


def test_code_blocks_keep_their_lines_and_are_escaped():
    markdown = "```sh\ncurl -s https://x.example/a?b=1&c=2 > out\n\necho <done>\n```\n\n    indented code\n"
    assert markdown_blocks(markdown) == [
        "```\ncurl -s https://x.example/a?b=1&amp;c=2 &gt; out\n\necho &lt;done&gt;\n```",
        "```\nindented code\n```"]


def test_a_table_becomes_aligned_monospaced_columns():
    markdown = "| Plan | Response | Notes |\n|---|:-:|--:|\n| Enterprise | **30m** | `24/7` |\n| Free | 1d | <none> |\n"
    assert markdown_to_mrkdwn(markdown) == (
        "```\n"
        "Plan       | Response | Notes\n"
        "-----------+----------+-------\n"
        "Enterprise | 30m      | 24/7\n"
        "Free       | 1d       | &lt;none&gt;\n"
        "```")


def test_long_articles_are_cut_between_blocks_and_code_stays_fenced():
    code = "```\n" + "\n".join(f"line {i} " + "x" * 60 for i in range(100)) + "\n```"
    chunks = article_text_chunks(f"Intro\n\n{code}\n\nOutro", limit=2000)
    assert all(len(chunk) <= 2000 for chunk in chunks) and len(chunks) >= 4
    assert chunks[0] == "Intro"
    assert all(c.startswith("```\n") and c.endswith("\n```") for c in chunks[1:-1])
    assert chunks[-1].endswith("Outro")
