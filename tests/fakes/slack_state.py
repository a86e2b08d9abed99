"""The workspace the fake Slack keeps: channels, users, messages, views, pins, files.

`SlackWorkspace` holds the state and the lookups that the Web API methods
(`tests/fakes/slack_methods.py`) and the test assertions share. Tests normally use it
through `FakeSlack`, which inherits from it.

Channels: an id shaped like a Slack channel id (``C…``/``G…``/``D…``, upper-case letters,
digits, underscores, e.g. ``C_TRIAGE``) exists as soon as it is used, with the bot as
a member, so app.yaml channels need no setup. `add_channel` declares one explicitly
(name, members, private, bot not a member -> ``not_in_channel``); `forget_channel`
makes an id unknown (``channel_not_found``). ``#name`` or a bare name is looked up
among known channels.

Messages: everything the bot posts is stored (`messages`, `message`); messages by
people can be added with `add_message`, which returns them shaped as a ``message``
event, ready for ``SlackSender.event``. chat.update, chat.getPermalink, pins.add and
reactions.add need the message to be known, as Slack does.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
import uuid
from typing import Any

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]+$")
USER_ID = re.compile(r"^[UWB][A-Z0-9_]+$")


class ApiError(Exception):
    """A Web API answer ``{"ok": false, "error": error}`` (plus optional detail)."""

    def __init__(self, error: str, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}
        if messages:
            self.body["response_metadata"] = {"messages": messages}


class SlackWorkspace:
    """State of one fake workspace with one bot user."""

    app_id = "A0APP"
    team_name = "Fake Workspace"
    team_domain = "fake"

    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str, first_ts: float) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._first_us = round(first_ts * 1_000_000)
        self._init_state()

    def _init_state(self) -> None:
        self._seq = itertools.count(1)
        self._ts_seq = itertools.count(1)
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self._forgotten: set[str] = set()
        self._dms: dict[str, str] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self._view_order: list[str] = []
        self.home_tabs: dict[str, dict[str, Any]] = {}
        self.used_trigger_ids: set[str] = set()
        self._pins: dict[str, list[str]] = {}
        self._reactions: dict[tuple[str, str], list[str]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.archived: list[str] = []  # conversations.archive, in order (a channel at most once)

    # -- ids and timestamps -------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq):08d}"

    def next_ts(self) -> str:
        """A fresh message ts, strictly increasing: ``1700000000.000100``, ``….000200``."""
        us = self._first_us + 100 * next(self._ts_seq)
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    # -- channels ------------------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        members: tuple[str, ...] | list[str] = (),
        bot_member: bool = True,
        is_private: bool = False,
        is_im: bool = False,
        is_mpim: bool = False,
        creator: str | None = None,
    ) -> dict[str, Any]:
        """Declare a channel; returns its conversations.info object. ``creator``: who
        made it (default the bot, as for every channel the bot creates)."""
        self._forgotten.discard(channel_id)
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_private": is_private or is_im or is_mpim,
            "is_im": is_im,
            "is_mpim": is_mpim,
            "is_archived": False,
            "created": int(time.time()),
            "creator": creator or self.bot_user_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        people = list(dict.fromkeys(members))
        if bot_member and self.bot_user_id not in people:
            people.insert(0, self.bot_user_id)
        if not bot_member and self.bot_user_id in people:
            people.remove(self.bot_user_id)
        self.members[channel_id] = people
        return self.channel_info(channel_id)

    def forget_channel(self, channel_id: str) -> None:
        """Make ``channel_id`` unknown: every method naming it answers channel_not_found."""
        self.channels.pop(channel_id, None)
        self.members.pop(channel_id, None)
        self._forgotten.add(channel_id)

    def channel_info(self, channel_id: str) -> dict[str, Any]:
        """The channel object Slack returns (conversations.info and friends)."""
        ch = self.channels[channel_id]
        members = self.members.get(channel_id, [])
        private, im, mpim = ch["is_private"], ch["is_im"], ch["is_mpim"]
        info: dict[str, Any] = {
            "id": channel_id,
            "name": ch["name"],
            "name_normalized": ch["name"],
            "is_channel": not private,
            "is_group": private and not im and not mpim,
            "is_im": im,
            "is_mpim": mpim,
            "is_private": private,
            "is_archived": ch["is_archived"],
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": ch["created"],
            "creator": ch["creator"],
            "is_member": self.bot_user_id in members,
            "topic": dict(ch["topic"]),
            "purpose": dict(ch["purpose"]),
            "num_members": len(members),
        }
        if im:
            info["user"] = next((m for m in members if m != self.bot_user_id), None)
        return info

    def channel_by_name(self, name: str) -> str | None:
        name = name.lstrip("#")
        return next((cid for cid, ch in self.channels.items() if ch["name"] == name), None)

    def dm_channel(self, user_id: str) -> str:
        """The bot's DM channel with ``user_id`` (created on first use)."""
        if user_id not in self._dms:
            dm = self._next_id("D")
            self.add_channel(dm, dm.lower(), members=[user_id], is_im=True)
            self._dms[user_id] = dm
        return self._dms[user_id]

    def resolve_channel(self, value: Any, *, member: bool = True, allow_user: bool = False) -> str:
        """The channel id an argument names; raises channel_not_found / not_in_channel."""
        if not isinstance(value, str) or not value or value in self._forgotten:
            raise ApiError("channel_not_found")
        if allow_user and USER_ID.match(value):
            return self.dm_channel(value)
        if value in self.channels:
            cid = value
        elif CHANNEL_ID.match(value):
            self.add_channel(value, is_im=value.startswith("D"))
            cid = value
        else:
            found = self.channel_by_name(value)
            if found is None:
                raise ApiError("channel_not_found")
            cid = found
        in_channel = self.bot_user_id in self.members.get(cid, [])
        if not in_channel and self.channels[cid]["is_private"]:
            raise ApiError("channel_not_found")  # a private channel is invisible to outsiders
        if member and not in_channel:
            raise ApiError("not_in_channel")
        return cid

    # -- users -----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "UTC",
        tz_offset: int = 0,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Declare a user (users.info answers for any well-formed id anyway)."""
        name = name or user_id.lower()
        real_name = real_name or name.replace(".", " ").title()
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": tz_offset,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": email or f"{name}@example.com",
                "team": self.team_id,
            },
        }
        return copy.deepcopy(self.users[user_id])

    def user_info(self, user_id: str) -> dict[str, Any]:
        if user_id not in self.users:
            is_bot = user_id == self.bot_user_id
            self.add_user(user_id, name="supportbot" if is_bot else None, is_bot=is_bot)
        return copy.deepcopy(self.users[user_id])

    # -- messages ------------------------------------------------------------------

    def store_message(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        message = {"type": "message", **message, "channel": channel}
        self._messages[(channel, message["ts"])] = message
        parent_ts = message.get("thread_ts")
        parent = self._messages.get((channel, parent_ts)) if parent_ts else None
        if parent is not None and parent_ts != message["ts"]:
            parent["thread_ts"] = parent_ts
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]
        return message

    def find_message(self, channel: str, ts: Any) -> dict[str, Any]:
        """The stored message, or ApiError("message_not_found")."""
        message = self._messages.get((channel, ts)) if isinstance(ts, str) else None
        if message is None:
            raise ApiError("message_not_found")
        return message

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        thread_ts: str | None = None,
        ts: str | None = None,
        blocks: list[dict] | None = None,
        team: str | None = None,
    ) -> dict[str, Any]:
        """Store a message written by a person; returns it as a ``message`` event.
        ``team``: the author's Slack team when not the workspace's (a Slack Connect
        guest): Slack then sends it as ``team`` and ``user_team`` (and ``source_team``)."""
        if channel not in self.channels:
            self.resolve_channel(channel, member=False)
        ts = ts or self.next_ts()
        message: dict[str, Any] = {"user": user, "text": text, "ts": ts, "team": team or self.team_id}
        if team and team != self.team_id:
            message.update(user_team=team, source_team=team)
        if thread_ts:
            message["thread_ts"] = thread_ts
        if blocks is not None:
            message["blocks"] = blocks
        stored = self.store_message(channel, message)
        ch = self.channels[channel]
        kind = ("im" if ch["is_im"] else "mpim" if ch["is_mpim"]
                else "group" if ch["is_private"] else "channel")
        event = {**copy.deepcopy(stored), "event_ts": ts, "channel_type": kind}
        event["client_msg_id"] = str(uuid.uuid4())
        return event

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot posted (latest chat.update applied), oldest first."""
        return [
            copy.deepcopy(m)
            for (ch, _), m in self._messages.items()
            if m.get("bot_id") == self.bot_id and (channel is None or ch == channel)
        ]

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """One stored message (the bot's or a person's), as it is now."""
        found = self._messages.get((channel, ts))
        if found is None:
            known = [t for (ch, t) in self._messages if ch == channel]
            raise AssertionError(f"no message {ts!r} in {channel!r}; messages there: {known}")
        return copy.deepcopy(found)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies in a thread (not the parent), oldest first."""
        return [
            copy.deepcopy(m)
            for (ch, ts), m in self._messages.items()
            if ch == channel and m.get("thread_ts") == thread_ts and ts != thread_ts
        ]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages the bot sent, optionally filtered."""
        return [
            copy.deepcopy(e)
            for e in self.ephemeral
            if (channel is None or e["channel"] == channel) and (user is None or e["user"] == user)
        ]

    def pins(self, channel: str) -> list[str]:
        """The ts of the messages pinned in ``channel``."""
        return list(self._pins.get(channel, []))

    def reactions(self, channel: str, ts: str) -> list[str]:
        """The reaction names the bot added to a message."""
        return list(self._reactions.get((channel, ts), []))

    # -- views ----------------------------------------------------------------------

    def latest_view(self, callback_id: str | None = None) -> dict[str, Any]:
        """The view most recently opened, pushed or updated (optionally with that callback_id)."""
        for view_id in reversed(self._view_order):
            view = self.views[view_id]
            if callback_id is None or view.get("callback_id") == callback_id:
                return copy.deepcopy(view)
        listing = [(v, self.views[v].get("callback_id")) for v in self._view_order]
        raise AssertionError(f"no view with callback_id {callback_id!r}; views: {listing}")
