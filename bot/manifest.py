"""The Slack app manifest: paste it at api.slack.com/apps -> Create New App -> From a manifest.

Each bot scope is asked for because the code calls a Web API method or receives an event
that needs it; ``tests/unit/test_manifest_agreement.py`` checks that, and that the README
names the same slash commands and scopes.

Over HTTP every request URL is ``<url>/slack/events``; with ``socket_mode=True`` the
manifest enables Socket Mode and names no request URL at all (Slack then delivers
commands, interactivity and events over the WebSocket; the app-level ``xapp-`` token
with ``connections:write`` is created on the app's page, not in the manifest).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from workflows.tickets.ids import TicketShortcut

BOT_SCOPES = [
    "app_mentions:read",  # @supportbot questions
    "channels:history",  # thread replies on ticket cards (first response)
    "channels:join",  # join configured public channels
    "channels:manage",  # create war-room channels, set topic and purpose, invite
    "channels:read",  # conversations.info / list: is a channel public, where is the bot
    "chat:write",  # ticket cards, notices, ephemeral answers
    "commands",  # /ticket, /escalate, /incident, /oncall, /kb
    "files:write",  # report charts
    "groups:history",  # thread replies in private tier channels
    "groups:read",  # conversations.info on private channels
    "groups:write",  # private war rooms (--private, incidents.private_categories): create, invite, topic, archive
    "im:write",  # DM reporters (confirmation, satisfaction survey)
    "pins:write",  # pin incident declarations
    "reactions:read",  # intake.reaction opens a ticket from a message; pin_emoji adds one to an incident's timeline
    "users:read",  # resolve on-call user ids
    "users:read.email",  # PagerDuty's on-call people, found in Slack by their email
    "usergroups:read",  # members of user groups named in app.yaml roles
    "usergroups:write",  # oncall.usergroup: its members follow the on-call turns
]

BOT_EVENTS = ["app_home_opened", "app_mention", "message.channels", "message.groups", "reaction_added"]

SLASH_COMMANDS = [
    ("/ticket", "Open a support ticket, or look one up", "[summary] | #N | mine | queue [tier] | reopen #N | wait #N | resume #N | priority #N P1 | stats [30d] [customer:Name] | help"),
    ("/escalate", "Escalate a ticket to the next support tier", "#N reason"),
    ("/incident", "Declare and run an incident",
     "declare [P0|P1|P2] title | update text | commander @user | severity P0 | resolve [summary] | help"),
    ("/oncall", "Who is on call now and next", "[override @user [from YYYY-MM-DD HH:MM] until YYYY-MM-DD HH:MM | swap @user | help]"),
    ("/kb", "Search the knowledge base", "what you are looking for"),
]


class ManifestUrlError(ValueError):
    pass


def events_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.netloc:
        raise ManifestUrlError(
            f"--url {base_url!r} must be the bot's public https:// address, e.g. https://support.example.com"
        )
    return base_url.rstrip("/") + "/slack/events"


def build_manifest(base_url: str | None, *, name: str = "supportbot", socket_mode: bool = False) -> dict[str, Any]:
    """The manifest as a dict; ``base_url`` is required unless ``socket_mode``."""
    if socket_mode:
        return _without_request_urls(build_manifest("https://socket-mode.invalid", name=name))
    if base_url is None:
        raise ManifestUrlError("--url is required (the bot's public https:// address), unless --socket-mode")
    url = events_url(base_url)
    return {
        "display_information": {
            "name": name,
            "description": "Support desk and incident bot: tickets, SLAs, escalation, paging.",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True, "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [
                {"command": command, "url": url, "description": description, "should_escape": True,
                 **({"usage_hint": hint} if hint else {})}
                for command, description, hint in SLASH_COMMANDS
            ],
            "shortcuts": [
                {
                    "name": "Create ticket from message",
                    "type": "message",
                    "callback_id": str(TicketShortcut.CREATE_TICKET_FROM_MESSAGE),
                    "description": "Open a support ticket prefilled with this message",
                },
                {
                    "name": "Send to customer",
                    "type": "message",
                    "callback_id": str(TicketShortcut.SEND_TO_CUSTOMER),
                    "description": "Post this reply in the ticket's customer thread",
                },
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {"request_url": url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def _without_request_urls(manifest: dict[str, Any]) -> dict[str, Any]:
    """The same app over Socket Mode: socket_mode_enabled, and no request URL anywhere."""
    for command in manifest["features"]["slash_commands"]:
        del command["url"]
    settings = manifest["settings"]
    del settings["event_subscriptions"]["request_url"]
    settings["interactivity"] = {"is_enabled": True}
    settings["socket_mode_enabled"] = True
    return manifest


def render_manifest(base_url: str | None, *, name: str = "supportbot", socket_mode: bool = False) -> str:
    manifest = build_manifest(base_url, name=name, socket_mode=socket_mode)
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
