"""Splitting territories for a new hire: `split_units` carves a new territory out of chosen ones.

It starts at the new rep's home unit (else where the sources meet, or at an
end of a single source) and grows nearest units first, then balances the new
territory and its sources with the rebalancing steps (`rebalance_steps`);
see `territory_planner.plan.rebalance` for the whole story.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np

from territory_planner._errors import InputError
from territory_planner.plan.design_inputs import territory_words, unit_names
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.polish import polish
from territory_planner.plan.rebalance import RebalanceResult, _setup
from territory_planner.plan.rebalance_inputs import (
    Reweigh,
    _graph,
    _labels,
    _locked,
    _per_unit,
    _reweighed,
    _tolerance,
)
from territory_planner.plan.rebalance_reasons import _describe
from territory_planner.plan.rebalance_rounds import _external
from territory_planner.plan.rebalance_steps import _band
from territory_planner.plan.split_balance import _measured, _split_target, _SplitBalance
from territory_planner.tasks import CancelToken, Progress, no_progress

_REACH = 2.0  # the new territory grows up to this many radii of a disc of its size
_SMOOTH_TRIES = 200_000  # polish tries at most (as design's polish: about 1-2 CPU s)
_SMOOTH_PER_UNIT = 100  # ...and per unit
_SMOOTH_THRESHOLD = 0.004  # how far below the best mean Polsby-Popper the polish may wander
_SMOOTH_SECONDS = 3.0  # CPU seconds at most


def _sources(sources: Sequence[int], k: int) -> list[int]:
    given = [int(t) for t in np.asarray(sources, dtype=int).ravel()]
    if not given:
        msg = "name at least one territory to carve the new territory from"
        raise InputError(msg)
    bad = [t for t in given if not 0 <= t < k]
    if bad:
        msg = f"territory {bad[0]} does not exist: territories are 0 .. {k - 1}"
        raise InputError(msg)
    return sorted(set(given))


def _seed(
    plan: _Plan,
    region: np.ndarray,
    movable: np.ndarray,
    xyz: np.ndarray,
    area: np.ndarray,
) -> int:
    """Where the new territory starts without a home: where the sources meet, else an end.

    With several source territories, the unit touching the most of them
    that is nearest the middle of the sources; with one, the unit at an end
    of its long axis (so the new territory takes that end).
    """
    label, nbr = plan.label, plan.nbr
    inside = set(np.flatnonzero(region).tolist())
    candidates = [
        v
        for v in sorted(inside)
        if movable[v] and plan.count[label[v]] > 1 and plan.stays_connected(v, label[v])
    ]
    if not candidates:
        msg = (
            "no unit of the territories to split may move (they are locked or single "
            "units): unlock some or choose other territories"
        )
        raise InputError(msg)
    members = np.flatnonzero(region)
    middle = np.average(xyz[members], axis=0, weights=area[members] + 1e-9)
    if len({label[v] for v in inside}) > 1:
        d2 = ((xyz - middle) ** 2).sum(axis=1)

        def touching(v: int) -> int:
            return len({label[u] for u in nbr[v] if u in inside} | {label[v]})

        return min(candidates, key=lambda v: (-touching(v), d2[v], v))
    offset = xyz[members] - middle
    spread = (offset * (area[members] + 1e-9)[:, None]).T @ offset
    axis = np.linalg.eigh(spread)[1][:, -1]
    axis *= np.sign(axis[np.argmax(np.abs(axis))])  # a fixed direction: deterministic
    along = (xyz - middle) @ axis
    return min(candidates, key=lambda v: (along[v], v))


def _anchor(plan: _Plan, new: int, first: int, xyz: np.ndarray, area: np.ndarray) -> np.ndarray:
    """The point the new territory grows around (nearest units first).

    Its first unit when that is where several sources meet. Otherwise a
    point one territory radius beyond the first unit, away from the middle
    of the territory it came from (along that territory's long axis when
    the first unit is near its middle): the new territory then takes that
    side of it, and the rest keeps the other side, instead of a disc that
    the rest would have to wrap around.
    """
    label = np.asarray(plan.label)
    sources = {int(t) for t in label[np.asarray(plan.nbr[first] or [first])]} - {new}
    if len(sources) != 1:
        return np.asarray(xyz[first])
    members = np.flatnonzero(label == sources.pop())
    if len(members) < 2:  # noqa: PLR2004
        return np.asarray(xyz[first])
    weight = area[members] + 1e-9
    middle = np.average(xyz[members], axis=0, weights=weight)
    radius = float(np.sqrt(weight.sum() / np.pi))
    offset = xyz[first] - middle
    if np.linalg.norm(offset) < radius / 4:
        spread = ((xyz[members] - middle) * weight[:, None]).T @ (xyz[members] - middle)
        offset = np.linalg.eigh(spread)[1][:, -1]
        offset *= np.sign(offset[np.argmax(np.abs(offset))])  # a fixed direction
    return np.asarray(xyz[first] + offset / np.linalg.norm(offset) * radius)


def _take_home(
    plan: _Plan,
    home: int,
    new: int,
    movable: np.ndarray,
) -> bool:
    """Move the home unit into the new territory, with any piece it would cut off; False if not."""
    t = plan.label[home]
    if plan.count[t] <= 1:
        return False
    if plan.stays_connected(home, t):
        plan.move(home, new)
        return True
    label, nbr = plan.label, plan.nbr
    seen = {home}
    parts: list[list[int]] = []
    for s in nbr[home]:
        if label[s] != t or s in seen:
            continue
        seen.add(s)
        part = [s]
        for x in part:
            for y in nbr[x]:
                if y not in seen and label[y] == t:
                    seen.add(y)
                    part.append(y)
        parts.append(part)
    weight = [sum(plan.w[v] for v in part) for part in parts]
    keep = max(range(len(parts)), key=lambda i: (weight[i], len(parts[i]), -i))
    cut = [v for i, part in enumerate(parts) if i != keep for v in part]
    if not all(movable[v] for v in cut):
        return False
    for v in [home, *cut]:
        plan.label[v] = new
    plan.recount()
    return True


def _grow(
    plan: _Plan,
    new: int,
    sources: set[int],
    movable: np.ndarray,
    *,
    anchor: np.ndarray,
    xyz: np.ndarray,
    hi: float,
    target: float,
) -> None:
    """Take units next to the new territory, nearest `anchor` first, up to `target`.

    A unit is taken if its territory stays in one piece and keeps a unit,
    and the new territory stays under `hi`; the sources may fall below
    their band (the balancing refills them from their neighbours), so the
    new territory is round rather than a snake between the sources' spare
    units. Growth stops short of the target rather than reach out far
    beyond a disc of the target's size.
    """
    label, nbr, wk = plan.label, plan.nbr, plan.wk  # (a unit's weight in each territory)
    members = [v for v in range(plan.n) if label[v] == new]
    dist = np.sqrt(((xyz - anchor) ** 2).sum(axis=1)).tolist()
    near = min(dist[v] for v in members)
    heap: list[tuple[float, int]] = []
    queued: set[int] = set()

    def offer(u: int) -> None:
        for x in nbr[u]:
            if label[x] in sources and movable[x] and x not in queued:
                queued.add(x)
                heapq.heappush(heap, (dist[x], x))

    for u in members:
        offer(u)
    while heap and plan.total[new] < target:
        if plan.total[new] > target / 4:
            radius = np.sqrt(plan.t_area[new] * target / plan.total[new] / np.pi)
            if heap[0][0] > near + _REACH * radius:
                break
        _, x = heapq.heappop(heap)
        queued.discard(x)
        t = label[x]
        if t not in sources:
            continue
        if (
            plan.total[new] + wk[x][new] > hi
            or plan.count[t] <= 1
            or not plan.stays_connected(x, t)
        ):
            continue  # offered again when another neighbour joins
        plan.move(x, new)
        offer(x)


def _home(
    home_unit: int | None,
    lab: np.ndarray,
    given: list[int],
    names: list[str],
    territories: list[str],
) -> int | None:
    """The new rep's home unit, checked to be in a source territory."""
    if home_unit is None:
        return None
    home = int(home_unit)
    if not 0 <= home < len(lab):
        msg = f"the home unit must be a unit position 0 .. {len(lab) - 1}, not {home_unit}"
        raise InputError(msg)
    if lab[home] not in given:
        where = "no territory" if lab[home] < 0 else territories[lab[home]]
        msg = (
            f"{names[home]}, the new rep's home, is in {where}, not in the territories "
            f"to split ({', '.join(territories[t] for t in given)}): add that territory or pick "
            "another home"
        )
        raise InputError(msg)
    return home


def _start_at_home(
    plan: _Plan,
    home: int,
    new: int,
    movable: np.ndarray,
    *,
    lab: np.ndarray,
    names: list[str],
    territories: list[str],
    violations: list[str],
) -> int:
    """Put the home unit in the new territory; its position, or -1 (explained) if it cannot."""
    if not movable[home]:
        violations.append(
            f"{names[home]}, the new rep's home, is locked to {territories[lab[home]]}: "
            "the new territory starts elsewhere"
        )
        return -1
    if _take_home(plan, home, new, movable):
        movable[home] = False  # it stays in the new territory
        return home
    violations.append(
        f"{names[home]}, the new rep's home, cannot leave {territories[lab[home]]} "
        "without cutting off locked units: the new territory starts elsewhere"
    )
    return -1


def _apart(plan: _Plan, given: list[int], new: int) -> list[int]:
    """The source territories that touch neither the new territory nor another source."""
    label, nbr = plan.label, plan.nbr
    others = {*given, new}
    touching: dict[int, set[int]] = {t: set() for t in given}
    for v in range(plan.n):
        if label[v] in touching:
            touching[label[v]].update(label[u] for u in nbr[v] if label[u] in others)
    return [t for t in given if not touching[t] - {t}]


def _carve(
    plan: _Plan,
    new: int,
    given: list[int],
    movable: np.ndarray,
    *,
    home: int | None,
    xyz: np.ndarray,
    lab: np.ndarray,
    hi: float,
    target: float,
    names: list[str],
    territories: list[str],
    violations: list[str],
) -> None:
    """Start the new territory at the home (or a seed) and grow it towards `target`."""
    first = -1
    if home is not None:
        first = _start_at_home(
            plan,
            home,
            new,
            movable,
            lab=lab,
            names=names,
            territories=territories,
            violations=violations,
        )
    area = np.asarray(plan.area)
    if first < 0:
        first = _seed(plan, np.isin(lab, given), movable, xyz, area)
        plan.move(first, new)
    anchor = _anchor(plan, new, first, xyz, area)
    _grow(plan, new, set(given), movable, anchor=anchor, xyz=xyz, hi=hi, target=target)


def _smooth(
    plan: _Plan,
    band: tuple[np.ndarray, np.ndarray],
    target: float,
    active: np.ndarray,
    *,
    home: int | None,
    progress: Progress,
    cancel: CancelToken | None,
) -> None:
    """Polish the shapes of the new territory and its sources (`polish.polish`), keeping the band.

    Growing and balancing take the fewest moves and leave long, thin territories
    (mean Polsby-Popper 0.04-0.07 on a demo split); units move only among the
    sources and the new territory, never out of band, never the new rep's home.
    """
    progress(0.9, "Smoothing the borders")
    plan.lo, plan.hi = band[0].tolist(), band[1].tolist()
    plan.scale = 1.0 / target if target > 0 else 0.0
    held = home if home is not None and not plan.fixed[home] else None
    if held is not None:
        plan.fixed[held] = True
    tries = min(_SMOOTH_TRIES, _SMOOTH_PER_UNIT * plan.n)
    rng = np.random.default_rng(0)
    try:
        polish(
            plan,
            rng,
            tries,
            _SMOOTH_THRESHOLD,
            cancel,
            seconds=_SMOOTH_SECONDS,
            into=active.tolist(),
        )
    finally:
        if held is not None:
            plan.fixed[held] = False


def split_units(
    units: gpd.GeoDataFrame,
    weights: Sequence[float] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    sources: Sequence[int],
    *,
    home_unit: int | None = None,
    tolerance: float = 0.05,
    locked: Sequence[bool] | np.ndarray | None = None,
    graph: nx.Graph | None = None,
    territory_names: Sequence[str] | None = None,
    reweigh: Reweigh | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> RebalanceResult:
    """Carve a territory for a new hire out of the `sources` territories.

    The new territory gets the label K (``labels.max() + 1``). Only units of
    the source territories change; the new territory and the sources are
    balanced against the mean of all K + 1 territories, or, when the
    sources' total is too small or too large for that, share it equally
    (said in the violations). Everything stays in one piece, with few
    moves; the new territory grows from `home_unit` (or from where the
    sources meet, or from an end of a single source), nearest units first.

    Parameters
    ----------
    units
        Area units (polygons); a ``name`` (and ``fips``) column names them.
    weights
        What to balance, per unit; zero or positive.
    labels
        Current territory per unit: 0 .. K-1 (-1 for a unit in none).
    sources
        The territories that give units to the new one.
    home_unit
        Position of the unit the new territory must contain (the new rep's
        home); it must be in a source territory.
    tolerance
        Allowed ``|total / target - 1|`` for the new territory and the sources.
    locked
        Per unit, True for a unit that must keep its territory.
    graph
        ``unit_graph(units)`` if already built.
    territory_names
        What to call the K + 1 territories (the new one last) in the
        violations (default "territory 0", ... as labelled).
    reweigh
        For weights that depend on the plan (workload, driven from each rep's
        home, the new rep's for the new territory): as in `rebalance_units`,
        with K + 1 territories. The target is set again once the new territory
        is carved, and the plan returned is weighed by it.
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    RebalanceResult
        Labels with the new territory K, the moved units, the balance
        (`max_deviation` over the new territory and its sources against
        the mean of K + 1), and why targets are missed.

    Raises
    ------
    InputError
        If the inputs do not fit the units, a source does not exist, the
        home unit is not in a source, or no unit of the sources may move.
    TaskCancelledError
        If `cancel` was cancelled.
    """
    start = time.perf_counter()
    n = len(units)
    w, lab, tol = _per_unit(weights, n, "weights"), _labels(labels, n), _tolerance(tolerance)
    lock, k = _locked(locked, n), int(lab.max()) + 1
    served = None
    if reweigh is not None:
        w, served = _reweighed(reweigh, lab, n, k + 1)
    given = _sources(sources, k)
    names = unit_names(units)
    territories = territory_words(territory_names, k + 1, first=0)
    home = _home(home_unit, lab, given, names, territories)
    if graph is None:
        progress(0.0, "Finding neighbouring units")
    graph = _graph(units, graph, n)
    if cancel is not None:
        cancel.raise_if_cancelled()

    new = k  # the new territory; units in none go to k + 1 in the plan
    region = np.isin(lab, given)
    movable = region & ~lock
    s = _setup(units, w, lab, k=k + 1, graph=graph, fixed=~movable, served=served)
    plan = s.plan
    pieces_before = [len(p) for p in plan.pieces()]
    mean = float(w[lab >= 0].sum()) / (k + 1)
    target, against, violations = _split_target(
        w, region, given, mean=mean, k=k, tolerance=tol, territories=territories
    )
    stated = len(violations)  # (said again when the target is set again)
    active = np.isin(np.arange(plan.k), [*given, new])
    lo, hi = _band(plan.k, target, tol)

    progress(0.05, "Carving the new territory")
    _carve(
        plan,
        new,
        given,
        movable,
        home=home,
        xyz=s.xyz,
        lab=lab,
        hi=float(hi[new]),
        target=target,
        names=names,
        territories=territories,
        violations=violations,
    )
    if cancel is not None:
        cancel.raise_if_cancelled()

    progress(0.3, "Balancing")
    balance = _SplitBalance(plan, active, movable, s.internal, new, s.xyz, tol, target)
    balance.run(progress, cancel)
    if reweigh is not None:  # weighed as carved: the target moved with it
        target, against, why = balance.reweighed(reweigh, region, given, territories)
        violations[:stated] = why
        balance.run(progress, cancel)
    lo, hi = _band(plan.k, target, tol)
    _smooth(plan, (lo, hi), target, active, home=home, progress=progress, cancel=cancel)

    progress(0.95, "Measuring the territories")
    labels_out = _external(plan, k + 1)
    if reweigh is not None:  # as the plan returned weighs it
        w, _ = _reweighed(reweigh, labels_out, n, k + 1)
        mean = float(w[labels_out >= 0].sum()) / (k + 1)
    totals, deviation, share = _measured(
        w, labels_out, movable, given, mean=mean, target=target, tolerance=tol,
        words=(against, names, territories), apart=_apart(plan, given, new),
        violations=violations,
    )  # fmt: skip
    contiguous = _describe(
        plan,
        k + 1,
        before=pieces_before,
        names=names,
        territories=territories,
        violations=violations,
    )
    progress(1.0, "Done")
    return RebalanceResult(
        labels=labels_out,
        moved=np.flatnonzero(labels_out != lab),
        totals=totals,
        max_deviation=deviation,
        target=target,
        share_deviation=share,
        contiguous=contiguous,
        violations=violations,
        seconds=time.perf_counter() - start,
    )
