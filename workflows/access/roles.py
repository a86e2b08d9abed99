"""Which roles a Slack user holds: app.yaml's ``roles`` section, tier members, the on-call
rotation, and the members of Slack user groups.

    actor = await roles_of(deps=deps, user_id="U0AGENT01")   # an ActorRoles
    can(actor, Operation.CLAIM_TICKET)

Without a ``roles`` section everyone is unrestricted and Slack is not asked (the actor
still carries the tiers listing them in ``members`` and whether they are in the on-call
rotation: who may see a private ticket depends on it). Otherwise:
``roles.agents`` (per tier, or a plain list) and the ``members`` of each tier make
agents; ``roles.commanders`` the incident commander pool; ``roles.oncall`` and the
people of ``oncall.rotation`` are on call; ``roles.admins`` may do everything.

User groups (``S…``) are asked with ``usergroups.users.list`` (scope
``usergroups:read``) and cached in a ``UserGroupDirectory`` (``workflows.access.user_groups``,
one per process, on ``deps.user_groups``).
"""

from __future__ import annotations

from collections.abc import Iterable

from workflows.access.authority import ActorRoles
from workflows.access.user_groups import UserGroupDirectory
from workflows.deps import Deps

__all__ = ["roles_of"]


class _Lookup:
    """Membership of one user in lists of user ids and user groups."""

    def __init__(self, deps: Deps, user_id: str) -> None:
        self.deps, self.user_id = deps, user_id
        self.directory = deps.user_groups or UserGroupDirectory()

    async def listed(self, ids: Iterable[str]) -> bool:
        ids = list(ids)
        if self.user_id in ids:
            return True
        for group_id in (i for i in ids if i.startswith("S")):
            if self.user_id in await self.directory.members(self.deps.slack, group_id, clock=self.deps.clock):
                return True
        return False


async def roles_of(*, deps: Deps, user_id: str) -> ActorRoles:
    """The roles ``user_id`` holds under ``deps.config`` (see the module docstring)."""
    config = deps.config
    roles = config.roles
    rotation = config.oncall.rotation
    in_rotation = user_id in (*rotation.primary, *rotation.secondary)
    if roles is None:
        return ActorRoles.unrestricted(
            user_id, agent_tiers=frozenset(t.id for t in config.tiers if user_id in t.members), oncall=in_rotation)
    lookup = _Lookup(deps, user_id)
    if await lookup.listed(roles.admins):
        return ActorRoles(user_id=user_id, admin=True)
    declared = roles.agents_by_tier
    tiers = frozenset([
        tier.id for tier in config.tiers
        if user_id in tier.members or await lookup.listed(declared.get(tier.id, []))
    ])
    return ActorRoles(
        user_id=user_id,
        agent_tiers=tiers,
        agent=await lookup.listed(roles.agents_of_no_tier),
        commander=await lookup.listed(roles.commanders),
        oncall=in_rotation or await lookup.listed(roles.oncall),
        admin=False,
    )
