"""The ids the declare-incident form carries, which Slack echoes back."""

from __future__ import annotations

from enum import StrEnum


class IncidentView(StrEnum):
    """callback_ids of modals."""

    DECLARE_INCIDENT = "incident_declare"


class IncidentBlock(StrEnum):
    """block_ids (validation errors are keyed by these)."""

    INCIDENT_TITLE = "incident_title"
    INCIDENT_PRIORITY = "incident_priority"
    INCIDENT_DESCRIPTION = "incident_description"
    INCIDENT_COMMANDER = "incident_commander"


class IncidentAction(StrEnum):
    """action_ids of inputs and buttons."""

    INCIDENT_TITLE = "incident_title_input"
    INCIDENT_PRIORITY = "incident_priority_select"
    INCIDENT_DESCRIPTION = "incident_description_input"
    INCIDENT_COMMANDER = "incident_commander_select"
