"""Every scheduled job, declared in one place with a stable id (``bot.scheduler`` adds
each with ``replace_existing``, ``coalesce`` and at most one instance running)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from slack_bolt.async_app import AsyncApp

from bot.deadline_timer import SWEEP_EVERY, arm_next_deadline, run_deadline_timers
from bot.event_replay import REPLAY_EVERY, replay_lost_events
from bot.report_timer import declare_report_jobs
from bot.runtime import Runtime
from bot.scheduler import PeriodicJob
from models.deadlines import HOOK_KEY
from workflows.housekeeping import prune_deliveries, prune_outbox
from workflows.outbox.relay import deliver_outbox
from workflows.paging.delivery import deliver_pending_pages
from workflows.incidents.actions import remind_action_items
from workflows.incidents.archive import archive_war_rooms
from workflows.incidents.executives import notify_executives
from workflows.incidents.postmortem_follow_up import remind_postmortems
from workflows.incidents.statuspage import deliver_statuspage_updates
from workflows.paging.handover import hand_over_if_turned
from workflows.paging.pagerduty_roster import REFRESH_EVERY, refresh_pagerduty_roster
from workflows.paging.repaging import repage_unacknowledged
from workflows.reports.rollups import refresh_stats_rollups

#: Pages owed to PagerDuty are sent (and retried) by this sweep; Slack-only pages are
#: re-paged by the other (their Slack messages are the outbox's).
PAGE_SWEEP_EVERY = timedelta(seconds=5)
#: Messages owed to Slack are sent at once by the workflow that owed them; this sweep
#: sends what a crash, a restart or a Slack outage left behind (Retry-After is in seconds).
OUTBOX_SWEEP_EVERY = timedelta(seconds=1)
#: Who is on call is compared with the last hand-over this often: a turn is announced within it.
HANDOVER_EVERY = timedelta(minutes=1)
#: The executives' notices fall due at most this late.
EXECUTIVES_EVERY = timedelta(seconds=30)
#: Action-item and post-mortem reminders are daily, war-room archives days after the
#: resolution; this sweep finds the ones due.
FOLLOW_THROUGH_EVERY = timedelta(minutes=5)
#: The daily stats rollups catch up with the timeline this often (each run at most
#: ``workflows.reports.rollups.BUDGET`` of work; a new desk's year takes a few runs).
STATS_ROLLUPS_EVERY = timedelta(seconds=15)


def declare_jobs(runtime: Runtime) -> None:
    """Start every timer of the process: periodic sweeps, startup catch-up, exact re-arming."""
    async def prune() -> None:
        async with runtime.sessions.begin() as db:
            await prune_deliveries(db=db, now=runtime.clock())
            await prune_outbox(db=db, now=runtime.clock())

    async def deadlines() -> None:
        await run_deadline_timers(runtime)

    runtime.scheduler.add_periodic(PeriodicJob(id="prune-deliveries", every=timedelta(hours=1), func=prune))
    runtime.scheduler.add_periodic(PeriodicJob(id="deadline-sweep", every=SWEEP_EVERY, func=deadlines))

    async def deliver_pages() -> None:
        await deliver_pending_pages(deps=runtime.deps)

    async def repage() -> None:
        await repage_unacknowledged(deps=runtime.deps)

    async def relay() -> None:
        await deliver_outbox(runtime.deps)

    runtime.scheduler.add_periodic(PeriodicJob(id="outbox-relay", every=OUTBOX_SWEEP_EVERY, func=relay))
    runtime.scheduler.wake_at("outbox-relay-at-startup", datetime.now(UTC), relay)
    runtime.scheduler.add_periodic(PeriodicJob(id="page-delivery", every=PAGE_SWEEP_EVERY, func=deliver_pages))
    runtime.scheduler.add_periodic(PeriodicJob(id="page-repaging", every=PAGE_SWEEP_EVERY, func=repage))

    async def statuspage() -> None:  # updates owed to the status page (workflows/incidents/statuspage.py)
        await deliver_statuspage_updates(deps=runtime.deps)

    runtime.scheduler.add_periodic(PeriodicJob(id="statuspage-delivery", every=PAGE_SWEEP_EVERY, func=statuspage))
    runtime.scheduler.wake_at("statuspage-delivery-at-startup", datetime.now(UTC), statuspage)
    # What a previous process stored but did not send goes out now, not in 5 s; what fell
    # due while no process was running is sent now too (marked late), not dropped.
    runtime.scheduler.wake_at("page-delivery-at-startup", datetime.now(UTC), deliver_pages)
    runtime.scheduler.wake_at("deadlines-at-startup", datetime.now(UTC), deadlines)
    declare_report_jobs(runtime)

    async def oncall_roster() -> None:  # PagerDuty's on-call, kept for paging (workflows/paging/roster.py)
        await refresh_pagerduty_roster(deps=runtime.deps)

    runtime.scheduler.add_periodic(PeriodicJob(id="oncall-roster", every=REFRESH_EVERY, func=oncall_roster))
    runtime.scheduler.wake_at("oncall-roster-at-startup", datetime.now(UTC), oncall_roster)

    async def oncall_handover() -> None:  # one hand-over per turn (workflows/paging/handover.py)
        await hand_over_if_turned(deps=runtime.deps)

    runtime.scheduler.add_periodic(PeriodicJob(id="oncall-handover", every=HANDOVER_EVERY, func=oncall_handover))

    async def executives() -> None:  # incidents.executives (workflows/incidents/executives.py)
        await notify_executives(deps=runtime.deps)

    runtime.scheduler.add_periodic(PeriodicJob(id="incident-executives", every=EXECUTIVES_EVERY, func=executives))

    async def follow_through() -> None:  # action items' reminders (workflows/incidents/actions.py)
        await remind_action_items(deps=runtime.deps)
        await remind_postmortems(deps=runtime.deps)
        await archive_war_rooms(deps=runtime.deps)  # incidents.archive_after (workflows/incidents/archive.py)

    runtime.scheduler.add_periodic(PeriodicJob(id="incident-follow-through", every=FOLLOW_THROUGH_EVERY,
                                               func=follow_through))

    owner = f"{socket.gethostname()}:{os.getpid()}"[:64]

    async def stats_rollups() -> None:  # daily rollups of /ticket stats (workflows/reports/rollups.py)
        await refresh_stats_rollups(deps=runtime.deps, owner=owner)

    runtime.scheduler.add_periodic(PeriodicJob(id="stats-rollups", every=STATS_ROLLUPS_EVERY, func=stats_rollups))
    runtime.scheduler.wake_at("stats-rollups-at-startup", datetime.now(UTC) + timedelta(seconds=2), stats_rollups)
    # Every committed change to a deadline re-arms the exact wake-up (models/deadlines.py).
    runtime.sessions.configure(info={HOOK_KEY: lambda: runtime.spawn(arm_next_deadline(runtime))})


def declare_event_replay(runtime: Runtime, app: AsyncApp) -> None:
    """Replay events acknowledged to Slack but never processed (``bot/event_replay.py``)."""
    async def replay() -> None:
        await replay_lost_events(runtime, app)

    runtime.scheduler.add_periodic(PeriodicJob(id="event-replay", every=REPLAY_EVERY, func=replay))
