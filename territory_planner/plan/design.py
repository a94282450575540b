"""Automatic territory design: K balanced, contiguous, compact territories from area units.

The units (counties, ZIP areas, ...) become a graph: an edge joins two units
that share a border (`unit_graph`). `design_territories` splits the graph in
K connected parts whose totals of a weight (potential, accounts, workload)
are within a tolerance of the mean, and whose shapes are as round as the
units allow (Polsby-Popper, the mean of which is what the search maximises).

The method, deterministic for a given ``seed``:

1. First plans: balanced k-means on the units' centroids (a power diagram:
   each unit joins the centre minimising distance^2 - offset, the offsets
   tuned so the totals balance, free centres moved to their cell's area
   centroid; k-means++ starts, seeds stay put). Pieces cut off from their
   territory join the neighbour they share most border with.
2. Local search on border units: a unit moves to a neighbouring territory
   when that lowers ``-sum(PP) + mu * sum(excess^2)``, PP = 4 pi A / P^2
   of each territory, ``excess`` = how far its total is outside
   ``mean * (1 +- tolerance)``. P and A are kept current in O(degree) per
   move (a territory's perimeter is its units' perimeters minus twice its
   inner shared borders). ``mu`` climbs a ladder, so shape is settled
   first and balance last; the last sweeps are lexicographic (less
   excess, then better shape). A move never disconnects the territory it
   leaves: checked around the unit (are its neighbours in the territory
   linked through each other?), with a breadth-first search only when not.
3. Several first plans (``starts``) go through this, the best is kept; if
   it is still out of balance, ejection chains (A gives a border unit to
   B, B one to C, ...) fix what single moves cannot.
4. Lumpy data (metros that border moves cannot balance): neighbouring
   territories are merged and cut again along random spanning trees or
   shifted Voronoi splits (`recombine`), each side keeping its home, with
   restarts (while none is in band but the best is near, past the CPU
   budget); the best plan is then polished for shape by record-to-record
   travel over border moves (`design_finish`).
5. A unit of over half a territory where no rep lives (`corridors`): when
   the plan is still out of band after half the time, the search runs again
   with that lump and a chain of units to the home with most room held in
   that home's territory, freed for the polish; the better plan wins.

Inputs that make the balance impossible (a unit heavier than a territory,
locked units over the mean, more seeds than territories) are explained in
`DesignResult.violations`; a unit heavier than a territory gets one of its
own and the others are balanced on what is left.

This module holds the search; what a design is asked (inputs checked, seeds
placed, targets set) is in `design_inputs`, its end (recombination, polish) in
`design_finish`, what it says back in `design_report`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np

from territory_planner._errors import InputError
from territory_planner.geo.unit_graph import _lonlat, _measures, _sphere_km, unit_graph
from territory_planner.plan.corridors import plan_corridors
from territory_planner.plan.design_finish import (
    chain_balance,
    finish,
    lower_the_peak,
    score,
    sweeps,
)
from territory_planner.plan.design_inputs import (
    check_inputs,
    explain_inputs,
    place_seeds,
    territory_targets,
    territory_words,
    unit_locks,
    unit_names,
)
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.design_report import DesignResult, design_result
from territory_planner.plan.first_plans import power_diagram
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled

_EPS = 1e-12

# --------------------------------------------------------------------------- first plan


def _repair(plan: _Plan) -> None:
    """Pieces cut off from their territory's main piece join the neighbour they touch most."""
    for _ in range(100):
        changed = False
        for t, pieces in enumerate(plan.pieces()):
            if len(pieces) <= 1:
                continue
            anchored = [any(plan.fixed[u] for u in p) for p in pieces]
            keep = max(range(len(pieces)), key=lambda i: (anchored[i], len(pieces[i]), -i))
            for i, piece in enumerate(pieces):
                if i == keep or anchored[i]:
                    continue
                members = set(piece)
                touch: dict[int, float] = {}
                for v in piece:
                    for u, km in zip(plan.nbr[v], plan.border[v], strict=True):
                        if u not in members and plan.label[u] != t:
                            touch[plan.label[u]] = touch.get(plan.label[u], 0.0) + km + 1e-6
                if touch:
                    target = max(sorted(touch), key=lambda b: touch[b])
                    for v in piece:
                        plan.label[v] = target
                    changed = True
        if not changed:
            break
    plan.recount()


def _fill_empty(plan: _Plan) -> None:
    """Give each empty territory a free unit (border units first) of the largest one with one.

    The largest territory may hold only locked units: the next largest with a
    free unit to spare gives one then.
    """
    for t in range(plan.k):
        if plan.count[t]:
            continue
        units = plan.boundary_units().tolist() + list(range(plan.n))
        for big in np.argsort(-np.asarray(plan.count), kind="stable").tolist():
            if plan.count[big] < 2:  # noqa: PLR2004 (giving its only unit would empty it)
                break
            v = next((v for v in units if plan.label[v] == big and not plan.fixed[v]), None)
            if v is not None:
                plan.move(v, t)
                break


# --------------------------------------------------------------------------- design


_MU_LADDER = tuple(float(mu) for mu in np.geomspace(1e2, 1e10, 9))
_CHAIN_RETRIES = 3  # best first plans that get ejection chains when balance is missed


def _improve(
    plan: _Plan,
    tolerance: float,
    rng: np.random.Generator,
    cancel: CancelToken | None,
) -> None:
    """Local search: shape under a balance penalty that grows until balance rules."""
    plan.set_band(tolerance)
    for mu in _MU_LADDER:
        plan.recenter()
        sweeps(plan, mu, rng, cancel)
    plan.recenter()
    sweeps(plan, None, rng, cancel)


_LUMPY_STARTS = 4  # first plans tried before judging the data lumpy
_LUMPY_EXCESS = 0.5  # summed excess (in mean territories) that border moves will not fix
_DESIGN_SECONDS = 9.0  # CPU seconds a design aims to end in (the goal of issue 14 is 10 s)


def _first_plan(
    plan: _Plan,
    start: np.ndarray | None,
    *,
    xyz: np.ndarray,
    area: np.ndarray,
    targets: np.ndarray,
    preset: np.ndarray,
    anchors: dict[int, int],
    tolerance: float,
    rng: np.random.Generator,
    cancel: CancelToken | None,
) -> None:
    """A first plan, improved: from `start` if given (kept where balanced), else k-means."""
    if start is not None:
        plan.assign(np.where(preset >= 0, preset, np.asarray(start, dtype=np.int64)))
        _repair(plan)
        plan.recenter()
        sweeps(plan, None, rng, cancel)
        return
    plan.assign(
        power_diagram(
            xyz,
            area,
            np.asarray(plan.w),
            targets=targets,
            preset=preset,
            anchors=anchors,
            rng=rng,
            cancel=cancel,
        )
    )
    _fill_empty(plan)
    _repair(plan)
    _fill_empty(plan)
    _improve(plan, tolerance, rng, cancel)


def _auto_starts(n: int, k: int) -> int:
    """How many first plans to try: 16 for 3,000 units and 10 territories, fewer for more."""
    return int(np.clip(50_000 / max(n, 1) * np.sqrt(10 / k), 2, 16))


@dataclass(frozen=True)
class _Search:
    """First plans, chains and recombination for one plan, run with or without corridors."""

    plan: _Plan
    anchors: dict[int, int]
    xyz: np.ndarray
    area: np.ndarray
    targets: np.ndarray
    tolerance: float
    seed: int
    starts: int
    cancel: CancelToken | None
    recombine_seconds: float

    def run(
        self,
        preset: np.ndarray,
        initial: np.ndarray | None,
        progress: Progress,
        *,
        budget: float,
        overtime: bool = False,
    ) -> None:
        """Design from scratch with the units of `preset` held (corridors freed for the polish).

        With `overtime`, recombination may run past `budget` while out of band.
        """
        plan, seed, cancel = self.plan, self.seed, self.cancel
        held = np.flatnonzero((preset >= 0) & ~np.asarray(plan.fixed)).tolist()
        for u in held:
            plan.fixed[u] = True
        tried: list[tuple[tuple[float, float], int, list[int]]] = []
        for attempt in range(self.starts):
            progress(0.05 + 0.85 * attempt / self.starts, "Improving shapes and balance")
            rng = np.random.default_rng([seed, attempt])
            _first_plan(
                plan,
                initial if attempt == 0 else None,
                xyz=self.xyz,
                area=self.area,
                targets=self.targets,
                preset=preset,
                anchors=self.anchors,
                tolerance=self.tolerance,
                rng=rng,
                cancel=cancel,
            )
            tried.append((score(plan), attempt, list(plan.label)))
            if attempt + 1 >= _LUMPY_STARTS and min(tried)[0][0] > _LUMPY_EXCESS:
                break  # lumpy data: border moves will not balance it, recombination must
        tried.sort()
        best = tried[0]
        if best[0][0] > 0:  # out of balance: chains for the best few, keep the best outcome
            progress(0.9, "Balancing")
            for _, attempt, labels in tried[:_CHAIN_RETRIES]:
                plan.assign(np.asarray(labels))
                chain_balance(plan, np.random.default_rng([seed, attempt, 1]), cancel)
                best = min(best, (score(plan), attempt, list(plan.label)))
                if best[0][0] == 0:
                    break
        plan.assign(np.asarray(best[2]))
        finish(
            plan,
            self.anchors,
            seed,
            cancel,
            progress,
            balanced=best[0][0] == 0,
            fresh=initial is None,
            budget=budget,
            recombine_seconds=self.recombine_seconds,
            held=held,
            overtime=overtime,
        )
        for u in held:
            plan.fixed[u] = False


def design_territories(
    units: gpd.GeoDataFrame,
    weights: Sequence[float] | np.ndarray,
    k: int,
    *,
    tolerance: float = 0.05,
    seeds: Sequence[int] | np.ndarray | None = None,
    locked: Sequence[int] | np.ndarray | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    seed: int = 0,
    graph: nx.Graph | None = None,
    starts: int | None = None,
    territory_names: Sequence[str] | None = None,
    initial: np.ndarray | None = None,
    served: np.ndarray | None = None,
    recombine_seconds: float = 0.0,
    started: float | None = None,
) -> DesignResult:
    """Split area units into `k` connected, balanced, compact territories.

    Parameters
    ----------
    units
        Area units (polygons), e.g. counties; a ``name`` (and ``fips``)
        column names them in the violations.
    weights
        What to balance, per unit (e.g. potential); zero or positive.
    k
        Number of territories.
    tolerance
        Allowed ``|total / mean - 1|`` per territory; within it, shape wins.
    seeds
        Optional unit positions that must be in distinct territories:
        territory ``i`` contains ``seeds[i]`` (e.g. the units with the reps'
        homes). At most `k`.
    locked
        Optional territory per unit: -1 for free, else the territory the
        unit must keep.
    progress, cancel
        The task contract (see `territory_planner.tasks`).
    seed
        Random seed; the same inputs and seed give the same plan.
    graph
        ``unit_graph(units)`` if already built (it is the slowest step to
        repeat for the same units).
    starts
        How many first plans to improve, the best kept (default: 16 for
        3,000 units and 10 territories, fewer for more).
    territory_names
        What to call the territories in the violations (default "territory 1", ...).
    initial
        An earlier plan (a territory per unit) to start from, e.g. the same
        design with weights that have changed since; tried first.
    served
        Optional, shape (units, k): what each unit weighs in each territory,
        when that depends on the territory (a workload includes the drive
        from its rep's home). Totals are then summed from it, and balanced
        around their own mean; `weights` (e.g. each unit's weight in its
        territory of `initial`) still place the first plans.
    recombine_seconds
        CPU seconds for recombination when border moves leave the plan out
        of band (default 7; less for a plan nearly there, such as `initial`).
    started
        ``time.process_time()`` when the caller's work began, if its own work
        (gathering the units before, drawing the outlines after) should count
        against the CPU budget of the design; default: when this call began.

    Returns
    -------
    DesignResult
        The plan, its balance and shapes, and why targets were missed
        (territories are named by their index in ``labels``).

    Raises
    ------
    InputError
        If the weights, locks, seeds or `k` cannot describe a plan.
    TaskCancelledError
        If `cancel` was cancelled.
    """
    start = time.perf_counter()
    budget = (time.process_time() if started is None else started) + _DESIGN_SECONDS
    w = np.asarray(weights, dtype=float).ravel()
    n = len(units)
    check_inputs(n, w, k)
    names = unit_names(units)
    violations: list[str] = []
    lock = unit_locks(locked, n, k)
    preset = lock.copy()
    territories = territory_words(territory_names, k)
    anchors = place_seeds(
        seeds, k, preset, names=names, violations=violations, territories=territories
    )
    for t, v in anchors.items():
        preset[v] = t
    targets, overfull = territory_targets(w, k, preset, anchors, tolerance)
    explain_inputs(
        w,
        k,
        lock,
        targets=targets,
        overfull=overfull,
        tolerance=tolerance,
        names=names,
        violations=violations,
        territories=territories,
    )
    if graph is None:
        progress(0.0, "Finding neighbouring units")
        graph = unit_graph(units)

    geoms = _lonlat(units)
    xyz = _sphere_km(geoms)
    area, perimeter = _measures(graph, geoms)
    if served is not None and np.shape(served) != (n, k):
        msg = f"served weights must have shape ({n}, {k}), not {np.shape(served)}"
        raise InputError(msg)
    plan = _Plan(graph, w, area, perimeter, fixed=preset >= 0, k=k, served=served)
    plan.set_targets(targets.tolist(), overfull.tolist())
    plan.set_band(tolerance)
    search = _Search(
        plan,
        anchors,
        xyz=xyz,
        area=area,
        targets=targets,
        tolerance=tolerance,
        seed=seed,
        starts=_auto_starts(n, k) if starts is None else max(int(starts), 1),
        cancel=cancel,
        recombine_seconds=recombine_seconds,
    )
    laid = plan_corridors(plan, preset, anchors)
    if laid is None:
        search.run(preset, initial, progress, budget=budget, overtime=True)
    else:  # half the time as usual; if out of band, the rest with the corridors held
        now = time.process_time()
        search.run(preset, initial, scaled(progress, 0, 0.45), budget=(now + budget) / 2)
        if plan.total_excess() > 0:
            direct = (score(plan), list(plan.label))
            search.run(
                laid,
                initial,
                scaled(progress, 0.45, 0.9),
                budget=budget,
                overtime=True,
            )
            if direct[0] < score(plan):
                plan.assign(np.asarray(direct[1]))
    if plan.total_excess() > 0:  # out of band: at least no higher peak than one move allows
        lower_the_peak(plan)
    progress(0.95, "Measuring the territories")
    result = design_result(
        plan, geoms, tolerance, violations=violations, start=start, territories=territories
    )
    progress(1.0, "Done")
    return result
