"""May this person declare this incident now? Asked before anything is created.

    await admit_declaration(deps=deps, team_id="T1", declarer_id="U1", priority="P0")   # or raises
    errors = await declaration_form_errors(deps=deps, team_id="T1", user_id="U1", priority="P1")

Two rules: with roles, a P0 or P1 (it pages on-call and opens a war room the whole
workspace sees) needs an agent, someone on call or in the commander pool
(``workflows/access/authority.py``; NotAllowed); and nobody declares more than
``limits.incidents_per_minute`` incidents a minute (``workflows/access/limits.py``;
RateLimited). ``declare_incident`` asks before it creates the war room, and counts again
in the transaction that stores the incident; the declare form asks before it closes, so
a refused person keeps what they typed and sees why under the field to change.
"""

from __future__ import annotations

from workflows.incidents.ids import IncidentBlock
from workflows.deps import Deps
from workflows.errors import NotAllowed, RateLimited
from workflows.access.guard import authorize_declaration
from workflows.access.roles import roles_of
from workflows.access.limits import check_declaration_limit

__all__ = ["admit_declaration", "declaration_form_errors"]


async def admit_declaration(*, deps: Deps, team_id: str, declarer_id: str, priority: str,
                            ticket_id: int | None = None) -> None:
    """Return when ``declarer_id`` may declare a ``priority`` incident now; else NotAllowed
    (recorded on the ticket's timeline when declared from one) or RateLimited."""
    actor = await roles_of(deps=deps, user_id=declarer_id)
    await authorize_declaration(deps=deps, actor=actor, priority=priority, ticket_id=ticket_id)
    await check_declaration_limit(deps=deps, team_id=team_id, user_id=declarer_id)


async def declaration_form_errors(*, deps: Deps, team_id: str, user_id: str, priority: str) -> dict[str, str]:
    """The declare form's field errors (``response_action: errors``) when the person may not
    declare it now: under Priority when refused, under Title when over the limit."""
    try:
        await admit_declaration(deps=deps, team_id=team_id, declarer_id=user_id, priority=priority)
    except NotAllowed as error:
        return {str(IncidentBlock.INCIDENT_PRIORITY): error.message}
    except RateLimited as error:
        return {str(IncidentBlock.INCIDENT_TITLE): f"{error.message} This form stays open as you filled it in."}
    return {}
