"""The design search's state: a labelling of the units with each territory's totals kept current.

`_Plan` moves units between territories in O(degree) (totals, areas and
perimeters updated), checks that a move keeps the territory it leaves in
one piece, sweeps border units for shape and balance, balances by
ejection chains (`polish` polishes its shapes by record-to-record travel).
`design`, `recombine` and the rebalancing steps use it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import networkx as nx
import numpy as np

from territory_planner.plan.allocation import band_in_reach
from territory_planner.tasks import CancelToken

_EPS = 1e-12

# --------------------------------------------------------------------------- search state


class _Plan:
    """A labelling of the units, with each territory's total, area and perimeter kept current.

    Balance is judged against a band per territory: ``target * (1 +- band)``,
    where the target is the mean of the territories that can be balanced.
    A territory whose pinned units (locked, seed, or one unit heavier than
    the mean) already exceed the band is "overfull": its band is just its
    pinned weight, and the others share what is left.
    """

    def __init__(
        self,
        graph: nx.Graph,
        weights: np.ndarray,
        area: np.ndarray,
        perimeter: np.ndarray,
        *,
        fixed: np.ndarray,
        k: int,
        served: np.ndarray | None = None,
        varies: bool | None = None,
    ) -> None:
        n = len(weights)
        self.n, self.k = n, k
        self.nbr: list[list[int]] = []
        self.border: list[list[float]] = []
        for i in range(n):
            adj = graph.adj[i]
            others = sorted(adj)
            self.nbr.append(others)
            self.border.append([float(adj[j]["border_km"]) for j in others])
        self.src = np.repeat(np.arange(n), [len(x) for x in self.nbr])
        self.dst = np.fromiter(
            (j for x in self.nbr for j in x), dtype=np.int64, count=len(self.src)
        )
        self.border_flat = np.fromiter(
            (b for x in self.border for b in x), dtype=float, count=len(self.src)
        )
        self.w: list[float] = weights.astype(float).tolist()
        self.served = (
            np.repeat(weights.astype(float)[:, None], k, axis=1)
            if served is None
            else np.asarray(served, dtype=float)
        )
        self.wk: list[list[float]] = self.served.tolist()  # what each unit weighs in each territory
        # whether the weights move with the plan (workload), not only with the territory
        self.varies = served is not None if varies is None else varies
        self.band = 0.0
        self.area: list[float] = area.astype(float).tolist()
        self.perim: list[float] = perimeter.astype(float).tolist()
        self.fixed: list[bool] = fixed.astype(bool).tolist()
        self.mean = float(weights.sum()) / k
        self.targets = [self.mean] * k
        self.overfull = [False] * k
        self.scale = 1.0 / self.mean if self.mean > 0 else 0.0
        self.lo: list[float] = [0.0] * k
        self.hi: list[float] = [0.0] * k
        self.label: list[int] = [0] * n
        self.total: list[float] = []
        self.t_area: list[float] = []
        self.t_perim: list[float] = []
        self.count: list[int] = []
        self.shape: list[float] = []
        self._inside: dict[int, list[int]] = {}
        self._beside: dict[int, list[int]] = {}
        self._budget = 0

    def set_targets(self, targets: Sequence[float], overfull: Sequence[bool]) -> None:
        """What each territory should total, and which ones cannot come down to the mean."""
        self.targets = [float(t) for t in targets]
        self.overfull = [bool(o) for o in overfull]
        balanced = [t for t, o in zip(self.targets, self.overfull, strict=True) if not o]
        reference = max(balanced) if balanced else self.mean
        self.scale = 1.0 / reference if reference > 0 else 0.0

    def set_band(self, band: float) -> None:
        """Accept totals within ``target * (1 +- band)`` (overfull: up to their pinned weight)."""
        self.band = band
        for t in range(self.k):
            if self.overfull[t]:
                self.lo[t], self.hi[t] = 0.0, self.targets[t]
            else:
                self.lo[t] = self.targets[t] * (1 - band)
                self.hi[t] = self.targets[t] * (1 + band)

    def recenter(self) -> None:
        """With served weights the team total moves with the plan: aim at its mean again."""
        if not self.varies:
            return
        mean = sum(self.total) / self.k
        self.targets = [t if o else mean for t, o in zip(self.targets, self.overfull, strict=True)]
        self.set_band(self.band)

    def reweigh(self, served: np.ndarray) -> None:
        """New weights of each unit in each territory (units x territories); totals recounted."""
        self.served = np.asarray(served, dtype=float)
        self.wk = self.served.tolist()
        self.varies = True
        self.recount()

    def assign(self, labels: np.ndarray) -> None:
        """Start over from these labels."""
        self.label = np.asarray(labels).astype(int).tolist()
        self.recount()

    def recount(self) -> None:
        """Totals, areas, perimeters and sizes from scratch."""
        k = self.k
        lab = np.asarray(self.label)
        self.total = self.totals_of(lab).tolist()
        self.t_area = np.bincount(lab, weights=self.area, minlength=k).tolist()
        perim = np.bincount(lab, weights=self.perim, minlength=k)
        inside = lab[self.src] == lab[self.dst]
        # Each inner border is listed from both sides: once per side comes off.
        perim -= np.bincount(lab[self.src][inside], weights=self.border_flat[inside], minlength=k)
        self.t_perim = perim.tolist()
        self.count = np.bincount(lab, minlength=k).tolist()
        self.shape = [self.shape_cost(p, a) for p, a in zip(self.t_perim, self.t_area, strict=True)]

    def totals_of(self, labels: np.ndarray) -> np.ndarray:
        """Each territory's total under these labels."""
        rows = np.arange(self.n)
        return np.bincount(labels, weights=self.served[rows, labels], minlength=self.k)

    @staticmethod
    def shape_cost(perimeter: float, area: float) -> float:
        """Minus the Polsby-Popper score 4 pi A / P^2 (-1 for a disc, near 0 for a snake)."""
        return -4 * np.pi * area / (perimeter * perimeter) if perimeter > 0 else 0.0

    def excess(self, t: int, total: float | None = None) -> float:
        """How far territory `t`'s total is outside its band, relative (signed: + over)."""
        value = self.total[t] if total is None else total
        if value > self.hi[t]:
            return (value - self.hi[t]) * self.scale
        if value < self.lo[t]:
            return (value - self.lo[t]) * self.scale
        return 0.0

    def in_reach(self, roots: np.ndarray) -> bool:
        """False when HiGHS proves no plan, even in pieces, puts every total in its band.

        Parameters
        ----------
        roots
            Per territory, the unit it must hold (-1: none).

        Returns
        -------
        bool
            Whether the band may be in reach (`allocation.band_in_reach` on the
            base weights, with the roots pinned).
        """
        pinned = np.full(self.n, -1)
        pinned[roots[roots >= 0]] = np.flatnonzero(roots >= 0)
        band = (np.asarray(self.lo), np.asarray(self.hi))
        return band_in_reach(np.asarray(self.w), band, pinned)

    def total_excess(self) -> float:
        """Sum of the territories' absolute excess."""
        return sum(abs(self.excess(t)) for t in range(self.k))

    def boundary_units(self) -> np.ndarray:
        """Units with a neighbour in another territory, ascending."""
        lab = np.asarray(self.label)
        cut = lab[self.src] != lab[self.dst]
        return np.unique(self.src[cut])

    def stays_connected(self, v: int, a: int, *, budget: int | None = None) -> bool:
        """Whether territory `a` without unit `v` keeps `v`'s neighbours in `a` linked.

        With a `budget`, says no once that many units were searched without
        finding every neighbour linked (cheap; a longer way around may exist).
        """
        label, nbr = self.label, self.nbr
        targets = [u for u in nbr[v] if label[u] == a]
        if len(targets) <= 1:
            return True
        wanted = set(targets)
        seen = {targets[0]}
        stack = [targets[0]]
        while stack:  # linked around v through its own neighbours? (the usual case)
            x = stack.pop()
            for y in nbr[x]:
                if y in wanted and y not in seen:
                    seen.add(y)
                    stack.append(y)
        if len(seen) == len(targets):
            return True
        found = len(seen)
        budget = self.n if budget is None else budget
        queue = deque(seen)
        seen.add(v)
        while queue:  # breadth first, so the neighbours are usually found nearby
            x = queue.popleft()
            for y in nbr[x]:
                if y not in seen and label[y] == a:
                    seen.add(y)
                    if y in wanted:
                        found += 1
                        if found == len(targets):
                            return True
                    queue.append(y)
            if len(seen) > budget:
                return False
        return False

    def shared(self, v: int) -> dict[int, float]:
        """Border length of unit `v` with each territory it touches (its own included)."""
        result: dict[int, float] = {}
        label = self.label
        for u, km in zip(self.nbr[v], self.border[v], strict=True):
            result[label[u]] = result.get(label[u], 0.0) + km
        return result

    def shape_delta(self, v: int, b: int, shared: dict[int, float]) -> float:
        """Change of the summed shape cost if `v` moved to territory `b`."""
        a = self.label[v]
        pv, av = self.perim[v], self.area[v]
        cost = self.shape_cost
        return (
            cost(self.t_perim[a] - pv + 2 * shared.get(a, 0.0), self.t_area[a] - av)
            - self.shape[a]
            + cost(self.t_perim[b] + pv - 2 * shared.get(b, 0.0), self.t_area[b] + av)
            - self.shape[b]
        )

    def move(self, v: int, b: int) -> None:
        """Move unit `v` to territory `b` (no checks)."""
        a = self.label[v]
        shared = self.shared(v)
        self.t_perim[a] += 2 * shared.get(a, 0.0) - self.perim[v]
        self.t_perim[b] += self.perim[v] - 2 * shared.get(b, 0.0)
        self.t_area[a] -= self.area[v]
        self.t_area[b] += self.area[v]
        self.total[a] -= self.wk[v][a]
        self.total[b] += self.wk[v][b]
        self.count[a] -= 1
        self.count[b] += 1
        self.shape[a] = self.shape_cost(self.t_perim[a], self.t_area[a])
        self.shape[b] = self.shape_cost(self.t_perim[b], self.t_area[b])
        self.label[v] = b

    def sweep(self, order: Sequence[int], mu: float | None) -> int:  # noqa: PLR0912, PLR0915 (the hot loop stays inline)
        """One pass of first-improvement moves over `order`; returns the number of moves.

        A move's score is the change of ``sum(shape) + mu * sum(excess^2)``
        (see `set_band`). With `mu` None the excess comes first: a move
        must reduce it, or keep it and improve the shape.
        """
        label, nbr, border = self.label, self.nbr, self.border
        total, t_area, t_perim, shape, count = (
            self.total,
            self.t_area,
            self.t_perim,
            self.shape,
            self.count,
        )
        wk, area, perim, fixed = self.wk, self.area, self.perim, self.fixed
        lo, hi, scale = self.lo, self.hi, self.scale
        cost = self.shape_cost
        hard = mu is None
        weight = 0.0 if mu is None else mu
        moves = 0

        def penalty(value: float, t: int) -> float:
            e = lo[t] - value
            if e <= 0:
                e = value - hi[t]
                if e <= 0:
                    return 0.0
            e *= scale
            return e * e

        for v in order:
            if fixed[v]:
                continue
            a = label[v]
            if count[a] <= 1:
                continue
            sa = 0.0
            other: dict[int, float] = {}
            for u, km in zip(nbr[v], border[v]):  # noqa: B905 (hot loop)
                lu = label[u]
                if lu == a:
                    sa += km
                else:
                    other[lu] = other.get(lu, 0.0) + km
            if not other:
                continue
            wv, av, pv = wk[v], area[v], perim[v]
            shape_a = cost(t_perim[a] - pv + 2 * sa, t_area[a] - av) - shape[a]
            pen_a = penalty(total[a] - wv[a], a) - penalty(total[a], a)
            best_b = -1
            if hard:
                best_pen, best_shape = 0.0, -1e-9
                for b, sb in other.items():
                    dp = pen_a + penalty(total[b] + wv[b], b) - penalty(total[b], b)
                    if dp > _EPS:
                        continue
                    ds = shape_a + cost(t_perim[b] + pv - 2 * sb, t_area[b] + av) - shape[b]
                    dp = dp if dp < -_EPS else 0.0
                    if dp < best_pen or (dp == best_pen and ds < best_shape):
                        best_pen, best_shape, best_b = dp, ds, b
            else:
                best = -1e-9
                base = shape_a + weight * pen_a
                for b, sb in other.items():
                    delta = base + cost(t_perim[b] + pv - 2 * sb, t_area[b] + av) - shape[b]
                    delta += weight * (penalty(total[b] + wv[b], b) - penalty(total[b], b))
                    if delta < best:
                        best, best_b = delta, b
            if best_b >= 0 and self.stays_connected(v, a):
                self.move(v, best_b)
                moves += 1
        return moves

    def pieces(self) -> list[list[list[int]]]:
        """Per territory, its connected pieces (lists of units)."""
        label, nbr = self.label, self.nbr
        seen = [False] * self.n
        result: list[list[list[int]]] = [[] for _ in range(self.k)]
        for s in range(self.n):
            if seen[s]:
                continue
            t = label[s]
            seen[s] = True
            piece = [s]
            for x in piece:  # grows while it is read: a breadth-first search
                for y in nbr[x]:
                    if not seen[y] and label[y] == t:
                        seen[y] = True
                        piece.append(y)
            result[t].append(piece)
        return result

    # ----------------------------------------------------------------- ejection chains

    def chain(self, x: int, sign: int, depth: int, visited: set[int], before: float) -> bool:
        """Fix territory `x`'s excess by a chain of border moves; keep it if the sum improves.

        `sign` +1: `x` is over and gives a border unit to a neighbour, which
        may then pass one on; -1: `x` is under and takes one. Up to `depth`
        moves, through territories not in `visited`; undone unless the
        summed excess ends below `before`.
        """
        if self._budget <= 0:
            return False
        self._budget -= 1
        label, wk = self.label, self.wk
        candidates: list[tuple[tuple[int, int, float], int, int, int]] = []
        need = self.total[x] - self.targets[x]
        for v in self._frontier(x, sign):
            if self.fixed[v]:
                continue
            source = label[v]
            if self.count[source] <= 1:
                continue
            shared = self.shared(v)
            targets = [x] if sign < 0 else [t for t in shared if t != x and t not in visited]
            for t in targets:
                if sign < 0 and source in visited:
                    continue
                lands = self.excess(x, self.total[x] - sign * wk[v][x]) == 0
                nxt = t if sign > 0 else source
                ok = self.excess(nxt, self.total[nxt] + sign * wk[v][nxt]) == 0
                closing = lands and ok
                key = (
                    -int(closing),
                    -int(lands),
                    self.shape_delta(v, t, shared) if closing else abs(wk[v][x] - abs(need)),
                )
                candidates.append((key, v, source, t))
        candidates.sort()
        for _, v, source, t in candidates[:_CHAIN_BRANCH]:
            if not self.stays_connected(v, source):
                continue
            self.move(v, t)
            if self.total_excess() < before - _EPS:
                return True
            nxt = t if sign > 0 else source
            if (
                depth > 1
                and self.excess(nxt) * sign > 0
                and self.chain(nxt, sign, depth - 1, visited | {nxt}, before)
            ):
                return True
            self.move(v, source)
        return False

    def _frontier(self, x: int, sign: int) -> list[int]:
        """Units `x` could give away (sign +1: its border units) or take (-1: units next to it)."""
        label = self.label
        if sign > 0:
            return [v for v in self._inside.get(x, ()) if label[v] == x]
        return [
            v
            for v in self._beside.get(x, ())
            if label[v] != x and any(label[u] == x for u in self.nbr[v])
        ]

    def _index_borders(self) -> None:
        """Per territory: its border units, and the units of others that touch it."""
        lab = np.asarray(self.label)
        cut = lab[self.src] != lab[self.dst]
        src = self.src[cut]
        self._inside = {}
        self._beside = {}
        for t, v in sorted(set(zip(lab[src].tolist(), src.tolist(), strict=True))):
            self._inside.setdefault(t, []).append(v)
        for t, v in sorted(set(zip(lab[self.dst[cut]].tolist(), src.tolist(), strict=True))):
            self._beside.setdefault(t, []).append(v)

    def balance_by_chains(self, depth: int, cancel: CancelToken | None) -> bool:
        """Ejection chains until every territory is in its band or none helps; True if all are."""
        self._budget = _CHAIN_BUDGET
        for _ in range(4 * self.k):
            if cancel is not None:
                cancel.raise_if_cancelled()
            self._index_borders()
            off = [t for t in range(self.k) if self.excess(t) != 0]
            if not off:
                return True
            off.sort(key=lambda t: -abs(self.excess(t)))
            progress = False
            for x in off:
                e = self.excess(x)
                if e == 0:
                    continue
                sign = 1 if e > 0 else -1
                if self.chain(x, sign, depth, {x}, self.total_excess()):
                    progress = True
            if not progress:
                return False
        return self.total_excess() == 0


_CHAIN_BRANCH = 4
_CHAIN_BUDGET = 3000  # candidate lists built per balancing (deterministic, unlike a clock)
