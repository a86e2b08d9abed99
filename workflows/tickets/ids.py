"""The ids the ticket's messages and forms carry, which Slack echoes back (the listeners import them)."""

from __future__ import annotations

from enum import StrEnum


class TicketShortcut(StrEnum):
    CREATE_TICKET_FROM_MESSAGE = "create_ticket_from_message"
    # On a reply in the card's thread of a ticket opened in a customer channel.
    SEND_TO_CUSTOMER = "send_to_customer"


class TicketView(StrEnum):
    """callback_ids of modals."""

    NEW_TICKET = "ticket_new"
    RESOLVE_TICKET = "ticket_resolve"
    TRIAGE_TICKET = "ticket_triage"
    MERGE_TICKET = "ticket_merge"


class TicketBlock(StrEnum):
    """block_ids (validation errors are keyed by these)."""

    SUMMARY = "summary"
    DESCRIPTION = "description"
    CATEGORY = "category"
    PRIORITY = "priority"
    CUSTOMER = "customer"
    KNOWN_CUSTOMER = "known_customer"
    PRIVATE = "private"
    RESOLUTION = "resolution"
    ROOT_CAUSE = "root_cause"
    FOLLOW_UP = "follow_up"
    TICKET_ACTIONS = "ticket_actions"
    CSAT = "csat"
    ADD_TO_KB = "add_to_kb"
    TICKET_ASSIGN = "ticket_assign"  # the card's Assign menu, in an actions block of its own
    TRIAGE_PRIORITY = "triage_priority"
    TRIAGE_CATEGORY = "triage_category"
    TRIAGE_ASSIGNEE = "triage_assignee"
    RESOLUTION_ANSWER = "resolution_answer"  # Confirm fixed / Still broken in the resolution DM
    FOLLOW_UP_OFFER = "follow_up_offer"      # in a closed ticket's thread
    MERGE_INTO = "merge_into"                # the merge form's target ticket number


class TicketAction(StrEnum):
    """action_ids of inputs and buttons."""

    SUMMARY = "summary_input"
    DESCRIPTION = "description_input"
    CATEGORY = "category_select"
    PRIORITY = "priority_select"
    CUSTOMER = "customer_input"
    KNOWN_CUSTOMER = "known_customer_select"
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
    # The "Declare incident" button on a P0/P1 ticket card; its value is the ticket id.
    DECLARE_INCIDENT = "ticket_declare_incident"
    ADD_TO_KB = "add_to_kb_input"
    TRIAGE = "ticket_triage"            # the card's Triage button (opens the triage form)
    ASSIGN = "ticket_assign"            # the card's Assign menu (a users_select)
    TRIAGE_PRIORITY = "triage_priority_select"
    TRIAGE_CATEGORY = "triage_category_select"
    TRIAGE_ASSIGNEE = "triage_assignee_select"
    CONFIRM_FIXED = "ticket_confirm_fixed"
    STILL_BROKEN = "ticket_still_broken"
    OPEN_FOLLOW_UP = "ticket_open_follow_up"
    MERGE = "ticket_merge"              # the card's "Merge into…" button (opens the merge form)
    MERGE_INTO = "merge_into_input"
