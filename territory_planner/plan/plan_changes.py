"""Change a project's plan by moving area units: rebalance, or split for a new hire.

Both start from the plan in use, move as few units as they can along the
borders (`plan.rebalance`), and return the changed plan as a scenario
with a move list: every account that changes territory, from where to where
and why. Only the territories that give or take units change shape (the rest
keep their outlines exactly as drawn); locked territories and units holding
locked accounts never move.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError
from territory_planner.analysis.account_workload import has_home
from territory_planner.formats import band, money, plural
from territory_planner.geo.units import UNIT_KINDS
from territory_planner.model import ASSIGNMENT_COLUMNS, Project, Scenario
from territory_planner.plan.allocation import MovesBound, moves_bound
from territory_planner.plan.balance_reasons import DesignFix, _finer_fix
from territory_planner.plan.rebalance import RebalanceResult, rebalance_units
from territory_planner.plan.rebalance_inputs import Reweigh
from territory_planner.plan.rebalance_reasons import OUTSIDE, restated
from territory_planner.plan.rules import reassign
from territory_planner.plan.served_weights import (
    day_trip_notes,
    out_of_reach,
    plan_reweigh,
    reach_notes,
    serving_reps,
)
from territory_planner.plan.unit_plan import (
    ProjectUnits,
    change_units,
    describe_balance,
    parse_balance,
    plan_account_weights,
    unit_weights,
)
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled

_GRID = 1e-6
MOVE_COLUMNS = ("account_id", "name", "from", "to", "reason", "potential", "revenue")


@dataclass(frozen=True)
class PlanChange:
    """A changed plan (as a scenario), its move list, and the optimizer's report."""

    scenario: Scenario
    moves: pd.DataFrame  # MOVE_COLUMNS; from/to are territory names
    units_moved: int
    result: RebalanceResult
    bound: MovesBound | None = None  # the fewest accounts any plan within the band moves
    bound_of: str = "accounts"  # what the bound counts: "accounts" or "potential"
    day_trips: bool = False  # whether moves kept accounts within their new rep's day trip
    fixes: tuple[DesignFix, ...] = ()  # out of band: ZIP areas where counties are lumps

    def missed_band(self) -> bool:
        """Whether a territory the change aimed to balance is out of its band.

        Returns
        -------
        bool
            True when the violations say so (a rebalance: against the mean
            territory; a split: the new territory and its sources, against their
            equal share).
        """
        return any(v.startswith(OUTSIDE) for v in self.result.violations)

    def no_plan_note(self) -> str:
        """Why the bound is infinite, in words (whatever the bound says).

        Returns
        -------
        str
            "no plan of these units is within the band, even in pieces", and
            ", keeping every account within a day trip of its rep" when the
            moves kept the day-trip rule.
        """
        rule = ", keeping every account within a day trip of its rep" if self.day_trips else ""
        return f"no plan of these units is within the band, even in pieces{rule}"

    def stretched(self) -> list[tuple[str, float, float]]:
        """The territories the change leaves stringy: name, Polsby-Popper before and after.

        Returns
        -------
        list of tuple
            One (name, before, after) per territory in `RebalanceResult.stretched`.
        """
        names = self.scenario.territories["name"].astype(str).tolist()
        return [(names[t], was, now) for t, was, now in self.result.stretched]

    def describe(self) -> str:
        """E.g. "12 units and 85 accounts move (any plan ... at least 60 accounts ...); ..."."""
        least = ""
        if self.bound is not None and math.isinf(self.bound.lower):
            least = f" ({self.no_plan_note()})"
        elif self.bound is not None and math.isfinite(self.bound.found):
            amount = (
                plural(round(self.bound.lower), "account")
                if self.bound_of == "accounts"
                else f"{money(self.bound.lower)} of potential"
            )
            least = f" (any plan within the band moves at least {amount}, shapes aside)"
        stringy = "".join(
            f"; {name} stretches out (roundness {was:.2f} -> {now:.2f}, Polsby-Popper)"
            for name, was, now in self.stretched()
        )
        deviation = f"largest deviation {self.result.max_deviation:.1%}"
        share = self.result.share_deviation
        if share is not None:  # a split whose sources cannot reach the mean
            deviation += f" from the mean territory, {share:.1%} from their equal share"
        return (
            f"{plural(self.units_moved, 'unit')} and {plural(len(self.moves), 'account')} "
            f"move{least}; {deviation}{stringy}"
        )


def _locked_units(project: Project, plan_units: ProjectUnits) -> np.ndarray:
    """Units holding a locked account or lying in a locked territory."""
    locked = np.zeros(len(plan_units.units), dtype=bool)
    held = plan_units.account_unit[project.accounts["locked"].to_numpy(dtype=bool)]
    locked[held[held >= 0]] = True
    locked_rows = np.flatnonzero(project.territories_locked())
    locked |= np.isin(plan_units.current, locked_rows)
    return locked


_SLIVER = 1e-6  # square degrees (about 0.01 km2): smaller parts are slivers, not land


def _without_slivers(shape: BaseGeometry) -> BaseGeometry:
    """`shape` without the slivers left where a territory's outline and its units' differ.

    Measured on a rebalanced demo: the slivers are below 4e-8 square degrees,
    the smallest real island above 4e-4.
    """
    parts = shapely.get_parts(shape)
    kept = parts[shapely.area(parts) >= _SLIVER]
    if len(kept) == len(parts) or not len(kept):
        return shape
    return shapely.union_all(kept)


def _reshaped(
    territories: gpd.GeoDataFrame, plan_units: ProjectUnits, before: np.ndarray, after: np.ndarray
) -> gpd.GeoDataFrame:
    """Territories after units changed hands: givers lose them, takers gain them."""
    geoms = plan_units.units.geometry.to_numpy()
    shapes = list(territories.geometry)
    moved = np.flatnonzero(before != after)
    for row in range(len(shapes)):
        lost = moved[before[moved] == row]
        gained = moved[after[moved] == row]
        if len(lost) == 0 and len(gained) == 0:
            continue
        shape = shapes[row] if shapes[row] is not None else shapely.Polygon()
        if len(lost):
            shape = shapely.difference(shape, shapely.union_all(geoms[lost]), grid_size=_GRID)
        if len(gained):
            shape = shapely.union(shape, shapely.union_all(geoms[gained]), grid_size=_GRID)
        shapes[row] = _without_slivers(shape)
    out = territories.copy()
    out.geometry = gpd.GeoSeries(shapes, crs=territories.crs)
    return out


def _plan_change(
    project: Project,
    plan_units: ProjectUnits,
    territories: gpd.GeoDataFrame,
    result: RebalanceResult,
    *,
    why: str,
    name: str,
) -> PlanChange:
    trial = Project(project.accounts, project.reps, territories, project.name, project.settings)
    accounts = reassign(trial).accounts
    before = project.accounts["territory_id"]
    # an account without a position lies in no unit: the change cannot have moved it
    unplaced = (accounts["lon"].isna() | accounts["lat"].isna()) & before.isin(
        territories["territory_id"]
    )
    accounts.loc[unplaced, "territory_id"] = before[unplaced]
    accounts.loc[unplaced, "placed_by"] = project.accounts["placed_by"][unplaced]
    after = accounts["territory_id"]
    changed = (before.fillna("") != after.fillna("")).to_numpy()
    names = dict(zip(territories["territory_id"], territories["name"], strict=True))
    acc = project.accounts
    unit_names = plan_units.units["name"].to_numpy()
    one = UNIT_KINDS[plan_units.kind][0]
    where = plan_units.account_unit[changed]

    def name_of(territory: object) -> str:
        return names.get(territory, "(none)") if isinstance(territory, str) else "(none)"

    moves = pd.DataFrame(
        {
            "account_id": acc["account_id"].to_numpy()[changed],
            "name": acc["name"].to_numpy()[changed],
            "from": [name_of(t) for t in before.to_numpy()[changed]],
            "to": [name_of(t) for t in after.to_numpy()[changed]],
            "reason": [f"{unit_names[u]} {one} moved {why}" if u >= 0 else why for u in where],
            "potential": acc["potential"].to_numpy()[changed],
            "revenue": acc["annual_revenue"].to_numpy()[changed],
        },
        columns=list(MOVE_COLUMNS),
    )
    scenario = Scenario(
        name=project.fresh_scenario_name(name),
        territories=territories,
        assignment=accounts[list(ASSIGNMENT_COLUMNS)].copy(),
        note=f"{why}: {plural(len(result.moved), 'unit')}, {plural(len(moves), 'account')} moved",
    )
    return PlanChange(scenario, moves, len(result.moved), result)


def rebalance_project(
    project: Project,
    *,
    kind: str = "county",
    balance: str = "potential",
    tolerance: float = 0.05,
    minimise: str = "accounts",
    name: str | None = None,
    reach: bool = True,
    zip_in: Collection[str] = (),
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlanChange:
    """Bring every territory within `tolerance`, moving the fewest accounts (or least potential).

    `minimise` is "accounts" or "potential": what a moved unit costs.

    Parameters
    ----------
    project
        The project (at least two territories, else `InputError`); not changed.
    kind
        The area units moved: "state", "county" (default) or "zip".
    balance
        What to balance, as `parse_balance` reads it; "potential" by default.
    tolerance
        The band around the mean territory, as a fraction (0.05: ±5%).
    minimise
        "accounts" (default) or "potential"; another raises `InputError`.
    name
        The new scenario's name; None: "Rebalanced (<what was balanced>)", with
        ", nights away" inside the brackets when `reach` is False and the ZIP
        areas' counties counted when `zip_in` is given.
    reach
        Never hand an account to a rep who cannot drive there, visit it and drive
        back in a working day where another rep can (`out_of_reach`); False: any
        rep may take it (for teams that plan trips with nights away).
    zip_in
        With `kind` "county": 5-digit FIPS codes of counties moved as their ZIP
        areas instead (finer units where a county is too coarse for the band).
    progress
        Told the share done (0 to 1) and what is going on.
    cancel
        Checked between steps; a cancel raises.

    Returns
    -------
    PlanChange
        The rebalanced plan as a scenario, the accounts it moves, the optimizer's
        report and the lower bound on the moves any plan within the band needs.
    """
    if minimise not in {"accounts", "potential"}:
        msg = f"cannot minimise '{minimise}'; use accounts or potential"
        raise InputError(msg)
    if len(project.territories) < 2:  # noqa: PLR2004
        msg = "rebalancing needs at least two territories"
        raise InputError(msg)
    clock = time.perf_counter()
    shares = parse_balance(balance)
    progress(0.0, "Gathering the area units")
    plan_units = change_units(project, kind, zip_in=zip_in)
    weights, reweigh, far = _plan_weights(project, plan_units, shares, reach=reach)
    barred = _barred_units(plan_units, far)
    cost_values = (
        np.ones(len(project.accounts))
        if minimise == "accounts"
        else project.accounts["potential"].fillna(0).to_numpy(dtype=float)
    )
    cost = unit_weights(plan_units, cost_values)
    locked = _locked_units(project, plan_units)
    labelled = int(plan_units.current.max()) + 1
    result = rebalance_units(
        plan_units.units,
        weights,
        plan_units.current,
        tolerance=tolerance,
        cost=cost,
        locked=locked,
        locked_territories=[  # nothing moves into them either: their outline stays
            int(r) for r in np.flatnonzero(project.territories_locked()) if r < labelled
        ],
        territory_names=project.territories["name"].astype(str).tolist()[:labelled],
        reweigh=reweigh,
        barred=barred,  # (on workload, its weights hold the rule too)
        progress=scaled(progress, 0.05, 0.9),
        cancel=cancel,
    )
    base = project.territories.iloc[: len(result.totals)]  # (an empty last one is not labelled)
    held = False  # (whether the day trips hold every territory out of band)
    if barred is not None:
        locked_rows = project.territories_locked()[: len(base)]
        result, held = _with_reach_notes(
            result, weights, base, barred, tolerance=tolerance, locked=(locked_rows, locked)
        )
    trips = day_trip_notes(project, plan_units, result.labels, base)
    result = replace(result, violations=[*result.violations, *trips])
    progress(0.92, "Reshaping the territories and assigning accounts")
    territories = _reshaped(project.territories, plan_units, plan_units.current, result.labels)
    why = f"to balance {describe_balance(shares)} within {band(tolerance)}"
    change = _plan_change(
        project,
        plan_units,
        territories,
        result,
        why=why,
        name=name
        or _rebalanced_name(describe_balance(shares), reach=reach, zip_in=plan_units.zip_in),
    )
    served = None if reweigh is None else reweigh(plan_units.current)[1]
    k = len(project.territories) if served is None else served.shape[1]
    if barred is not None and barred.shape[1] < k:  # (an empty last territory: no column)
        barred = np.column_stack([barred, np.zeros((len(barred), k - barred.shape[1]), bool)])
    bound = moves_bound(
        weights,
        cost,
        plan_units.current,
        k,
        tolerance,
        locked=locked,
        served=served,
        forbidden=barred,  # never out of the new rep's reach
    )
    whole = replace(change.result, seconds=time.perf_counter() - clock)  # bound included
    kept = barred is not None and bool(barred.any())
    off = change.missed_band() and not held  # (day trips hold them: not the units' size)
    fixes = _finer(plan_units, weights, len(whole.totals), ~locked) if off else ()
    return replace(
        change, result=whole, bound=bound, bound_of=minimise, day_trips=kept, fixes=fixes
    )


def _rebalanced_name(what: str, *, reach: bool, zip_in: Collection[str]) -> str:
    """The default name: "Rebalanced (potential, nights away, ZIP areas in 12 counties)"."""
    extra = ("" if reach else ", nights away") + (
        f", ZIP areas in {plural(len(zip_in), 'county', 'counties')}" if zip_in else ""
    )
    return f"Rebalanced ({what}{extra})"


def _finer(
    plan_units: ProjectUnits, weights: np.ndarray, k: int, free: np.ndarray
) -> tuple[DesignFix, ...]:
    """ZIP areas in the heaviest counties not yet made of them, if any (county units only).

    Only counties the change may move are made finer (`free`: not locked, and for
    a split in the territories it takes from).
    """
    inside = plan_units.current >= 0
    mean = float(weights[inside].sum()) / k
    if plan_units.kind != "county" or mean <= 0:
        return ()
    fix = _finer_fix(plan_units, np.where(free, weights / mean, 0.0))
    return (fix,) if fix.zip_in else ()


def _with_reach_notes(
    result: RebalanceResult,
    weights: np.ndarray,
    base: pd.DataFrame,
    barred: np.ndarray,
    *,
    tolerance: float,
    locked: tuple[np.ndarray, np.ndarray],
) -> tuple[RebalanceResult, bool]:
    """`result` with, when out of band, what the reps' day trips allow (`reach_notes`).

    `locked`: per territory and per unit. Territories no other territory may
    trade with are left out of the sentence saying no move helped: the day trips,
    not the moves, hold them. Also whether they hold every territory out of band
    (then finer units would not help either).
    """
    if result.max_deviation <= tolerance + 1e-9:
        return result, False
    deviation = result.totals / result.totals.mean() - 1
    notes, alone = reach_notes(
        result.labels,
        weights,  # (whether a unit weighs anything: the same in any plan)
        base,
        barred=barred,
        deviation=deviation,
        tolerance=tolerance,
        locked=locked[0],
        movable=~locked[1],
    )
    said = restated(result.violations, base["name"].astype(str).tolist(), result.stuck, alone)
    off = (np.abs(deviation) > tolerance + 1e-9) & ~np.asarray(locked[0], dtype=bool)
    return replace(result, violations=[*said, *notes]), len(alone) == int(off.sum())


def _served_base(
    project: Project, plan_units: ProjectUnits, new_rep: str | None = None
) -> pd.DataFrame:
    """The reps (``rep_id``) of the territories the units are labelled with, in label order.

    An empty last territory is not labelled; with `new_rep`, a split's new one comes last.
    """
    reps = list(project.territories["rep_id"])[: int(plan_units.current.max()) + 1]
    if new_rep is not None:
        reps = [*reps, new_rep or None]
    return pd.DataFrame({"rep_id": reps})


def _plan_weights(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    new_rep: str | None = None,
    *,
    reach: bool = True,
) -> tuple[np.ndarray, Reweigh | None, np.ndarray | None]:
    """Each unit's weight in the plan in use and, on workload, how any plan weighs the units.

    Workload is the one the KPI panel shows: each account driven from its
    territory's rep's home, so a unit moved to a territory whose rep lives
    elsewhere weighs what that rep's drive makes it (`served_weights`), with
    the legs between the accounts of the plan weighed. With `new_rep`, one more
    territory (a split's new one) is that rep's. Whatever the target, where each
    account may not go when some rep has a home and `reach` holds (`out_of_reach`
    of the plan in use, accounts x territories): never beyond a day trip from its
    new rep where another rep reaches it.
    """
    weights = unit_weights(plan_units, plan_account_weights(project, shares))
    territories = _served_base(project, plan_units, new_rep)
    far = None
    if reach and has_home(project).any():
        start = serving_reps(project, plan_units, plan_units.current, territories)
        far = out_of_reach(project, territories, start)
    if "workload" not in shares:
        return weights, None, far
    return weights, plan_reweigh(project, plan_units, shares, territories, far=far), far


def _barred_units(plan_units: ProjectUnits, far: np.ndarray | None) -> np.ndarray | None:
    """Units x territories: where a unit may not go, as one of its accounts may not (`far`)."""
    if far is None:
        return None
    return np.column_stack(
        [unit_weights(plan_units, far[:, t].astype(float)) > 0 for t in range(far.shape[1])]
    )
