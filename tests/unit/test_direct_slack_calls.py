"""Messages to Slack that must not be lost go through the outbox; a call that changes
Slack directly from workflows/ or handlers/ says why in one line (tests/direct_calls.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.direct_calls import undeclared_direct_calls


def test_every_direct_slack_write_says_why():
    problems = undeclared_direct_calls()
    assert not problems, "\n" + "\n".join(problems)


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_the_checker_flags_a_post_that_neither_goes_through_the_outbox_nor_says_why(tmp_path):
    root = _project(tmp_path, {
        "workflows/notify.py": """
            async def tell(slack, channel):
                await slack.chat_postMessage(channel=channel, text="lost if Slack is down")

            async def ask(slack, trigger_id):
                # direct: the trigger_id expires in 3 s
                await slack.views_open(trigger_id=trigger_id, view={})

            async def note(slack, user):
                \"\"\"A note (direct: ephemeral, answers what they just did).\"\"\"
                await slack.chat_postEphemeral(channel="C1", user=user, text="ok")

            async def read(slack, channel):
                return await slack.conversations_info(channel=channel)  # a read: not checked

            def owed(channel):
                async def send(slack):  # a delivery the outbox relay makes
                    return await slack.chat_update(channel=channel, ts="1", text="x")
                return send
        """,
        "handlers/answer.py": """
            async def answer(client, user):
                await client.views_publish(user_id=user, view={})
        """,
        "workflows/outbox/calls.py": """
            async def _call(slack, call):
                return await slack.chat_postMessage(**call.args)
        """,
    })
    assert undeclared_direct_calls(root) == [
        "workflows/notify.py:3: chat_postMessage straight to Slack: owe it through the outbox, "
        "or say why in a `# direct: …` comment",
        "handlers/answer.py:3: views_publish straight to Slack: owe it through the outbox, "
        "or say why in a `# direct: …` comment",
    ]
