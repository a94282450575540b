"""Border shifts across empty land: the rebalancing step for accounts in clusters.

Where accounts sit in clusters (cities, empty land between), the units along
the borders often weigh nothing, so no border move or chain of moves changes
a total. Then a territory reaches into a neighbour up to some of its weighted
units and takes the land between (see `_BorderShifts.shift_borders`).
`rebalance_steps._Balancer` takes these steps when no other helps.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from territory_planner.plan.design_plan import _Plan

_TIE = 0.01  # candidates this close to the best count as tied: the rounder shape wins
_FRONTS = 6  # fronts per border: ending at each of the first weighted units taken
_TARGETS = 6  # bites per border: one per weighted unit nearest the taker...
_WIDEN = (0.3, 0.8)  # ...each with the free land in an ellipse this much longer than its path
_LAND = 0.1  # a shift's land costs 0.1 x the mean territory's cost per mean territory's area
_SHIFT_SHAPE = 8.0  # a shift's key x exp(-8 x border added / perimeter of a mean territory)


@dataclass(frozen=True)
class _Shift:
    """A border shift: the units that go to territory `to`, and its excess removed per cost."""

    key: float
    units: tuple[int, ...]
    to: int


class _BorderShifts:
    """The border-shift steps of `_Balancer` (which provides the state and the moves)."""

    plan: _Plan
    w: np.ndarray
    served: np.ndarray  # units x territories: a unit's weight in each
    cost: np.ndarray
    movable: np.ndarray
    active: np.ndarray
    orig: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    eps: float
    eps_cost: float
    keep: int

    def totals(self) -> np.ndarray:  # (of `_Balancer`)
        raise NotImplementedError

    def excess(self, values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def move(self, v: int, t: int) -> None:
        raise NotImplementedError

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
            moved = list(key)
            out, into = float(self.served[moved, a].sum()), float(self.served[moved, b].sum())
            gain = self._gain(a, b, (out, into), total, exc)
            if gain <= self.eps:
                continue
            cost = sum(self._move_cost(x, a, b) for x in key)
            cost += self.land * sum(plan.area[x] for x in key)
            fit = self._border_fit(key, a, b)
            found.append(_Shift(gain / max(cost, self.eps_cost) * fit, key, b))
        return found

    def _gain(
        self, a: int, b: int, moved: tuple[float, float], total: np.ndarray, exc: np.ndarray
    ) -> float:
        """Excess removed by moving units from territory `a` to `b` (their weight out, in)."""
        lo, hi = self.lo, self.hi
        after = 0.0
        for t, value in ((a, total[a] - moved[0]), (b, total[b] + moved[1])):
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
        moved = (0.0, 0.0)  # weight taken off a, added to b
        most = max(total[a] - self.lo[a], 0.0)
        served = self.served
        while heap and len(found) < _FRONTS and moved[0] < most:
            _, v = heapq.heappop(heap)
            if label[v] != a or plan.count[a] <= 1 or not self._whole_nearby(v, a):
                continue  # offered again when a neighbour goes
            more = (moved[0] + served[v, a], moved[1] + served[v, b])
            if w[v] > 0 and self._gain(a, b, more, total, exc) <= self._gain(
                a, b, moved, total, exc
            ):
                continue  # it adds excess (or removes none): it stays
            plan.move(v, b)  # tried only: the plan is restored below
            done.append(v)
            moved = more
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
