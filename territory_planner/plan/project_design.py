"""Auto-design for a project: K territories from area units, as a new scenario.

`design_project` gathers the units around the project's accounts
(`unit_plan`), weighs them by the chosen balance target, seeds the design
with the reps' homes (so each rep's territory contains their home), keeps
locked territories as they are, and returns the plan as a `Scenario`; the
plan in use is never changed here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from dataclasses import dataclass, replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.analysis.account_workload import nearest_home
from territory_planner.analysis.metrics import partly_missing
from territory_planner.formats import band, plural
from territory_planner.geo.unit_graph import _lonlat, unit_graph
from territory_planner.model import ASSIGNMENT_COLUMNS, Project, Scenario, new_territory_ids
from territory_planner.plan.balance_reasons import (
    DesignFix,
    balance_reasons,
    place_name,
    renamed,
)
from territory_planner.plan.default_balance import balance_without_workload
from territory_planner.plan.design_report import (
    DesignResult,
    judged_plan,
    territory_compactness,
)
from territory_planner.plan.home_seeds import (
    HomeSeeds,
    home_holders,
    seed_homes,
    staff_floating,
    staffing_notes,
)
from territory_planner.plan.locked_design import design_around_locks, locked_advice
from territory_planner.plan.rebalance import rebalance_units
from territory_planner.plan.served_weights import (
    Workload,
    day_trip_notes,
    plan_reweigh,
    serving_reps,
    unplannable_hours_note,
    workload_weights,
)
from territory_planner.plan.shape_notes import long_and_thin_notes
from territory_planner.plan.unit_plan import (
    ProjectUnits,
    account_weights,
    describe_balance,
    nearest_labels,
    outer_units,
    parse_balance,
    plan_territories,
    project_units,
    unit_weights,
)
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled


@dataclass(frozen=True)
class PlanOutcome:
    """A designed (or rebalanced) plan and how good it is.

    Attributes
    ----------
    scenario
        The plan, ready to store in the project.
    units
        The units it was built from.
    labels
        Territory row (in ``scenario.territories``) of each unit.
    weights
        The balanced value per unit (shares of the team totals).
    result
        The optimizer's own report (totals, deviation, contiguity, shapes); its
        seconds are the whole design's, the units gathered to the outlines drawn.
    fixes
        When the band is missed, option changes that would help (see `DesignFix`).
    """

    scenario: Scenario
    units: ProjectUnits
    labels: np.ndarray
    weights: np.ndarray
    result: DesignResult
    fixes: tuple[DesignFix, ...] = ()


def _territory_base(
    project: Project, k: int, locked_rows: np.ndarray, seed_reps: list[int]
) -> pd.DataFrame:
    """Per label: id, name, rep (and quota/lock) of the designed territories.

    Labels 0..L-1 are the locked territories, unchanged; then one per
    seeded rep, which takes over the rep's current territory's id and name
    if they have one; then new territories.
    """
    terr, reps = project.territories, project.reps
    rows = [terr.iloc[int(r)].drop(labels="geometry").to_dict() for r in locked_rows]
    used = {row["territory_id"] for row in rows}
    for r in seed_reps:
        rep_id, rep_name = reps["rep_id"].iloc[r], reps["name"].iloc[r]
        held = terr[(terr["rep_id"] == rep_id) & ~terr["territory_id"].isin(used)]
        if len(held):
            row = {"territory_id": held["territory_id"].iloc[0], "name": held["name"].iloc[0]}
        else:
            row = {"territory_id": "", "name": f"{rep_name}'s territory"}
        rows.append({**row, "rep_id": rep_id})
        used.add(row["territory_id"])
    unnamed = [row for row in rows if not row["territory_id"]]
    fresh = new_territory_ids({*used, *terr["territory_id"]}, len(unnamed))
    for row, territory_id in zip(unnamed, fresh, strict=True):
        row["territory_id"] = territory_id
    rows.extend(
        {"territory_id": new, "name": f"Territory {int(new[1:])}"}
        for new in new_territory_ids({*used, *fresh}, max(k - len(rows), 0))
    )
    base = pd.DataFrame(rows)
    base["color"] = None  # new shapes, new colours (neighbours differ)
    return base


#: CPU seconds drawing a plan's outlines takes after the design, per unit (about 1 s for
#: 3,100 counties; measured with the demo of 3,000 accounts).
_OUTLINE_SECONDS_PER_UNIT = 1.0 / 3000
#: What follows a design on workload out of band, in turn, until in band: the fewest moves
#: (again while they gain: each starts from the legs the last left), or a redesign from the
#: plan (only before `_ROUNDS_BY`).
_WORKLOAD_STEPS: tuple[str, ...] = ("moves", "redesign", "moves", "moves", "redesign", "moves")
_ROUND_SECONDS = 2.5  # recombination CPU seconds of a redesign (its start is nearly balanced)
_ROUNDS_BY = 12.0  # CPU seconds into a design on workload after which no redesign starts


def _design_on_workload(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    base: pd.DataFrame,
    *,
    k: int,
    seeds: list[int],
    lock: np.ndarray,
    tolerance: float,
    graph: nx.Graph,
    progress: Progress,
    cancel: CancelToken | None,
) -> tuple[DesignResult, np.ndarray]:
    """Design on workload, each account driven from its own territory's rep's home.

    The first design knows each territory's rep but not yet which accounts
    lie next to each other in it (the legs between visits): it takes them
    from the nearest reps' groups. Its plan, judged as the KPI panel judges it
    (its own legs), is then brought towards the band, while out of it, by the
    fewest moves (`rebalance_units`, weighing each plan it passes through the
    same way) and by redesigns from the plan with its legs; the most even plan
    is kept, with those totals.
    """
    nearest = nearest_home(project)
    names = base["name"].astype(str).tolist()
    began = time.process_time()

    def judged(result: DesignResult) -> tuple[DesignResult, Workload]:
        return _judged_on_workload(project, plan_units, shares, base, result, tolerance=tolerance)

    def redesigned(work: Workload, labels: np.ndarray | None) -> DesignResult:
        return design_around_locks(
            plan_units.units,
            work.weights,
            k,
            tolerance=tolerance,
            graph=graph,
            seeds=seeds,
            lock=lock,
            progress=scaled(progress, 0.0, 0.85) if labels is None else no_progress,
            cancel=cancel,
            territory_names=names,
            initial=labels,
            starts=None if labels is None else 1,
            served=work.served,
            recombine_seconds=0.0 if labels is None else _ROUND_SECONDS,
        )

    best, work = judged(
        redesigned(workload_weights(project, plan_units, shares, base, nearest), None)
    )
    if not (np.bincount(best.labels[best.labels >= 0], minlength=k) > 0).all():
        return best, work.weights  # a territory without units (too few free): said so, left
    stalled = False  # the last moves gained nothing: more from the same plan would not
    for done, step in enumerate(_WORKLOAD_STEPS):
        if best.max_deviation <= tolerance + 1e-9:
            break
        progress(0.85 + 0.15 * done / len(_WORKLOAD_STEPS), "Balancing the hours")
        late = time.process_time() > began + _ROUNDS_BY  # moves take a second or two: still
        if (step == "moves" and stalled) or (step == "redesign" and late):
            continue
        if cancel is not None:
            cancel.raise_if_cancelled()
        if step == "redesign":  # from the plan, with the legs it has
            last, then = judged(redesigned(work, best.labels))
        else:
            last, then = judged(
                _fewest_moves(
                    project,
                    plan_units,
                    shares,
                    base,
                    (best, work.weights),
                    lock=lock,
                    pinned=_pinned(lock, seeds),
                    tolerance=tolerance,
                    graph=graph,
                    cancel=cancel,
                )
            )
        gained = last.max_deviation < best.max_deviation - 1e-6
        stalled = (step == "moves" and not gained) or (stalled and not gained)
        if gained:
            best, work = last, then
    return best, work.weights


def _fewest_moves(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    base: pd.DataFrame,
    plan: tuple[DesignResult, np.ndarray],
    *,
    lock: np.ndarray,
    pinned: np.ndarray,
    tolerance: float,
    graph: nx.Graph,
    cancel: CancelToken | None,
) -> DesignResult:
    """A plan (and its units' weights) brought towards the band by the fewest accounts moved.

    `rebalance_units`, each plan the moves pass through weighed as the KPI panel
    would weigh it (`plan_reweigh`); `pinned` units (homes, locks) stay where
    they are and nothing moves into or out of a locked territory (`lock`).
    """
    result, weights = plan
    moved = rebalance_units(
        plan_units.units,
        weights,
        result.labels,
        tolerance=tolerance,
        cost=unit_weights(plan_units, np.ones(len(project.accounts))),  # accounts moved
        locked=pinned >= 0,
        locked_territories=list(range(int(lock.max()) + 1)),
        graph=graph,
        reweigh=plan_reweigh(project, plan_units, shares, base),
        cancel=cancel,
    )
    geoms = _lonlat(plan_units.units)
    return replace(
        result,
        labels=moved.labels,
        contiguous=moved.contiguous,
        compactness=territory_compactness(geoms, moved.labels, len(result.totals)),
    )


def _staffed(
    project: Project,
    plan_units: ProjectUnits,
    plan: tuple[DesignResult, np.ndarray],
    base: pd.DataFrame,
    *,
    floating: list[int],
    shares: dict[str, float],
    tolerance: float,
) -> tuple[pd.DataFrame, DesignResult, np.ndarray]:
    """The reps designed without their home's seed given territories (`staff_floating`).

    On workload the plan is then judged again with their homes, as the KPI panel will
    weigh it: during the design their territories had no rep to drive from.
    """
    result, weights = plan
    base, names, notes = staff_floating(project, plan_units, result.labels, base, floating)
    result = replace(result, violations=[*renamed(result.violations, names), *notes])
    if "workload" in shares:
        result, work = _judged_on_workload(
            project, plan_units, shares, base, result, tolerance=tolerance
        )
        weights = work.weights
    return base, result, weights


def _judged_on_workload(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    base: pd.DataFrame,
    result: DesignResult,
    *,
    tolerance: float,
) -> tuple[DesignResult, Workload]:
    """The plan judged as the KPI panel weighs it (each territory's rep, its own legs)."""
    server = serving_reps(project, plan_units, result.labels, base)
    work = workload_weights(project, plan_units, shares, base, server)
    names = base["name"].astype(str).tolist()
    return judged_plan(result, work.weights, tolerance, names, other_weights=True), work


def _unplannable(
    project: Project,
    plan_units: ProjectUnits,
    labels: np.ndarray,
    base: pd.DataFrame,
    shares: dict[str, float],
) -> list[str]:
    """On workload, the note when most hours lie beyond the reps' day trips (else none)."""
    if "workload" not in shares:
        return []
    return unplannable_hours_note(project, plan_units, labels, base)


def _fixes(
    project: Project,
    homes: list[DesignFix],
    advice: list[DesignFix],
    *,
    unplannable: bool,
) -> tuple[DesignFix, ...]:
    """The fixes to offer: the homes', the balance advice's, and another balance target.

    The last where most workload hours cannot be planned (`_unplannable`): a balance
    the calendar can serve.
    """
    fixes: list[DesignFix] = []
    for fix in [*homes, *advice]:  # (each home in one county offers that county's ZIP areas)
        if fix not in fixes:
            fixes.append(fix)
    if unplannable:
        target = balance_without_workload(project)
        fixes.append(DesignFix(f"balancing {target}", balance=target))
    return tuple(fixes)


def _unrepeated(violations: list[str], reasons: list[str]) -> list[str]:
    """The design's sentences less those on a lump the reasons name again.

    ("Cook alone is 1.1x the mean territory" beside "Cook County alone is 1.11
    of a mean territory and holds ...")
    """
    kept = []
    for sentence in violations:
        found = re.fullmatch(r"(.+) alone is [\d.]+x the mean territory", sentence)
        lump = found.group(1) if found else None
        said = (f"{lump} alone is", f"{lump} County alone is", f"{lump} Parish alone is")
        if lump is None or not any(  # (a ZIP area's unit name is "ZIP 60603")
            r.startswith((*said, f"{lump.replace('ZIP ', 'ZIP area ', 1)} alone is"))
            for r in reasons
        ):
            kept.append(sentence)
    return kept


def _pinned(lock: np.ndarray, seeds: list[int]) -> np.ndarray:
    """Territory each unit must stay in: locked units, and each seed in its own territory."""
    pinned = lock.copy()
    for label, unit in enumerate(seeds):
        pinned[unit] = label
    return pinned


def _named_by_place(
    project: Project,
    base: pd.DataFrame,
    plan_units: ProjectUnits,
    *,
    labels: np.ndarray,
    weights: np.ndarray,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """New territories without a rep named after their heaviest unit ("Allegheny County area").

    Only the names design made up ("Territory 6" for a territory the project did
    not have); the base is copied, and the renames (old name -> new) returned for
    the messages.
    """
    base, renamed = base.copy(), {}
    taken = set(base["name"].astype(str))
    known = set(project.territories["territory_id"])
    for t in range(len(base)):
        old = str(base.at[t, "name"])
        members = np.flatnonzero(labels == t)
        made_up = base.at[t, "territory_id"] not in known and not isinstance(
            base.at[t, "rep_id"] if "rep_id" in base else None, str
        )
        if not made_up or not re.fullmatch(r"Territory \d+", old) or not len(members):
            continue
        new = place_name(plan_units, members, weights)
        if new not in taken:
            base.at[t, "name"], renamed[old] = new, new
            taken.add(new)
    return base, renamed


def design_project(
    project: Project,
    *,
    kind: str = "county",
    balance: str = "potential",
    k: int | None = None,
    tolerance: float = 0.05,
    use_homes: bool = True,
    free_homes: Collection[str] = (),
    zip_in: Collection[str] = (),
    name: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlanOutcome:
    """Design `k` territories (default: one per rep) from units of `kind`.

    Parameters
    ----------
    project
        The project; not changed.
    kind
        Area units: "state", "county", "zip", or "file" for `areas`.
    balance
        What to balance: "accounts", "potential", "revenue", "workload" or a
        blend such as "potential=60,workload=40" (see `parse_balance`).
    k
        Number of territories, locked ones included.
    tolerance
        Allowed deviation from the mean of the balanced value.
    use_homes
        Seed the design with the reps' homes: each of the first reps (that
        have a home) gets a territory that contains it.
    free_homes
        IDs of reps whose territories are designed without their homes.
    zip_in
        With `kind` "county": counties (FIPS) made of their ZIP areas, where lumps are.
    name
        Name of the new scenario (default: says how it was made).
    areas
        For `kind` "file": the polygons to build from (``name`` and geometry).
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    PlanOutcome
        The designed plan as a scenario, the units and labels it was built from,
        the balanced weights and the optimizer's report.
    """
    started, clock = time.process_time(), time.perf_counter()
    shares = parse_balance(balance)
    unknown = sorted(set(free_homes) - set(project.reps["rep_id"].astype(str)))
    if unknown:
        msg = f"no rep has the ID {', '.join(unknown)}: give the IDs of the project's reps"
        raise InputError(msg)
    k = len(project.reps) if k is None else k
    progress(0.0, "Gathering the area units")
    plan_units = project_units(project, kind, areas, zip_in=zip_in)
    weights = unit_weights(plan_units, account_weights(project, shares))
    if cancel is not None:
        cancel.raise_if_cancelled()
    locked_rows = np.flatnonzero(project.territories_locked())
    locked_rows = locked_rows[np.isin(locked_rows, plan_units.current)]
    lock = np.full(len(plan_units.units), -1, dtype=np.int64)
    for label, row in enumerate(locked_rows):
        lock[plan_units.current == row] = label
    seeds = [int(np.flatnonzero(lock == label)[0]) for label in range(len(locked_rows))]
    homes = (
        seed_homes(
            project,
            plan_units,
            lock=lock,
            locked_rows=locked_rows,
            seeds=seeds,
            k=k,
            free_homes=set(free_homes),
        )
        if use_homes
        else HomeSeeds()
    )
    seed_reps = homes.seeded
    base = _territory_base(project, k, locked_rows, seed_reps)
    progress(0.05, "Finding neighbouring units")
    graph = unit_graph(plan_units.units)  # built once: design and its reasons use it
    if "workload" in shares:
        result, weights = _design_on_workload(
            project,
            plan_units,
            shares,
            base,
            k=k,
            seeds=seeds,
            lock=lock,
            tolerance=tolerance,
            graph=graph,
            progress=scaled(progress, 0.05, 0.9),
            cancel=cancel,
        )
    else:
        result = design_around_locks(
            plan_units.units,
            weights,
            k,
            tolerance=tolerance,
            seeds=seeds,
            lock=lock,
            graph=graph,
            progress=scaled(progress, 0.05, 0.9),
            cancel=cancel,
            territory_names=base["name"].astype(str).tolist(),
            # its CPU budget covers this whole call: the units gathered, the outlines drawn
            started=started - _OUTLINE_SECONDS_PER_UNIT * len(plan_units.units),
        )
    if cancel is not None:
        cancel.raise_if_cancelled()
    advice = locked_advice(result, len(locked_rows), tolerance, base["name"].tolist())
    if result.max_deviation > tolerance + 1e-9 and not advice.reasons:
        advice = balance_reasons(
            project,
            plan_units,
            weights,
            pinned=_pinned(lock, seeds),
            tolerance=tolerance,
            holders=home_holders(project, seeds, homes, len(locked_rows)),
            k=k,
            reached=result.max_deviation,
            graph=graph,
        )
    result.violations[:] = [*_unrepeated(result.violations, advice.reasons), *advice.reasons]
    result.violations.extend(homes.notes)
    if homes.floating:
        base, result, weights = _staffed(
            project,
            plan_units,
            (result, weights),
            base,
            floating=homes.floating,
            shares=shares,
            tolerance=tolerance,
        )
    base, names = _named_by_place(project, base, plan_units, labels=result.labels, weights=weights)
    result.violations[:] = [
        *renamed(result.violations, names),
        *staffing_notes(project, base, use_homes=use_homes),
        *day_trip_notes(project, plan_units, result.labels, base),
        *long_and_thin_notes(project, plan_units, result.labels, base, result.compactness),
        *(unplannable := _unplannable(project, plan_units, result.labels, base, shares)),
        *(v for key, v in partly_missing(project).items() if key in shares),
    ]
    progress(0.92, "Building the territories and assigning accounts")
    kept = {
        label: project.territories.geometry.iloc[int(row)] for label, row in enumerate(locked_rows)
    }
    outer = outer_units(project, plan_units)
    outer_labels = nearest_labels(outer, plan_units, result.labels)
    territories, accounts = plan_territories(
        project, plan_units, result.labels, base, kept=kept, outer=(outer, outer_labels)
    )
    note = (
        f"designed: {plural(k, 'territory')} from {plan_units.describe()}, "
        f"balanced on {describe_balance(shares)} within {band(tolerance)}"
    )
    scenario = Scenario(
        name=project.fresh_scenario_name(
            name or f"{plural(k, 'territory')} by {describe_balance(shares)}"
        ),
        territories=territories,
        assignment=accounts[list(ASSIGNMENT_COLUMNS)].copy(),
        note=note,
    )
    progress(1.0, "Done")
    fixes = _fixes(project, homes.fixes, advice.fixes, unplannable=bool(unplannable))
    result = replace(result, seconds=time.perf_counter() - clock)  # all of it, not the engine's
    return PlanOutcome(scenario, plan_units, result.labels, weights, result, fixes=fixes)
