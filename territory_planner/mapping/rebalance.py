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
(Polsby-Popper, as in design). Last, moves that turned out unnecessary are
undone while the balance stays as good (a unit moved for free only if that
makes the shapes rounder). A move never cuts a territory in two (a
territory that starts in pieces is left so, never cut further), never
empties one, and never moves a locked unit; nothing moves into or out of a
locked territory. As in design, a territory whose locked units (or one
unit) weigh more than the band sheds what it can, and when the rest cannot
all reach the team band they are balanced around what is left for them.
The search is deterministic.

`split_units` carves a new territory out of chosen ones. It starts at the
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

import heapq
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np

from territory_planner._errors import InputError
from territory_planner.mapping.design import (
    _lonlat,
    _measures,
    _Plan,
    _sphere_km,
    _unit_names,
    unit_graph,
)
from territory_planner.tasks import CancelToken, Progress, no_progress

_LISTED = 6  # territories named in one message
_TOP_PER_TRIPLE = 6  # best two-move chains kept per (A, B, C)
_FIRST_MOVES = 4  # first (or last) moves tried per pair of territories in three-move chains
_TIE = 0.01  # candidates this close to the best count as tied: the rounder shape wins
_TIED = 12
_NO_MOVE = -1
_SAME = 1e-9  # relative difference below which two totals are the same
_SPLIT_SHAPE = 0.5  # split: a move's key x exp(0.5 x (border gained - lost) / perimeter)
_REACH = 2.0  # the new territory grows up to this many radii of a disc of its size
# Border shifts across empty land (`_Balancer.shift_borders`):
_FRONTS = 6  # fronts per border: ending at each of the first weighted units taken
_TARGETS = 6  # bites per border: one per weighted unit nearest the taker...
_WIDEN = (0.3, 0.8)  # ...each with the free land in an ellipse this much longer than its path
_LAND = 0.1  # a shift's land costs 0.1 x the mean territory's cost per mean territory's area
_SHIFT_SHAPE = 8.0  # a shift's key x exp(-8 x border added / perimeter of a mean territory)
_ROUNDER = 0.002  # a unit moved for free goes back if the Polsby-Popper sum gains this


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
    """

    labels: np.ndarray
    moved: np.ndarray
    totals: np.ndarray
    max_deviation: float
    contiguous: list[bool]
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --------------------------------------------------------------------------- inputs


def _per_unit(values: Sequence[float] | np.ndarray, n: int, what: str) -> np.ndarray:
    """Zero or positive numbers, one per unit."""
    arr = np.asarray(values, dtype=float).ravel()
    if len(arr) != n:
        msg = f"{len(arr)} {what} for {n} units: give one per unit"
        raise InputError(msg)
    if not np.isfinite(arr).all() or (arr < 0).any():
        msg = f"the {what} must be zero or positive numbers (no blanks)"
        raise InputError(msg)
    return arr


def _labels(labels: Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    """Whole territory indices, one per unit, -1 for a unit in no territory."""
    arr = np.asarray(labels).ravel()
    if len(arr) != n:
        msg = f"{len(arr)} territory labels for {n} units: give one per unit (-1 for none)"
        raise InputError(msg)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            msg = "territory labels must be whole numbers (-1 for a unit in no territory)"
            raise InputError(msg)
    elif arr.dtype.kind not in "iub":
        msg = "territory labels must be whole numbers (-1 for a unit in no territory)"
        raise InputError(msg)
    lab = arr.astype(np.int64)
    if (lab < -1).any():
        msg = "territory labels must be 0 or more (-1 for a unit in no territory)"
        raise InputError(msg)
    if not (lab >= 0).any():
        msg = "no unit is in a territory: there is nothing to balance"
        raise InputError(msg)
    k = int(lab.max()) + 1
    empty = np.flatnonzero(np.bincount(lab[lab >= 0], minlength=k) == 0)
    if len(empty):
        msg = (
            f"territory {int(empty[0])} has no units: number the territories 0 .. "
            f"{k - 1} without gaps (carve a new one with split_units)"
        )
        raise InputError(msg)
    return lab


def _locked(locked: Sequence[bool] | np.ndarray | None, n: int) -> np.ndarray:
    if locked is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(locked).ravel()
    if len(arr) != n:
        msg = f"{len(arr)} lock flags for {n} units: give one per unit (True for locked)"
        raise InputError(msg)
    return arr.astype(bool)


def _tolerance(tolerance: float) -> float:
    value = float(tolerance)
    if not np.isfinite(value) or value < 0 or value >= 1:
        msg = f"the tolerance must be between 0 and 1 (0.05 for ±5%), not {tolerance}"
        raise InputError(msg)
    return value


def _graph(units: gpd.GeoDataFrame, graph: nx.Graph | None, n: int) -> nx.Graph:
    if graph is None:
        return unit_graph(units)
    if graph.number_of_nodes() != n or any(not (0 <= int(v) < n) for v in graph.nodes):
        msg = (
            f"the unit graph has {graph.number_of_nodes()} units and the map {n}: "
            "build it with unit_graph from the same units"
        )
        raise InputError(msg)
    if any("border_km" not in data for *_, data in graph.edges(data=True)):
        msg = "the unit graph has no border lengths: build it with unit_graph"
        raise InputError(msg)
    return graph


# --------------------------------------------------------------------------- the search


def _excess(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far each total is outside its band (>= 0)."""
    result: np.ndarray = np.maximum(np.maximum(values - hi, lo - values), 0.0)
    return result


def _band(k: int, target: float, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds per territory, a hair inside so rounding cannot cross them."""
    band = tolerance * (1 - 1e-9)
    return np.full(k, target * (1 - band)), np.full(k, target * (1 + band))


@dataclass
class _Pairs:
    """The moves possible now: unit `v` of territory `a` to neighbouring territory `b`."""

    v: np.ndarray
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    cost: np.ndarray  # what the move adds to the total cost (negative: a unit goes home)
    fit: np.ndarray  # > 1 when the unit shares more border with `b` than with `a`
    groups: dict[tuple[int, int], tuple[int, int]]  # (a, b) -> slice of the arrays
    outs: dict[int, list[int]]  # a -> the territories b it can give to
    ins: dict[int, list[int]]  # b -> the territories a it can take from


@dataclass(frozen=True)
class _Shift:
    """A border shift: the units that go to territory `to`, and its excess removed per cost."""

    key: float
    units: tuple[int, ...]
    to: int


@dataclass
class _Candidates:
    """Steps of one to three moves: gain, added cost, shape fit, and (unit, territory) per move."""

    gain: np.ndarray
    cost: np.ndarray
    fit: np.ndarray  # geometric mean of the moves' `_Pairs.fit`
    moves: np.ndarray  # (m, 2 x longest chain): v1 t1 v2 t2 ..., -1 after the last move

    @staticmethod
    def empty(width: int) -> _Candidates:
        none = np.zeros(0)
        return _Candidates(none, none, none, np.zeros((0, width), dtype=np.int64))

    def key(self, eps_cost: float) -> np.ndarray:
        """Excess removed per cost, times the shape fit: higher is better."""
        result: np.ndarray = self.gain / np.maximum(self.cost, eps_cost) * self.fit
        return result

    def subset(self, keep: np.ndarray) -> _Candidates:
        return _Candidates(self.gain[keep], self.cost[keep], self.fit[keep], self.moves[keep])

    @staticmethod
    def join(parts: Sequence[_Candidates], width: int) -> _Candidates:
        parts = [p for p in parts if len(p.gain)]
        if not parts:
            return _Candidates.empty(width)
        return _Candidates(
            np.concatenate([p.gain for p in parts]),
            np.concatenate([p.cost for p in parts]),
            np.concatenate([p.fit for p in parts]),
            np.concatenate([p.moves for p in parts]),
        )


class _Balancer:
    """Moves units between the active territories of a `_Plan` until each is in its band."""

    def __init__(
        self,
        plan: _Plan,
        *,
        lo: np.ndarray,
        hi: np.ndarray,
        active: np.ndarray,
        movable: np.ndarray,
        cost: np.ndarray,
        original: np.ndarray,
        unit: float,
        keep: int | None = None,
        shape: float = 0.0,
        xyz: np.ndarray | None = None,
    ) -> None:
        """Balance `plan` within ``lo .. hi`` per territory (only `active` ones change).

        `cost` per unit counts for a unit away from its `original` territory;
        units in territory `keep` (a new one) count as moved wherever they go
        and stay in it in the clean-up. With `shape` > 0, a move's gain per
        cost is weighed by ``exp(shape * (border gained - border lost) /
        perimeter)`` of the unit: rounder territories for some more moves.
        With the units' positions `xyz` (km), borders may also shift across
        empty units (weight 0) when no move or chain helps (`shift_borders`).
        """
        self.shape = shape
        self.width = 2 * max(3, plan.k)  # a chain passes each territory at most once
        self._leave: dict[int, dict[int, bool]] = {}  # territory -> unit -> may leave it
        self.plan = plan
        self.keep = -1 if keep is None else keep
        self.lo = np.where(active, lo, -np.inf)
        self.hi = np.where(active, hi, np.inf)
        self.active = active
        self.movable = movable
        self.cost = cost
        self.orig = original
        self.w = np.asarray(plan.w, dtype=float)
        self.perim = np.maximum(np.asarray(plan.perim, dtype=float), 1e-9)
        positive = cost[cost > 0]
        self.eps_cost = 1e-9 * (float(positive.min()) if len(positive) else 1.0)
        self.eps = 1e-9 * max(unit, 1e-300)
        self._init_shifts(xyz)

    # ----------------------------------------------------------------- state

    def excess(self, values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """`_excess`, with what rounding leaves (under `eps`) counted as none."""
        raw = _excess(values, lo, hi)
        result: np.ndarray = np.where(raw > self.eps, raw, 0.0)
        return result

    def totals(self) -> np.ndarray:
        return np.asarray(self.plan.total, dtype=float)

    def off(self) -> float:
        """Summed excess of all territories."""
        return float(self.excess(self.totals(), self.lo, self.hi).sum())

    def pairs(self) -> _Pairs:
        plan, kp = self.plan, self.plan.k
        lab = np.asarray(plan.label, dtype=np.int64)
        count = np.asarray(plan.count)
        ls, ld = lab[plan.src], lab[plan.dst]
        ok = (ls != ld) & self.movable[plan.src] & self.active[ld] & (count[ls] > 1)
        code = np.unique(plan.src[ok] * kp + ld[ok])
        v, b = code // kp, code % kp
        heavy = self.w[v] > 0  # an empty unit alone changes no total
        v, b = v[heavy], b[heavy]
        a = lab[v]
        order = np.lexsort((v, b, a))
        v, a, b = v[order], a[order], b[order]
        home = self.orig[v]
        cost = self.cost[v] * ((b != home).astype(float) - ((a != home) & (a != self.keep)))
        fit = np.ones(len(v))
        if self.shape:  # border shared with each territory, per unit: rounder shapes win
            shared, where = np.unique(plan.src * kp + ld, return_inverse=True)
            km = np.bincount(where, weights=plan.border_flat)

            def border(code: np.ndarray) -> np.ndarray:
                at = np.searchsorted(shared, code).clip(max=len(shared) - 1)
                return np.where(shared[at] == code, km[at], 0.0)

            gained = (border(v * kp + b) - border(v * kp + a)) / self.perim[v]
            fit = np.exp(self.shape * gained)
        groups: dict[tuple[int, int], tuple[int, int]] = {}
        outs: dict[int, list[int]] = {}
        ins: dict[int, list[int]] = {}
        if len(v):
            pair = a * kp + b
            starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
            stops = np.r_[starts[1:], len(v)]
            for s, e in zip(starts.tolist(), stops.tolist(), strict=True):
                x, y = int(a[s]), int(b[s])
                groups[x, y] = (s, e)
                outs.setdefault(x, []).append(y)
                ins.setdefault(y, []).append(x)
        return _Pairs(v, a, b, self.w[v], cost, fit, groups, outs, ins)

    # ----------------------------------------------------------------- candidates

    def direct(self, p: _Pairs, total: np.ndarray, exc: np.ndarray) -> _Candidates:
        """Single border moves that reduce the summed excess."""
        lo, hi = self.lo, self.hi
        a, b, w = p.a, p.b, p.w
        gain = (
            exc[a]
            + exc[b]
            - self.excess(total[a] - w, lo[a], hi[a])
            - self.excess(total[b] + w, lo[b], hi[b])
        )
        ok = gain > self.eps
        moves = np.full((int(ok.sum()), self.width), _NO_MOVE, dtype=np.int64)
        moves[:, 0], moves[:, 1] = p.v[ok], b[ok]
        return _Candidates(gain[ok], p.cost[ok], p.fit[ok], moves)

    def chains2(
        self,
        p: _Pairs,
        total: np.ndarray,
        exc: np.ndarray,
        *,
        first: int | None = None,
        last: int | None = None,
        banned: int | None = None,
    ) -> _Candidates:
        """Two moves A -> B -> C through a territory B that is in its band.

        Only chains that start at `first` / end at `last` when given, and
        avoid territory `banned`. Gains are relative to `total`.
        """
        lo, hi, eps = self.lo, self.hi, self.eps
        found: list[_Candidates] = []
        for mid in range(self.plan.k):
            if not self.active[mid] or exc[mid] > 0 or mid == banned:
                continue
            for a in p.ins.get(mid, ()):
                if (first is not None and a != first) or a == banned:
                    continue
                s1, e1 = p.groups[a, mid]
                for c in p.outs.get(mid, ()):
                    if c in (a, banned) or (last is not None and c != last):
                        continue
                    if not (total[a] > hi[a] or total[c] < lo[c]):
                        continue
                    s2, e2 = p.groups[mid, c]
                    w1, w2 = p.w[s1:e1], p.w[s2:e2]
                    gain = (
                        exc[a]
                        + exc[c]
                        - self.excess(total[a] - w1, lo[a], hi[a])[:, None]
                        - self.excess(total[c] + w2, lo[c], hi[c])[None, :]
                        - self.excess(total[mid] + w1[:, None] - w2[None, :], lo[mid], hi[mid])
                    ).ravel()
                    good = np.flatnonzero(gain > eps)
                    if not len(good):
                        continue
                    i, j = np.divmod(good, e2 - s2)
                    step = _Candidates(
                        gain[good],
                        p.cost[s1 + i] + p.cost[s2 + j],
                        np.sqrt(p.fit[s1 + i] * p.fit[s2 + j]),
                        np.full((len(good), self.width), _NO_MOVE, dtype=np.int64),
                    )
                    step.moves[:, 0], step.moves[:, 1] = p.v[s1 + i], mid
                    step.moves[:, 2], step.moves[:, 3] = p.v[s2 + j], c
                    found.append(self.best_feasible(step, _TOP_PER_TRIPLE))
        return _Candidates.join(found, self.width)

    def chains3(self, p: _Pairs, total: np.ndarray, exc: np.ndarray) -> _Candidates:
        """Three moves A -> B -> C -> D: a first (or last) move, then a two-move chain."""
        lo, hi, eps = self.lo, self.hi, self.eps
        found: list[_Candidates] = []
        base = float(exc.sum())
        for (a, b), (s, e) in p.groups.items():
            push = total[a] > hi[a] and exc[b] == 0
            pull = total[b] < lo[b] and exc[a] == 0
            if not (push or pull):
                continue
            w = p.w[s:e]
            if push:
                gain = exc[a] - self.excess(total[a] - w, lo[a], hi[a])
            else:
                gain = exc[b] - self.excess(total[b] + w, lo[b], hi[b])
            key = np.where(
                gain > eps, gain / np.maximum(p.cost[s:e], self.eps_cost) * p.fit[s:e], -np.inf
            )
            for i in self._first_moves(p.v[s:e], key):
                after = total.copy()
                after[a] -= w[i]
                after[b] += w[i]
                if (push and after[b] <= hi[b]) or (pull and after[a] >= lo[a]):
                    continue  # a single move: not a chain
                exc_after = self.excess(after, lo, hi)
                if push:
                    rest = self.chains2(p, after, exc_after, first=b, banned=a)
                else:
                    rest = self.chains2(p, after, exc_after, last=a, banned=b)
                if not len(rest.gain):
                    continue
                rest.gain += base - float(exc_after.sum())
                rest.cost += p.cost[s + i]
                rest.fit = np.cbrt(rest.fit**2 * p.fit[s + i])
                if push:
                    rest.moves[:, 2:6] = rest.moves[:, :4].copy()
                    rest.moves[:, 0], rest.moves[:, 1] = p.v[s + i], b
                else:
                    rest.moves[:, 4], rest.moves[:, 5] = p.v[s + i], b
                found.append(rest.subset(rest.gain > eps))
        return _Candidates.join(found, self.width)

    # ----------------------------------------------------------------- steps

    def apply(self, moves: Sequence[int], before: float) -> bool:
        """Make the moves if each keeps its territory whole and the excess goes down."""
        plan = self.plan
        label, nbr = plan.label, plan.nbr
        done: list[tuple[int, int]] = []
        ok = True
        for v, t in zip(moves[::2], moves[1::2], strict=True):
            if v == _NO_MOVE:
                break
            a = label[v]
            if a == t or not any(label[u] == t for u in nbr[v]) or not self.can_leave(v):
                ok = False
                break
            self.move(v, t)
            done.append((v, a))
        if ok and self.off() < before - self.eps / 2:
            return True
        for v, a in reversed(done):
            self.move(v, a)
        return False

    def _first_moves(self, units: np.ndarray, key: np.ndarray) -> list[int]:
        """Positions of the best `_FIRST_MOVES` units by `key` (finite) that may leave."""
        chosen: list[int] = []
        for i in np.argsort(-key, kind="stable").tolist():
            if key[i] == -np.inf or len(chosen) == _FIRST_MOVES:
                break
            if self.can_leave(int(units[i])):
                chosen.append(i)
        return chosen

    def best_feasible(self, found: _Candidates, count: int) -> _Candidates:
        """The `count` best candidates whose units may all leave their territories now."""
        chosen: list[int] = []
        for i in np.argsort(-found.key(self.eps_cost), kind="stable").tolist():
            if all(self.can_leave(v) for v in found.moves[i, ::2].tolist() if v != _NO_MOVE):
                chosen.append(i)
                if len(chosen) == count:
                    break
        return found.subset(np.asarray(chosen, dtype=np.int64))

    def can_leave(self, v: int) -> bool:
        """Whether unit `v` may leave its territory (it keeps a unit and stays whole); cached."""
        plan = self.plan
        a = plan.label[v]
        known = self._leave.setdefault(a, {})
        if v not in known:
            known[v] = plan.count[a] > 1 and plan.stays_connected(v, a)
        return known[v]

    def move(self, v: int, t: int) -> None:
        """Move unit `v` to territory `t`, forgetting what was known of the two territories."""
        a = self.plan.label[v]
        self._leave.pop(a, None)
        self._leave.pop(t, None)
        self._version[a] += 1
        self._version[t] += 1
        self.plan.move(v, t)

    def shape_change(self, moves: Sequence[int]) -> float:
        plan = self.plan
        return sum(
            plan.shape_delta(v, t, plan.shared(v))
            for v, t in zip(moves[::2], moves[1::2], strict=True)
            if v != _NO_MOVE
        )

    def take_best(self, found: _Candidates) -> bool:
        """Make the step with the most gain per cost that can be made; False if none.

        Near-ties (within `_TIE`) go to the step that keeps the shapes rounder.
        """
        if not len(found.gain):
            return False
        key = found.key(self.eps_cost)
        order = np.argsort(-key, kind="stable").tolist()
        best = key[order[0]]
        tied = [i for i in order[:_TIED] if key[i] >= best * (1 - _TIE)]
        shapes = {i: self.shape_change(found.moves[i].tolist()) for i in tied}
        tied.sort(key=lambda i: shapes[i])
        for i in tied + order[len(tied) :]:
            if self.apply([m for m in found.moves[i].tolist() if m != _NO_MOVE], self.off()):
                return True
        return False

    def chains_long(self, p: _Pairs, total: np.ndarray, exc: np.ndarray) -> _Candidates:
        """Chains of any length along shortest paths of territories.

        From each territory over its band to every territory with room, and
        into each one under it from every territory with some to spare.
        Each hop gives a unit whose weight keeps the excess of the territory
        it passes through from growing, as close as can be to what it received.
        """
        lo, hi = self.lo, self.hi
        paths: list[list[int]] = []
        for s in range(self.plan.k):
            if total[s] > hi[s]:
                ends = self._paths(s, p.outs, lambda t: total[t] < hi[t])
                paths.extend(ends)
            if total[s] < lo[s]:
                starts = self._paths(s, p.ins, lambda t: total[t] > lo[t])
                paths.extend(path[::-1] for path in starts)
        found = [c for c in (self._along(p, path, total, exc) for path in paths) if c is not None]
        return _Candidates.join(found, self.width)

    def _paths(
        self, s: int, step: dict[int, list[int]], goal: Callable[[int], bool]
    ) -> list[list[int]]:
        """Shortest paths (two hops or more) from `s` to the territories meeting `goal`."""
        parent = {s: s}
        queue = [s]
        for x in queue:  # grows while it is read: a breadth-first search
            for y in step.get(x, ()):
                if y not in parent:
                    parent[y] = x
                    queue.append(y)
        paths = []
        for y in queue[1:]:
            if parent[y] != s and goal(y):
                path = [y]
                while path[-1] != s:
                    path.append(parent[path[-1]])
                paths.append(path[::-1])
        return paths

    def _along(
        self, p: _Pairs, path: list[int], total: np.ndarray, exc: np.ndarray
    ) -> _Candidates | None:
        """One chain along `path` (territories), or None if a hop finds no fitting unit."""
        lo, hi = self.lo, self.hi
        after = total.copy()
        moves = np.full((1, self.width), _NO_MOVE, dtype=np.int64)
        cost, fit = 0.0, 1.0
        amount = max(total[path[0]] - hi[path[0]], lo[path[-1]] - total[path[-1]], 0.0)
        for hop, (x, y) in enumerate(itertools.pairwise(path)):
            s, e = p.groups[x, y]
            w = p.w[s:e]
            # x's excess must not grow: it stays above its floor (or where it was)...
            most = after[x] - min(lo[x], total[x])
            # ...and, when passed through, under its top (or where it was).
            least = after[x] - max(hi[x], total[x]) if hop else -np.inf
            fits = np.flatnonzero((w >= least) & (w <= most))
            fits = fits[np.argsort(np.abs(w[fits] - amount), kind="stable")]
            usable = [int(f) for f in fits.tolist() if self.can_leave(int(p.v[s + f]))]
            if not usable:
                return None
            j = s + usable[0]
            moves[0, 2 * hop], moves[0, 2 * hop + 1] = p.v[j], y
            cost += float(p.cost[j])
            fit *= float(p.fit[j])
            after[x] -= p.w[j]
            after[y] += p.w[j]
            amount = float(p.w[j])
        gain = float(exc.sum() - self.excess(after, lo, hi).sum())
        if gain <= self.eps:
            return None
        hops = len(path) - 1
        return _Candidates(np.array([gain]), np.array([cost]), np.array([fit ** (1 / hops)]), moves)

    def run(
        self,
        progress: Progress,
        cancel: CancelToken | None,
        span: tuple[float, float],
    ) -> None:
        """Steps until every territory is in its band or no step helps, then the clean-up."""
        start = self.off()
        reported = 0.0
        for _ in range(4 * self.plan.n + 100):
            if cancel is not None:
                cancel.raise_if_cancelled()
            total = self.totals()
            exc = self.excess(total, self.lo, self.hi)
            before = float(exc.sum())
            if before <= self.eps:
                break
            done = before / start if start > 0 else 1.0
            if 1 - done > reported:
                reported = 1 - done
                progress(span[0] + (span[1] - span[0]) * reported, "Balancing")
            p = self.pairs()
            if not (
                self.take_best(self.direct(p, total, exc))
                or self.take_best(self.chains2(p, total, exc))
                or self.take_best(self.chains3(p, total, exc))
                or self.take_best(self.chains_long(p, total, exc))
                or (self.shifting and self.shift_borders())
            ):
                break
        self.unwind()

    # ----------------------------------------------------------------- border shifts

    def _init_shifts(self, xyz: np.ndarray | None) -> None:
        """What `shift_borders` needs: positions, distances, pinned units, scales of cost.

        No shift takes a pinned unit: a fixed one, or the heaviest unit a
        territory started with, its heart (where its rep most likely works;
        moves and chains may still move it).
        """
        plan = self.plan
        self.xyz = xyz
        empty = self.w == 0
        self.free = empty & (self.cost == 0)  # moving it changes neither a total nor the cost
        self.shifting = xyz is not None and bool((empty & self.movable).any())
        self._version = [0] * plan.k  # bumped when a territory changes
        self._ways: dict[tuple[int, int], tuple[tuple[int, int], list[_Shift]]] = {}
        self._centres: dict[int, np.ndarray] = {}
        self.pinned = ~self.movable  # and the hearts, below
        self._km: list[list[float]] = []
        area = float(np.sum(plan.area))
        self.land = _LAND * float(self.cost.sum()) / max(area, 1e-300)  # cost per km2
        self.disc = 2 * float(np.sqrt(np.pi * area / max(int(self.active.sum()), 1)))
        if not self.shifting or xyz is None:
            return
        lengths = np.sqrt(((xyz[plan.src] - xyz[plan.dst]) ** 2).sum(axis=1)).tolist()
        at = 0
        for others in plan.nbr:
            self._km.append(lengths[at : at + len(others)])
            at += len(others)
        heaviest: dict[int, int] = {}
        for v in np.argsort(-self.w, kind="stable").tolist():
            heaviest.setdefault(int(self.orig[v]), v)
        hearts = [v for v in heaviest.values() if self.w[v] > 0]
        self.pinned[hearts] = True

    def shift_borders(self) -> bool:
        """Shift one border across empty land up to where the weight is; False if none helps.

        Where accounts sit in clusters (cities, empty land between), the
        units along the borders are often empty (weight 0): no border move
        changes a total, nor does any chain. Then a territory b reaches
        into a neighbour a, up to some of a's weighted units, taking the
        land between: a front (`_front`) or a bite (`_bites`), rounded off
        (`_smooth`), with any piece of a it would cut off (`_close`). Of all
        such shifts between territories that can give and take, the one
        with the most excess removed per cost is made, its land counted as a
        little cost (`_LAND`) and weighed by the border it adds
        (`_border_fit`). The other steps then fine-tune along the new border.
        """
        total = self.totals()
        exc = self.excess(total, self.lo, self.hi)
        best: _Shift | None = None
        for a, b in self._touching():
            if not (exc[a] > 0 or exc[b] > 0):
                continue  # moving weight between two territories in their band helps nothing
            stamp = (self._version[a], self._version[b])
            known = self._ways.get((a, b))
            if known is None or known[0] != stamp:  # a or b changed since: look again
                known = (stamp, self._shifts(a, b, total, exc))
                self._ways[a, b] = known
            for shift in known[1]:
                if best is None or shift.key > best.key * (1 + _TIE):
                    best = shift
        if best is None:
            return False
        for v in best.units:
            self.move(v, best.to)
        return True

    def _touching(self) -> list[tuple[int, int]]:
        """(giver, taker) of the active territories that share a border, ascending."""
        plan, k = self.plan, self.plan.k
        lab = np.asarray(plan.label, dtype=np.int64)
        ls, ld = lab[plan.src], lab[plan.dst]
        ok = (ls != ld) & self.movable[plan.src] & self.active[ls] & self.active[ld]
        return [divmod(code, k) for code in np.unique(ls[ok] * k + ld[ok]).tolist()]

    def _shifts(self, a: int, b: int, total: np.ndarray, exc: np.ndarray) -> list[_Shift]:
        """The shifts of the border of `a` and `b` into `a` that remove excess.

        Free units are empty ones of `a` whose move costs nothing; units
        that are pinned (`_init_shifts`) never move.
        """
        plan = self.plan
        lab = np.asarray(plan.label)
        mine = np.flatnonzero((lab == a) & ~self.pinned)
        members = mine.tolist()
        free = set(mine[self.w[mine] == 0].tolist())
        free = {v for v in free if self._move_cost(v, a, b) <= 0}
        found: list[_Shift] = []
        seen: set[tuple[int, ...]] = set()
        for start in self._front(a, b, members, total, exc) + self._bites(a, b, members, free):
            units = self._close(self._smooth(start, a, b, free), a)
            key = tuple(sorted(units)) if units else ()
            if not key or key in seen:
                continue
            seen.add(key)
            gain = self._gain(a, b, float(self.w[list(key)].sum()), total, exc)
            if gain <= self.eps:
                continue
            cost = sum(self._move_cost(x, a, b) for x in key)
            cost += self.land * sum(plan.area[x] for x in key)
            fit = self._border_fit(key, a, b)
            found.append(_Shift(gain / max(cost, self.eps_cost) * fit, key, b))
        return found

    def _gain(self, a: int, b: int, moved: float, total: np.ndarray, exc: np.ndarray) -> float:
        """Excess removed by moving `moved` of weight from territory `a` to `b`."""
        lo, hi = self.lo, self.hi
        after = 0.0
        for t, value in ((a, total[a] - moved), (b, total[b] + moved)):
            off = max(value - hi[t], lo[t] - value, 0.0)
            after += off if off > self.eps else 0.0
        return float(exc[a] + exc[b] - after)

    def _front(
        self, a: int, b: int, members: list[int], total: np.ndarray, exc: np.ndarray
    ) -> list[set[int]]:
        """Fronts: `b`'s border moved into `a` up to each of the first weighted units.

        `a`'s `members` (its units that are not pinned) go to `b` from its
        border inwards, nearest `b`'s middle first (as if `b`'s rep reached
        further), each once `a` stays in one piece without it
        (`_whole_nearby`), skipping a weighted unit that would add excess;
        one front ends at each weighted unit taken, up to `_FRONTS` of them
        or until `a` is down to its floor. The plan is left as it was.
        """
        plan = self.plan
        label, nbr, w = plan.label, plan.nbr, self.w
        if not members or plan.count[a] <= 1:
            return []
        near = self._reach(b, members)
        heap = [(near[v], v) for v in members if any(label[u] == b for u in nbr[v])]
        heapq.heapify(heap)
        done: list[int] = []
        found: list[set[int]] = []
        moved = 0.0
        most = max(total[a] - self.lo[a], 0.0)
        while heap and len(found) < _FRONTS and moved < most:
            _, v = heapq.heappop(heap)
            if label[v] != a or plan.count[a] <= 1 or not self._whole_nearby(v, a):
                continue  # offered again when a neighbour goes
            if w[v] > 0 and self._gain(a, b, moved + w[v], total, exc) <= self._gain(
                a, b, moved, total, exc
            ):
                continue  # it adds excess (or removes none): it stays
            plan.move(v, b)  # tried only: the plan is restored below
            done.append(v)
            moved += w[v]
            if w[v] > 0:
                found.append(set(done))
            for u in nbr[v]:
                if label[u] == a and u in near:
                    heapq.heappush(heap, (near[u], u))
        for x in reversed(done):
            plan.move(x, a)
        return found

    def _whole_nearby(self, v: int, a: int) -> bool:
        """Whether `v`'s neighbours in territory `a` link up without it, within two steps of it.

        A cheap, cautious `_Plan.stays_connected`: a unit whose neighbours
        only link up far around is kept (a front goes round it).
        """
        label, nbr = self.plan.label, self.plan.nbr
        targets = [u for u in nbr[v] if label[u] == a]
        if len(targets) <= 1:
            return True
        near = {u for x in targets for u in nbr[x] if label[u] == a} | set(targets)
        near.discard(v)
        seen = {targets[0]}
        queue = [targets[0]]
        for x in queue:  # grows while it is read
            for y in nbr[x]:
                if y in near and y not in seen:
                    seen.add(y)
                    queue.append(y)
        return all(u in seen for u in targets)

    def _bites(self, a: int, b: int, members: list[int], free: set[int]) -> list[set[int]]:
        """Bites: `b` reaching into `a` up to one weighted unit, with the free land between.

        For each of `a`'s first `_TARGETS` weighted units (nearest `b`'s
        middle): the cheapest path to it from `b`'s border (then the
        shortest, never through a pinned unit), and the free units linked to
        it within an ellipse around its ends (`_WIDEN`).
        """
        plan = self.plan
        label, nbr, km, w = plan.label, plan.nbr, self._km, self.w
        step = {v: max(self._move_cost(v, a, b), 0.0) for v in members}
        if not step or plan.count[a] <= 1:
            return []
        heap = [(step[s], 0.0, s, -1) for s in step if any(label[u] == b for u in nbr[s])]
        heapq.heapify(heap)
        parent: dict[int, int] = {}
        while heap:
            c, d, x, came = heapq.heappop(heap)
            if x in parent:
                continue
            parent[x] = came
            for y, dy in zip(nbr[x], km[x], strict=True):
                if y in step and y not in parent:
                    heapq.heappush(heap, (c + step[y], d + dy, y, x))
        near = self._reach(b, list(parent))
        ends = sorted((u for u in parent if w[u] > 0), key=lambda u: (near[u], u))[:_TARGETS]
        spots = np.asarray(sorted(free), dtype=np.int64)
        found: list[set[int]] = []
        for u in ends:
            path = [u]
            while parent[path[-1]] >= 0:
                path.append(parent[path[-1]])
            found.extend(self._widen(path, widen, spots) for widen in _WIDEN)
        return found

    def _widen(self, path: list[int], widen: float, free: np.ndarray) -> set[int]:
        """The path and the free units linked to it in an ellipse around its ends.

        The ellipse has the path's ends as foci and a sum of distances
        ``1 + widen`` times the distance between them.
        """
        assert self.xyz is not None  # noqa: S101 (shifts need positions)
        xyz = self.xyz
        units = set(path)
        end, start = xyz[path[0]], xyz[path[-1]]
        reach = (1 + widen) * float(np.sqrt(((end - start) ** 2).sum()))
        spot = xyz[free]
        sums = np.sqrt(((spot - end) ** 2).sum(axis=1)) + np.sqrt(((spot - start) ** 2).sum(axis=1))
        inside = set(free[sums <= reach].tolist()) - units
        queue = list(units)
        for x in queue:  # grows while it is read: the free units linked to the path
            for y in self.plan.nbr[x]:
                if y in inside:
                    inside.discard(y)
                    units.add(y)
                    queue.append(y)
        return units

    def _smooth(self, units: set[int], a: int, b: int, free: set[int]) -> set[int]:
        """`units` and the free units of `a` sharing more border with them and `b` than not.

        Each such unit shortens the territory borders: the jagged edges of
        a front or a bite are filled in; a corridor would stay one.
        """
        plan = self.plan
        label, nbr, border = plan.label, plan.nbr, plan.border
        units = set(units)
        queue = sorted({y for x in units for y in nbr[x] if y in free and y not in units})
        while queue:
            x = queue.pop()
            if x in units:
                continue
            taken = rest = 0.0
            for y, km in zip(nbr[x], border[x], strict=True):
                if y in units or label[y] == b:
                    taken += km
                elif label[y] == a:
                    rest += km
            if taken > rest:
                units.add(x)
                queue.extend(y for y in nbr[x] if y in free and y not in units)
        return units

    def _close(self, units: set[int], a: int) -> set[int] | None:
        """`units` and the pieces of `a` they would cut off.

        The piece that stays is the one holding a pinned unit, else the
        heaviest; None if two pieces hold one or nothing of `a` would stay.
        """
        plan = self.plan
        label, nbr = plan.label, plan.nbr
        if plan.count[a] <= len(units):
            return None
        ring = {y for x in units for y in nbr[x] if label[y] == a and y not in units}
        parts: list[list[int]] = []
        seen: set[int] = set()
        for r in sorted(ring):
            if r in seen:
                continue
            seen.add(r)
            part = [r]
            reached = 1
            for x in part:  # grows while it is read
                for y in nbr[x]:
                    if y not in seen and y not in units and label[y] == a:
                        seen.add(y)
                        part.append(y)
                        reached += y in ring
                if not parts and reached == len(ring):
                    return units  # the rest of `a` links up around them: nothing cut off
            parts.append(part)
        if len(parts) <= 1:
            return units
        held = [p for p in parts if self.pinned[p].any()]
        if len(held) > 1:
            return None
        w = self.w
        stay = held[0] if held else max(parts, key=lambda p: (w[p].sum(), len(p), -min(p)))
        return units.union(*(part for part in parts if part is not stay))

    def _border_fit(self, units: tuple[int, ...], a: int, b: int) -> float:
        """``exp(-_SHIFT_SHAPE x border added / perimeter of a disc of a mean territory)``.

        Moving `units` from `a` to `b` turns their border with the rest of
        `a` into a territory border and their border with `b` into none: a
        corridor adds much border, a moved front little or none.
        """
        plan = self.plan
        inside = set(units)
        added = 0.0
        for x in units:
            for y, km in zip(plan.nbr[x], plan.border[x], strict=True):
                if y not in inside and plan.label[y] == a:
                    added += km
                elif y not in inside and plan.label[y] == b:
                    added -= km
        return float(np.exp(-_SHIFT_SHAPE * added / self.disc))

    def _move_cost(self, v: int, a: int, b: int) -> float:
        """What moving unit `v` from territory `a` to `b` adds to the cost (as in `pairs`)."""
        home = self.orig[v]
        return float(self.cost[v]) * (float(b != home) - float(a not in (home, self.keep)))

    def _reach(self, b: int, units: list[int]) -> dict[int, float]:
        """Per unit, its distance (km) to the middle of territory `b`."""
        assert self.xyz is not None  # noqa: S101 (shifts need positions)
        if not units:
            return {}
        near = np.sqrt(((self.xyz[units] - self._centre(b)) ** 2).sum(axis=1))
        return dict(zip(units, near.tolist(), strict=True))

    def _centre(self, t: int) -> np.ndarray:
        """Middle of territory `t` as it started (of its weight, else its area); a new one's now."""
        assert self.xyz is not None  # noqa: S101 (shifts need positions)
        if t not in self._centres:
            mine = np.flatnonzero(self.orig == t)
            if not len(mine):
                mine = np.flatnonzero(np.asarray(self.plan.label) == t)
            weight = self.w[mine]
            if weight.sum() <= 0:
                weight = np.asarray(self.plan.area)[mine] + 1e-9
            self._centres[t] = np.asarray(np.average(self.xyz[mine], axis=0, weights=weight))
        return self._centres[t]

    def unwind(self) -> None:
        """Send moved units home while the summed excess does not grow (costliest first).

        A unit that moved for free (empty, no cost, see `shift_borders`) goes
        back only where that makes the shapes rounder: a shifted border stays
        a border, not a corridor.
        """
        plan = self.plan
        label, nbr = plan.label, plan.nbr
        for _ in range(plan.n):
            changed = False
            moved = [v for v in range(plan.n) if label[v] not in (self.orig[v], self.keep)]
            moved.sort(key=lambda v: (-self.cost[v], v))
            for v in moved:
                home, a = int(self.orig[v]), label[v]
                if not any(label[u] == home for u in nbr[v]) or not self.can_leave(v):
                    continue
                if self.free[v] and plan.shape_delta(v, home, plan.shared(v)) > -_ROUNDER:
                    continue
                before = self.off()
                self.move(v, home)
                if self.off() > before + self.eps / 2:
                    self.move(v, a)
                else:
                    changed = True
            if not changed:
                return


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
) -> _Setup:
    """A `_Plan` with one extra territory, index `k`, for the units in no territory."""
    geoms = _lonlat(units)
    area, perimeter = _measures(graph, geoms)
    internal = np.where(lab < 0, k, lab)
    kp = k + 1 if (lab < 0).any() else k
    plan = _Plan(graph, w, area, perimeter, fixed=fixed, k=kp)
    plan.assign(internal)
    return _Setup(plan, _unit_names(units), internal, k, _sphere_km(geoms))


def _describe(
    plan: _Plan,
    k: int,
    *,
    before: list[int],
    names: list[str],
    violations: list[str],
) -> list[bool]:
    """Per territory whether it is one piece; territories left in pieces are explained."""
    pieces = plan.pieces()[:k]
    for t, parts in enumerate(pieces):
        if len(parts) > 1:
            smallest = min(parts, key=lambda p: (len(p), min(p)))
            violations.append(
                f"territory {t} was already in {before[t]} pieces and is left in "
                f"{len(parts)} (one holds {names[min(smallest)]}): moves never cut a "
                "territory, but they do not join one either"
            )
    return [len(parts) == 1 for parts in pieces]


def _off_band(
    deviation: np.ndarray, which: Sequence[int], tolerance: float, label: str
) -> str | None:
    off = [t for t in which if abs(deviation[t]) > tolerance + 1e-9]
    if not off:
        return None
    listed = ", ".join(f"territory {t} {deviation[t]:+.1%}" for t in off[:_LISTED])
    more = f" and {len(off) - _LISTED} more" if len(off) > _LISTED else ""
    return f"outside ±{tolerance:.1%} of {label}: {listed}{more}"


def _why_not(
    w: np.ndarray,
    final: np.ndarray,
    movable: np.ndarray,
    *,
    off: Sequence[int],
    mean: float,
    tolerance: float,
    names: list[str],
    violations: list[str],
    of: str = "the mean territory",
    frozen: Sequence[int] = (),
    apart: Sequence[int] = (),
) -> None:
    """Why the territories `off` are out of their band (`mean` is `of`).

    `final` are the labels found, `movable` the units that could move;
    `frozen` are the locked territories and `apart` the ones that touch no
    territory they could trade with.
    """
    explained: set[int] = set()
    for t in off:
        if t in frozen:
            violations.append(f"territory {t} is locked: nothing may move into or out of it")
            explained.add(t)
        elif t in apart:
            violations.append(
                f"territory {t} borders neither the new territory nor another territory "
                "being split: it can neither give nor take"
            )
            explained.add(t)
    mine = np.isin(final, list(off))
    heavy = np.flatnonzero(mine & (w > mean * (1 + tolerance)))
    heavy = heavy[np.argsort(-w[heavy], kind="stable")]
    violations.extend(f"{names[i]} alone is {w[i] / mean:.1f}x {of}" for i in heavy[:5])
    explained.update(int(final[i]) for i in heavy)
    for t in off:
        pinned = float(w[(final == t) & ~movable].sum())
        if t not in explained and pinned > mean * (1 + tolerance):
            violations.append(
                f"the locked units of territory {t} already total {pinned / mean:.2f}x {of}"
            )
            explained.add(t)
    free = w[movable & (w > 0)]
    lightest = float(free.min()) / mean if len(free) else 0.0
    if lightest > 2 * tolerance:
        violations.append(
            f"the units are too coarse for ±{tolerance:.1%}: the lightest that may move is "
            f"{lightest:.1%} of {of}"
        )
        return
    rest = [t for t in off if t not in explained]
    if rest:
        which = (
            f"territory {rest[0]}: no border move, nor a chain of up to three moves, brings it"
            if len(rest) == 1
            else f"territories {', '.join(map(str, rest))}: no border move, nor a chain of up "
            "to three moves, brings them"
        )
        violations.append(
            f"{which} closer without cutting a territory in two, emptying one or moving a "
            "locked unit"
        )


# --------------------------------------------------------------------------- rebalance


def _rebalance_bands(
    w: np.ndarray,
    lab: np.ndarray,
    movable: np.ndarray,
    *,
    frozen: np.ndarray,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Bounds per territory for `rebalance_units`, the mean the free ones aim at, the overfull.

    As in design: a territory whose locked units, or one unit, weigh more
    than the band is "overfull" and only sheds what it can (its bound is
    that weight); a locked territory keeps its total. The others aim at
    the team mean, or, when what is left for them averages outside its
    band, at that average (the best balance there is).
    """
    k = len(frozen)
    inside = lab >= 0
    totals = np.bincount(lab[inside], weights=w[inside], minlength=k)
    mean = float(totals.sum()) / k
    pinned = np.bincount(lab[inside & ~movable], weights=w[inside & ~movable], minlength=k)
    heaviest = np.zeros(k)
    np.maximum.at(heaviest, lab[inside & movable], w[inside & movable])
    overfull = np.zeros(k, dtype=bool)
    aim = mean
    while True:
        rest = ~overfull & ~frozen
        if not rest.any():
            break
        fixed = float(totals[frozen].sum() + pinned[overfull].sum())
        aim = (float(totals.sum()) - fixed) / int(rest.sum())
        top = aim * (1 + tolerance)
        keep = pinned + np.where(heaviest > top, heaviest, 0.0)
        newly = rest & (keep > top)
        if not newly.any():
            break
        pinned = np.where(newly, keep, pinned)
        overfull |= newly
    if abs(aim / mean - 1) <= tolerance if mean > 0 else True:
        aim = mean  # the team band can be met: aim at it
    lo, hi = _band(k, aim, tolerance)
    lo[overfull], hi[overfull] = 0.0, pinned[overfull]
    return lo, hi, aim, overfull


def _rebalance_violations(
    w: np.ndarray,
    labels: np.ndarray,
    movable: np.ndarray,
    *,
    bands: tuple[np.ndarray, np.ndarray, float, np.ndarray],
    frozen: np.ndarray,
    tolerance: float,
    names: list[str],
) -> list[str]:
    """Which territories are out of the band around the team mean, and why."""
    k = len(frozen)
    inside = labels >= 0
    totals = np.bincount(labels[inside], weights=w[inside], minlength=k)
    mean = float(totals.sum()) / k
    if mean <= 0:
        return ["the weights add up to zero: there is nothing to balance"]
    deviation = totals / mean - 1
    message = _off_band(deviation, range(k), tolerance, "the mean")
    if not message:
        return []
    violations = [message]
    lo, hi, aim, overfull = bands
    if abs(aim / mean - 1) > _SAME:
        violations.append(
            f"the territories that can change are balanced around {aim / mean:.2f}x "
            "the mean territory"
        )
    slack = 1e-9 * mean
    own = (totals >= lo - slack) & (totals <= hi + slack)  # in the band they aimed at
    _why_not(
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
        violations=violations,
        frozen=np.flatnonzero(frozen).tolist(),
    )
    return violations


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
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    RebalanceResult
        The new labels, the moved units, the balance, and why the
        tolerance is missed if it is.

    Raises
    ------
    InputError
        If the weights, labels, costs, locks or graph do not fit the units.
    TaskCancelledError
        If `cancel` was cancelled.
    """
    start = time.perf_counter()
    n = len(units)
    w = _per_unit(weights, n, "weights")
    lab = _labels(labels, n)
    tol = _tolerance(tolerance)
    c = np.ones(n) if cost is None else _per_unit(cost, n, "costs")
    lock = _locked(locked, n)
    k = int(lab.max()) + 1
    frozen = np.zeros(k, dtype=bool)
    for t in locked_territories or ():
        if not 0 <= int(t) < k:
            msg = f"locked territory {t} does not exist: territories are 0 .. {k - 1}"
            raise InputError(msg)
        frozen[int(t)] = True
    if graph is None:
        progress(0.0, "Finding neighbouring units")
    graph = _graph(units, graph, n)
    if cancel is not None:
        cancel.raise_if_cancelled()
    movable = ~lock & (lab >= 0)
    movable &= ~frozen[np.maximum(lab, 0)]
    s = _setup(units, w, lab, k=k, graph=graph, fixed=~movable)
    plan = s.plan
    pieces_before = [len(p) for p in plan.pieces()]
    mean = float(w[lab >= 0].sum()) / k
    kp = plan.k
    active = np.zeros(kp, dtype=bool)
    active[:k] = ~frozen
    lo, hi = _band(kp, mean, tol)
    bands = _rebalance_bands(w, lab, movable, frozen=frozen, tolerance=tol)
    lo[:k], hi[:k] = bands[0], bands[1]
    balancer = _Balancer(
        plan,
        lo=lo,
        hi=hi,
        active=active,
        movable=movable,
        cost=c,
        original=s.internal,
        unit=mean,
        xyz=s.xyz,
    )
    progress(0.05, "Balancing")
    balancer.run(progress, cancel, (0.05, 0.95))

    progress(0.95, "Measuring the territories")
    internal = np.asarray(plan.label, dtype=np.int64)
    new = np.where(internal >= k, -1, internal)
    totals = np.bincount(new[new >= 0], weights=w[new >= 0], minlength=k)
    deviation = totals / mean - 1 if mean > 0 else np.zeros(k)
    violations = _rebalance_violations(
        w, new, movable, bands=bands, frozen=frozen, tolerance=tol, names=s.names
    )
    contiguous = _describe(plan, k, before=pieces_before, names=s.names, violations=violations)
    result = RebalanceResult(
        labels=new,
        moved=np.flatnonzero(new != lab),
        totals=totals,
        max_deviation=float(np.abs(deviation).max()),
        contiguous=contiguous,
        violations=violations,
        seconds=time.perf_counter() - start,
    )
    progress(1.0, "Done")
    return result


# --------------------------------------------------------------------------- split


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
    label, nbr, w = plan.label, plan.nbr, plan.w
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
        if plan.total[new] + w[x] > hi or plan.count[t] <= 1 or not plan.stays_connected(x, t):
            continue  # offered again when another neighbour joins
        plan.move(x, new)
        offer(x)


def _home(home_unit: int | None, lab: np.ndarray, given: list[int], names: list[str]) -> int | None:
    """The new rep's home unit, checked to be in a source territory."""
    if home_unit is None:
        return None
    home = int(home_unit)
    if not 0 <= home < len(lab):
        msg = f"the home unit must be a unit position 0 .. {len(lab) - 1}, not {home_unit}"
        raise InputError(msg)
    if lab[home] not in given:
        where = "no territory" if lab[home] < 0 else f"territory {lab[home]}"
        msg = (
            f"{names[home]}, the new rep's home, is in {where}, not in the territories "
            f"to split ({', '.join(map(str, given))}): add that territory or pick "
            "another home"
        )
        raise InputError(msg)
    return home


def _split_target(
    w: np.ndarray,
    region: np.ndarray,
    given: list[int],
    *,
    mean: float,
    k: int,
    tolerance: float,
) -> tuple[float, str, list[str]]:
    """What the new territory and each source should total, what that is, and why.

    The mean of the K + 1 territories when the sources' total allows it,
    else an equal share of that total.
    """
    share = float(w[region].sum()) / (len(given) + 1)
    if mean <= 0:
        return mean, "the mean", ["the weights add up to zero: there is nothing to balance"]
    if abs(share / mean - 1) <= tolerance:
        return mean, f"the mean of {k + 1} territories", []
    after = "(split more territories, or rebalance afterwards)"
    if len(given) > 1:
        why = (
            f"territories {', '.join(map(str, given))} total "
            f"{share * (len(given) + 1) / mean:.2f}x the mean of {k + 1} territories: shared "
            f"by {len(given) + 1}, each gets about {share / mean:.2f}x the mean {after}"
        )
    else:
        why = (
            f"territory {given[0]} is {share * 2 / mean:.2f}x the mean of {k + 1} "
            f"territories: split in two, each half gets about {share / mean:.2f}x the mean "
            f"{after}"
        )
    return share, "their equal share", [why]


def _start_at_home(
    plan: _Plan,
    home: int,
    new: int,
    movable: np.ndarray,
    *,
    lab: np.ndarray,
    names: list[str],
    violations: list[str],
) -> int:
    """Put the home unit in the new territory; its position, or -1 (explained) if it cannot."""
    if not movable[home]:
        violations.append(
            f"{names[home]}, the new rep's home, is locked to territory {lab[home]}: "
            "the new territory starts elsewhere"
        )
        return -1
    if _take_home(plan, home, new, movable):
        movable[home] = False  # it stays in the new territory
        return home
    violations.append(
        f"{names[home]}, the new rep's home, cannot leave territory {lab[home]} "
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
    violations: list[str],
) -> None:
    """Start the new territory at the home (or a seed) and grow it towards `target`."""
    first = -1
    if home is not None:
        first = _start_at_home(
            plan, home, new, movable, lab=lab, names=names, violations=violations
        )
    area = np.asarray(plan.area)
    if first < 0:
        first = _seed(plan, np.isin(lab, given), movable, xyz, area)
        plan.move(first, new)
    anchor = _anchor(plan, new, first, xyz, area)
    _grow(plan, new, set(given), movable, anchor=anchor, xyz=xyz, hi=hi, target=target)


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
    w = _per_unit(weights, n, "weights")
    lab = _labels(labels, n)
    tol = _tolerance(tolerance)
    lock = _locked(locked, n)
    k = int(lab.max()) + 1
    given = _sources(sources, k)
    names = _unit_names(units)
    home = _home(home_unit, lab, given, names)
    if graph is None:
        progress(0.0, "Finding neighbouring units")
    graph = _graph(units, graph, n)
    if cancel is not None:
        cancel.raise_if_cancelled()

    new = k  # the new territory; units in none go to k + 1 in the plan
    region = np.isin(lab, given)
    movable = region & ~lock
    s = _setup(units, w, lab, k=k + 1, graph=graph, fixed=~movable)
    plan = s.plan
    pieces_before = [len(p) for p in plan.pieces()]
    mean = float(w[lab >= 0].sum()) / (k + 1)
    target, against, violations = _split_target(w, region, given, mean=mean, k=k, tolerance=tol)
    active = np.zeros(plan.k, dtype=bool)
    active[[*given, new]] = True
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
        violations=violations,
    )
    if cancel is not None:
        cancel.raise_if_cancelled()

    progress(0.3, "Balancing")
    _Balancer(
        plan,
        lo=lo,
        hi=hi,
        active=active,
        movable=movable,
        cost=np.ones(n),
        original=s.internal,
        unit=target,
        keep=new,
        shape=_SPLIT_SHAPE,
        xyz=s.xyz,
    ).run(progress, cancel, (0.3, 0.95))

    progress(0.95, "Measuring the territories")
    internal = np.asarray(plan.label, dtype=np.int64)
    labels_out = np.where(internal > k, -1, internal)
    inside = labels_out >= 0
    totals = np.bincount(labels_out[inside], weights=w[inside], minlength=k + 1)
    changed = [*given, new]
    deviation = 0.0
    if mean > 0:
        deviation = float(np.abs(totals[changed] / mean - 1).max())
        message = _off_band(totals / target - 1, changed, tol, against)
        if message:
            violations.append(message.replace(f"territory {new} ", f"territory {new} (new) "))
            _why_not(
                w,
                labels_out,
                movable,
                off=[t for t in changed if abs(totals[t] / target - 1) > tol + 1e-9],
                mean=target,
                tolerance=tol,
                names=names,
                violations=violations,
                of="the target per territory",
                apart=_apart(plan, given, new),
            )
    contiguous = _describe(plan, k + 1, before=pieces_before, names=names, violations=violations)
    result = RebalanceResult(
        labels=labels_out,
        moved=np.flatnonzero(labels_out != lab),
        totals=totals,
        max_deviation=deviation,
        contiguous=contiguous,
        violations=violations,
        seconds=time.perf_counter() - start,
    )
    progress(1.0, "Done")
    return result
