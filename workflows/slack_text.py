"""Reading what people wrote in Slack: message text without Slack's markup.

Slack sends message text in its own format: mentions and links are angle-bracket
tokens (``<@U123>``, ``<#C123|general>``, ``<!here>``, ``<https://x.example|label>``)
and a literal ``&``, ``<``, ``>`` arrive as ``&amp;``, ``&lt;``, ``&gt;``. Putting that
text into a plain-text modal input (a ticket's Summary or Description) would show the
tokens raw, so :func:`plain_text` turns it into what a person reads in the client:

    <@U123>            -> @U123        <@U123|ana>        -> @ana
    <#C123|general>    -> #general     <#C123>            -> #C123
    <!here>            -> @here        <!subteam^S1|@ops> -> @ops
    <!date^1700000000^{date}|Nov 14> -> Nov 14
    <https://x.example|the docs>     -> the docs   (``keep_urls``: "the docs (https://x.example)")
    <https://x.example>              -> https://x.example
    <mailto:a@b.example|a@b.example> -> a@b.example
    &lt;b&gt; &amp; co               -> <b> & co

Pure functions, no Slack calls: names of users and channels are not looked up (an id
without a label stays an id). The result is plain text; whoever shows it in mrkdwn
escapes it again (``workflows.block_text.escape``).
"""

from __future__ import annotations

import re

from workflows.block_text import cap, escape

__all__ = ["COUNTED_SUBTYPES", "SUMMARY_MAX", "plain_text", "relayed_text", "summary_from_message"]

#: Message subtypes that are a person writing (None: a plain message). Everything else
#: (message_changed, message_deleted, bot_message, channel_join, ...) is ignored.
COUNTED_SUBTYPES: frozenset[str | None] = frozenset({None, "thread_broadcast", "file_share"})

#: The ticket modal's Summary limit (``workflows.tickets.messages.form.SUMMARY_MAX``).
SUMMARY_MAX = 150

_TOKEN = re.compile(r"<([^<>\n]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def _special(target: str, label: str | None) -> str:
    """``<!here>``, ``<!subteam^S1|@ops>``, ``<!date^…|fallback>``: the label, else @name."""
    if label:
        return label
    name = target[1:].split("^", 1)[0]
    if name == "subteam" and "^" in target:
        name = target.split("^", 2)[1]
    return f"@{name}" if name else ""


def _token(match: re.Match[str], keep_urls: bool) -> str:
    body = match.group(1)
    target, sep, label = body.partition("|")
    label = label.strip() if sep else None
    if target.startswith("@"):
        return f"@{label.lstrip('@')}" if label else target
    if target.startswith("#"):
        return f"#{label.lstrip('#')}" if label else target
    if target.startswith("!"):
        return _special(target, label)
    if not target:
        return label or ""
    if not label or label == target:
        return target.removeprefix("mailto:") if target.startswith("mailto:") else target
    if keep_urls and not target.startswith("mailto:"):
        return f"{label} ({target})"
    return label


def plain_text(text: str | None, *, keep_urls: bool = False) -> str:
    """``text`` as a person reads it: Slack's tokens resolved, entities unescaped.

    A link with a label becomes its label, or ``label (url)`` with ``keep_urls`` (so a
    longer text such as a description keeps where the link went).
    """
    if not text:
        return ""
    resolved = _TOKEN.sub(lambda m: _token(m, keep_urls), text)
    return _unescape(resolved)


_USER_MENTION = re.compile(r"@[UW][A-Z0-9]+")


def relayed_text(text: str | None) -> str:
    """``text`` made safe to repeat in another channel as mrkdwn: people stay mentioned
    (``<@U123>``), everything else is what a person reads, escaped, so ``<!channel>``,
    ``<!here>`` and group mentions never ping the channel it is copied into."""
    if not text:
        return ""
    pieces: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        pieces.append(escape(_unescape(text[last:match.start()])))
        target = match.group(1).partition("|")[0]
        pieces.append(f"<{target}>" if _USER_MENTION.fullmatch(target) else escape(_token(match, True)))
        last = match.end()
    pieces.append(escape(_unescape(text[last:])))
    return "".join(pieces)


def summary_from_message(text: str | None, limit: int = SUMMARY_MAX) -> str:
    """A ticket summary from a message: its first non-blank line, plain, capped at ``limit``."""
    for line in plain_text(text).splitlines():
        line = " ".join(line.split())
        if line:
            return cap(line, limit)
    return ""
