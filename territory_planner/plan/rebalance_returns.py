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
part of the piece home. The options, at most one per piece:

- a prefix of a piece sent home;
- all two territories took from each other sent back (their border as it was);
- a bite: a unit with weight that has not moved, with the empty land between
  it and a neighbouring territory, given to that territory (it costs, but can
  make room for a return that saves more).

HiGHS picks the options that save the most cost while every territory stays
in its band (or no further out than it is): the moves MILP of
`allocation.moves_bound`, restricted to undoing what was moved and to bites.
Each option's change of the territories' Polsby-Popper is weighed in
(`_SHAPE`). The program knows no contiguity: options that cut a territory
on their own are left out, pairs that cut one together are barred (at most
one of the two) and the program solved again, a few times; what is made
always keeps every territory as whole as it was, in its band, and as round
as the caller's floor asks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from territory_planner.plan.design_plan import _Plan
from territory_planner.tasks import CancelToken, Progress

_LEVELS = 12  # prefixes offered per piece (evenly spread over its weighted units)
_BITES = 8  # bites offered per border (per pair of territories, each way)
_ROUNDS = 8  # solves, each barring the choices that cut a territory
_NODES = 30  # branch-and-bound nodes per solve (the same answer on any machine)
_TIME_LIMIT = 3.0  # seconds per solve, in case
_HALF = 0.5  # a binary above this is chosen
_SEND_HOME_ROUNDS = 6  # calls of `send_home`, each made only when it keeps the band
_SEND_HOME_ROUNDER = 0.01  # the mean Polsby-Popper sending home may lose, at most
_SEND_HOME_SECONDS = 2.0  # CPU seconds for sending home at most...
_SEND_HOME_SHARE = 1.0  # ...and no longer than the search took (0.2 s at least)
_SEND_HOME_LEAST = 0.2
_SHAPE = 0.1  # x a mean territory's cost: what one territory's Polsby-Popper falling by 1 costs


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
    src, dst = plan.src, plan.dst
    mine = np.isin(labels, territories)
    keep = mine[src] & (labels[src] == labels[dst])
    _, part = connected_components(_adjacency(plan, keep), directed=False)
    counts = np.zeros(len(territories), dtype=np.int64)
    for i, t in enumerate(territories.tolist()):
        counts[i] = len(np.unique(part[labels == t]))
    return counts


def _cuts(
    plan: _Plan, labels: np.ndarray, units: np.ndarray, to: np.ndarray, before: np.ndarray
) -> bool:
    """Whether sending `units` to `to` cuts a territory into more pieces than `before`.

    `labels` are changed for the test and restored.
    """
    touched = np.union1d(labels[units], to)
    saved = labels[units].copy()
    labels[units] = to
    cut = bool((_whole(plan, labels, touched) > before[touched]).any())
    labels[units] = saved
    return cut


def _roundness(plan: _Plan, labels: np.ndarray) -> np.ndarray:
    """Polsby-Popper of each territory's units under `labels` (as `_Plan.shape_cost`)."""
    k = plan.k
    area = np.bincount(labels, weights=plan.area, minlength=k)
    perimeter = np.bincount(labels, weights=plan.perim, minlength=k)
    inside = labels[plan.src] == labels[plan.dst]  # inner borders, listed from both sides
    perimeter -= np.bincount(
        labels[plan.src][inside], weights=plan.border_flat[inside], minlength=k
    )
    squared = perimeter * perimeter
    result: np.ndarray = np.divide(
        4 * np.pi * area, squared, out=np.zeros(k), where=squared > 0
    )  # a territory left without units (an option that empties one) is not round at all
    return result


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
        # the bites with the most weight per cost (then the nearest) of this border
        paths = []
        for x, via in ends.items():
            path, y = [x], via
            while y >= 0 and y != root:
                path.append(y)
                y = int(parent[y])
            paths.append(np.asarray(path[::-1], dtype=np.int64))
        paths.sort(
            key=lambda u: (-w[u[-1], a] / max(float(cost[u].sum()), 1e-9), len(u), int(u[-1]))
        )
        found.extend((path, b) for path in paths[:_BITES])
    return found


@dataclass
class _Options:
    """Ways to change the plan, each a set of units and where they go.

    Per option: the groups it is in (at most one option of a group is made),
    its units and the territory each goes to, the cost it saves (negative:
    adds) and the change of each territory's total.
    """

    groups: list[tuple[object, ...]] = field(default_factory=list)
    units: list[np.ndarray] = field(default_factory=list)
    to: list[np.ndarray] = field(default_factory=list)
    gain: list[float] = field(default_factory=list)
    delta: list[np.ndarray] = field(default_factory=list)


def _options(
    plan: _Plan, original: np.ndarray, cost: np.ndarray, active: np.ndarray, movable: np.ndarray
) -> _Options:
    """Prefixes of moved pieces sent home, trades undone, and bites (`_bites`) that make room.

    A pair of territories' trades undone sends home all they took from each other.
    """
    labels = np.asarray(plan.label, dtype=np.int64)
    w = np.asarray(plan.served, dtype=float)
    moved = (labels != original) & active[labels] & active[original] & movable
    found = _Options()

    def add(groups: tuple[object, ...], units: np.ndarray, to: np.ndarray, gain: float) -> None:
        delta = np.zeros(plan.k)
        np.add.at(delta, labels[units], -w[units, labels[units]])
        np.add.at(delta, to, w[units, to])
        found.groups.append(groups)
        found.units.append(units)
        found.to.append(to)
        found.gain.append(gain)
        found.delta.append(delta)

    traded: dict[tuple[int, int], list[object]] = {}  # pair of territories -> its pieces
    for number, piece in enumerate(_pieces(plan, labels, original, moved) if moved.any() else []):
        home, away = int(original[piece[0]]), int(labels[piece[0]])
        traded.setdefault((min(home, away), max(home, away)), []).append(number)
        order = _peel(plan, labels, piece, home)
        counted = np.flatnonzero((w[order, home] > 0) | (w[order, away] > 0) | (cost[order] > 0))
        if not len(counted):
            continue
        ends = counted[np.unique(np.linspace(0, len(counted) - 1, _LEVELS).round().astype(int))]
        for end in ends.tolist():
            units = order[: end + 1]
            add((number,), units, np.full(len(units), home), float(cost[units].sum()))
    for (a, b), pieces in traded.items():  # all a and b traded, undone: their border as it was
        units = np.flatnonzero(moved & np.isin(labels, (a, b)) & np.isin(original, (a, b)))
        if cost[units].sum() > 0:
            add((*pieces, ("pair", a, b)), units, original[units], float(cost[units].sum()))
    for units, b in _bites(
        plan, labels, cost=cost, active=active, movable=movable & ~moved, original=original
    ):
        add((("bite", int(units[-1])),), units, np.full(len(units), b), -float(cost[units].sum()))
    return found


class _Program:
    """The MILP over `_Options`: the most cost saved with every territory in its band."""

    def __init__(
        self,
        plan: _Plan,
        found: _Options,
        band: tuple[np.ndarray, np.ndarray],
        *,
        shape_cost: float,
        floor: float,
        until: float,
    ) -> None:
        """The program for the options `found` of `plan`.

        `band` holds the lowest and highest total per territory; `shape_cost` is
        what one territory's Polsby-Popper falling by one costs; `floor` the
        lowest mean Polsby-Popper of the territories with a band that a change may leave;
        options not looked at by CPU time `until` are left out.
        """
        lo, hi = band
        self.floor = floor
        self.changing = np.isfinite(lo) | np.isfinite(hi)
        self.plan, self.found = plan, found
        self.labels = np.asarray(plan.label, dtype=np.int64)
        total = plan.totals_of(self.labels)
        self.lo, self.hi = np.minimum(lo, total), np.maximum(hi, total)  # none further out
        self.slack = 1e-9 * float(np.abs(total).max())
        m = len(found.units)
        self.gain = np.asarray(found.gain)
        index: dict[object, int] = {}
        member = [
            (index.setdefault(g, len(index)), i) for i, gs in enumerate(found.groups) for g in gs
        ]
        rows_of, cols = np.array(member).T
        one = coo_matrix((np.ones(len(cols)), (rows_of, cols)), shape=(len(index), m))
        rows = np.isfinite(self.lo) | np.isfinite(self.hi)
        change = csr_matrix(np.array(found.delta).T)[rows]
        self.constraints = [
            LinearConstraint(one.tocsr(), 0.0, 1.0),
            LinearConstraint(change, (self.lo - total)[rows], (self.hi - total)[rows]),
        ]
        self.before = _whole(plan, self.labels, np.arange(plan.k))
        self.upper = np.ones(m)  # options that cut a territory on their own are out
        self.rounder = rounder = np.zeros(m)  # Polsby-Popper each option adds, summed
        round_now = _roundness(plan, self.labels)
        for i, (units, to) in enumerate(zip(found.units, found.to, strict=True)):
            if time.process_time() > until:  # out of time: the rest are left out
                self.upper[i:] = 0.0
                break
            if _cuts(plan, self.labels, units, to, self.before):
                self.upper[i] = 0.0
                continue
            saved = self.labels[units].copy()
            self.labels[units] = to
            rounder[i] = float((_roundness(plan, self.labels) - round_now).sum())
            self.labels[units] = saved
        # what is kept low: cost, and shapes made less round (`_SHAPE`)
        self.value = self.gain + _SHAPE * shape_cost * rounder

    def solve(self, upper: np.ndarray) -> np.ndarray:
        """The options chosen (none if nothing saves cost), among those `upper` allows."""
        result = milp(
            -self.value,
            constraints=self.constraints,
            integrality=np.ones(len(upper)),
            bounds=Bounds(np.zeros(len(upper)), upper),
            options={"node_limit": _NODES, "time_limit": _TIME_LIMIT, "disp": False},
        )
        if result.x is None:
            return np.zeros(0, dtype=np.int64)
        chosen = np.flatnonzero(result.x > _HALF)
        better = self.gain[chosen].sum() > 0 and self.value[chosen].sum() > 0
        return chosen if better else np.zeros(0, dtype=np.int64)

    def made(self, chosen: np.ndarray) -> tuple[np.ndarray | None, list[int]]:
        """The labels after the `chosen` options, and those left out as they cut a territory.

        The labels are None unless what is made keeps the band, saves cost and
        keeps the mean Polsby-Popper of the territories that change at `floor` or
        above (else the option that lost most roundness is ruled out).
        """
        trial, cut = _made(self.plan, self.labels, self.found, chosen, self.before)
        after = self.plan.totals_of(trial)
        made = np.setdiff1d(chosen, cut)
        kept = min(float(self.gain[made].sum()), float(self.value[made].sum()))
        fits = (after >= self.lo - self.slack).all() and (after <= self.hi + self.slack).all()
        if kept > 0 and fits and _roundness(self.plan, trial)[self.changing].mean() < self.floor:
            worst = made[np.argmin(self.rounder[made])]
            self.upper[worst] = 0.0  # too much roundness lost: the option losing most is out
            fits = False
        return (trial if kept > 0 and fits else None), cut

    def bar(self, chosen: np.ndarray, cut: list[int]) -> None:
        """Rule out what cut a territory: pairs that clash, else the option alone."""
        m = len(self.upper)
        clashes = _clashes(
            self.plan, self.labels, found=self.found, chosen=chosen, cut=cut, before=self.before
        )
        self.upper[[i for i in cut if not any(i in pair for pair in clashes)]] = 0.0
        if clashes:  # at most one of each pair that cuts a territory together
            rows_of = np.repeat(np.arange(len(clashes)), 2)
            pairs = coo_matrix(
                (np.ones(2 * len(clashes)), (rows_of, np.ravel(clashes))), shape=(len(clashes), m)
            )
            self.constraints.append(LinearConstraint(pairs.tocsr(), -np.inf, 1.0))


def send_home(
    plan: _Plan,
    original: np.ndarray,
    cost: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    *,
    active: np.ndarray,
    movable: np.ndarray,
    floor: float = 0.0,
    until: float = np.inf,
) -> bool:
    """Send home the prefixes of moved pieces with the most cost, keeping the band (in place).

    Parameters
    ----------
    plan
        The rebalanced plan (changed in place).
    original
        Territory of each unit before rebalancing.
    cost
        What each unit costs away from its original territory.
    band
        The lowest and highest total of each territory (one outside stays no further out).
    active
        The territories that may change.
    movable
        Whether each unit may move (not locked).
    floor
        The mean Polsby-Popper of the active territories stays at this or above.
    until
        No solve starts after this CPU time (`time.process_time`).

    Returns
    -------
    bool
        Whether the plan changed (it then moves less cost).
    """
    found = _options(plan, original, cost, active, movable)
    if not found.units:
        return False
    limits = (np.where(active, band[0], -np.inf), np.where(active, band[1], np.inf))
    shape_cost = float(cost.sum()) / max(int(active.sum()), 1)
    program = _Program(plan, found, limits, shape_cost=shape_cost, floor=floor, until=until)
    for _ in range(_ROUNDS):
        if time.process_time() > until:
            return False
        chosen = program.solve(program.upper)
        if not len(chosen):
            return False
        trial, cut = program.made(chosen)
        if trial is None and cut:  # the best of what was made, alone
            alone = np.zeros_like(program.upper)
            alone[[i for i in chosen.tolist() if i not in cut]] = 1.0
            kept = program.solve(alone)
            trial = program.made(kept)[0] if len(kept) else None
        if trial is not None:
            plan.assign(trial)
            return True
        program.bar(chosen, cut)
    return False


def send_home_in_rounds(
    plan: _Plan,
    original: np.ndarray,
    movable: np.ndarray,
    *,
    band: tuple[np.ndarray, np.ndarray],
    active: np.ndarray,
    cost: np.ndarray,
    began: float,
    progress: Progress,
    cancel: CancelToken | None,
) -> bool:
    """Moved pieces sent home together, with moves that make room (`send_home`), in rounds.

    Each round is kept only when it keeps the band; the mean Polsby-Popper of
    the `active` territories may fall by `_SEND_HOME_ROUNDER` at most.

    Parameters
    ----------
    plan
        The rebalanced plan (changed in place).
    original
        Territory of each unit before rebalancing.
    movable
        Whether each unit may move (not locked).
    band
        Lower and upper bound of each territory's total.
    active
        The territories that take part (not locked).
    cost
        What moving each unit costs (e.g. its accounts).
    began
        The CPU time (`time.process_time`) the search began: sending home takes
        no longer than the search did (`_SEND_HOME_SHARE`), within its limits.
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    bool
        Whether any round sent units home.
    """
    progress(0.9, "Sending moved units home")
    sent = False
    now = time.process_time()
    until = now + min(_SEND_HOME_SECONDS, max(_SEND_HOME_LEAST, _SEND_HOME_SHARE * (now - began)))
    floor = float(_roundness(plan, np.asarray(plan.label))[active].mean()) - _SEND_HOME_ROUNDER
    for _ in range(_SEND_HOME_ROUNDS):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not send_home(
            plan, original, cost, band, active=active, movable=movable, floor=floor, until=until
        ):
            break
        sent = True
    return sent


def _clashes(
    plan: _Plan,
    labels: np.ndarray,
    *,
    found: _Options,
    chosen: np.ndarray,
    cut: list[int],
    before: np.ndarray,
) -> list[tuple[int, int]]:
    """Pairs of options (one of `cut`, one made) that together cut a territory."""
    made = [j for j in chosen.tolist() if j not in cut]
    pairs = []
    for i in cut:
        touched = np.union1d(labels[found.units[i]], found.to[i])
        for j in made:
            if not np.isin(np.union1d(labels[found.units[j]], found.to[j]), touched).any():
                continue
            trial = labels.copy()
            trial[found.units[j]] = found.to[j]
            if _cuts(plan, trial, found.units[i], found.to[i], before):
                pairs.append((i, j))
    return pairs


def _made(
    plan: _Plan, labels: np.ndarray, found: _Options, chosen: np.ndarray, before: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """The labels after the `chosen` options (most gain first), and those left out.

    An option is left out when it would cut a territory (into more pieces than `before`).
    """
    trial = labels.copy()
    cut: list[int] = []
    for i in sorted(chosen.tolist(), key=lambda i: (-found.gain[i], i)):
        if _cuts(plan, trial, found.units[i], found.to[i], before):
            cut.append(i)
        else:
            trial[found.units[i]] = found.to[i]
    return trial, cut
