"""The optional ``roles`` section of app.yaml: who may do what (``workflows/access/authority.py``).

    roles:
      agents:                         # per tier; or a plain list: agents of no tier
        tier1: [U0AGENT01, S0FRONTLINE]
        tier3: [S0ENGINEERS]
      commanders: [S0INCIDENTLEADS]   # who may be handed command of an incident
      oncall: [U0SRE0001]             # count as agents and as commanders
      admins: [U0HEADOFSUPPORT]       # may do everything

Every list holds Slack user ids (``U…``/``W…``) and user group ids (``S…``; their
members are asked from Slack, ``usergroups.users.list``). Without the section nobody is
restricted; with it, see ``workflows/access/authority.py`` for the rules.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError, field_validator

from workflows.policy.problems import problem_message, raise_problems
from workflows.policy.values import Section, TierId, text_matching

__all__ = ["OPEN_BY_DEFAULT", "Member", "Roles", "roles_line"]

#: What `serve` logs and `doctor` says when app.yaml has no ``roles`` section.
OPEN_BY_DEFAULT = ("open by default: app.yaml has no `roles` section, so everyone in the workspace may do "
                   "everything (claim, resolve and escalate tickets, declare P0/P1 incidents, acknowledge pages); "
                   "add `roles` to restrict them")

Member = Annotated[str, BeforeValidator(text_matching(
    r"[UWS][A-Z0-9_]+", "is not a Slack user id (U0123ABCDE) or user group id (S0123ABCDE)"))]

_AGENT_LIST: TypeAdapter[list[str]] = TypeAdapter(list[Member])
_AGENT_TIERS: TypeAdapter[dict[str, list[str]]] = TypeAdapter(dict[TierId, list[Member]])


class Roles(Section):
    """Who holds which role. ``agents`` is either a list (agents of no particular tier)
    or a mapping of tier id -> list (agents of that tier). Tier ``members`` in the
    ``tiers`` section count as agents of their tier as well."""

    agents: list[Member] | dict[TierId, list[Member]] = []
    commanders: list[Member] = []
    oncall: list[Member] = []
    admins: list[Member] = []

    @field_validator("agents", mode="wrap")
    @classmethod
    def _list_or_tiers(cls, value: Any, handler) -> list[str] | dict[str, list[str]]:
        """A list, or a mapping of tiers to lists; problems reported at their own place."""
        if value is None:
            return []
        adapter = _AGENT_LIST if isinstance(value, list) else _AGENT_TIERS if isinstance(value, dict) else None
        if adapter is None:
            raise_problems([((), "expected a list of agents, or a mapping of tier ids to lists of agents")], value)
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            raise_problems([(e["loc"], problem_message(e)) for e in exc.errors()], value)

    @field_validator("commanders", "oncall", "admins", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def agents_by_tier(self) -> dict[str, list[str]]:
        """Agents declared for a tier, by tier id (empty when ``agents`` is a plain list)."""
        return dict(self.agents) if isinstance(self.agents, dict) else {}

    @property
    def agents_of_no_tier(self) -> list[str]:
        """Agents declared as a plain list."""
        return list(self.agents) if isinstance(self.agents, list) else []

    def user_groups(self) -> set[str]:
        """Every user group id (``S…``) named anywhere in the section."""
        named = [*self.agents_of_no_tier, *(m for ms in self.agents_by_tier.values() for m in ms),
                 *self.commanders, *self.oncall, *self.admins]
        return {m for m in named if m.startswith("S")}


def roles_line(roles: Roles | None) -> str:
    """One line on who may do what: ``OPEN_BY_DEFAULT``, or what the ``roles`` section restricts."""
    if roles is None:
        return OPEN_BY_DEFAULT
    return ("roles declared: only agents claim, resolve and escalate tickets; P0/P1 incidents need an agent, "
            "someone on call or in the commander pool; private tickets are shown to agents, admins and their reporter")
