"""The search steps of rebalancing: border moves, chains of moves, border shifts across empty land.

`_Balancer` holds a plan (`design_plan._Plan`) and its band, and takes the step
that removes the most excess per unit of cost, as `territory_planner.plan.rebalance`
describes; `rebalance_units` and `split_units` (`new_hire`) drive it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.rebalance_shifts import _TIE, _BorderShifts
from territory_planner.tasks import CancelToken, Progress

_TOP_PER_TRIPLE = 6  # best two-move chains kept per (A, B, C)
_FIRST_MOVES = 4  # first (or last) moves tried per pair of territories in three-move chains
_TIED = 12
_NO_MOVE = -1
_SAME = 1e-9  # relative difference below which two totals are the same
_ROUNDER = 0.002  # a unit moved for free goes back if the Polsby-Popper sum gains this

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
    w_out: np.ndarray  # what the move takes off `a`'s total
    w_in: np.ndarray  # what it adds to `b`'s (the same unless weights depend on the territory)
    cost: np.ndarray  # what the move adds to the total cost (negative: a unit goes home)
    fit: np.ndarray  # > 1 when the unit shares more border with `b` than with `a`
    groups: dict[tuple[int, int], tuple[int, int]]  # (a, b) -> slice of the arrays
    outs: dict[int, list[int]]  # a -> the territories b it can give to
    ins: dict[int, list[int]]  # b -> the territories a it can take from


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


class _Balancer(_BorderShifts):
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
        self.served = np.asarray(plan.served, dtype=float)  # units x territories
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
        return _Pairs(v, a, b, self.served[v, a], self.served[v, b], cost, fit, groups, outs, ins)

    # ----------------------------------------------------------------- candidates

    def direct(self, p: _Pairs, total: np.ndarray, exc: np.ndarray) -> _Candidates:
        """Single border moves that reduce the summed excess."""
        lo, hi = self.lo, self.hi
        a, b = p.a, p.b
        gain = (
            exc[a]
            + exc[b]
            - self.excess(total[a] - p.w_out, lo[a], hi[a])
            - self.excess(total[b] + p.w_in, lo[b], hi[b])
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
                    into, out = p.w_in[s1:e1], p.w_out[s2:e2]  # of mid
                    gain = (
                        exc[a]
                        + exc[c]
                        - self.excess(total[a] - p.w_out[s1:e1], lo[a], hi[a])[:, None]
                        - self.excess(total[c] + p.w_in[s2:e2], lo[c], hi[c])[None, :]
                        - self.excess(total[mid] + into[:, None] - out[None, :], lo[mid], hi[mid])
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
            if push:
                gain = exc[a] - self.excess(total[a] - p.w_out[s:e], lo[a], hi[a])
            else:
                gain = exc[b] - self.excess(total[b] + p.w_in[s:e], lo[b], hi[b])
            key = np.where(
                gain > eps, gain / np.maximum(p.cost[s:e], self.eps_cost) * p.fit[s:e], -np.inf
            )
            for i in self._first_moves(p.v[s:e], key):
                after = total.copy()
                after[a] -= p.w_out[s + i]
                after[b] += p.w_in[s + i]
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
            w = p.w_out[s:e]
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
            after[x] -= p.w_out[j]
            after[y] += p.w_in[j]
            amount = float(p.w_in[j])
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
