"""`/incident …`: the pure parser of the command text, and the one entry point the
listener calls (it runs the subcommand and returns the ephemeral answer, if any).

Slack sends the text with its own markup (the command is configured with
``should_escape``): a mention is ``<@U123|ana>``, a literal ``<`` is ``&lt;``. Mentions
of the people given a role are read from it; the free text (titles, updates,
summaries) is turned into what the person wrote (``plain_text``) and stored so; the
messages escape it again.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from workflows.incidents.messages.posts import HELP_TEXT
from workflows.incidents.messages.form import IncidentForm, build_declare_incident_modal
from workflows.deps import Deps
from workflows.errors import InvalidRequest
from workflows.incidents.actions import add_action_item, complete_action_item, list_action_items
from workflows.incidents.admission import declaration_form_errors
from workflows.incidents.reference import parse_incident_reference
from workflows.incidents.postmortem_follow_up import mark_postmortem_done, parse_postmortem_url, set_postmortem_owner
from workflows.incidents.changes import (
    assign_incident_role, change_incident_severity, hand_over_command, post_incident_update, record_external_update,
)
from workflows.incidents.resolution import repost_postmortem, resolve_incident
from workflows.incidents.rules import parse_priority
from workflows.incidents.declare import declare_incident, declare_incident_from_ticket, declared_text
from workflows.outbox.enqueue import send_post
from workflows.policy.statuspage import OPEN_STATUSES
from workflows.slack_text import plain_text

__all__ = ["IncidentSubcommand", "IncidentCommand", "parse_incident_command", "parse_user", "answer_incident_command",
           "refuse_declare_incident_form", "submit_declare_incident_form", "answer_declare_incident_button"]


class IncidentSubcommand(enum.StrEnum):
    HELP = "help"
    DECLARE = "declare"
    UPDATE = "update"
    EXTERNAL = "external"
    COMMANDER = "commander"
    ROLE = "role"
    SEVERITY = "severity"
    RESOLVE = "resolve"
    POSTMORTEM = "postmortem"
    ACTION = "action"
    ACTIONS = "actions"


_ALIASES = {"sev": "severity", "priority": "severity", "post-mortem": "postmortem", "ic": "commander",
            "customers": "external", "status": "update"}
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_ID = re.compile(r"^([UW][A-Z0-9]{2,})$")


@dataclass(frozen=True)
class IncidentCommand:
    kind: IncidentSubcommand
    priority: str | None = None
    text: str = ""  # plain text, as the person wrote it
    user_id: str | None = None
    role: str | None = None
    private: bool = False  # `/incident declare --private …`
    number: int | None = None  # `/incident action done N`
    due: date | None = None  # `/incident action @owner YYYY-MM-DD text`
    status: str | None = None  # `/incident external identified text`: the status page's status
    incident_id: int | None = None  # `#12` in `/incident actions #12`, `action done #12 3`, `postmortem done #12 URL`


def parse_user(token: str) -> str | None:
    """``<@U123|ana>``, ``<@U123>`` or ``U123`` -> ``U123``."""
    match = _MENTION.match(token) or _BARE_ID.match(token)
    return match.group(1) if match else None


def _person(rest: str, usage: str) -> str:
    user_id = parse_user(rest.strip().split()[0]) if rest.strip() else None
    if user_id is None:
        raise InvalidRequest(f"Mention the person: `{usage}`.")
    return user_id


def parse_incident_command(text: str) -> IncidentCommand:
    """The subcommand and its arguments; InvalidRequest for what cannot be one."""
    head, _, rest = text.strip().partition(" ")
    word = _ALIASES.get(head.lower(), head.lower())
    rest = rest.strip()
    if word in ("", "help"):
        return IncidentCommand(IncidentSubcommand.HELP)
    try:
        kind = IncidentSubcommand(word)
    except ValueError:
        raise InvalidRequest(f"`/incident {plain_text(head)[:30]}` is not a command I know; "
                             "`/incident help` lists them.") from None
    if kind == IncidentSubcommand.DECLARE:
        words = rest.split(" ")
        private = any(w.lower() == "--private" for w in words[:2])
        if private:
            rest = " ".join(w for i, w in enumerate(words) if not (i < 2 and w.lower() == "--private")).strip()
        first, _, title = rest.partition(" ")
        priority = parse_priority(first)
        if priority is None and re.fullmatch(r"[Pp]\d", first):
            raise InvalidRequest("An incident is P0, P1 or P2 (a P3 is a ticket: `/ticket`).")
        return IncidentCommand(kind, priority=priority, text=plain_text(title if priority else rest).strip(),
                               private=private)
    if kind == IncidentSubcommand.COMMANDER:
        return IncidentCommand(kind, user_id=_person(rest, "/incident commander @someone"))
    if kind == IncidentSubcommand.ROLE:
        role, _, who = rest.partition(" ")
        role = role.lower()
        if not role:
            raise InvalidRequest("Name the role and the person: `/incident role comms @someone`.")
        if role in ("commander", "ic"):
            return IncidentCommand(IncidentSubcommand.COMMANDER,
                                   user_id=_person(who, "/incident role commander @someone"))
        return IncidentCommand(kind, role=role, user_id=_person(who, f"/incident role {role} @someone"))
    if kind == IncidentSubcommand.SEVERITY:
        priority = parse_priority(rest)
        if priority is None:
            raise InvalidRequest("Give the new severity: `/incident severity P0` (P0, P1 or P2).")
        return IncidentCommand(kind, priority=priority)
    if kind == IncidentSubcommand.ACTION:
        return _action(rest)
    if kind == IncidentSubcommand.EXTERNAL:
        return _external(rest)
    if kind == IncidentSubcommand.POSTMORTEM and rest:
        what, _, arg = rest.partition(" ")
        if what.lower() == "owner":
            return IncidentCommand(kind, role="owner", user_id=_person(arg, "/incident postmortem owner @someone"))
        if what.lower() == "done":
            first, _, url = arg.strip().partition(" ")
            incident_id = parse_incident_reference(first)
            return IncidentCommand(kind, role="done", incident_id=incident_id,
                                   text=parse_postmortem_url(url if incident_id is not None else arg))
        raise InvalidRequest("`/incident postmortem` posts the draft again; `/incident postmortem owner @someone` "
                             "names its owner; `/incident postmortem done URL` marks it done (anywhere: "
                             "`/incident postmortem done #12 URL`).")
    if kind == IncidentSubcommand.ACTIONS and rest:
        incident_id = parse_incident_reference(rest)
        if incident_id is None:
            raise InvalidRequest("`/incident actions` lists the war room's action items; anywhere else name the "
                                 "incident: `/incident actions #12`.")
        return IncidentCommand(kind, incident_id=incident_id)
    return IncidentCommand(kind, text=plain_text(rest, keep_urls=True).strip())


def _external(rest: str) -> IncidentCommand:
    """``[investigating|identified|monitoring] text``: a leading status word, written in
    lower case as Statuspage writes it (a sentence that starts "Monitoring the fix…" is
    text), sets the incident's status on the status page; without one it is kept."""
    word, _, text = rest.partition(" ")
    if word in OPEN_STATUSES:
        return IncidentCommand(IncidentSubcommand.EXTERNAL, status=word, text=plain_text(text, keep_urls=True).strip())
    if word == "resolved":
        raise InvalidRequest("`/incident resolve summary` resolves the incident, and so resolves it on the status "
                             "page; `/incident external` sets investigating, identified or monitoring.")
    return IncidentCommand(IncidentSubcommand.EXTERNAL, text=plain_text(rest, keep_urls=True).strip())


ACTION_USAGE = "`/incident action @owner YYYY-MM-DD what to do` (or `/incident action done N`)"


def _item_number(token: str) -> int | None:
    token = token.lstrip("#")
    return int(token) if token.isascii() and token.isdigit() and len(token) <= 9 else None


def _action(rest: str) -> IncidentCommand:
    words = rest.split()
    if words and words[0].lower() == "done":
        # `done N` in the war room; `done #12 N` anywhere (incident #12's item N)
        incident_id = parse_incident_reference(words[1]) if len(words) == 3 else None
        number = _item_number(words[-1]) if len(words) == 2 or incident_id is not None else None
        if number is None:
            raise InvalidRequest("Give the item's number: `/incident action done 2` in the war room, or "
                                 "`/incident action done #12 2` anywhere for incident #12 "
                                 "(`/incident actions` lists them).")
        return IncidentCommand(IncidentSubcommand.ACTION, number=number, incident_id=incident_id)
    if len(words) < 3:
        raise InvalidRequest(f"Give the owner, the day it is due and what to do: {ACTION_USAGE}.")
    owner = parse_user(words[0])
    if owner is None:
        raise InvalidRequest(f"Mention the owner: {ACTION_USAGE}.")
    try:
        due = date.fromisoformat(words[1]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", words[1]) else None
    except ValueError:
        due = None
    if due is None:
        raise InvalidRequest(f"{plain_text(words[1])[:20]} is not a day I can read (YYYY-MM-DD): {ACTION_USAGE}.")
    text = plain_text(rest.split(None, 2)[2], keep_urls=True).strip()
    return IncidentCommand(IncidentSubcommand.ACTION, user_id=owner, due=due, text=text)


async def answer_incident_command(
    *, deps: Deps, team_id: str, user_id: str, channel_id: str, text: str, trigger_id: str,
) -> str | None:
    """Run `/incident …` typed by ``user_id`` in ``channel_id``; the ephemeral answer, if any
    (what is posted in the channel speaks for itself)."""
    command = parse_incident_command(text)
    kind, where = command.kind, dict(deps=deps, channel_id=channel_id, user_id=user_id)
    if kind == IncidentSubcommand.HELP:
        return HELP_TEXT
    if kind == IncidentSubcommand.DECLARE:
        if command.priority is None or not command.text:  # direct: the trigger_id expires in 3 s
            await deps.slack.views_open(trigger_id=trigger_id, view=build_declare_incident_modal(
                deps.config, declarer_id=user_id, title=command.text, priority=command.priority, channel_id=channel_id))
            return None
        declared = await declare_incident(deps=deps, team_id=team_id, declarer_id=user_id, title=command.text,
                                          priority=command.priority, private=command.private)
        return declared_text(declared)
    if kind == IncidentSubcommand.UPDATE:
        await post_incident_update(**where, text=command.text)
    elif kind == IncidentSubcommand.EXTERNAL:
        await record_external_update(**where, text=command.text, status=command.status)
    elif kind == IncidentSubcommand.COMMANDER:
        assert command.user_id is not None
        await hand_over_command(**where, commander_id=command.user_id)
    elif kind == IncidentSubcommand.ROLE:
        assert command.user_id is not None and command.role is not None
        await assign_incident_role(**where, role=command.role, assignee_id=command.user_id)
    elif kind == IncidentSubcommand.SEVERITY:
        assert command.priority is not None
        await change_incident_severity(**where, priority=command.priority)
    elif kind == IncidentSubcommand.RESOLVE:
        await resolve_incident(**where, summary=command.text or None)
    elif kind == IncidentSubcommand.POSTMORTEM and command.role == "owner":
        assert command.user_id is not None
        await set_postmortem_owner(**where, owner_id=command.user_id)
    elif kind == IncidentSubcommand.POSTMORTEM and command.role == "done":
        return await mark_postmortem_done(**where, url=command.text, incident_id=command.incident_id,
                                          team_id=team_id)
    elif kind == IncidentSubcommand.POSTMORTEM:
        await repost_postmortem(**where)
    elif kind == IncidentSubcommand.ACTIONS:
        return await list_action_items(**where, incident_id=command.incident_id, team_id=team_id)
    elif kind == IncidentSubcommand.ACTION:
        if command.number is not None:
            return await complete_action_item(**where, number=command.number, incident_id=command.incident_id,
                                              team_id=team_id)
        else:
            assert command.user_id is not None and command.due is not None
            await add_action_item(**where, owner_id=command.user_id, due_on=command.due, text=command.text)
    return None


async def refuse_declare_incident_form(*, deps: Deps, team_id: str, user_id: str, form: IncidentForm) -> dict[str, str]:
    """Before the declare form closes: field errors when the person may not declare it now
    (P0/P1 with roles, the per-person limit), so nothing they typed is lost; else {}."""
    return await declaration_form_errors(deps=deps, team_id=team_id, user_id=user_id, priority=form.priority)


async def submit_declare_incident_form(*, deps: Deps, team_id: str, user_id: str, form: IncidentForm) -> None:
    """The declare modal was submitted (and is valid): declare, then tell the declarer (DM)."""
    declared = await declare_incident(deps=deps, team_id=team_id, declarer_id=user_id, title=form.title,
                                      priority=form.priority, description=form.description,
                                      commander_id=form.commander_id)
    await send_post(deps, channel=user_id, text=declared_text(declared))  # a DM, owed


async def answer_declare_incident_button(*, deps: Deps, ticket_id: int, user_id: str, team_id: str | None = None) -> str:
    """The "Declare incident" button on a ticket card: the clicker's (ephemeral) answer."""
    return declared_text(await declare_incident_from_ticket(deps=deps, ticket_id=ticket_id, actor_id=user_id,
                                                            team_id=team_id))
