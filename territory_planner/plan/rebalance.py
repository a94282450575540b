"""Rebalancing a territory plan with the fewest moves, and splitting territories for a new hire.

Both start from the current plan over area units (counties, ZIP areas, ...)
and their border graph (`unit_graph`), and change as little of it as they
can; `design_territories` is the one that starts from nothing.

`rebalance_units` brings every territory within ``mean * (1 +- tolerance)``
while moving the least total cost (one per unit unless given, e.g. the
accounts in each unit). Each step removes the most excess (how far the
totals are outside the band) per unit of cost that it can, trying in turn:

- a border unit moving to a neighbouring territory;
- when no single move helps (the neighbours are full), a chain of two or
  three border moves: A gives a unit to B, B one to C, ...;
- failing that, a chain of any length along a shortest path of territories;
- failing that, a border shift across empty land. Where accounts sit in
  clusters (cities, empty land between), the units along the borders often
  weigh nothing, so no move or chain changes a total. Then a territory B
  reaches into a neighbour A up to some of A's weighted units and takes
  the land between: a front (A's units nearest B's middle first, as if B's
  rep reached further) or a bite (the cheapest path to one weighted unit,
  widened to the empty land around it), rounded off and with any piece of
  A it would cut off. Empty units cost nothing when the cost is accounts;
  land counts a little and a shift that lengthens the borders (a
  corridor) weighs less. A's heaviest unit (where its rep most likely
  works) stays.

A unit moved earlier moving on costs nothing more, moving back saves its
cost. Near-ties (within 1%) go to the move that keeps the shapes rounder
(Polsby-Popper, as in design). When all of these are stuck, neighbouring
territories are recombined (merged and cut again, `recombine`) with several
random seeds, and the draw that then moves the fewest accounts is kept
(`_recombine_into_band`). Last, moves that turned out unnecessary are
undone while the balance stays as good (a unit moved for free only if that
makes the shapes rounder), then moved pieces are sent home together where
the band, contiguity and roundness allow, with border bites that make room
(a small HiGHS MILP, `rebalance_returns`), and the single-unit undo again.
A move never cuts a territory in two (a territory that starts in pieces is
left so, never cut further), never empties one, and never moves a locked
unit; nothing moves into or out of a locked territory. As in design, a
territory whose locked units (or one unit) weigh more than the band sheds
what it can, and when the rest cannot all reach the team band they are
balanced around what is left for them. The search is deterministic, except
where a CPU-time budget stops recombining or sending home early (on a
slower or busier machine they may do less).

`split_units` (in `new_hire`) carves a new territory out of chosen ones. It starts at the
new rep's home unit (else where the sources meet, or at an end of a single
source) and grows nearest units first, around a point one territory radius
beyond the start, away from the middle of the territory it starts in: the
new territory takes that side, and the rest keeps the other side instead
of wrapping around a disc. The sources may fall short meanwhile; then the
new territory and its sources are balanced with the same steps (the new
territory's units counted as moved wherever they go, its home staying),
weighing each move a little by the border it adds or removes, so the
sources refill with rounder shapes (shifting borders across empty land
where they must). Nothing outside the sources changes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np

from territory_planner.geo.unit_graph import _lonlat, _measures, _sphere_km
from territory_planner.plan.design_inputs import territory_words, unit_names
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.rebalance_inputs import (
    Reweigh,
    _bar_matrix,
    _barred,
    _frozen,
    _graph,
    _labels,
    _locked,
    _per_unit,
    _reweighed,
    _tolerance,
    _with_none,
    traders,
)
from territory_planner.plan.rebalance_reasons import _describe, _off_band, _why_not
from territory_planner.plan.rebalance_returns import _roundness
from territory_planner.plan.rebalance_rounds import _external, _rebalance_bands, _steps
from territory_planner.plan.rebalance_steps import _SAME, _Balancer, _band
from territory_planner.tasks import CancelToken, Progress, no_progress

# --------------------------------------------------------------------------- result


@dataclass
class RebalanceResult:
    """A changed territory plan from `rebalance_units` or `split_units`.

    Attributes
    ----------
    labels
        Territory index of each unit, in the units' order (-1: in none, as given).
    moved
        Positions of the units whose territory changed, ascending.
    totals
        Sum of the weights per territory.
    max_deviation
        Largest ``|total / mean - 1|``: over all territories for
        `rebalance_units`; over the new territory and its sources, against
        the mean of all territories including the new one, for `split_units`.
    contiguous
        Per territory, whether its units form one connected piece of the graph.
    violations
        Why the tolerance is not met, in plain English (empty when it is).
    seconds
        Wall time.
    target
        What the changed territories aim at (the middle of their band): the
        mean territory, or for `split_units` the share of the new territory
        and its sources; 0 when not known.
    stuck
        Territories out of band that no move tried brought closer, with no
        other reason found (`stuck_sentence` names them among the violations).
    stretched
        Territories the change leaves stringy: (territory, Polsby-Popper before,
        after) where it falls under `STRINGY` and to less than half.
    share_deviation
        For `split_units` whose sources' total does not allow the mean: the
        largest ``|total / target - 1|`` over the new territory and its sources
        (their deviation from their equal share); else None.
    """

    labels: np.ndarray
    moved: np.ndarray
    totals: np.ndarray
    max_deviation: float
    contiguous: list[bool]
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0
    target: float = 0.0
    stuck: list[int] = field(default_factory=list)
    stretched: list[tuple[int, float, float]] = field(default_factory=list)
    share_deviation: float | None = None


STRINGY = 0.1  # Polsby-Popper under which a territory is stringy (a circle: 1, a square: 0.79)


def _stretched(plan: _Plan, before: np.ndarray, k: int) -> list[tuple[int, float, float]]:
    """Territories `plan` leaves stringy that were not (`RebalanceResult.stretched`)."""
    was = _roundness(plan, before)[:k]
    now = _roundness(plan, np.asarray(plan.label, dtype=np.int64))[:k]
    return [
        (t, float(was[t]), float(now[t]))
        for t in range(k)
        if now[t] < STRINGY and now[t] < was[t] / 2
    ]


# --------------------------------------------------------------------------- shared setup


@dataclass
class _Setup:
    """What both tasks need: the plan over internal labels and the unit data."""

    plan: _Plan
    names: list[str]
    internal: np.ndarray  # labels with -1 mapped to the territory index `k` (none)
    k: int  # real territories
    xyz: np.ndarray


def _setup(
    units: gpd.GeoDataFrame,
    w: np.ndarray,
    lab: np.ndarray,
    *,
    k: int,
    graph: nx.Graph,
    fixed: np.ndarray,
    served: np.ndarray | None = None,
    varies: bool = True,
) -> _Setup:
    """A `_Plan` with one extra territory, index `k`, for the units in no territory.

    With `served` (units x territories) a unit weighs in each territory what it
    says (in the extra one: `w`); `varies`: those weights move with the plan too.
    """
    geoms = _lonlat(units)
    area, perimeter = _measures(graph, geoms)
    internal = np.where(lab < 0, k, lab)
    kp = k + 1 if (lab < 0).any() else k
    if served is not None:
        served = _with_none(served, w, kp)
    plan = _Plan(graph, w, area, perimeter, fixed=fixed, k=kp, served=served, varies=varies)
    plan.assign(internal)
    return _Setup(plan, unit_names(units), internal, k, _sphere_km(geoms))


# --------------------------------------------------------------------------- rebalance


def _rebalance_violations(
    w: np.ndarray,
    labels: np.ndarray,
    movable: np.ndarray,
    *,
    bands: tuple[np.ndarray, np.ndarray, float, np.ndarray],
    frozen: np.ndarray,
    tolerance: float,
    names: list[str],
    territories: list[str],
) -> tuple[list[str], list[int]]:
    """Which territories are out of the band around the team mean, and why; the stuck ones.

    The stuck ones: those no move brought closer, for no reason found (`_why_not`).
    """
    k = len(frozen)
    inside = labels >= 0
    totals = np.bincount(labels[inside], weights=w[inside], minlength=k)
    mean = float(totals.sum()) / k
    if mean <= 0:
        return ["the weights add up to zero: there is nothing to balance"], []
    deviation = totals / mean - 1
    message = _off_band(deviation, range(k), tolerance, "the mean", territories)
    if not message:
        return [], []
    violations = [message]
    lo, hi, aim, overfull = bands
    if abs(aim / mean - 1) > _SAME:
        violations.append(
            f"the territories that can change are balanced around {aim / mean:.2f}x "
            "the mean territory"
        )
    slack = 1e-9 * mean
    own = (totals >= lo - slack) & (totals <= hi + slack)  # in the band they aimed at
    stuck = _why_not(
        w,
        labels,
        movable,
        off=[
            t
            for t in range(k)
            if abs(deviation[t]) > tolerance + 1e-9 and (frozen[t] or overfull[t] or not own[t])
        ],
        mean=mean,
        tolerance=tolerance,
        names=names,
        territories=territories,
        violations=violations,
        frozen=np.flatnonzero(frozen).tolist(),
    )
    return violations, stuck


def _check(cancel: CancelToken | None) -> None:
    """Raise if `cancel` was cancelled."""
    if cancel is not None:
        cancel.raise_if_cancelled()


_LEFT_AS_IT_WAS = (
    "no change found brings the plan closer to the band: its territories are left as they were"
)


def _kept(
    plan: _Plan, w: np.ndarray, lab: np.ndarray, k: int, *, reweigh: Reweigh | None, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """The plan to return, the units' weights in it, its totals, and whether it is the one given.

    The rebalanced plan, unless neither its largest deviation nor the summed
    excess over the band is smaller than the plan given's: then that one,
    unchanged (a rebalance that cannot help does not redraw empty land on its way).
    """

    def measured(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
        weights = w if reweigh is None else _reweighed(reweigh, labels, len(labels), k)[0]
        totals = np.bincount(labels[labels >= 0], weights=weights[labels >= 0], minlength=k)
        off = np.abs(totals / totals.mean() - 1) if totals.sum() > 0 else np.zeros(k)
        return weights, totals, (float(off.max()), float(np.maximum(off - tol, 0).sum()))

    new = _external(plan, k)
    weights, totals, after = measured(new)
    if (new != lab).any():
        before = measured(lab)
        if all(a >= b - 1e-9 for a, b in zip(after, before[2], strict=True)):
            plan.assign(np.where(lab < 0, k, lab))
            return before[0], lab.copy(), before[1], True
    return weights, new, totals, False


def rebalance_units(
    units: gpd.GeoDataFrame,
    weights: Sequence[float] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    *,
    tolerance: float = 0.05,
    cost: Sequence[float] | np.ndarray | None = None,
    locked: Sequence[bool] | np.ndarray | None = None,
    locked_territories: Sequence[int] | None = None,
    graph: nx.Graph | None = None,
    territory_names: Sequence[str] | None = None,
    reweigh: Reweigh | None = None,
    barred: np.ndarray | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> RebalanceResult:
    """Bring every territory within the tolerance of the mean, moving as little as possible.

    Parameters
    ----------
    units
        Area units (polygons); a ``name`` (and ``fips``) column names them
        in the violations.
    weights
        What to balance, per unit (e.g. potential); zero or positive.
    labels
        Current territory per unit: 0 .. K-1, each with at least one unit;
        -1 for a unit in no territory (it stays so and counts for none).
    tolerance
        Allowed ``|total / mean - 1|`` per territory, mean = the weight in
        territories / K.
    cost
        What moving each unit costs (e.g. its number of accounts, or its
        potential); the total cost of the moved units is what is kept low.
        Default: 1 per unit (fewest units).
    locked
        Per unit, True for a unit that must keep its territory (it holds a
        locked account, or its territory is locked).
    locked_territories
        Territories nothing may move into or out of (locked territories).
    graph
        ``unit_graph(units)`` if already built.
    territory_names
        What to call the K territories in the violations (default
        "territory 0", ... as labelled).
    reweigh
        For weights that depend on the plan (workload, driven from each
        territory's rep's home): given labels, each unit's weight where it is
        and its weight in each territory (units x territories). Called for the
        plan given (`weights` then unused), between balancing rounds, and for
        the plan returned; the band is around the mean of the totals as they
        come out (the team's total moves with the plan).
    barred
        Units x territories: True where a unit may not go (its accounts beyond
        a day trip from that territory's rep, where another rep reaches them).
        There it weighs the team's total more, so no balance gained pays for
        the move (with `reweigh`, its weights already hold the rule). Where no
        territory out of band may trade a unit with another, nothing is tried.
        None: anywhere.
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    RebalanceResult
        The new labels, the moved units, the balance (with `reweigh`: as it
        weighs the plan returned), and why the tolerance is missed if it is.

    Raises
    ------
    InputError
        If the weights, labels, costs, locks or graph do not fit the units.
    TaskCancelledError
        If `cancel` was cancelled.
    """
    start, began = time.perf_counter(), time.process_time()
    n = len(units)
    w, lab, tol = _per_unit(weights, n, "weights"), _labels(labels, n), _tolerance(tolerance)
    c = np.ones(n) if cost is None else _per_unit(cost, n, "costs")
    lock, k = _locked(locked, n), int(lab.max()) + 1
    frozen = _frozen(locked_territories, k)
    served = None
    barred = None if barred is None else _bar_matrix(barred, n, k)
    if reweigh is not None:
        w, served = _reweighed(reweigh, lab, n, k)
    elif barred is not None:
        served = _barred(w, lab, barred)
    if graph is None:
        progress(0.0, "Finding neighbouring units")
    graph = _graph(units, graph, n)
    _check(cancel)
    movable = ~lock & (lab >= 0)
    movable &= ~frozen[np.maximum(lab, 0)]
    s = _setup(
        units, w, lab, k=k, graph=graph, fixed=~movable, served=served, varies=reweigh is not None
    )
    plan = s.plan
    pieces_before = [len(p) for p in plan.pieces()]
    mean = float(w[lab >= 0].sum()) / k
    active = np.r_[~frozen, np.zeros(plan.k - k, dtype=bool)]  # (not the "none" territory)
    lo, hi = _band(plan.k, mean, tol)
    bands = _rebalance_bands(w, lab, movable, frozen=frozen, tolerance=tol)
    lo[:k], hi[:k] = bands[0], bands[1]

    def balancer() -> _Balancer:  # afresh for the plan as it is now
        return _Balancer(
            plan, lo=lo, hi=hi, active=active, movable=movable, cost=c,
            original=s.internal, unit=mean, xyz=s.xyz,
        )  # fmt: skip

    if barred is None or traders(w, lab, barred, (lo, hi), movable=movable, frozen=frozen).any():
        _steps(
            plan, s.internal, balancer, (lo, hi), movable=movable, frozen=frozen, active=active,
            tolerance=tol, reweigh=reweigh, cost=c, began=began, progress=progress,
            cancel=cancel,
        )  # fmt: skip
    # (else no territory out of band may trade a unit with another: nothing would change)

    progress(0.95, "Measuring the territories")
    w, new, totals, given = _kept(plan, w, lab, k, reweigh=reweigh, tol=tol)
    deviation = totals / totals.mean() - 1 if totals.sum() > 0 else np.zeros(k)
    if reweigh is not None:
        bands = _rebalance_bands(w, new, movable, frozen=frozen, tolerance=tol)
    territories = territory_words(territory_names, k, first=0)
    violations, stuck = _rebalance_violations(
        w, new, movable, bands=bands, frozen=frozen, tolerance=tol, names=s.names,
        territories=territories,
    )  # fmt: skip
    contiguous = _describe(
        plan, k, before=pieces_before, names=s.names, territories=territories,
        violations=violations,
    )  # fmt: skip
    if given and violations:
        violations.append(_LEFT_AS_IT_WAS)
    progress(1.0, "Done")
    return RebalanceResult(
        labels=new,
        moved=np.flatnonzero(new != lab),
        totals=totals,
        max_deviation=float(np.abs(deviation).max()),
        contiguous=contiguous,
        violations=violations,
        seconds=time.perf_counter() - start,
        stuck=stuck,
        stretched=_stretched(plan, s.internal, k),  # (the plan kept)
    )
