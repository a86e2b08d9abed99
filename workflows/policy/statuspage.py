"""The status page: the optional ``statuspage`` section (an Atlassian Statuspage page).

    statuspage:
      page_id: kctbh9vrtdwd
      components: {P0: [8kbf7d35c070, 9kbf7d35c071], P1: [8kbf7d35c070]}

With it (and ``STATUSPAGE_API_KEY``), `/incident external text` publishes on that page
and the resolution resolves it (``workflows/incidents/statuspage.py``). ``components``
names, per priority, the components an incident of that priority affects; they are
shown as ``major_outage`` (P0), ``partial_outage`` (P1) or ``degraded_performance`` (P2,
P3) while it is open, and ``operational`` again at its resolution. A priority left out
touches no component.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from workflows.policy.values import PriorityId, Section, text_matching

__all__ = ["COMPONENT_STATUS", "OPEN_STATUSES", "RESOLVED_COMPONENT_STATUS", "Statuspage"]

#: The statuses an open incident may have on the page (Statuspage's own words), in the
#: order an incident usually goes through them; `/incident external identified …` sets one.
OPEN_STATUSES = ("investigating", "identified", "monitoring")

#: What an open incident of each priority shows its components as (Statuspage's statuses).
COMPONENT_STATUS = {"P0": "major_outage", "P1": "partial_outage", "P2": "degraded_performance",
                    "P3": "degraded_performance"}
RESOLVED_COMPONENT_STATUS = "operational"

PageId = Annotated[str, BeforeValidator(text_matching(
    r"[A-Za-z0-9]{1,64}", "is not a Statuspage page id (the letters and digits after /pages/ in the page's "
                          "URL on manage.statuspage.io, like kctbh9vrtdwd)"))]
ComponentId = Annotated[str, BeforeValidator(text_matching(
    r"[A-Za-z0-9]{1,64}", "is not a Statuspage component id (letters and digits, like 8kbf7d35c070)"))]


class Statuspage(Section):
    page_id: PageId
    components: dict[PriorityId, list[ComponentId]] = {}

    def component_ids(self, priority: str) -> list[str]:
        return list(dict.fromkeys(self.components.get(priority, [])))

    def component_statuses(self, priority: str, *, resolved: bool = False) -> dict[str, str]:
        """``{component id: status}`` for an incident of ``priority``, open or resolved."""
        status = RESOLVED_COMPONENT_STATUS if resolved else COMPONENT_STATUS.get(priority, "degraded_performance")
        return {cid: status for cid in self.component_ids(priority)}
