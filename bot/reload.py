"""`SIGHUP`: read app.yaml again. An invalid file is refused (every problem logged) and
the running policy kept; a valid one replaces it and the open tickets it changes are
re-targeted and their timers re-armed."""

from __future__ import annotations

import logging

from workflows.policy.loader import load_config
from workflows.policy.problems import ConfigError
from bot.runtime import Runtime
from workflows.reports.rollups import invalidate_stats_rollups
from workflows.sla.retarget import retarget_open_tickets

log = logging.getLogger(__name__)


async def reload_policy(runtime: Runtime, path: str) -> bool:
    """True when the new policy is in force."""
    try:
        new = load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            log.error("app.yaml reload refused: %s", problem)
        log.error("app.yaml reload refused; the running policy is kept")
        return False
    old, runtime.config = runtime.config, new
    log.info("app.yaml reloaded from %s", path)
    try:
        await retarget_open_tickets(deps=runtime.deps, old=old)
    except Exception:
        log.exception("the new policy is in force, but re-targeting open tickets failed; "
                      "their timers follow the old targets until they change")
    try:  # due times moved without a timeline row: the stats' daily rollups are rebuilt
        await invalidate_stats_rollups(deps=runtime.deps)
    except Exception:
        log.exception("could not mark the stats rollups for rebuilding; /ticket stats may count old due times")
    return True
