"""The Slack manifest, the README and the code agree: the slash commands the manifest
declares are the ones the listeners register and the README lists; every bot scope the
manifest asks for is needed by a Web API method the code calls or an event it receives,
and every method the code calls has its scope in the manifest (bot/manifest.py)."""

from __future__ import annotations

import re

from bot.manifest import BOT_EVENTS, BOT_SCOPES, SLASH_COMMANDS
from tests.conftest import REPO_ROOT

#: Web API method -> (the scopes it needs, scopes it needs only on some conversations:
#: private channels, DMs). A method the code starts to call must be added here.
METHOD_SCOPES: dict[str, tuple[set[str], set[str]]] = {
    "auth.test": (set(), set()),
    "apps.connections.open": (set(), set()),  # the app-level token's connections:write
    "chat.postMessage": ({"chat:write"}, {"im:write"}),  # channel=U…: the person's DM with the bot
    "chat.postEphemeral": ({"chat:write"}, set()),
    "chat.update": ({"chat:write"}, set()),
    "chat.delete": ({"chat:write"}, set()),
    "chat.getPermalink": (set(), set()),
    "conversations.create": ({"channels:manage"}, {"groups:write"}),
    "conversations.invite": ({"channels:manage"}, {"groups:write"}),
    "conversations.setTopic": ({"channels:manage"}, {"groups:write"}),
    "conversations.setPurpose": ({"channels:manage"}, {"groups:write"}),
    "conversations.archive": ({"channels:manage"}, {"groups:write"}),
    "conversations.rename": ({"channels:manage"}, {"groups:write"}),
    "conversations.kick": ({"channels:manage"}, {"groups:write"}),
    "conversations.join": ({"channels:join"}, set()),
    "conversations.info": ({"channels:read"}, {"groups:read", "im:read", "mpim:read"}),
    "conversations.list": ({"channels:read"}, {"groups:read", "im:read", "mpim:read"}),
    "conversations.members": ({"channels:read"}, {"groups:read", "im:read", "mpim:read"}),
    "conversations.history": ({"channels:history"}, {"groups:history", "im:history", "mpim:history"}),
    "conversations.replies": ({"channels:history"}, {"groups:history", "im:history", "mpim:history"}),
    "conversations.open": ({"im:write"}, {"mpim:write"}),
    "users.info": ({"users:read"}, set()),
    "users.list": ({"users:read"}, set()),
    "users.lookupByEmail": ({"users:read.email"}, set()),
    "usergroups.list": ({"usergroups:read"}, set()),
    "usergroups.users.list": ({"usergroups:read"}, set()),
    "usergroups.users.update": ({"usergroups:write"}, set()),
    "pins.add": ({"pins:write"}, set()),
    "pins.remove": ({"pins:write"}, set()),
    "reactions.add": ({"reactions:write"}, set()),
    "reactions.remove": ({"reactions:write"}, set()),
    "reactions.get": ({"reactions:read"}, set()),
    "bookmarks.add": ({"bookmarks:write"}, set()),
    "files.upload_v2": ({"files:write"}, set()),
    "files.getUploadURLExternal": ({"files:write"}, set()),
    "files.completeUploadExternal": ({"files:write"}, set()),
    "views.open": (set(), set()),
    "views.push": (set(), set()),
    "views.update": (set(), set()),
    "views.publish": (set(), set()),
    "team.info": ({"team:read"}, set()),
}
#: Event subscriptions -> the scope each needs.
EVENT_SCOPES = {"app_home_opened": set(), "app_mention": {"app_mentions:read"},
                "message.channels": {"channels:history"}, "message.groups": {"channels:history", "groups:history"},
                "message.im": {"im:history"}, "reaction_added": {"reactions:read"},
                "member_joined_channel": {"channels:read"}, "channel_archive": {"channels:read"}}
FAMILIES = "chat|conversations|views|users|usergroups|pins|reactions|files|auth|apps|team|bookmarks"
SNAKE_CALL = re.compile(rf"\.((?:{FAMILIES})_[A-Za-z_0-9]+)\(")
DOTTED = re.compile(rf"[\"']((?:{FAMILIES})\.[A-Za-z.]+)[\"']")


def _sources() -> list[str]:
    return [path.read_text() for folder in ("bot", "workflows", "handlers") for path in (REPO_ROOT / folder).rglob("*.py")]


def methods_the_code_calls() -> set[str]:
    found: set[str] = set()
    for text in _sources():
        found |= {name.replace("_", ".").replace("upload.v2", "upload_v2") for name in SNAKE_CALL.findall(text)}
        found |= set(DOTTED.findall(text))
    return found


def test_every_method_the_code_calls_has_its_scope_and_every_scope_has_a_use():
    methods = methods_the_code_calls()
    assert {"chat.postMessage", "views.open", "conversations.create", "pins.add"} <= methods  # the scan works
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"map the scopes of {sorted(unknown)} in METHOD_SCOPES"
    needed = set().union(*(METHOD_SCOPES[m][0] for m in methods))
    may_use = set().union(*(METHOD_SCOPES[m][1] for m in methods))
    events = set().union(*(EVENT_SCOPES[e] for e in BOT_EVENTS))
    commands = {"commands"} if SLASH_COMMANDS else set()
    scopes = set(BOT_SCOPES)
    assert len(scopes) == len(BOT_SCOPES), "a scope is listed twice"
    assert needed | events | commands <= scopes, f"missing from the manifest: {sorted(needed | events - scopes)}"
    assert scopes <= needed | may_use | events | commands, \
        f"asked for but used by nothing: {sorted(scopes - needed - may_use - events - commands)}"
    assert "reactions:write" not in scopes or "reactions.add" in methods


def test_the_manifests_commands_are_the_ones_the_listeners_register():
    registered = set()
    for path in (REPO_ROOT / "handlers").rglob("*.py"):
        registered |= set(re.findall(r"app\.command\(\"(/[a-z-]+)\"\)", path.read_text()))
    assert registered == {command for command, _, _ in SLASH_COMMANDS}
    events = set()
    for path in (REPO_ROOT / "handlers").rglob("*.py"):
        events |= set(re.findall(r"app\.event\(\"([a-z_]+)\"\)", path.read_text()))
    assert {e.split(".")[0] for e in BOT_EVENTS} <= events | {"message"}


def test_the_readme_names_the_manifests_commands_and_scopes():
    readme = (REPO_ROOT / "README.md").read_text()
    step = readme[readme.index("## Creating the Slack app"):readme.index("## Commands")]
    step = step[step.index("From a manifest"):]
    assert set(re.findall(r"`(/[a-z-]+)`", step)) == {command for command, _, _ in SLASH_COMMANDS}
    named = set(re.findall(r"`([a-z_]+(?::[a-z_.]+)?)`", step))
    assert named == set(BOT_SCOPES)
