"""Members of Slack user groups (``S…``), asked with ``usergroups.users.list`` (scope
``usergroups:read``) and kept for ``ttl`` (one directory per process, on
``deps.user_groups``; time from the injected clock). When Slack cannot answer, the last
known members are used, or none (a group we cannot read grants nothing); the failure is
remembered for ``retry_after`` so a Slack outage is not asked on every click.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.ports import Clock

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_RETRY_AFTER", "DEFAULT_TTL", "UserGroupDirectory"]

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
