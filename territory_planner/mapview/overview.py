"""What the app's panels show about a project, computed in one go.

Territory KPIs, the accounts table with territory names, the headline counts,
the parents whose divisions span territories, (after the territories changed)
the gaps and overlaps, and what the map page must be sent. For a large project
this takes seconds, so the app computes it on a copy of the project in a worker
thread (`Project.copy`) and shows it when it is done; small projects get it at
once. A `Scope` says which parts an edit may have changed; the others are left as
shown.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import astuple, dataclass

import pandas as pd

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.analysis.performance import performance
from territory_planner.analysis.performance_alerts import PerformanceAlert, alerts
from territory_planner.analysis.performance_settings import Thresholds
from territory_planner.geo.coverage import CoverageItem, find_gaps, find_overlaps
from territory_planner.mapview.map_updates import MapUpdate, SentLayers
from territory_planner.mapview.overlays import coverage_layer
from territory_planner.model import Project, Summary
from territory_planner.plan.parents import split_parents_report
from territory_planner.tasks import CancelToken, Progress, no_progress


@dataclass(frozen=True)
class Scope:
    """Which parts of the overview to make anew (the others are as last shown)."""

    accounts: bool = True  # the accounts table and the map's accounts
    territories: bool = True  # the map's territories (outlines, names, account counts)
    reps: bool = True  # the map's rep homes
    coverage: bool = True  # gaps and overlaps, on the map and listed
    kpis: bool = True  # the territory KPIs (made anyway for the accounts' territory names)

    def __or__(self, other: Scope) -> Scope:
        """Everything either wants (two requests answered by one run)."""
        return Scope(*(a or b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def layers(self) -> frozenset[str]:
        """The map layers (see `SentLayers.diff`) that may have changed."""
        return frozenset(
            name for name in ("accounts", "territories", "reps") if getattr(self, name)
        )


#: The whole overview (a project just opened, a view option changed).
EVERYTHING = Scope()


@dataclass
class Overview:
    """The panels' figures for one state of a project."""

    kpis: pd.DataFrame | None  # one row per territory (`territory_kpis`); None: as shown
    accounts: pd.DataFrame | None  # plus "territory": its name; None: not in the scope
    split_parents: pd.DataFrame  # see `split_parents_report`
    placed_by: pd.Series  # accounts per "placed_by" (rule name, geography, …)
    summary: Summary
    coverage: list[CoverageItem] | None  # gaps, then overlaps; None: not looked for
    coverage_update: str | None  # the map page's update for them, as JSON text
    map_update: MapUpdate | None  # for the page that holds `sent`; None: no page given
    alerts: tuple[dt.date, list[PerformanceAlert]] | None  # as of that day; None: not asked


def project_overview(
    project: Project,
    *,
    scope: Scope = EVERYTHING,
    sent: SentLayers | None = None,
    color_by: str = "territory",
    alerts_as_of: dt.date | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Overview:
    """The panels' figures for `project`: the KPIs, and the parts named by `scope`.

    With `sent` (what a map page was sent), also the update that page needs, its
    accounts coloured by `color_by`; with `alerts_as_of`, the performance alerts
    breached on that day (for the map while the Performance panel is hidden).

    Parameters
    ----------
    project
        The project (not changed).
    scope
        Which parts to make anew; the default is everything.
    sent
        What the map page was last sent; None: no map update is made.
    color_by
        "territory" (default) or "geocode": how the map's accounts are coloured.
    alerts_as_of
        The day to judge the performance alerts on; None: no alerts.
    progress
        Told the share done (0 to 1) and what is going on.
    cancel
        Checked between the parts; a cancel raises.

    Returns
    -------
    Overview
        The figures; the parts outside `scope` are None (the KPIs are made when the
        scope names KPIs or accounts).
    """
    cancel = cancel or CancelToken()
    progress(0.0, "Territory figures")
    kpis = territory_kpis(project) if scope.kpis or scope.accounts else None
    cancel.raise_if_cancelled()
    accounts = None
    if kpis is not None and scope.accounts:
        accounts = project.accounts.copy(deep=False)  # copy-on-write: one new column only
        names = kpis.set_index("territory_id")["name"]
        accounts["territory"] = accounts["territory_id"].map(names)
    progress(0.5, "Parent companies")
    split = split_parents_report(project)
    cancel.raise_if_cancelled()
    items, coverage_update = None, None
    if scope.coverage:
        progress(0.6, "Gaps and overlaps")
        items = [*find_gaps(project), *find_overlaps(project)]
        cancel.raise_if_cancelled()
        # made here, not on the GUI thread: thousands of coastal slivers at 100k accounts
        coverage_update = json.dumps({"coverage": coverage_layer(items)})
    found = None
    if alerts_as_of is not None:
        progress(0.7, "Alerts")
        thresholds = Thresholds.from_settings(project.settings)
        found = (alerts_as_of, alerts(performance(project, alerts_as_of, cancel), thresholds))
        cancel.raise_if_cancelled()
    progress(0.8, "Map")
    update = None if sent is None else sent.diff(project, color_by, scope.layers())
    progress(1.0)
    return Overview(
        kpis=kpis,
        accounts=accounts,
        split_parents=split,
        placed_by=project.accounts["placed_by"].value_counts(),
        summary=project.summary(),
        coverage=items,
        coverage_update=coverage_update,
        map_update=update,
        alerts=found,
    )
