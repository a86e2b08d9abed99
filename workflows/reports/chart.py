"""The reports' chart: tickets opened per day by priority, and the SLA attainment trend.

    days = chart_days(zone, period_end, 14)                    # local midnights, oldest first
    series = await daily_series(db, days, until=period_end)    # models.metrics_queries
    png = render_chart(ChartData.from_series(days, series, zone, ["P0", "P1", "P2", "P3"]), title="…")

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global figure
state, no display), so it is safe in a worker thread: call ``render_chart`` through
``asyncio.to_thread``. The PNG is a few dozen kilobytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.metrics_queries import DayCounts
from workflows.reports.schedule import local_instant

__all__ = ["ChartData", "chart_days", "render_chart"]

PRIORITY_COLOURS = {"P0": "#c0392b", "P1": "#e67e22", "P2": "#f1c40f", "P3": "#3498db"}


def chart_days(zone: ZoneInfo, end: datetime, days: int) -> list[datetime]:
    """``days + 1`` boundaries (UTC) of the whole local days before ``end``'s local date."""
    last = end.astimezone(zone).date()
    return [local_instant(last - timedelta(days=days - i), datetime.min.time(), zone) for i in range(days + 1)]


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, per day: labels, tickets opened per priority, SLA met (%)."""

    labels: list[str]
    priorities: list[str]
    created: dict[str, list[int]]
    first_response_percent: list[float | None]
    resolution_percent: list[float | None]

    @classmethod
    def from_series(cls, boundaries: Sequence[datetime], series: Sequence[DayCounts], zone: ZoneInfo,
                    priorities: Sequence[str]) -> ChartData:
        def percent(met: int, counted: int) -> float | None:
            return None if counted == 0 else 100.0 * met / counted

        return cls(
            labels=[day.astimezone(zone).strftime("%a %d") for day in boundaries[:-1]],
            priorities=list(priorities),
            created={p: [day.created.get(p, 0) for day in series] for p in priorities},
            first_response_percent=[percent(d.first_response_met, d.first_response_counted) for d in series],
            resolution_percent=[percent(d.resolution_met, d.resolution_counted) for d in series],
        )


def render_chart(data: ChartData, *, title: str) -> bytes:
    """A PNG: stacked bars of tickets opened per day by priority above the daily share
    of tickets that met their first-response and resolution targets."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    bars, trend = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    positions = list(range(len(data.labels)))
    bottom = [0] * len(positions)
    for priority in data.priorities:
        counts = data.created[priority]
        bars.bar(positions, counts, bottom=bottom, label=priority, color=PRIORITY_COLOURS.get(priority))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.margins(y=0.25)
    bars.set_title(title)
    bars.set_ylabel("tickets opened")
    bars.yaxis.get_major_locator().set_params(integer=True)
    bars.legend(loc="upper left", ncols=len(data.priorities), fontsize="small")

    def line(values: list[float | None], label: str, style: str) -> None:
        trend.plot(positions, [float("nan") if v is None else v for v in values], style, label=label)

    line(data.first_response_percent, "first response in time", "o-")
    line(data.resolution_percent, "resolved in time", "s--")
    trend.set_ylim(-5, 105)
    trend.set_ylabel("SLA met (%)")
    trend.legend(loc="lower left", fontsize="small")
    trend.set_xticks(positions, data.labels, rotation=45, ha="right", fontsize="small")
    trend.grid(axis="y", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
