"""Balancing by recombination: two neighbouring territories merged and cut again along a tree.

Local search moves one border unit at a time, which is blind on lumpy data:
a territory 70% short whose home sits among empty counties gains nothing
from any single move, since the accounts it needs lie beyond several empty
units. Recombination (the ReCom step of redistricting practice, see the
MGGG group's GerryChain) sees whole regions at once: the units of two
neighbouring territories are merged, a random spanning tree is drawn over
them, and one tree edge is cut so that each side holds its home. Both
sides are connected by construction.

Which pair, and how much should cross? A territory boxed in by neighbours
as heavy as itself can only shed its surplus through them, so judging a
pair by its own two excesses stalls. Instead the excesses (how far each
total is outside its band) are charges on the graph of neighbouring
territories, and a plan is scored by the energy ``e @ G @ e`` of the flow
that would even them out, with ``G`` the pseudo-inverse of that graph's
Laplacian plus a little identity (so the energy is zero only in band).
Moving weight from ``x`` to ``y`` lowers it when the potential ``G @ e`` is
higher at ``x``, even if ``y`` is over itself: the surplus travels on in
later steps, as heat diffuses. Each step recombines the pair whose ideal
transfer lowers the energy most; over several random splits the cut that
lowers it most is kept or, among cuts about as good, the one with the most
compact sides. The splits are, in turn, plain random spanning trees,
shifted Voronoi splits between the two homes (one unit at a time, so totals
can be matched finely) and trees forced through a heavy unit (so a metro
cluster far from both homes can be divided, not only passed whole). Once
every total is in band, a few steps recombine pairs for compactness alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import depth_first_order, dijkstra, minimum_spanning_tree

from territory_planner.tasks import CancelToken

_DRAWS = 16  # random splits (spanning trees, shifted Voronoi) drawn per attempt on a pair
_KINDS = ("tree", "voronoi", "hub")  # draws in turn: plain tree, Voronoi, tree through a heavy unit
_MIN_DRAWS = 4  # draws before a cut that is good enough ends them
_ENOUGH = 0.8  # share of a pair's ideal gain that is good enough
_TRIES = 4  # pairs tried per step
_KICK = 0.05  # a move raising the energy by at most this share of the squared excess, when stuck
_TABU = 3  # steps a pair that could not improve waits before it is tried again
_STEPS = 150  # balance steps at most: the deterministic budget (`seconds` is a safety net)
_PATIENCE = (
    40  # balance steps without progress (by _PROGRESS of the squared excess) before giving up
)
_PROGRESS = 0.05
_SHAPE_STEPS = 40  # shape steps at most
_RESHAPE_TABU = 4  # shape steps a pair that could not improve waits
_MIN_SHAPE_GAIN = 1e-3  # summed Polsby-Popper a shape step must gain
_LAMBDA = 0.25  # weight of the plain squared excess in the energy
_SHORTLIST = 8  # near-best cuts per tree whose shapes may be compared
_KEEP_GAIN = 0.5  # share of the best cut's gain a more compact cut must reach
_EPS = 1e-12
_BLOCKED = 1e6  # added to the length of edges a route must not use


@dataclass(frozen=True)
class _Edges:
    """The unit graph's edges, each listed once, with their shared border length."""

    a: np.ndarray
    b: np.ndarray
    border: np.ndarray
    length: np.ndarray  # about the distance between the two units' middles, mean 1


def _edges(
    src: np.ndarray, dst: np.ndarray, border: np.ndarray | None, area: np.ndarray | None
) -> _Edges:
    lo_end, hi_end = np.minimum(src, dst), np.maximum(src, dst)
    keep = lo_end < hi_end
    key = lo_end[keep] * (int(max(hi_end.max(initial=0), 0)) + 1) + hi_end[keep]
    _, first = np.unique(key, return_index=True)
    a, b = lo_end[keep][first], hi_end[keep][first]
    shared = np.ones(len(src)) if border is None else np.asarray(border, dtype=float)
    length = np.ones(len(a))
    if area is not None and len(a):
        side = np.sqrt(np.maximum(np.asarray(area, dtype=float), 0.0))
        length = side[a] + side[b]
        length = length / max(float(length.mean()), _EPS)
    return _Edges(a, b, shared[keep][first], np.clip(length, 0.05, 20.0))


@dataclass(frozen=True)
class _Shapes:
    """Area and perimeter of each unit (with the edges' borders: Polsby-Popper of any set)."""

    area: np.ndarray
    perimeter: np.ndarray


class _Pair:
    """The merged units of two territories and their adjacency, ready for tree draws."""

    def __init__(self, units: np.ndarray, edges: _Edges, n: int) -> None:
        local = np.full(n, -1, dtype=np.int64)
        local[units] = np.arange(len(units))
        keep = (local[edges.a] >= 0) & (local[edges.b] >= 0)
        self.a, self.b = local[edges.a[keep]], local[edges.b[keep]]
        self.border = edges.border[keep]
        self.length = edges.length[keep]
        self.units = units
        self.local = local
        self.size = len(units)
        both = np.concatenate([np.arange(len(self.a)), np.arange(len(self.a))])
        ends = (np.concatenate([self.a, self.b]), np.concatenate([self.b, self.a]))
        self._csr = coo_matrix((both + 1, ends), shape=(self.size, self.size)).tocsr()
        self._edge_of = self._csr.data - 1  # edge behind each stored entry (both directions)
        keys = np.minimum(self.a, self.b) * self.size + np.maximum(self.a, self.b)
        self._by_key = np.argsort(keys)
        self._keys = keys[self._by_key]

    def _graph(self, weights: np.ndarray) -> csr_matrix:
        """The pair's graph (both directions) with these edge weights."""
        graph = self._csr.copy()
        graph.data = weights[self._edge_of]
        return graph

    def tree(
        self, rng: np.random.Generator, root: int, through: int = -1, other: int = -1
    ) -> tuple[np.ndarray, np.ndarray]:
        """A random spanning tree (minimum spanning tree of random edge weights).

        With `through` and `other`, the tree's path from `root` to `other`
        passes through unit `through` (a random route is forced into the
        tree), so that a cut can split a heavy cluster around that unit
        which would otherwise hang off the path whole.

        Returns
        -------
        tuple of np.ndarray
            The units in depth-first preorder from `root` (shorter than the
            pair when its units are not connected) and each unit's parent.
        """
        weights = rng.random(len(self.a)) + 1.0
        if through >= 0 and other >= 0:
            route = self._route(weights, (root, through, other))
            if route is not None:
                weights[route] = 1e-9
        forest = minimum_spanning_tree(self._graph(weights))
        order, parent = depth_first_order(forest, root, directed=False, return_predecessors=True)
        return order, parent

    def _route(self, weights: np.ndarray, stops: tuple[int, int, int]) -> np.ndarray | None:
        """Edges of a simple path through the three stops (shortest legs), or None."""
        start, middle, end = stops
        if middle in (start, end):
            return None
        blocked = np.zeros(self.size, dtype=bool)
        blocked[end] = True  # the first leg must not pass the end
        legs: list[np.ndarray] = []
        for leg_start, leg_end in ((start, middle), (middle, end)):
            cost = weights + _BLOCKED * (blocked[self.a] | blocked[self.b])
            dist, pred = dijkstra(
                self._graph(cost), indices=leg_start, return_predecessors=True, limit=_BLOCKED
            )
            if not np.isfinite(dist[leg_end]):
                return None
            path = [leg_end]
            while path[-1] != leg_start:
                path.append(int(pred[path[-1]]))
            legs.append(np.asarray(path, dtype=np.int64))
            blocked[legs[-1]] = True  # the second leg must not touch the first
            blocked[end] = False
        tails = np.concatenate([leg[1:] for leg in legs])
        heads = np.concatenate([leg[:-1] for leg in legs])
        key = np.minimum(tails, heads) * self.size + np.maximum(tails, heads)
        return np.asarray(self._by_key[np.searchsorted(self._keys, key)])

    def voronoi(self, rng: np.random.Generator, rx: int, ry: int) -> tuple[np.ndarray, np.ndarray]:
        """A random shifted Voronoi split: units ordered by how much nearer `ry` than `rx` they are.

        With edge lengths about the distance between the units, randomly
        stretched, and ``d_x``, ``d_y`` the distances from the
        two roots, every set ``d_y - d_x < c`` holds `ry` and is connected
        (a unit's shortest path to `ry` stays in it), and so is the rest.
        The lengths are integers, so that the distances are exact.

        Returns
        -------
        tuple of np.ndarray
            The units in that order, and the lengths of its prefixes that
            are such sets (neither empty nor holding `rx`).
        """
        noise = rng.uniform(0.7, 1.3, len(self.a))
        weights = np.round(self.length * noise * 1000.0)  # integers: exact sums, ties stay ties
        dist = dijkstra(self._graph(weights), indices=[rx, ry])
        key = dist[1] - dist[0]
        order = np.argsort(key, kind="stable")
        ranked = key[order]
        ends = np.flatnonzero(ranked[:-1] < ranked[1:]) + 1
        return order, ends[ranked[ends - 1] < key[rx]]

    def compactness(self, side: np.ndarray, shapes: _Shapes) -> float:
        """Summed Polsby-Popper score of the two sides of a cut (`side` marks one)."""
        area = shapes.area[self.units]
        perimeter = shapes.perimeter[self.units]
        same = side[self.a] == side[self.b]
        inner_b = 2 * float(self.border[same & side[self.a]].sum())
        inner_a = 2 * float(self.border[same & ~side[self.a]].sum())
        score = 0.0
        for mask, inner in ((side, inner_b), (~side, inner_a)):
            p = float(perimeter[mask].sum()) - inner
            score += 4 * np.pi * float(area[mask].sum()) / (p * p) if p > 0 else 0.0
        return score


def _subtree_sizes(order: np.ndarray, parent: np.ndarray) -> list[int]:
    """Number of units in each unit's subtree (children come after parents in `order`)."""
    size = [1] * len(parent)
    up = parent.tolist()
    for v in order[:0:-1].tolist():
        size[up[v]] += size[v]
    return size


def _signed_excess(totals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far each total is outside its band (+ over, - under, 0 inside)."""
    return np.where(totals > hi, totals - hi, np.where(totals < lo, totals - lo, 0.0))


def _metric(k: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Pseudo-inverse of the territory graph's Laplacian, plus a little identity."""
    lap = np.zeros((k, k))
    for x, y in pairs:
        lap[x, y] -= 1.0
        lap[y, x] -= 1.0
        lap[x, x] += 1.0
        lap[y, y] += 1.0
    return np.asarray(np.linalg.pinv(lap, hermitian=True)) + _LAMBDA * np.eye(k)


@dataclass(frozen=True)
class _Step:
    """One pair to recombine (``x``, ``y``): the first should give to the second."""

    totals: np.ndarray  # scaled totals of x and y
    lo: np.ndarray  # scaled bands of x and y
    hi: np.ndarray
    phi: np.ndarray  # potentials of x and y
    g: np.ndarray  # the 2x2 block of the energy's matrix

    def gain(self, side_y: np.ndarray, side_x: np.ndarray) -> np.ndarray:
        """Change of the energy when `y` ends with total `side_y` and `x` with `side_x`."""
        before = _signed_excess(self.totals, self.lo, self.hi)
        dx = _signed_excess(side_x, self.lo[0], self.hi[0]) - before[0]
        dy = _signed_excess(side_y, self.lo[1], self.hi[1]) - before[1]
        g = self.g
        return np.asarray(
            2 * (dx * self.phi[0] + dy * self.phi[1])
            + dx * dx * g[0, 0]
            + 2 * dx * dy * g[0, 1]
            + dy * dy * g[1, 1]
        )


@dataclass(frozen=True)
class _Cut:
    """The cut a pair's draws offered: its change of the energy, `y`'s units, their compactness."""

    gain: float
    side: np.ndarray
    shape: float


def _subtrees(
    order: np.ndarray, parent: np.ndarray, w_local: np.ndarray, roots: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tree's cuts: where each cut subtree starts and stops in `order`, and its weights.

    `w_local` holds one column per territory of the pair (what each unit
    weighs in it); the weights returned have the same columns.

    A cut is a unit other than the root (``roots[0]``); with a second root,
    only units on the path from it up to the root (their subtrees hold it).
    """
    root, other = roots
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    size = np.asarray(_subtree_sizes(order, parent), dtype=np.int64)
    cumulative = np.vstack([np.zeros((1, w_local.shape[1])), np.cumsum(w_local[order], axis=0)])
    if other >= 0:
        path = [other]
        up = parent.tolist()
        while up[path[-1]] != root:
            path.append(up[path[-1]])
        nodes = np.asarray(path, dtype=np.int64)
    else:
        nodes = order[1:]
    starts, ends = position[nodes], position[nodes] + size[nodes]
    return starts, ends, cumulative[ends] - cumulative[starts]


def _best_cut(
    pair: _Pair,
    w_local: np.ndarray,
    roots: tuple[int, int],
    step: _Step,
    *,
    slack: float,
    shapes: _Shapes | None,
    rng: np.random.Generator,
    enough: float = -np.inf,
) -> _Cut | None:
    """Over several random splits, the cut that lowers the energy most (None if there is none).

    Trees are rooted at `x`'s root (else `y`'s, else anywhere); a cut is a
    unit whose subtree goes to the other territory, which must not hold the
    root and must hold the other root if there is one. Among the cuts within
    `slack` (in total) of the best, the one with the most compact sides wins.
    The draws stop early once a cut's gain is `enough`. `w_local` holds,
    per unit of the pair, what it weighs in `x` and in `y` (two columns).
    """
    rx, ry = roots
    flip = rx < 0 and ry >= 0  # rooted at y's home: the subtree goes to x
    root = ry if flip else max(rx, 0)
    other = -1 if flip else ry
    whole = w_local.sum(axis=0)  # each territory's total if it held all the pair's units
    found: list[tuple[float, int, np.ndarray, int, int]] = []  # gain, draw, order, start, stop
    both = rx >= 0 and ry >= 0
    mass = w_local.mean(axis=1)
    heavy = mass / float(mass.sum()) if mass.sum() > 0 else None
    for t in range(_DRAWS):
        kind = _KINDS[t % len(_KINDS)] if both else "tree"
        if kind == "voronoi":  # y gets a prefix of the order
            order, ends = pair.voronoi(rng, rx, ry)
            starts = np.zeros(len(ends), dtype=np.int64)
            moved = np.cumsum(w_local[order], axis=0)[ends - 1]
        else:  # a subtree of a spanning tree
            hub = int(rng.choice(pair.size, p=heavy)) if kind == "hub" and heavy is not None else -1
            order, parent = pair.tree(rng, root, hub, other)
            if len(order) < pair.size:  # the merged units are not connected: no tree spans them
                return None
            starts, ends, moved = _subtrees(order, parent, w_local, (root, other))
        if flip:  # the subtree goes to x, the rest to y
            side_y, side_x = whole[1] - moved[:, 1], moved[:, 0]
        else:
            side_y, side_x = moved[:, 1], whole[0] - moved[:, 0]
        gain = step.gain(side_y, side_x) + rng.random(len(side_y)) * _EPS  # ties broken at random
        near = (
            np.argpartition(gain, _SHORTLIST)[:_SHORTLIST]
            if len(gain) > _SHORTLIST
            else gain.argsort()
        )
        found.extend(
            (float(gain[i]), t, order, int(starts[i]), int(ends[i])) for i in near.tolist()
        )
        if t + 1 >= _MIN_DRAWS and min(c[0] for c in found) <= enough:
            break
    if not found:
        return None
    found.sort(key=lambda c: (c[0], c[1]))
    least = _as_good(found[0][0], step.g[0, 0] + step.g[1, 1] - 2 * step.g[0, 1], slack)
    best: _Cut | None = None
    for gain_t, _, order, first, stop in [c for c in found if c[0] <= least][: 4 * _SHORTLIST]:
        side = np.zeros(pair.size, dtype=bool)
        side[order[first:stop]] = True
        if flip:  # (a tree's: Voronoi splits need both roots)
            side = ~side
        shape = 0.0 if shapes is None else pair.compactness(side, shapes)
        if best is None or shape > best.shape:
            best = _Cut(gain_t, side, shape)
        if shapes is None:
            break
    return best


def _as_good(best: float, resistance: float, slack: float) -> float:
    """The largest gain of a cut as good as the `best` one (then the most compact wins).

    Within `slack` of the total moved, but a cut that lowers the energy must
    still make most (`_KEEP_GAIN`) of the best one's progress.
    """
    least = max(best + resistance * slack * slack, min(best, 0.0) + 2 * _EPS)
    return min(least, best * _KEEP_GAIN) if best < 0 else least


def _territory_pairs(
    labels: np.ndarray, edges: _Edges, frozen: np.ndarray
) -> list[tuple[int, int]]:
    """Neighbouring territories (neither frozen), each pair once, smaller label first."""
    la, lb = labels[edges.a], labels[edges.b]
    cut = (la != lb) & ~frozen[la] & ~frozen[lb]
    low, high = np.minimum(la, lb)[cut].tolist(), np.maximum(la, lb)[cut].tolist()
    return sorted(set(zip(low, high, strict=True)))


def _compactness(labels: np.ndarray, k: int, edges: _Edges, shapes: _Shapes) -> np.ndarray:
    """Polsby-Popper score of each territory (from the units' areas and perimeters)."""
    area = np.bincount(labels, weights=shapes.area, minlength=k)
    perimeter = np.bincount(labels, weights=shapes.perimeter, minlength=k)
    la, lb = labels[edges.a], labels[edges.b]
    inside = la == lb
    perimeter -= 2 * np.bincount(la[inside], weights=edges.border[inside], minlength=k)
    return np.where(perimeter > 0, 4 * np.pi * area / np.maximum(perimeter, _EPS) ** 2, 0.0)


class _Search:
    """What the steps share: graph, bands (scaled to the mean), roots and random draws."""

    def __init__(
        self,
        w: np.ndarray,
        edges: _Edges,
        *,
        roots: np.ndarray,
        band: tuple[np.ndarray, np.ndarray],
        frozen: np.ndarray,
        shapes: _Shapes | None,
        rng: np.random.Generator,
    ) -> None:
        lo, hi = band
        self.scale = 1.0 / max(float(np.mean(hi)), _EPS)
        self.lo, self.hi = lo * self.scale, hi * self.scale
        # a cut this much off the best is as good (then the most compact wins): wide
        # enough that shape counts while balancing (measured: mean PP 0.18 -> 0.20 on
        # lumpy data at the same balance, `bench/design_clustered.py`)
        self.slack = float(np.mean(self.hi - self.lo))
        self.edges, self.roots, self.frozen, self.shapes, self.rng = (
            edges,
            roots,
            frozen,
            shapes,
            rng,
        )
        self.k, self.n = len(lo), len(w)
        # a column per territory: what each unit weighs in it (the same in all for 1-D `w`)
        self.w = np.broadcast_to((w[:, None] if w.ndim == 1 else w) * self.scale, (self.n, self.k))
        self._rows = np.arange(self.n)

    def excess(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scaled totals and signed excess of each territory (frozen ones count as in band)."""
        totals = np.bincount(labels, weights=self.w[self._rows, labels], minlength=self.k)
        excess = _signed_excess(totals, self.lo, self.hi)
        excess[self.frozen] = 0.0
        return totals, excess

    def cut(
        self,
        labels: np.ndarray,
        x: int,
        y: int,
        *,
        phi: np.ndarray,
        g: np.ndarray,
        enough: float = -np.inf,
    ) -> tuple[np.ndarray, _Pair, _Cut | None]:
        """The best cut of the pair `x`, `y` found by this round's draws (see `_best_cut`)."""
        units = np.flatnonzero((labels == x) | (labels == y))
        pair = _Pair(units, self.edges, self.n)
        totals, _ = self.excess(labels)
        ix = np.array([x, y])
        step = _Step(totals[ix], self.lo[ix], self.hi[ix], phi, g)
        roots = tuple(int(pair.local[self.roots[t]]) if self.roots[t] >= 0 else -1 for t in (x, y))
        cut = _best_cut(
            pair,
            self.w[np.ix_(units, ix)],
            (roots[0], roots[1]),
            step,
            slack=self.slack,
            shapes=self.shapes,
            rng=self.rng,
            enough=enough,
        )
        return units, pair, cut


def _apply(labels: np.ndarray, x: int, y: int, units: np.ndarray, side: np.ndarray) -> None:
    labels[units] = x
    labels[units[side]] = y


def _balance(
    search: _Search, labels: np.ndarray, steps: int, deadline: float, cancel: CancelToken | None
) -> np.ndarray:
    """Steps down the energy until every total is in band; the most balanced labels seen.

    Gives up after `_PATIENCE` steps without progress once no total is off
    its band by more than half the band's width: moves of single units
    (after this) fix such slivers better.
    """
    tabu: dict[tuple[int, int], int] = {}
    best, best_labels, best_step, best_max = np.inf, labels.copy(), 0, np.inf
    for step in range(1, steps + 2):
        _, excess = search.excess(labels)
        value = float(excess @ excess)
        if value < best * (1 - _PROGRESS):
            best_step = step
        if value < best:
            best, best_labels, best_max = value, labels.copy(), float(np.abs(excess).max())
        stalled = step > best_step + _PATIENCE and best_max <= search.slack * 2
        if value == 0.0 or step > steps or stalled or time.process_time() > deadline:
            break
        if cancel is not None:
            cancel.raise_if_cancelled()
        pairs = _territory_pairs(labels, search.edges, search.frozen)
        g = _metric(search.k, pairs)
        phi = g @ excess
        ranked = []
        for x, y in pairs:
            if tabu.get((x, y), 0) < step:
                resistance = g[x, x] + g[y, y] - 2 * g[x, y]
                ideal = (phi[x] - phi[y]) ** 2 / max(resistance, _EPS)
                ranked.append((-ideal, x, y) if phi[x] >= phi[y] else (-ideal, y, x))
        ranked.sort()
        kick: tuple[float, int, int, np.ndarray, np.ndarray] | None = None
        for ideal, x, y in ranked[:_TRIES]:  # x gives, y takes (ideal: minus the best gain)
            ix = np.array([x, y])
            enough = _ENOUGH * ideal
            units, _, cut = search.cut(
                labels, x, y, phi=phi[ix], g=g[np.ix_(ix, ix)], enough=enough
            )
            tabu[(min(x, y), max(x, y))] = step + _TABU
            if cut is None:
                continue
            if cut.gain < -_EPS:
                kick = None
                _apply(labels, x, y, units, cut.side)
                break
            if kick is None or cut.gain < kick[0]:
                kick = (cut.gain, x, y, units, cut.side)
        if (
            kick is not None and kick[0] <= _KICK * value
        ):  # stuck: a mild move, to leave the minimum
            _apply(labels, kick[1], kick[2], kick[3], kick[4])
    return best_labels


def _reshape(
    search: _Search, labels: np.ndarray, steps: int, deadline: float, cancel: CancelToken | None
) -> None:
    """Recombine pairs for more compact shapes, keeping each pair's excess (in place)."""
    if search.shapes is None:
        return
    tabu: dict[tuple[int, int], int] = {}
    for step in range(1, steps + 1):
        if time.process_time() > deadline:
            return
        if cancel is not None:
            cancel.raise_if_cancelled()
        score = _compactness(labels, search.k, search.edges, search.shapes)
        ranked = sorted(
            (score[x] + score[y], x, y)
            for x, y in _territory_pairs(labels, search.edges, search.frozen)
            if tabu.get((x, y), 0) < step
        )
        if not ranked:
            return
        _, x, y = ranked[0]
        _, excess = search.excess(labels)
        ix = np.array([x, y])
        # with these, a cut's gain is the change of the pair's squared excess
        units, pair, cut = search.cut(labels, x, y, phi=excess[ix], g=np.eye(2))
        tabu[(x, y)] = step + _RESHAPE_TABU
        if cut is not None and cut.gain <= _EPS * 4:
            now = pair.compactness(labels[units] == y, search.shapes)
            if cut.shape > now + _MIN_SHAPE_GAIN:
                _apply(labels, x, y, units, cut.side)
                tabu.pop((x, y))


def recombine(
    labels: np.ndarray,
    w: np.ndarray,
    *,
    src: np.ndarray,
    dst: np.ndarray,
    roots: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    frozen: np.ndarray | None = None,
    border: np.ndarray | None = None,
    area: np.ndarray | None = None,
    perimeter: np.ndarray | None = None,
    steps: int = _STEPS,
    shape_steps: int = _SHAPE_STEPS,
    seconds: float = 4.0,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Recombine neighbouring territories until every total is within ``[lo, hi]``, then shape them.

    Parameters
    ----------
    labels
        Territory of each unit; every territory one connected piece.
    w
        Weight of each unit; or, shape (units, territories), what each unit
        weighs in each territory (a workload depends on whose home it is driven from).
    src, dst
        The unit graph's edges (both directions or one).
    roots
        Per territory, a unit it must keep (its rep's home); -1 for none.
    lo, hi
        Band of each territory's total.
    frozen
        Territories that must not change (locked ones).
    border, area, perimeter
        Shared border length of each edge (aligned with `src`), area and
        perimeter of each unit: among cuts about as balanced, the one with
        the most compact sides is kept, and once in band pairs are
        recombined for compactness. Without them, neither.
    steps, shape_steps
        Most recombination steps for balance, then for shape; the result
        depends only on `seed` when they end within `seconds`.
    seconds
        CPU-time budget (a safety net; CPU time, so a busy machine gets the same plan).
    seed, cancel
        Random seed; cancel token.

    Returns
    -------
    np.ndarray
        The new labels (each territory still one piece, holding its root).
    """
    deadline = time.process_time() + seconds
    labels = np.asarray(labels, dtype=np.int64).copy()
    k = len(lo)
    frozen = np.zeros(k, dtype=bool) if frozen is None else np.asarray(frozen, dtype=bool)
    shapes = None
    if border is not None and area is not None and perimeter is not None:
        shapes = _Shapes(np.asarray(area, dtype=float), np.asarray(perimeter, dtype=float))
    search = _Search(
        np.asarray(w, dtype=float),
        _edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), border, area),
        roots=np.asarray(roots, dtype=np.int64),
        band=(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)),
        frozen=frozen,
        shapes=shapes,
        rng=np.random.default_rng(seed),
    )
    labels = _balance(search, labels, steps, deadline, cancel)
    _reshape(search, labels, shape_steps, deadline, cancel)
    return labels
