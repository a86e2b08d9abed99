"""Every id Slack echoes back to us: action_ids, callback_ids, block_ids (DESIGN.md point 4)."""

from __future__ import annotations

from enum import StrEnum


class Shortcut(StrEnum):
    CREATE_TICKET_FROM_MESSAGE = "create_ticket_from_message"


class View(StrEnum):
    """callback_ids of our modals."""

    NEW_TICKET = "ticket_new"
    RESOLVE_TICKET = "ticket_resolve"
    ESCALATE = "ticket_escalate"
    DECLARE_INCIDENT = "incident_declare"
    KB_THANKS = "kb_thanks"
    KB_ARTICLE = "kb_article"


class Block(StrEnum):
    """block_ids of modal inputs (validation errors are keyed by these)."""

    SUMMARY = "summary"
    DESCRIPTION = "description"
    CATEGORY = "category"
    PRIORITY = "priority"
    CUSTOMER = "customer"
    PRIVATE = "private"
    RESOLUTION = "resolution"
    ROOT_CAUSE = "root_cause"
    FOLLOW_UP = "follow_up"
    TICKET_ACTIONS = "ticket_actions"
    CSAT = "csat"
    ESCALATE_TICKET = "escalate_ticket"
    ESCALATE_REASON = "escalate_reason"
    ESCALATE_IMPACT = "escalate_impact"
    PAGE_ACTIONS = "page_actions"
    INCIDENT_TITLE = "incident_title"
    INCIDENT_PRIORITY = "incident_priority"
    INCIDENT_DESCRIPTION = "incident_description"
    INCIDENT_COMMANDER = "incident_commander"
    ADD_TO_KB = "add_to_kb"
    KB_ANSWER_ACTIONS = "kb_answer_actions"


class Action(StrEnum):
    """action_ids of inputs and buttons."""

    SUMMARY = "summary_input"
    DESCRIPTION = "description_input"
    CATEGORY = "category_select"
    PRIORITY = "priority_select"
    CUSTOMER = "customer_input"
    PRIVATE = "private_input"
    RESOLUTION = "resolution_input"
    ROOT_CAUSE = "root_cause_input"
    FOLLOW_UP = "follow_up_input"
    CLAIM = "ticket_claim"
    RESOLVE = "ticket_resolve"
    REOPEN = "ticket_reopen"
    WAIT_ON_CUSTOMER = "ticket_wait_on_customer"
    RESUME = "ticket_resume"
    CSAT_RATE = "ticket_csat_rate"
    # The survey's five buttons share one actions block, where Slack wants distinct
    # action_ids; their value ("<ticket_id>:<rating>") says what was chosen.
    CSAT_RATE_1 = "ticket_csat_rate_1"
    CSAT_RATE_2 = "ticket_csat_rate_2"
    CSAT_RATE_3 = "ticket_csat_rate_3"
    CSAT_RATE_4 = "ticket_csat_rate_4"
    CSAT_RATE_5 = "ticket_csat_rate_5"
    ESCALATE = "ticket_escalate"
    ESCALATE_TICKET = "escalate_ticket_input"
    ESCALATE_REASON = "escalate_reason_input"
    ESCALATE_IMPACT = "escalate_impact_input"
    PAGE_ACKNOWLEDGE = "page_acknowledge"
    PAGE_RESOLVE = "page_resolve"
    INCIDENT_TITLE = "incident_title_input"
    INCIDENT_PRIORITY = "incident_priority_select"
    INCIDENT_DESCRIPTION = "incident_description_input"
    INCIDENT_COMMANDER = "incident_commander_select"
    # The "Declare incident" button on a P0/P1 ticket card; its value is the ticket id.
    DECLARE_INCIDENT = "ticket_declare_incident"
    ADD_TO_KB = "add_to_kb_input"
    # Knowledge-base answers (a thread reply, a /kb answer): "Solved" and "Open a ticket"
    # carry the search id; "Show article" carries "<search id>:<slug>".
    KB_SOLVED = "kb_solved"
    KB_OPEN_TICKET = "kb_open_ticket"
    KB_SHOW_ARTICLE = "kb_show_article"
    # The articles above the /ticket form: "This solved it" and "Show article" carry
    # "<search id>:<slug>".
    KB_MODAL_SOLVED = "kb_modal_solved"
    KB_MODAL_SHOW_ARTICLE = "kb_modal_show_article"
