"""Hypothesis strategies for hostile requests to ``POST /slack/events``: every body is
correctly signed, but what it says is random, mutated or forged.

    body, content_type = draw(hostile_requests())

Each request is *invalid* by construction — it names no ticket, page or incident that
exists in the workspace it claims to come from, carries values that are not among a
modal's options, or is not a Slack payload at all — so a sound bot answers it with a
4xx or a private error and changes nothing. The one ticket the tests open (#1, id 1)
is only ever named from another workspace (``T0FORGED``) or by someone who may not act
on it (a rating by a person who did not report it).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from hypothesis import assume
from hypothesis import strategies as st

from workflows.escalation.ids import EscalationAction, EscalationBlock, EscalationView
from workflows.incidents.ids import IncidentAction, IncidentBlock, IncidentView
from workflows.kb.ids import KbAction, KbBlock, KbView
from workflows.paging.ids import PageAction, PageBlock
from workflows.tickets.ids import TicketAction, TicketBlock, TicketShortcut, TicketView
from tests.fakes.slack_requests import APP_ID, TEAM_ID, UNSET_RESPONSE_URL, VERIFICATION_TOKEN

FORGED_TEAM = "T0FORGED"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# -- values ----------------------------------------------------------------------------

def mostly(good: st.SearchStrategy, bad: st.SearchStrategy, odds: int = 8) -> st.SearchStrategy:
    """``good``, and once in ``odds`` draws ``bad`` (picked by index: ``one_of`` would
    merge repeated branches and flatten ``bad``'s own, skewing the odds)."""
    return st.integers(0, odds - 1).flatmap(lambda i: bad if i == 0 else good)


LONG = st.builds(lambda c, n: c * n, st.sampled_from(["x", "<", "&", "é", "💥", " ", "<!channel>"]),
                 st.integers(1500, 5200))
TRICKY = st.sampled_from([
    "", " ", "#", "#0", "#-1", "#99999999999", "99999999999999999999999", "²", "١٢", "1e3", "0x1", "-1", "1.5",
    "<!channel>", "<!here|here>", "<@U0REPORTER>", "&lt;b&gt;", "\x00", "\u202e", "null", "[]", "{}", "%s%n",
    "P9", "X1", "4242", "#4242", "4242:5", "1:9", "1:0", "1:x", ":", "1:5:5", "abc:3",
])
#: What a forged button value naming a row might look like.
IDISH = st.sampled_from(["²", "١", "1e3", "0x1", "-1", "0", "99999999999", "2147483648", "4242", " 4242 ", "4242:5",
                         "١:5", "1:9", "1:0", "abc:3", "4242:١"])
TEXT = st.one_of(TRICKY, st.text(max_size=30), LONG)
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.floats(allow_nan=True),
                 TEXT, st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                             max_size=3))
USERS = st.one_of(st.sampled_from(["U0STRANGER", "W0STRANGER", "U0BOT", "UXXXXXXXX", ""]), st.text(max_size=12))
CHANNELS = st.one_of(st.sampled_from(["C0GENERAL", "C0TIER1FL", "C0UNKNOWN", "D0DIRECT", "G0PRIVATE", ""]),
                     st.text(max_size=12))
TEAMS = st.sampled_from([TEAM_ID, FORGED_TEAM])
#: The test replaces this with a response_url of the fake Slack, which checks what is posted there.
RESPONSE_URL = "HOSTILE0RESPONSE0URL"
RESPONSE_URLS = st.sampled_from([RESPONSE_URL] * 6 + [UNSET_RESPONSE_URL, "not a url", "", "ftp://127.0.0.1:9/x", None])

ALL_ACTIONS = (TicketAction, EscalationAction, IncidentAction, KbAction, PageAction)
ALL_BLOCKS = (TicketBlock, EscalationBlock, IncidentBlock, KbBlock, PageBlock)
ALL_VIEWS = (TicketView, EscalationView, IncidentView, KbView)
ACTION_IDS = mostly(st.sampled_from([str(a) for ids in ALL_ACTIONS for a in ids]), st.one_of(st.text(max_size=20), JUNK), odds=6)
CALLBACK_IDS = mostly(st.sampled_from([str(v) for ids in ALL_VIEWS for v in ids] + [str(s) for s in TicketShortcut]), st.text(max_size=20),
                      odds=6)


def _paths(node: Any, prefix: tuple = (), depth: int = 0) -> list[tuple]:
    if depth > 4:
        return []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    found = []
    for key, child in children:
        found.append(prefix + (key,))
        found += _paths(child, prefix + (key,), depth + 1)
    return found


@st.composite
def mutated(draw, payloads: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A payload with, now and then, a field deleted or replaced by junk, anywhere in it."""
    payload = draw(payloads)
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 1, 2]))):
        paths = _paths(payload)
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        holder = payload
        for key in parents:
            holder = holder[key]
        if isinstance(holder, dict) and draw(st.booleans()):
            del holder[last]
        else:
            holder[last] = draw(JUNK)
    return payload


def _names_ticket_one(value: Any) -> bool:
    """A value a button would carry for ticket 1 (or its page or incident 1)."""
    return isinstance(value, str) and re.fullmatch(r"\s*0*1\s*(:\s*0*1)?\s*", value) is not None


def _forged(payload: Any) -> bool:
    """No click or submission names ticket 1 from its own workspace (that could be a real one)."""
    if not isinstance(payload, dict):
        return True
    actions = payload.get("actions")
    values = [a.get("value") for a in actions if isinstance(a, dict)] if isinstance(actions, list) else []
    view = payload.get("view")
    meta = view.get("private_metadata") if isinstance(view, dict) else None
    values.append(meta)
    if isinstance(meta, str) and meta.strip().startswith("{"):
        try:
            found = json.loads(meta)
        except ValueError:
            found = None
        values.append(str(found.get("ticket_id")) if isinstance(found, dict) else None)
    return _team_of(payload) != TEAM_ID or not any(_names_ticket_one(v) for v in values)


def _team_of(payload: dict[str, Any]) -> Any:
    """The workspace a payload claims to come from, read as the handlers read it."""
    for holder, key in ((payload.get("team"), "id"), (payload.get("user"), "team_id")):
        if isinstance(holder, dict) and holder.get(key):
            return holder[key]
    return None


# -- slash commands ---------------------------------------------------------------------

_SUBCOMMANDS = {
    "/ticket": ["", "#", "#4242", "mine", "queue", "queue nosuchtier", "reopen #4242", "wait #4242",
                "resume #4242", "priority #4242 P1", "priority #1 P9", "stats", "stats forever tier9", "help",
                "reopen", "wait", "priority"],
    "/escalate": ["", "#", "#4242 reason", "#1", "# reason", "abc", "#1 impact: only", "#99999999999 x"],
    "/incident": ["", "help", "declare", "declare P9 title", "declare P3 title", "declare P1", "update x",
                  "external x", "resolve", "resolve all good", "commander", "commander nobody",
                  "commander <@U0STRANGER>", "role", "role comms", "role x <@U1>", "severity", "severity P7",
                  "severity P0", "postmortem", "bogus"],
    "/oncall": ["", "primary", "bogus"],
    "/kb": ["", "help", "bogus"],
    "/nope": [""],
}
_VALID = re.compile(r"(?is)^\s*(declare\s+p[0-2]\s+\S|#?0*1\s+\S|(wait|resume|priority|reopen)\s+#?0*1\b)")


@st.composite
def slash_commands(draw) -> tuple[bytes, str]:
    command = draw(st.sampled_from(sorted(_SUBCOMMANDS)))
    head = draw(st.sampled_from(_SUBCOMMANDS[command]))
    text = f"{head} {draw(TEXT)}".strip() if draw(st.booleans()) else head
    assume(not _VALID.match(text))
    fields: dict[str, Any] = {
        "token": VERIFICATION_TOKEN, "team_id": draw(TEAMS), "team_domain": "fake", "channel_id": draw(CHANNELS),
        "channel_name": "general", "user_id": draw(USERS), "user_name": "x", "command": command, "text": text,
        "api_app_id": APP_ID, "is_enterprise_install": "false", "response_url": draw(RESPONSE_URLS) or "",
        "trigger_id": draw(st.sampled_from(["1.2.abc", "", "forged"])),
    }
    for key in draw(st.sampled_from([[], [], [], [], ["trigger_id"], ["user_id"], ["text", "command"]])):
        fields.pop(key, None)
    return urlencode({k: v for k, v in fields.items() if v is not None}).encode(), FORM


# -- interactivity ----------------------------------------------------------------------

def _envelope(kind: Any, draw) -> dict[str, Any]:
    user = draw(st.builds(lambda u, t: {"id": u, "team_id": t, "name": "x"}, USERS, TEAMS))
    return {"type": kind, "token": VERIFICATION_TOKEN, "api_app_id": APP_ID, "user": user,
            "team": draw(st.builds(lambda t: {"id": t, "domain": "fake"}, TEAMS)),
            "trigger_id": "1.2.abc", "response_url": draw(RESPONSE_URLS)}


@st.composite
def block_actions(draw) -> dict[str, Any]:
    payload = _envelope("block_actions", draw)
    value = draw(mostly(mostly(IDISH, st.one_of(TRICKY, TEXT), odds=2), JUNK))
    action = {"action_id": draw(ACTION_IDS), "block_id": draw(st.one_of(st.sampled_from([str(b) for ids in ALL_BLOCKS for b in ids]),
                                                                          st.text(max_size=10))),
              "type": draw(st.sampled_from(["button", "static_select", "users_select", "overflow", "bogus"])),
              "value": value, "action_ts": "1.2"}
    if draw(st.booleans()):
        action["selected_option"] = draw(st.builds(lambda v: {"value": v, "text": {"type": "plain_text",
                                                                                   "text": "x"}}, TEXT))
    actions = draw(st.sampled_from([[action], [action, dict(action)]]))
    payload.update(actions=actions,
                   container=draw(st.builds(lambda c, ts: {"type": "message", "channel_id": c, "message_ts": ts},
                                            CHANNELS, TEXT)),
                   channel=draw(st.builds(lambda c: {"id": c}, CHANNELS)),
                   message=draw(st.builds(lambda ts: {"type": "message", "ts": ts, "text": "", "blocks": []}, TEXT)))
    if draw(st.integers(0, 3)) == 0:
        payload["view"] = draw(views())
    return payload


def _input_state(kind: str, value: Any) -> dict[str, Any]:
    if kind == "select":
        return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "x"},
                                                               "value": value}}
    if kind == "user":
        return {"type": "users_select", "selected_user": value}
    return {"type": "plain_text_input", "value": value}


_FIELDS = {  # block -> (action, kind, values that are never valid there)
    TicketBlock.SUMMARY: (TicketAction.SUMMARY, "text", st.one_of(st.sampled_from(["", " "]), LONG, JUNK)),
    TicketBlock.DESCRIPTION: (TicketAction.DESCRIPTION, "text", st.one_of(TEXT, JUNK)),
    TicketBlock.CATEGORY: (TicketAction.CATEGORY, "select", st.one_of(st.sampled_from(["Hacking", "login problems", ""]), JUNK)),
    TicketBlock.PRIORITY: (TicketAction.PRIORITY, "select", st.one_of(st.sampled_from(["P9", "p1", "", "P0 "]), JUNK)),
    TicketBlock.CUSTOMER: (TicketAction.CUSTOMER, "text", st.one_of(TEXT, JUNK)),
    TicketBlock.RESOLUTION: (TicketAction.RESOLUTION, "text", st.one_of(TEXT, JUNK)),
    TicketBlock.ROOT_CAUSE: (TicketAction.ROOT_CAUSE, "text", st.one_of(TEXT, JUNK)),
    EscalationBlock.ESCALATE_TICKET: (EscalationAction.ESCALATE_TICKET, "text", st.one_of(TRICKY, JUNK)),
    EscalationBlock.ESCALATE_REASON: (EscalationAction.ESCALATE_REASON, "text", st.one_of(TEXT, JUNK)),
    IncidentBlock.INCIDENT_TITLE: (IncidentAction.INCIDENT_TITLE, "text", st.one_of(st.sampled_from(["", " "]), LONG, JUNK)),
    IncidentBlock.INCIDENT_PRIORITY: (IncidentAction.INCIDENT_PRIORITY, "select", st.one_of(st.sampled_from(["P3", "P9"]), JUNK)),
    IncidentBlock.INCIDENT_COMMANDER: (IncidentAction.INCIDENT_COMMANDER, "user", st.one_of(USERS, JUNK)),
}


@st.composite
def state_values(draw) -> Any:
    blocks = draw(st.lists(st.sampled_from(list(_FIELDS)), unique=True, max_size=6))
    values: dict[str, Any] = {}
    for block in blocks:
        action, kind, invalid = _FIELDS[block]
        values[str(block)] = {str(action): _input_state(kind, draw(invalid))}
    return values


@st.composite
def views(draw) -> dict[str, Any]:
    metadata = draw(st.one_of(
        TRICKY, st.just(json.dumps({"ticket_id": 4242})), st.just(json.dumps({"ticket_id": True})),
        st.just(json.dumps({"ticket_id": 2 ** 40})), st.just(json.dumps({"channel_id": ["C1"]})),
        st.just(json.dumps({"channel_id": "C0TIER1FL", "source_channel_id": "C0OTHER", "source_ts": "1.1"}))))
    return {"id": "V0FORGED", "team_id": draw(TEAMS), "type": draw(st.sampled_from(["modal", "home", "x"])),
            "callback_id": draw(CALLBACK_IDS), "private_metadata": metadata,
            "state": {"values": draw(state_values())}, "hash": "1.x", "blocks": []}


@st.composite
def view_submissions(draw) -> dict[str, Any]:
    kind = draw(st.sampled_from(["view_submission"] * 3 + ["view_closed"]))
    payload = _envelope(kind, draw)
    payload.update(view=draw(views()), response_urls=[])
    return payload


@st.composite
def shortcuts(draw) -> dict[str, Any]:
    payload = _envelope(draw(st.sampled_from(["shortcut", "message_action"])), draw)
    payload.update(callback_id=draw(CALLBACK_IDS), action_ts="1.2",
                   channel=draw(st.builds(lambda c: {"id": c}, CHANNELS)),
                   message=draw(st.builds(lambda t, u: {"ts": "1.1", "text": t, "user": u}, TEXT, USERS)),
                   message_ts=draw(TEXT))
    return payload


def _form(payload: Any) -> tuple[bytes, str]:
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def click(action_id: str, value: str, *, team: str = TEAM_ID, user: str = "U0STRANGER") -> tuple[bytes, str]:
    """One button click, as an explicit example."""
    return _form({"type": "block_actions", "user": {"id": user, "team_id": team}, "team": {"id": team},
                  "trigger_id": "1.2.abc", "response_url": RESPONSE_URL, "container": {"type": "message"},
                  "channel": {"id": "C0TIER1FL"}, "message": {"ts": "1.1", "blocks": []},
                  "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value}]})


def interactive() -> st.SearchStrategy[tuple[bytes, str]]:
    envelopes = st.one_of(mutated(block_actions()).filter(_forged), mutated(view_submissions()).filter(_forged),
                          mutated(block_actions()).filter(_forged), mutated(shortcuts()),
                          st.builds(lambda k, d: {"type": k, **d}, st.one_of(TEXT, JUNK),
                                    st.dictionaries(st.text(max_size=8), JUNK, max_size=4)))
    return mostly(envelopes.map(_form), JUNK.map(_form), odds=12)


# -- Events API -------------------------------------------------------------------------

@st.composite
def event_callbacks(draw) -> tuple[bytes, str]:
    event = draw(mostly(
        st.fixed_dictionaries({"type": st.sampled_from(["message", "app_home_opened", "app_mention", "reaction_added",
                                                        "nope"])},
                              optional={"user": st.one_of(USERS, JUNK), "channel": st.one_of(CHANNELS, JUNK),
                                        "text": st.one_of(TEXT, JUNK), "ts": st.one_of(TEXT, JUNK),
                                        "thread_ts": st.one_of(st.sampled_from(["1.1", "9999999999.000100"]), JUNK),
                                        "subtype": st.one_of(st.sampled_from(["bot_message", "message_changed",
                                                                              "message_deleted"]), JUNK),
                                        "tab": st.one_of(st.sampled_from(["home", "messages"]), JUNK),
                                        "bot_id": JUNK, "event_ts": JUNK}),
        JUNK))
    envelope = {"token": VERIFICATION_TOKEN, "team_id": draw(TEAMS), "api_app_id": APP_ID,
                "event": event, "type": draw(st.sampled_from(["event_callback"] * 5 + ["url_verification",
                                                                                      "app_rate_limited", "nope"])),
                "event_id": draw(mostly(st.uuids().map(lambda u: f"Ev{u.hex[:10].upper()}"), LONG, odds=6)),
                "event_time": 1700000000,
                "challenge": draw(TEXT),
                "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}]}
    return json.dumps(draw(mutated(st.just(envelope)))).encode(), JSON


# -- anything ---------------------------------------------------------------------------

def raw_bodies() -> st.SearchStrategy[tuple[bytes, str | None]]:
    bodies = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                       st.sampled_from([b"payload=", b"payload=%7B", b"payload={}", b"payload=null", b"{", b"[]",
                                        b"null", b'{"type": "event_callback"', b"payload=%5B1%5D&payload=x",
                                        b"command=/ticket&command=/incident", b"\xff\xfe"]))
    types = st.sampled_from([FORM, JSON, "text/plain", "multipart/form-data; boundary=x", "application/xml", None])
    return st.tuples(bodies, types)


def hostile_requests() -> st.SearchStrategy[tuple[bytes, str | None]]:
    """A signed request body and its content type (None: no Content-Type header)."""
    wrong_type = st.tuples(st.one_of(slash_commands(), interactive(), event_callbacks()).map(lambda r: r[0]),
                           st.sampled_from([JSON, FORM, "text/plain"]))  # the right body, the wrong type
    weighted = [(slash_commands(), 3), (interactive(), 4), (event_callbacks(), 2), (raw_bodies(), 1), (wrong_type, 1)]
    # Picked by index: one_of would flatten the categories' own branches into one draw.
    categories = [category for category, weight in weighted for _ in range(weight)]
    return st.integers(0, len(categories) - 1).flatmap(lambda i: categories[i])

