"""``supportbot doctor``: is this deployment ready? One line per check, ✓ or ✗ and the fix.

    ✓ SLACK_BOT_TOKEN valid: @supportbot (U0BOT) in Acme (T0ACME)
    ✗ bot scopes missing: pins:write — fix: add them under OAuth & Permissions > …
    ✗ channels.oncall #oncall (C0ONCALL01): the bot is not a member — fix: `/invite @supportbot` in #oncall …

The checks, in order; those that need an earlier one to pass are left out when it fails:

- Slack: the bot token (``auth.test``); the app-level token when ``SLACK_APP_TOKEN`` is
  set (``apps.connections.open``: issues a URL, connects nothing); the bot's scopes
  (``auth.test``'s ``x-oauth-scopes`` header) against ``bot.manifest.BOT_SCOPES``; every
  channel named in app.yaml exists, is not archived and has the bot as a member
  (``conversations.info``); every person named in app.yaml exists and is active
  (``users.info``: the on-call rotation and the tier members).
- Database (`bot.doctor_database`): reachable, and at the latest migration; then the
  Slack outbox (`bot.doctor_outbox`): the messages it gave up on in the last day.
- PagerDuty (`bot.doctor_pagerduty`): the routing key's shape, the REST token
  (``GET /abilities``, which pages nobody), the webhook secret when pages go to PagerDuty.
- Status page (`bot.doctor_statuspage`), with ``statuspage`` in app.yaml: the key, through
  ``GET /v1/pages/{page_id}`` (read-only); then, when the database passed, the updates
  still waiting to be sent to the page and those it refused in the last day.
- Who may do what: one line, "open by default" without a ``roles`` section.

Nothing is changed, posted or paged — except with ``join=True``, where the bot joins
the public channels named in app.yaml that it is not in yet (``conversations.join``).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.policy.roles import roles_line
from workflows.policy.schema import AppConfig
from bot.doctor_checks import CheckResult, failed, passed
from bot.doctor_database import check_database
from bot.doctor_outbox import check_outbox
from bot.doctor_pagerduty import check_pagerduty
from bot.doctor_statuspage import check_statuspage, check_statuspage_updates
from bot.manifest import BOT_SCOPES
from bot.settings import APP_TOKEN_PREFIX, Settings
from bot.slack_gateway import make_slack_client
from bot.socket_mode import explain_refusal

__all__ = ["check_slack", "named_channels", "named_users", "run_checks"]


async def run_checks(settings: Settings, config: AppConfig | None, *, join: bool = False) -> list[CheckResult]:
    """Every check, in order (``config`` None: app.yaml is broken, its checks are left out)."""
    slack = make_slack_client(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    results = await check_slack(slack, settings, config, join=join)
    if config is not None:
        results.append(passed(roles_line(config.roles)))  # who may do what: open by default, or roles
    database = await check_database(settings.database_url)
    results += database
    migrated = all(r.ok for r in database)
    if migrated:
        results += await check_outbox(settings.database_url)
    results += await check_pagerduty(settings, config)
    results += await check_statuspage(settings, config)
    if migrated:
        results += await check_statuspage_updates(settings.database_url, config)
    return results


# -- Slack ------------------------------------------------------------------------------


def _error(error: SlackApiError) -> str:
    return str(error.response.get("error") or error)


async def check_slack(slack: AsyncWebClient, settings: Settings, config: AppConfig | None, *,
                      join: bool = False) -> list[CheckResult]:
    try:
        auth = await slack.auth_test()
    except SlackApiError as error:
        return [failed(f"SLACK_BOT_TOKEN refused by Slack ({_error(error)})",
                       "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions on your app's page at "
                       "https://api.slack.com/apps (install or reinstall the app if it has none)")]
    except Exception as error:  # noqa: BLE001 - any failure to reach Slack is the finding
        return [failed(f"Slack unreachable at {settings.slack_api_url} ({type(error).__name__}: {error})",
                       "check SLACK_API_URL (default https://slack.com/api/) and the network")]
    if not auth.get("bot_id"):
        return [failed("SLACK_BOT_TOKEN is not a bot token (auth.test names no bot)",
                       "use the Bot User OAuth Token (xoxb-…), not a user token (xoxp-…)")]
    results = [passed(f"SLACK_BOT_TOKEN valid: @{auth.get('user')} ({auth.get('user_id')}) "
                      f"in {auth.get('team')} ({auth.get('team_id')})")]
    if settings.slack_app_token:
        results.append(await _check_app_token(slack, settings.slack_app_token))
    granted = _scopes(auth.headers)
    results.append(_check_scopes(granted))
    if config is not None:
        can_join = "channels:join" in granted
        results += await _check_channels(slack, config, join=join and can_join, can_join=can_join)
        results += await _check_users(slack, config)
    return results


async def _check_app_token(slack: AsyncWebClient, token: str) -> CheckResult:
    if not token.startswith(APP_TOKEN_PREFIX):
        return failed(f"SLACK_APP_TOKEN does not start with {APP_TOKEN_PREFIX}",
                      "create an app-level token with connections:write under Basic Information > App-Level Tokens")
    try:
        await slack.apps_connections_open(app_token=token)
    except SlackApiError as error:
        return failed(f"SLACK_APP_TOKEN refused by apps.connections.open ({_error(error)})",
                      explain_refusal(_error(error)))
    return passed("SLACK_APP_TOKEN valid: Socket Mode connections can be opened")


def _scopes(headers: Any) -> set[str]:
    """The scopes Slack lists in ``x-oauth-scopes`` (headers as slack_sdk gives them)."""
    value = ""
    for key, item in dict(headers or {}).items():
        if key.lower() == "x-oauth-scopes":
            value = item[0] if isinstance(item, list) and item else item
    return {scope.strip() for scope in str(value or "").split(",") if scope.strip()}


def _check_scopes(granted: set[str]) -> CheckResult:
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if not granted:
        return failed("bot scopes unknown (auth.test sent no x-oauth-scopes header)",
                      "check that SLACK_BOT_TOKEN is the Bot User OAuth Token of an installed app")
    if missing:
        return failed(f"bot scopes missing: {', '.join(missing)}",
                      "add them under OAuth & Permissions > Bot Token Scopes (or create the app from "
                      "`supportbot manifest`), then reinstall the app to the workspace")
    return passed(f"bot scopes present ({len(BOT_SCOPES)} that the manifest asks for)")


def named_channels(config: AppConfig) -> dict[str, list[str]]:
    """Every channel id app.yaml names -> the keys that name it, in file order."""
    found: dict[str, list[str]] = {}
    places = [(f"channels.{key}", getattr(config.channels, key)) for key in type(config.channels).model_fields]
    places += [(f"tiers[{tier.id}].channel", tier.channel) for tier in config.tiers]
    reports = getattr(config, "reports", None)
    if reports is not None:
        places.append(("reports.channel", reports.channel))
    management = config.escalation.management.channel if config.escalation is not None else None
    if management:  # the management notice (escalation matrix)
        places.append(("escalation.management.channel", management))
    kb = getattr(config, "knowledge_base", None)
    if kb is not None:  # help channels: the bot answers every new message there
        places += [(f"knowledge_base.help_channels[{i}]", channel) for i, channel in enumerate(kb.help_channels)]
    for i, customer in enumerate(getattr(config, "customers", [])):  # customer channels: it hears every message
        places += [(f"customers[{i}].channels[{j}]", channel) for j, channel in enumerate(customer.channels)]
    for key, channel in places:
        if channel:
            found.setdefault(channel, []).append(key)
    return found


def named_users(config: AppConfig) -> dict[str, list[str]]:
    """Every user id app.yaml names -> the keys that name it, in file order."""
    found: dict[str, list[str]] = {}
    rotation = config.oncall.rotation
    places = [("oncall.rotation.primary", u) for u in rotation.primary]
    places += [("oncall.rotation.secondary", u) for u in rotation.secondary]
    places += [(f"tiers[{tier.id}].members", u) for tier in config.tiers for u in tier.members]
    places += [(f"tiers[{tier.id}].mention", tier.mention) for tier in config.tiers
               if tier.mention and tier.mention[0] in "UW"]
    mention = config.escalation.management.mention if config.escalation is not None else None
    if mention and mention[0] in "UW":
        places.append(("escalation.management.mention", mention))
    for key, user in places:
        found.setdefault(user, []).append(key)
    return found


async def _check_channels(slack: AsyncWebClient, config: AppConfig, *, join: bool,
                          can_join: bool) -> list[CheckResult]:
    results = []
    for channel, keys in named_channels(config).items():
        where = ", ".join(keys)
        try:
            info = (await slack.conversations_info(channel=channel))["channel"]
        except SlackApiError as error:
            results.append(_channel_error(where, channel, _error(error)))
            continue
        shown = f"{where} #{info.get('name')} ({channel})"
        if info.get("is_archived"):
            results.append(failed(f"{shown}: archived", "unarchive it, or name another channel in app.yaml"))
        elif info.get("is_member"):
            results.append(passed(f"{shown}: exists, the bot is a member"))
        elif join and not info.get("is_private"):
            results.append(await _join(slack, shown, channel, str(info.get("name"))))
        else:
            fix = f"`/invite @supportbot` in #{info.get('name')}"
            if can_join and not info.get("is_private"):
                fix += " (or run `supportbot doctor --join`: the bot joins the public channels it is missing from)"
            results.append(failed(f"{shown}: the bot is not a member", fix))
    return results


def _channel_error(where: str, channel: str, error: str) -> CheckResult:
    if error == "channel_not_found":
        return failed(f"{where} {channel}: no such channel (or a private one the bot is not in)",
                      "use the id of an existing channel (open it, click its name: the Channel ID is at the "
                      "bottom); for a private channel, `/invite @supportbot` there first")
    if error == "missing_scope":
        return failed(f"{where} {channel}: cannot look it up (missing_scope)",
                      "add channels:read and groups:read, then reinstall the app")
    return failed(f"{where} {channel}: conversations.info failed ({error})", "try again; check Slack's status")


async def _join(slack: AsyncWebClient, shown: str, channel: str, name: str) -> CheckResult:
    try:
        await slack.conversations_join(channel=channel)
    except SlackApiError as error:
        return failed(f"{shown}: could not join ({_error(error)})", f"`/invite @supportbot` in #{name}")
    return passed(f"{shown}: the bot joined it now")


async def _check_users(slack: AsyncWebClient, config: AppConfig) -> list[CheckResult]:
    users = named_users(config)
    problems = []
    for user, keys in users.items():
        where = ", ".join(dict.fromkeys(keys))
        try:
            info = (await slack.users_info(user=user))["user"]
        except SlackApiError as error:
            if _error(error) in ("user_not_found", "user_not_visible"):
                problems.append(failed(f"{where} {user}: no such user in this workspace",
                                       "copy the person's member ID (their profile > ⋮ > Copy member ID)"))
            else:
                problems.append(failed(f"{where} {user}: users.info failed ({_error(error)})",
                                       "add the users:read scope and reinstall the app"
                                       if _error(error) == "missing_scope" else "try again"))
            continue
        if info.get("deleted"):
            problems.append(failed(f"{where} {user} ({info.get('name')}): deactivated",
                                   "take them out of app.yaml, or name who replaces them"))
    if problems:
        return problems
    return [passed(f"{len(users)} people named in app.yaml exist (on-call rotation, tier members)")]
