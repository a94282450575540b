"""Send moved units home together: a small MILP over the pieces a rebalance moved.

The search steps (`rebalance_steps`) move units one step at a time and stop
as soon as every territory is in its band, so a plan ends with territories at
the edge of the band: no single unit can go home without pushing one of them
out, and `_Balancer.unwind` (one unit at a time) stops. Several returns made
together often can: some of what A gave B and some of what B gave C, say.

Here the moved units are grouped into pieces (connected units that went from
the same territory to the same one); each piece is peeled from its home
side (units next to their home territory first, breadth first), and each
prefix of that order that ends at a unit with weight or cost is a way to send
part of the piece home. HiGHS picks at most one prefix per piece so that the
cost sent home is the largest while every territory stays in its band (or no
further out than it is): the moves MILP of `allocation.moves_bound`,
restricted to undoing what was moved along the home side. Sending a prefix
home may still cut a territory in two (the program knows no contiguity):
then that choice is barred and the program solved again, a few times; what
is made always keeps every territory as whole as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from territory_planner.plan.design_plan import _Plan

_LEVELS = 24  # prefixes offered per piece (evenly spread over its weighted units)
_ROUNDS = 4  # solves, each barring the choices that cut a territory
_TIME_LIMIT = 0.5  # seconds per solve
_HALF = 0.5  # a binary above this is chosen


def _adjacency(plan: _Plan, keep: np.ndarray) -> csr_matrix:
    """The unit graph restricted to edges where `keep` holds (per directed edge)."""
    n = plan.n
    return coo_matrix(
        (np.ones(int(keep.sum())), (plan.src[keep], plan.dst[keep])), shape=(n, n)
    ).tocsr()


def _pieces(
    plan: _Plan, labels: np.ndarray, original: np.ndarray, moved: np.ndarray
) -> list[np.ndarray]:
    """Connected groups of moved units that went from the same territory to the same one."""
    src, dst = plan.src, plan.dst
    same = moved[src] & moved[dst] & (labels[src] == labels[dst]) & (original[src] == original[dst])
    _, part = connected_components(_adjacency(plan, same), directed=False)
    units = np.flatnonzero(moved)
    order = np.argsort(part[units], kind="stable")
    units = units[order]
    cuts = np.flatnonzero(np.diff(part[units])) + 1
    return np.split(units, cuts)


def _peel(plan: _Plan, labels: np.ndarray, piece: np.ndarray, home: int) -> np.ndarray:
    """The units of `piece` from its home side inwards (breadth first); empty if it is cut off."""
    inside = np.zeros(plan.n + 1, dtype=bool)
    inside[piece] = True
    root = plan.n  # a virtual unit joined to the piece's units next to home
    src, dst = plan.src, plan.dst
    touching = np.unique(src[inside[src] & (labels[dst] == home)])
    if not len(touching):
        return np.zeros(0, dtype=np.int64)
    keep = inside[src] & inside[dst]
    rows = np.concatenate([src[keep], np.full(len(touching), root)])
    cols = np.concatenate([dst[keep], touching])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(plan.n + 1, plan.n + 1)).tocsr()
    order = breadth_first_order(graph, root, directed=True, return_predecessors=False)
    return np.asarray(order[1:], dtype=np.int64)


def _whole(plan: _Plan, labels: np.ndarray, territories: np.ndarray) -> np.ndarray:
    """Pieces per territory in `territories` under `labels`."""
    same = labels[plan.src] == labels[plan.dst]
    _, part = connected_components(_adjacency(plan, same), directed=False)
    counts = np.zeros(len(territories), dtype=np.int64)
    for i, t in enumerate(territories.tolist()):
        counts[i] = len(np.unique(part[labels == t]))
    return counts


def _hearts(w: np.ndarray, original: np.ndarray) -> np.ndarray:
    """The heaviest unit each territory started with (where its rep most likely works)."""
    weight = w[np.arange(len(original)), original]
    order = np.argsort(-weight, kind="stable")
    _, first = np.unique(original[order], return_index=True)
    return np.asarray(order[first], dtype=np.int64)


def _bites(
    plan: _Plan,
    labels: np.ndarray,
    *,
    cost: np.ndarray,
    active: np.ndarray,
    movable: np.ndarray,
    original: np.ndarray,
) -> list[tuple[np.ndarray, int]]:
    """Each weighted unit a neighbouring territory reaches across free land, with that land.

    Per pair of active territories (a, b) that touch: the units of `a` with
    weight that may move (not a heart) next to `b`, or next to the free
    land of `a` (no weight, no cost) linked to `b`; each with the shortest
    path of free land from `b` (the last unit is the weighted one).
    """
    n = plan.n
    src, dst = plan.src, plan.dst
    w = np.asarray(plan.served, dtype=float)
    rows = np.arange(n)
    weight = w[rows, np.maximum(labels, 0)]
    free = (weight == 0) & (cost == 0) & movable
    heavy = (weight > 0) & movable
    heavy[_hearts(w, original)] = False
    root = n
    found: list[tuple[np.ndarray, int]] = []
    touching = (labels[src] != labels[dst]) & active[labels[src]] & active[labels[dst]]
    for a, b in np.unique(np.c_[labels[src[touching]], labels[dst[touching]]], axis=0).tolist():
        mine = labels == a
        land = free & mine
        start = np.unique(src[land[src] & (labels[dst] == b)])
        inner = land[src] & land[dst]
        graph = coo_matrix(
            (
                np.ones(int(inner.sum()) + len(start)),
                (np.r_[src[inner], np.full(len(start), root)], np.r_[dst[inner], start]),
            ),
            shape=(n + 1, n + 1),
        ).tocsr()
        order, parent = breadth_first_order(graph, root, directed=True)
        reached = np.zeros(n + 1, dtype=bool)
        reached[order] = True
        reached[root] = False
        ends: dict[int, int] = {}  # weighted unit -> the free unit it is reached from (-1: b)
        for x in np.unique(src[heavy[src] & mine[src] & (labels[dst] == b)]).tolist():
            ends[x] = -1
        step = heavy[src] & mine[src] & reached[dst]
        for x, y in zip(src[step].tolist(), dst[step].tolist(), strict=True):
            ends.setdefault(x, y)
        for x, via in ends.items():
            path, y = [x], via
            while y >= 0 and y != root:
                path.append(y)
                y = int(parent[y])
            found.append((np.asarray(path[::-1], dtype=np.int64), b))
    return found


@dataclass
class _Options:
    """Ways to change the plan, each a set of units going to one territory.

    Per option: its group (at most one option per group is made), its units,
    where they go, the cost it saves (negative: adds) and the change of each
    territory's total.
    """

    group: list[int] = field(default_factory=list)
    units: list[np.ndarray] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    gain: list[float] = field(default_factory=list)
    delta: list[np.ndarray] = field(default_factory=list)


def _options(
    plan: _Plan, original: np.ndarray, cost: np.ndarray, active: np.ndarray, movable: np.ndarray
) -> _Options:
    """Prefixes of the moved pieces sent home, and bites (`_bites`) that make room."""
    labels = np.asarray(plan.label, dtype=np.int64)
    w = np.asarray(plan.served, dtype=float)
    moved = (labels != original) & active[labels] & active[original]
    found = _Options()

    def add(group: int, units: np.ndarray, to: int, gain: float) -> None:
        delta = np.zeros(plan.k)
        start = int(labels[units[0]])
        delta[start] -= float(w[units, start].sum())
        delta[to] += float(w[units, to].sum())
        found.group.append(group)
        found.units.append(units)
        found.target.append(to)
        found.gain.append(gain)
        found.delta.append(delta)

    if moved.any():
        for number, piece in enumerate(_pieces(plan, labels, original, moved)):
            home, away = int(original[piece[0]]), int(labels[piece[0]])
            order = _peel(plan, labels, piece, home)
            counted = np.flatnonzero(
                (w[order, home] > 0) | (w[order, away] > 0) | (cost[order] > 0)
            )
            if not len(counted):
                continue
            ends = counted[np.unique(np.linspace(0, len(counted) - 1, _LEVELS).round().astype(int))]
            for end in ends.tolist():
                add(number, order[: end + 1], home, float(cost[order[: end + 1]].sum()))
    for units, b in _bites(
        plan, labels, cost=cost, active=active, movable=movable & ~moved, original=original
    ):
        add(-1 - int(units[-1]), units, b, -float(cost[units].sum()))
    return found


def send_home(
    plan: _Plan,
    original: np.ndarray,
    cost: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    *,
    active: np.ndarray,
    movable: np.ndarray,
) -> bool:
    """Send home the prefixes of moved pieces with the most cost, keeping the band (in place).

    `original` are the units' territories before rebalancing, `cost` what each
    unit costs away from it, `band` the lowest and highest total of each
    territory (only the `active` ones change; one outside stays no further
    out). Returns whether the plan changed (it then moves less cost).
    """
    found = _options(plan, original, cost, active, movable)
    if not found.units:
        return False
    labels = np.asarray(plan.label, dtype=np.int64)
    total = plan.totals_of(labels)
    lo = np.minimum(np.where(active, band[0], -np.inf), total)
    hi = np.maximum(np.where(active, band[1], np.inf), total)
    m = len(found.units)
    gain = np.asarray(found.gain)
    groups = np.unique(np.asarray(found.group), return_inverse=True)[1]
    one = coo_matrix((np.ones(m), (groups, np.arange(m))), shape=(int(groups.max()) + 1, m))
    rows = np.isfinite(lo) | np.isfinite(hi)
    change = csr_matrix(np.array(found.delta).T)[rows]
    constraints = [
        LinearConstraint(one.tocsr(), 0.0, 1.0),
        LinearConstraint(change, (lo - total)[rows], (hi - total)[rows]),
    ]
    upper = np.ones(m)
    before = _whole(plan, labels, np.arange(plan.k))
    slack = 1e-9 * float(np.abs(total).max())
    for _ in range(_ROUNDS):
        result = milp(
            -gain,
            constraints=constraints,
            integrality=np.ones(m),
            bounds=Bounds(np.zeros(m), upper),
            options={"time_limit": _TIME_LIMIT, "disp": False},
        )
        if result.x is None:
            return False
        chosen = np.flatnonzero(result.x > _HALF)
        if not len(chosen) or gain[chosen].sum() <= 0:
            return False
        trial, cut = _made(plan, labels, found, chosen, before)
        after = plan.totals_of(trial)
        kept = float(gain[chosen].sum() - gain[cut].sum())
        if kept > 0 and (after >= lo - slack).all() and (after <= hi + slack).all():
            plan.assign(trial)  # the rest of the choice keeps the band: made
            return True
        upper[cut] = 0.0
    return False


def _made(
    plan: _Plan, labels: np.ndarray, found: _Options, chosen: np.ndarray, before: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """The labels after the `chosen` options (most gain first), and those left out.

    An option is left out when it would cut a territory (into more pieces than `before`).
    """
    trial = labels.copy()
    cut: list[int] = []
    for i in sorted(chosen.tolist(), key=lambda i: (-found.gain[i], i)):
        units, to = found.units[i], found.target[i]
        pair = np.array([trial[units[0]], to])
        saved = trial[units].copy()
        trial[units] = to
        if (_whole(plan, trial, pair) > before[pair]).any():
            trial[units] = saved
            cut.append(i)
    return trial, cut
