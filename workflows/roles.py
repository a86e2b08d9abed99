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
``usergroups:read``) and kept for ``ttl`` in a :class:`UserGroupDirectory` (one per
process, on ``deps.user_groups``; time from ``deps.clock``). When Slack cannot answer,
the last known members are used, or none (a group we cannot read grants nothing);
the failure is remembered for ``retry_after`` so a Slack outage is not asked on every
click.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from workflows.authority import ActorRoles
from workflows.deps import Deps

log = logging.getLogger(__name__)

__all__ = ["UserGroupDirectory", "roles_of"]

DEFAULT_TTL = timedelta(minutes=5)
DEFAULT_RETRY_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class _Entry:
    members: frozenset[str]
    fresh_until: datetime


class UserGroupDirectory:
    """Members of Slack user groups, cached for ``ttl`` (by the injected clock)."""

    def __init__(self, *, ttl: timedelta = DEFAULT_TTL, retry_after: timedelta = DEFAULT_RETRY_AFTER) -> None:
        self.ttl = ttl
        self.retry_after = retry_after
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def members(self, slack: AsyncWebClient, group_id: str, *, clock: Clock) -> frozenset[str]:
        """The user ids in ``group_id``; at most one Slack call per group at a time."""
        entry = self._entries.get(group_id)
        if entry is not None and clock() < entry.fresh_until:
            return entry.members
        lock = self._locks.setdefault(group_id, asyncio.Lock())
        async with lock:
            entry = self._entries.get(group_id)
            if entry is not None and clock() < entry.fresh_until:
                return entry.members
            try:
                response = await slack.usergroups_users_list(usergroup=group_id)
            except SlackApiError as error:
                known = entry.members if entry is not None else frozenset()
                log.warning("members of user group %s not readable (%s); using %d known member(s)",
                            group_id, error.response.get("error"), len(known))
                self._entries[group_id] = _Entry(known, clock() + self.retry_after)
                return known
            members = frozenset(str(u) for u in response.get("users") or [] if isinstance(u, str))
            self._entries[group_id] = _Entry(members, clock() + self.ttl)
            return members

    def forget(self) -> None:
        """Drop every cached group (the next look-up asks Slack again)."""
        self._entries.clear()


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
