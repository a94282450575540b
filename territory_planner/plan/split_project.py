"""Splitting territories for a new hire, as a scenario with its move list (`split_project`).

The split itself is `new_hire.split_units`; this module gathers the project's
units and weights for it, names the new territory after its place when it has
no rep, and keeps the result as a scenario as `plan_changes` does for a
rebalance.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from territory_planner._errors import InputError
from territory_planner.colors import free_color
from territory_planner.model import Project, new_territory_ids
from territory_planner.plan.allocation import MovesBound, moves_bound
from territory_planner.plan.balance_reasons import place_name, renamed
from territory_planner.plan.new_hire import split_units
from territory_planner.plan.plan_changes import (
    PlanChange,
    _finer,
    _locked_units,
    _plan_change,
    _plan_weights,
    _reshaped,
)
from territory_planner.plan.rebalance import RebalanceResult
from territory_planner.plan.served_weights import day_trip_notes, territory_homes
from territory_planner.plan.unit_plan import (
    ProjectUnits,
    change_units,
    parse_balance,
    rep_home_units,
    unit_weights,
)
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled


def _named_by_place(
    plan_units: ProjectUnits,
    ours: np.ndarray,
    weights: np.ndarray,
    old: str,
    result: RebalanceResult,
) -> tuple[str, RebalanceResult]:
    """A split's new territory (its units `ours`) named by `place_name`, its messages too."""
    if not ours.any():
        return old, result
    place = place_name(plan_units, np.flatnonzero(ours), weights)
    return place, replace(result, violations=renamed(result.violations, {old: place}))


def split_project(
    project: Project,
    sources: list[str],
    *,
    rep_id: str | None = None,
    territory_name: str | None = None,
    kind: str = "county",
    balance: str = "potential",
    tolerance: float = 0.05,
    name: str | None = None,
    zip_in: Collection[str] = (),
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlanChange:
    """Carve a new territory (for `rep_id`, around their home) out of the `sources` territories.

    Parameters
    ----------
    project
        The project; not changed.
    sources
        IDs of the territories to take the new one from (at least one, none locked,
        else `InputError`).
    rep_id
        The new territory's rep (must exist); their home's unit seeds it when it lies
        in a source territory. None: no rep.
    territory_name
        The new territory's name; None: "<rep>'s territory", or "Territory N" without a rep.
    kind
        The area units moved: "state", "county" (default) or "zip".
    balance
        What to balance, as `parse_balance` reads it; "potential" by default.
    tolerance
        The band around the mean territory, as a fraction (0.05: ±5%).
    name
        The new scenario's name; None: "New territory <name>".
    zip_in
        With `kind` "county": 5-digit FIPS codes of counties moved as their ZIP
        areas instead (where a county is too coarse to split).
    progress
        Told the share done (0 to 1) and what is going on.
    cancel
        Checked between steps; a cancel raises.

    Returns
    -------
    PlanChange
        The plan with the new territory as a scenario, the accounts it moves and the
        optimizer's report.
    """
    terr = project.territories
    rows = _source_rows(project, sources)
    rep_name = ""
    home: int | None = None
    clock = time.perf_counter()
    shares = parse_balance(balance)
    progress(0.0, "Gathering the area units")
    plan_units = change_units(project, kind, zip_in=zip_in)
    if rep_id:
        found = np.flatnonzero(project.reps["rep_id"].to_numpy() == rep_id)
        if len(found) == 0:
            msg = f"no rep '{rep_id}'; import the new rep first"
            raise InputError(msg)
        rep_name = str(project.reps["name"].iloc[found[0]])
        theirs = terr["name"][terr["rep_id"] == rep_id].astype(str).tolist()
        if theirs:  # (the new territory is a new hire's: one rep, one territory)
            msg = (
                f"{rep_name} already has '{theirs[0]}': give a rep without a territory, or "
                "none (the new territory then waits for its rep)"
            )
            raise InputError(msg)
        unit = int(rep_home_units(project, plan_units)[found[0]])
        home = unit if unit >= 0 and plan_units.current[unit] in rows else None
    weights, reweigh, _ = _plan_weights(
        project, plan_units, shares, new_rep=rep_id or "", reach="workload" in shares
    )
    new_id = new_territory_ids(terr["territory_id"])[0]
    new_name = territory_name or (
        f"{rep_name}'s territory" if rep_name else f"Territory {int(new_id[1:])}"
    )
    held = _locked_units(project, plan_units)  # (the user's locks)
    locked = held.copy()
    locked[_source_homes(project, plan_units, rows, new_home=home)] = True
    result = split_units(
        plan_units.units,
        weights,
        plan_units.current,
        rows,
        home_unit=home,
        tolerance=tolerance,
        locked=locked,
        territory_names=[*terr["name"].astype(str)[: int(plan_units.current.max()) + 1], new_name],
        reweigh=reweigh,
        progress=scaled(progress, 0.05, 0.9),
        cancel=cancel,
    )
    progress(0.92, "Building the new territory and assigning accounts")
    new_label = int(plan_units.current.max()) + 1
    labels = result.labels.copy()
    labels[(labels == new_label) & (plan_units.current != new_label)] = len(terr)
    if not (territory_name or rep_name):  # no rep yet: named after its heaviest unit
        new_name, result = _named_by_place(
            plan_units, labels == len(terr), weights, new_name, result
        )
    row = {
        "territory_id": new_id,
        "name": new_name,
        "rep_id": rep_id,
        "color": free_color(
            shapely.union_all(plan_units.units.geometry.to_numpy()[labels == len(terr)]),
            list(terr.geometry),
            list(terr["color"]),
        ),
        "locked": False,
    }
    grown = pd.concat([terr, gpd.GeoDataFrame([row], geometry=[shapely.Polygon()], crs=terr.crs)])
    grown = gpd.GeoDataFrame(grown.reset_index(drop=True), geometry="geometry", crs=terr.crs)
    reach = [*result.violations, *day_trip_notes(project, plan_units, labels, grown)]
    territories = _reshaped(grown, plan_units, plan_units.current, labels)
    source_names = ", ".join(f"'{terr['name'].iloc[r]}'" for r in rows)
    why = f"to carve '{row['name']}' out of {source_names}"
    change = _plan_change(
        project,
        plan_units,
        territories,
        replace(result, violations=reach),
        why=why,
        name=name or f"New territory {row['name']}",
    )
    bound = _split_bound(
        weights, unit_weights(plan_units, np.ones(len(project.accounts))), plan_units.current,
        rows, home=home, locked=locked, target=result.target, tolerance=tolerance,
    )  # fmt: skip
    whole = replace(change.result, seconds=time.perf_counter() - clock)  # bound included
    done = replace(change, result=whole, bound=bound)
    # only the sources change; a home's county may still be split into its ZIP areas
    free = ~held & np.isin(plan_units.current, rows)
    fixes = _finer(plan_units, weights, len(whole.totals), free) if done.missed_band() else ()
    return replace(done, fixes=fixes)


def _source_homes(
    project: Project, plan_units: ProjectUnits, rows: list[int], *, new_home: int | None
) -> list[int]:
    """The units holding the homes of the sources' reps: they stay with their territories.

    (Carving two territories, the new one took Cook County with Maria Alvarez's home.)
    The new rep's home unit, if it is one of them, goes to the new territory.
    """
    homes = territory_homes(project, plan_units, project.territories)[rows]
    return [int(u) for u in homes if u >= 0 and plan_units.current[u] in rows and u != new_home]


def _source_rows(project: Project, sources: list[str]) -> list[int]:
    """The rows of the territories to take from: at least one, each existing and unlocked."""
    terr = project.territories
    rows = []
    for territory_id in sources:
        try:
            rows.append(project.territory_index(territory_id))
        except KeyError:
            msg = f"no territory '{territory_id}'; give the IDs of existing territories"
            raise InputError(msg) from None
    if not rows:
        msg = "name at least one territory to take the new territory from"
        raise InputError(msg)
    locked_sources = [terr["name"].iloc[r] for r in rows if project.territories_locked()[r]]
    if locked_sources:
        msg = f"'{locked_sources[0]}' is locked; unlock it or take the new territory from others"
        raise InputError(msg)
    return rows


def _split_bound(
    w: np.ndarray,
    cost: np.ndarray,
    current: np.ndarray,
    rows: list[int],
    *,
    home: int | None,
    locked: np.ndarray,
    target: float,
    tolerance: float,
) -> MovesBound:
    """The fewest accounts any split of these sources within the band moves (shapes aside).

    Only the sources' units may move, to the new territory or another source;
    the new rep's home unit goes to the new territory (its accounts count as moved).
    """
    units = np.flatnonzero(np.isin(current, rows))
    position = {row: i for i, row in enumerate(rows)}
    local = np.array([position[int(r)] for r in current[units]], dtype=np.int64)
    stays = np.asarray(locked, dtype=bool)[units]
    extra = 0.0
    if home is not None:
        at = int(np.flatnonzero(units == home)[0])
        local[at], stays[at] = len(rows), True  # already in the new territory
        extra = float(cost[home])
    found = moves_bound(
        w[units], cost[units], local, len(rows) + 1, tolerance, locked=stays, mean=target
    )
    return MovesBound(found.lower + extra, found.found + extra, optimal=found.optimal)
