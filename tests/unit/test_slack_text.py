"""Slack message text made plain: tokens resolved, entities unescaped, summaries capped."""

from __future__ import annotations

import pytest

from workflows.slack_text import SUMMARY_MAX, plain_text, summary_from_message


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("hello", "hello"),
        ("<@U123ABC> can you look?", "@U123ABC can you look?"),
        ("<@U123|ana> said so", "@ana said so"),
        ("see <#C0GENERAL|general>", "see #general"),
        ("see <#C0GENERAL|>", "see #C0GENERAL"),
        ("see <#C0GENERAL>", "see #C0GENERAL"),
        ("<!here> outage", "@here outage"),
        ("<!channel> and <!everyone>", "@channel and @everyone"),
        ("ping <!subteam^S0OPS|@ops-team>", "ping @ops-team"),
        ("ping <!subteam^S0OPS>", "ping @S0OPS"),
        ("since <!date^1700000000^{date_short}|Nov 14>", "since Nov 14"),
        ("read <https://docs.example/x?a=1&amp;b=2|the docs>", "read the docs"),
        ("read <https://docs.example/x>", "read https://docs.example/x"),
        ("mail <mailto:a@b.example|a@b.example>", "mail a@b.example"),
        ("mail <mailto:a@b.example>", "mail a@b.example"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("&amp;lt;not a tag&amp;gt;", "&lt;not a tag&gt;"),
        ("", ""),
    ],
)
def test_plain_text_resolves_slack_markup(raw, plain):
    assert plain_text(raw) == plain


def test_plain_text_of_none_is_empty():
    assert plain_text(None) == ""


def test_keep_urls_keeps_where_a_labelled_link_went():
    raw = "see <https://status.example|status page> and <https://x.example>"
    assert plain_text(raw, keep_urls=True) == "see status page (https://status.example) and https://x.example"
    assert plain_text("<mailto:a@b.example|Ana>", keep_urls=True) == "Ana"


def test_escaped_user_text_never_becomes_a_token():
    # A person typing "<@U1>" literally arrives escaped; it stays text, not a mention.
    assert plain_text("&lt;@U1&gt;") == "<@U1>"


def test_summary_is_the_first_non_blank_line_plain():
    text = "\n  <@U0AGENT> checkout is   broken for <#C1|eu-customers>\nsecond line\n"
    assert summary_from_message(text) == "@U0AGENT checkout is broken for #eu-customers"


def test_summary_is_capped_to_the_modal_limit():
    summary = summary_from_message("x" * 400 + "\nmore")
    assert len(summary) == SUMMARY_MAX == 150
    assert summary.endswith("…")


def test_summary_cap_counts_plain_characters_not_markup():
    text = "<https://very.long.example/" + "p" * 300 + "|short label> broke"
    assert summary_from_message(text) == "short label broke"


def test_summary_of_an_empty_message_is_empty():
    assert summary_from_message("") == ""
    assert summary_from_message("   \n\n") == ""
    assert summary_from_message(None) == ""
