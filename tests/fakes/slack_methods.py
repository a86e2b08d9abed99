"""The Slack Web API methods the fake answers, with the checks and errors Slack documents.

Each handler takes the call's arguments (query, form and JSON merged; JSON-encoded
``blocks``/``view``/... already decoded) and returns the response body, or raises
`ApiError` for ``{"ok": false, "error": ...}``. `SlackWebApi.handlers` maps Web API
method names to handlers; anything else is ``unknown_method`` (see `FakeSlack`).
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.slack_state import USER_ID, ApiError, SlackWorkspace
from tests.fakes.slack_views import (
    assign_missing_ids,
    validate_message_blocks,
    validate_view,
    view_state,
)

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
REACTION_NAME = re.compile(r"^[a-z0-9_+'-]+$")


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


def _user_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if not isinstance(value, str):
        return []
    return list(dict.fromkeys(u.strip() for u in value.split(",") if u.strip()))


class SlackWebApi(SlackWorkspace):
    """Handlers for the Web API methods supportbot uses."""

    base_url = "http://127.0.0.1/"  # set by FakeSlack once it listens

    def _init_state(self) -> None:
        super()._init_state()
        self.closed_view_ids: set[str] = set()

    @property
    def handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        """Web API method name -> handler."""
        return {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.getPermalink": self.chat_get_permalink,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "conversations.create": self.conversations_create,
            "conversations.invite": self.conversations_invite,
            "conversations.setTopic": lambda a: self._set_text_field(a, "topic"),
            "conversations.setPurpose": lambda a: self._set_text_field(a, "purpose"),
            "conversations.join": self.conversations_join,
            "conversations.archive": self.conversations_archive,
            "conversations.info": self.conversations_info,
            "conversations.open": self.conversations_open,
            "conversations.members": self.conversations_members,
            "conversations.list": self.conversations_list,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "pins.add": self.pins_add,
            "users.info": self.users_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "usergroups.users.list": self.usergroups_users_list,
            "usergroups.users.update": self.usergroups_users_update,
            "reactions.add": self.reactions_add,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
        }

    # -- auth and messages -------------------------------------------------------

    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": "supportbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _content(self, args: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
        """text/blocks/attachments of a message, checked as Slack checks them."""
        content = {k: args[k] for k in ("text", "blocks", "attachments", "metadata") if k in args}
        if required and not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise ApiError("no_text")
        text = content.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > 40_000):
            raise ApiError("msg_too_long" if isinstance(text, str) else "invalid_arguments")
        if "blocks" in content:
            if isinstance(content["blocks"], str):
                raise ApiError("invalid_blocks_format")
            errors = validate_message_blocks(content["blocks"])
            if errors:
                raise ApiError("invalid_blocks", errors)
        return copy.deepcopy(content)

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in message.items() if k != "channel"}

    def chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"), allow_user=True)
        if self.channels[channel]["is_archived"]:
            raise ApiError("is_archived")
        content = self._content(args)
        ts = self.next_ts()
        message: dict[str, Any] = {
            "user": self.bot_user_id, "bot_id": self.bot_id, "app_id": self.app_id,
            "team": self.team_id, "ts": ts, **content,
        }
        thread_ts = args.get("thread_ts")
        if thread_ts:
            parent = self._messages.get((channel, str(thread_ts)))
            message["thread_ts"] = (parent or {}).get("thread_ts") or str(thread_ts)
            if _flag(args.get("reply_broadcast")):
                message["subtype"] = "thread_broadcast"
        stored = self.store_message(channel, message)
        return {"channel": channel, "ts": ts, "message": self._public(stored)}

    def chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        message = self.find_message(channel, args.get("ts"))
        if message.get("bot_id") != self.bot_id:
            raise ApiError("cant_update_message")
        content = self._content(args)
        message.update(content)  # fields left out keep their previous value, as on Slack
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        return {"channel": channel, "ts": message["ts"], "text": message.get("text", ""),
                "message": self._public(message)}

    def chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        message = self.find_message(channel, args.get("ts"))
        if message.get("bot_id") != self.bot_id:
            raise ApiError("cant_delete_message")
        del self._messages[(channel, message["ts"])]
        return {"channel": channel, "ts": message["ts"]}

    def chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        user = args.get("user")
        if not isinstance(user, str) or not USER_ID.match(user):
            raise ApiError("user_not_found")
        content = self._content(args)
        ts = self.next_ts()
        self.ephemeral.append({"channel": channel, "user": user, "message_ts": ts,
                               "thread_ts": args.get("thread_ts"), **content})
        return {"message_ts": ts}

    def chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"), member=False)
        message = self.find_message(channel, args.get("message_ts"))
        ts = message["ts"]
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    # -- views -------------------------------------------------------------------------

    def _trigger(self, args: dict[str, Any]) -> str:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not isinstance(trigger, str) or not trigger.strip():
            raise ApiError("invalid_arguments", ["invalid `trigger_id`"])
        if trigger in self.used_trigger_ids:
            raise ApiError("expired_trigger_id")
        return trigger

    def _checked_view(self, args: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
        view = args.get("view")
        if view is None:
            raise ApiError("invalid_arguments", ["missing required field: view"])
        errors = validate_view(view, kinds=kinds)
        if errors:
            raise ApiError("invalid_arguments", errors)
        return view

    def _store_view(self, view: dict[str, Any], *, view_id: str | None = None,
                    root: str | None = None, previous: str | None = None) -> dict[str, Any]:
        external_id = view.get("external_id") or ""
        for other in self.views.values():
            if external_id and other["external_id"] == external_id and other["id"] != view_id:
                raise ApiError("duplicate_external_id")
        view_id = view_id or self._next_id("V")
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": assign_missing_ids(view["blocks"], prefix=f"{view_id[-4:]}b"),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "external_id": external_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._seq):08x}",
            "clear_on_close": _flag(view.get("clear_on_close")),
            "notify_on_close": _flag(view.get("notify_on_close")),
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            stored[key] = copy.deepcopy(view.get(key))
        self.views[view_id] = stored
        if view_id in self._view_order:
            self._view_order.remove(view_id)
        self._view_order.append(view_id)
        return copy.deepcopy(stored)

    def views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = self._trigger(args)
        view = self._checked_view(args, ("modal",))
        stored = self._store_view(view)
        self.used_trigger_ids.add(trigger)
        return {"view": stored}

    def views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = self._trigger(args)
        view = self._checked_view(args, ("modal",))
        stored = self._store_view(view)
        self.used_trigger_ids.add(trigger)
        return {"view": stored}

    def views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Replace a view, as Slack does: ``not_found`` for an unknown view or one the person
        closed or submitted (`close_view`), ``hash_conflict`` when ``hash`` is given and is
        not the view's current one. The answer carries the view with a new ``hash``. What
        the person entered in an input is kept when the new view has an input with the same
        ``block_id`` and ``action_id`` ("preserving input entry"); other input is lost."""
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise ApiError("invalid_arguments", ["either view_id or external_id is required"])
        current = self.views.get(view_id) if view_id else next(
            (v for v in self.views.values() if v["external_id"] == external_id), None)
        if current is None or current["id"] in self.closed_view_ids:
            raise ApiError("not_found")
        view = self._checked_view(args, (current["type"],))
        if args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        entered = current["state"]["values"]
        stored = self._store_view(view, view_id=current["id"], root=current["root_view_id"],
                                  previous=current["previous_view_id"])
        kept: dict[str, Any] = {}
        for block in stored["blocks"]:
            action_id = (block.get("element") or {}).get("action_id") if block.get("type") == "input" else None
            if action_id and action_id in entered.get(block["block_id"], {}):
                kept[block["block_id"]] = {action_id: entered[block["block_id"]][action_id]}
        self.views[stored["id"]]["state"] = {"values": kept}
        stored["state"] = {"values": copy.deepcopy(kept)}
        return {"view": stored}

    def enter_in_view(self, view_id: str, values: dict[str, object]) -> dict[str, Any]:
        """A person types or picks in an open modal without submitting it: ``values`` as for
        `view_state` (labels -> values). Slack keeps this in ``view.state`` (no new hash);
        returns the view as stored."""
        view = self.views[view_id]
        view["state"] = {"values": view_state(view, values)}
        return copy.deepcopy(view)

    def close_view(self, view_id: str) -> None:
        """The person closed or submitted the modal: views.update answers ``not_found`` since."""
        if view_id not in self.views:
            raise AssertionError(f"no view {view_id!r}")
        self.closed_view_ids.add(view_id)

    def views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user_id")
        if not isinstance(user, str) or not USER_ID.match(user):
            raise ApiError("invalid_arguments", ["invalid `user_id`"])
        view = self._checked_view(args, ("home",))
        current = self.home_tabs.get(user)
        if current and args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        stored = self._store_view(view, view_id=current["id"] if current else None)
        self.home_tabs[user] = self.views[stored["id"]]
        return {"view": stored}

    # -- conversations -------------------------------------------------------------

    def conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args.get("name")
        if not isinstance(name, str) or not name:
            raise ApiError("invalid_name_required")
        if len(name) > 80:
            raise ApiError("invalid_name_maxlength")
        if not CHANNEL_NAME.match(name):
            raise ApiError("invalid_name_specials")
        if not re.search(r"[a-z0-9]", name):
            raise ApiError("invalid_name_punctuation")
        if self.channel_by_name(name) is not None:
            raise ApiError("name_taken")
        channel_id = self._next_id("C")
        self.add_channel(channel_id, name, is_private=_flag(args.get("is_private")))
        return {"channel": self.channel_info(channel_id)}

    def conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        users = _user_list(args.get("users"))
        if not users:
            raise ApiError("no_user")
        if len(users) > 30:
            raise ApiError("too_many_users")
        members = self.members[channel]
        problems = []
        for user in users:
            if user == self.bot_user_id:
                problems.append((user, "cant_invite_self"))
            elif not USER_ID.match(user):
                problems.append((user, "user_not_found"))
            elif user in members:
                problems.append((user, "already_in_channel"))
        if problems and not _flag(args.get("force")):
            raise ApiError(problems[0][1])
        bad = {u for u, _ in problems}
        members.extend(u for u in users if u not in bad)
        body: dict[str, Any] = {"channel": self.channel_info(channel)}
        if problems:
            body["errors"] = [{"user": u, "ok": False, "error": e} for u, e in problems]
        return body

    def _set_text_field(self, args: dict[str, Any], field: str) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        value = args.get(field)
        if not isinstance(value, str):
            raise ApiError("invalid_arguments", [f"missing required field: {field}"])
        if len(value) > 250:
            raise ApiError("too_long")
        self.channels[channel][field] = {"value": value, "creator": self.bot_user_id,
                                         "last_set": int(time.time())}
        return {"channel": self.channel_info(channel)}

    def conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.archive: a channel the bot is in; not a DM; not twice."""
        channel = self.resolve_channel(args.get("channel"))
        ch = self.channels[channel]
        if ch["is_im"] or ch["is_mpim"]:
            raise ApiError("method_not_supported_for_channel_type")
        if ch["is_archived"]:
            raise ApiError("already_archived")
        ch["is_archived"] = True
        self.archived.append(channel)
        return {}

    def conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"), member=False)
        ch = self.channels[channel]
        if ch["is_private"]:
            raise ApiError("method_not_supported_for_channel_type")
        body: dict[str, Any] = {}
        if self.bot_user_id in self.members[channel]:
            body = {"warning": "already_in_channel",
                    "response_metadata": {"warnings": ["already_in_channel"]}}
        else:
            self.members[channel].append(self.bot_user_id)
        return {"channel": self.channel_info(channel), **body}

    def conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self.channel_info(self.resolve_channel(args.get("channel"), member=False))}

    def conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel = self.resolve_channel(args["channel"])
        else:
            users = _user_list(args.get("users"))
            if not users:
                raise ApiError("users_list_not_supplied")
            if any(not USER_ID.match(u) for u in users):
                raise ApiError("user_not_found")
            if len(users) == 1:
                channel = self.dm_channel(users[0])
            else:
                key = ",".join(sorted(users))
                if key not in self._dms:
                    self._dms[key] = self._next_id("G")
                    self.add_channel(self._dms[key], f"mpdm-{key}", members=users, is_mpim=True)
                channel = self._dms[key]
        if _flag(args.get("return_im")):
            return {"channel": self.channel_info(channel)}
        return {"channel": {"id": channel}}

    def conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"), member=False)
        return {"members": list(self.members[channel]), "response_metadata": {"next_cursor": ""}}

    def conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Public channels (and private ones the bot is in, with ``private_channel`` in
        ``types``), in pages of ``limit`` (default 100, at most 1000) with a cursor."""
        types = str(args.get("types") or "public_channel").split(",")
        try:
            limit = min(1000, max(1, int(args.get("limit") or 100)))
            start = int(args.get("cursor") or 0)
        except ValueError:
            raise ApiError("invalid_cursor") from None
        found = []
        for cid, ch in self.channels.items():
            if ch["is_im"] or ch["is_mpim"] or (_flag(args.get("exclude_archived")) and ch["is_archived"]):
                continue
            if ch["is_private"] and ("private_channel" not in types or self.bot_user_id not in self.members[cid]):
                continue
            if not ch["is_private"] and "public_channel" not in types:
                continue
            found.append(self.channel_info(cid))
        page = found[start:start + limit]
        more = start + limit < len(found)
        return {"channels": page, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _stored(self, channel: str) -> list[dict[str, Any]]:
        return sorted((copy.deepcopy(m) for (ch, _), m in self._messages.items() if ch == channel),
                      key=lambda m: float(m["ts"]))

    @staticmethod
    def _window(messages: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
        """``oldest``/``latest`` (exclusive unless ``inclusive``) and ``limit``, as Slack reads them."""
        inclusive = _flag(args.get("inclusive"))
        oldest, latest = args.get("oldest"), args.get("latest")
        kept = [m for m in messages
                if (oldest is None or (float(m["ts"]) >= float(oldest) if inclusive else float(m["ts"]) > float(oldest)))
                and (latest is None or (float(m["ts"]) <= float(latest) if inclusive else float(m["ts"]) < float(latest)))]
        return kept[: int(args.get("limit") or 100)]

    def conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel the bot is in, newest first (thread replies are
        not in a channel's history)."""
        channel = self.resolve_channel(args.get("channel"))
        top = [m for m in self._stored(channel) if m.get("thread_ts") in (None, m["ts"])]
        found = self._window(list(reversed(top)), args)
        return {"messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread (parent first) given the parent's ts or any reply's."""
        channel = self.resolve_channel(args.get("channel"))
        message = self.find_message(channel, args.get("ts"))
        parent = message.get("thread_ts") or message["ts"]
        thread = [m for m in self._stored(channel) if m["ts"] == parent or m.get("thread_ts") == parent]
        return {"messages": self._window(thread, args), "has_more": False,
                "response_metadata": {"next_cursor": ""}}

    # -- pins, reactions, users ------------------------------------------------------

    def pins_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        if not args.get("timestamp"):
            raise ApiError("no_item_specified")
        message = self.find_message(channel, args["timestamp"])
        pinned = self._pins.setdefault(channel, [])
        if message["ts"] in pinned:
            raise ApiError("already_pinned")
        pinned.append(message["ts"])
        return {}

    def reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(args.get("channel"))
        if not args.get("timestamp"):
            raise ApiError("no_item_specified")
        name = str(args.get("name") or "").strip(":")
        if not REACTION_NAME.match(name):
            raise ApiError("invalid_name")
        message = self.find_message(channel, args["timestamp"])
        names = self._reactions.setdefault((channel, message["ts"]), [])
        if name in names:
            raise ApiError("already_reacted")
        names.append(name)
        return {}

    def forget_user(self, user_id: str) -> None:
        """Make ``user_id`` unknown: users.info answers user_not_found."""
        self.__dict__.setdefault("unknown_users", set()).add(user_id)

    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user")
        if not isinstance(user, str) or not USER_ID.match(user):
            raise ApiError("user_not_found")
        if user in self.__dict__.get("unknown_users", ()):
            raise ApiError("user_not_found")
        return {"user": self.user_info(user)}

    def users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        """The user with this email (``add_user(..., email=...)``); needs ``users:read.email``."""
        if "users:read.email" not in getattr(self, "scopes", ["users:read.email"]):
            raise ApiError("missing_scope", needed="users:read.email")
        email = args.get("email")
        if not isinstance(email, str) or not email:
            raise ApiError("invalid_arguments", ["missing required field: email"])
        for user_id, info in self.users.items():
            if (info.get("profile", {}).get("email") or info.get("email") or "").lower() == email.lower():
                return {"user": self.user_info(user_id)}
        raise ApiError("users_not_found")

    # -- user groups -----------------------------------------------------------------

    def add_user_group(self, group_id: str, users: list[str] | tuple[str, ...]) -> None:
        """Declare user group ``group_id`` (``S…``) with these members (replacing any)."""
        self.__dict__.setdefault("user_groups", {})[group_id] = list(dict.fromkeys(users))

    def usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Members of a user group; needs ``usergroups:read``. Unknown: ``no_such_subteam``."""
        if "usergroups:read" not in getattr(self, "scopes", ["usergroups:read"]):
            raise ApiError("missing_scope", needed="usergroups:read")
        group = args.get("usergroup")
        if not isinstance(group, str) or not group:
            raise ApiError("invalid_arguments", ["missing required field: usergroup"])
        groups = self.__dict__.get("user_groups", {})
        if group not in groups:
            raise ApiError("no_such_subteam")
        return {"users": list(groups[group])}

    def usergroups_users_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Replace a user group's members; needs ``usergroups:write``. Unknown group:
        ``no_such_subteam``; no or malformed users: ``no_users_provided`` / ``invalid_users``."""
        if "usergroups:write" not in getattr(self, "scopes", ["usergroups:write"]):
            raise ApiError("missing_scope", needed="usergroups:write")
        group = args.get("usergroup")
        groups = self.__dict__.setdefault("user_groups", {})
        if not isinstance(group, str) or not group:
            raise ApiError("invalid_arguments", ["missing required field: usergroup"])
        if group not in groups:
            raise ApiError("no_such_subteam")
        users = _user_list(args.get("users"))
        if not users:
            raise ApiError("no_users_provided")
        if any(not USER_ID.match(u) for u in users):
            raise ApiError("invalid_users")
        groups[group] = list(dict.fromkeys(users))
        return {"usergroup": {"id": group, "users": list(groups[group]), "user_count": len(groups[group])}}

    # -- files (the two-step external upload) -----------------------------------------

    def files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), str(args.get("length", ""))
        if not isinstance(filename, str) or not filename:
            raise ApiError("invalid_arguments", ["missing required field: filename"])
        if not length.isdigit() or int(length) < 1:
            raise ApiError("invalid_arguments", ["invalid `length`"])
        file_id = self._next_id("F")
        self.files[file_id] = {"id": file_id, "name": filename, "length": int(length),
                               "data": None, "completed": False}
        return {"upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    def files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", ["missing required field: files"])
        channel = None
        if args.get("channel_id") or args.get("channels"):
            channel = self.resolve_channel(args.get("channel_id") or str(args["channels"]).split(",")[0])
        done = []
        for item in files:
            entry = self.files.get(item.get("id")) if isinstance(item, dict) else None
            if entry is None or entry["data"] is None:
                raise ApiError("file_not_found")
            entry.update(completed=True, title=item.get("title") or entry["name"], channel=channel,
                         thread_ts=args.get("thread_ts"), initial_comment=args.get("initial_comment"))
            done.append({"id": entry["id"], "name": entry["name"], "title": entry["title"],
                         "size": len(entry["data"]), "user": self.bot_user_id,
                         "created": int(time.time())})
        return {"files": done}
