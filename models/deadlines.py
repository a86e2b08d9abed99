"""Telling the timer that deadlines changed, once the change is committed.

Code that writes a deadline (an SLA notification row, an incident's next update) calls
``deadlines_changed(db)`` inside its transaction. If the process installed a hook in the
session factory's ``info`` (the scheduler's re-arm), it runs after that transaction
commits — never for a rolled-back change, and at most once per transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

HOOK_KEY = "supportbot.deadlines_changed"
_PENDING_KEY = "supportbot.deadlines_pending"


def deadlines_changed(db: AsyncSession) -> None:
    hook: Callable[[], None] | None = db.info.get(HOOK_KEY)
    if hook is None or db.info.get(_PENDING_KEY):
        return
    db.info[_PENDING_KEY] = True
    sync_session = db.sync_session

    def after_commit(_session: object) -> None:
        db.info.pop(_PENDING_KEY, None)
        hook()

    def after_rollback(_session: object) -> None:
        db.info.pop(_PENDING_KEY, None)
        if event.contains(sync_session, "after_commit", after_commit):
            event.remove(sync_session, "after_commit", after_commit)

    event.listen(sync_session, "after_commit", after_commit, once=True)
    event.listen(sync_session, "after_soft_rollback", after_rollback, once=True)
