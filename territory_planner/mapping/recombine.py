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
transfer lowers the energy most; over several trees the cut that lowers it
most is kept or, among cuts about as good, the one with the most compact
sides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import depth_first_order, dijkstra, minimum_spanning_tree

from territory_planner.tasks import CancelToken

_DRAWS = 16  # random splits (spanning trees, shifted Voronoi) drawn per attempt on a pair
_TRIES = 4  # pairs tried per step
_TABU = 3  # steps a pair that could not improve waits before it is tried again
_STEPS = 300  # steps at most: the deterministic budget (`seconds` is a safety net)
_LAMBDA = 0.25  # weight of the plain squared excess in the energy
_SHORTLIST = 8  # near-best cuts per tree whose shapes may be compared
_EPS = 1e-12


@dataclass(frozen=True)
class _Edges:
    """The unit graph's edges, each listed once, with their shared border length."""

    a: np.ndarray
    b: np.ndarray
    border: np.ndarray


def _edges(src: np.ndarray, dst: np.ndarray, border: np.ndarray | None) -> _Edges:
    lo_end, hi_end = np.minimum(src, dst), np.maximum(src, dst)
    keep = lo_end < hi_end
    key = lo_end[keep] * (int(max(hi_end.max(initial=0), 0)) + 1) + hi_end[keep]
    _, first = np.unique(key, return_index=True)
    length = np.ones(len(src)) if border is None else np.asarray(border, dtype=float)
    return _Edges(lo_end[keep][first], hi_end[keep][first], length[keep][first])


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
        self.units = units
        self.local = local
        self.size = len(units)
        both = np.concatenate([np.arange(len(self.a)), np.arange(len(self.a))])
        ends = (np.concatenate([self.a, self.b]), np.concatenate([self.b, self.a]))
        self._csr = coo_matrix((both + 1, ends), shape=(self.size, self.size)).tocsr()
        self._edge_of = self._csr.data - 1  # edge behind each stored entry (both directions)

    def _graph(self, weights: np.ndarray) -> csr_matrix:
        """The pair's graph (both directions) with these edge weights."""
        graph = self._csr.copy()
        graph.data = weights[self._edge_of]
        return graph

    def tree(self, rng: np.random.Generator, root: int) -> tuple[np.ndarray, np.ndarray]:
        """A random spanning tree (minimum spanning tree of random edge weights).

        Returns
        -------
        tuple of np.ndarray
            The units in depth-first preorder from `root` (shorter than the
            pair when its units are not connected) and each unit's parent.
        """
        weights = rng.random(len(self.a)) + 1.0
        forest = minimum_spanning_tree(self._graph(weights))
        order, parent = depth_first_order(forest, root, directed=False, return_predecessors=True)
        return order, parent

    def voronoi(self, rng: np.random.Generator, rx: int, ry: int) -> tuple[np.ndarray, np.ndarray]:
        """A random shifted Voronoi split: units ordered by how much nearer `ry` than `rx` they are.

        With random edge lengths and ``d_x``, ``d_y`` the distances from the
        two roots, every set ``d_y - d_x < c`` holds `ry` and is connected
        (a unit's shortest path to `ry` stays in it), and so is the rest.
        The lengths are integers, so that the distances are exact.

        Returns
        -------
        tuple of np.ndarray
            The units in that order, and the lengths of its prefixes that
            are such sets (neither empty nor holding `rx`).
        """
        weights = rng.integers(1000, 3000, len(self.a)).astype(float)  # exact sums: ties stay ties
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

    def gain(self, side_y: np.ndarray) -> np.ndarray:
        """Change of the energy when `y` ends with total `side_y` (and `x` with the rest)."""
        whole = float(self.totals.sum())
        before = _signed_excess(self.totals, self.lo, self.hi)
        dx = _signed_excess(whole - side_y, self.lo[0], self.hi[0]) - before[0]
        dy = _signed_excess(side_y, self.lo[1], self.hi[1]) - before[1]
        g = self.g
        return (
            2 * (dx * self.phi[0] + dy * self.phi[1])
            + dx * dx * g[0, 0]
            + 2 * dx * dy * g[0, 1]
            + dy * dy * g[1, 1]
        )


def _best_cut(  # noqa: PLR0913 (the pair, its step and the tree draws)
    pair: _Pair,
    w_local: np.ndarray,
    roots: tuple[int, int],
    step: _Step,
    slack: float,
    shapes: _Shapes | None,
    rng: np.random.Generator,
) -> tuple[float, np.ndarray | None]:
    """The best cut's change of the energy and the units of the pair (local mask) `y` gets.

    The tree is rooted at `x`'s root (else `y`'s, else anywhere); a cut is a
    unit whose subtree goes to the other territory, which must not hold the
    root and must hold the other root if there is one.
    """
    rx, ry = roots
    flip = rx < 0 and ry >= 0  # rooted at y's home: the subtree goes to x
    root = ry if flip else max(rx, 0)
    other = -1 if flip else ry
    whole = float(w_local.sum())
    found: list[tuple[float, int, np.ndarray, int, int]] = []  # gain, draw, order, start, stop
    for t in range(_DRAWS):
        if t % 2 and rx >= 0 and ry >= 0:  # y gets a prefix of the order
            order, ends = pair.voronoi(rng, rx, ry)
            starts = np.zeros(len(ends), dtype=np.int64)
            side_y = np.cumsum(w_local[order])[ends - 1]
        else:  # a subtree of a spanning tree
            order, parent = pair.tree(rng, root)
            if len(order) < pair.size:  # the merged units are not connected: no tree spans them
                return np.inf, None
            position = np.empty(pair.size, dtype=np.int64)
            position[order] = np.arange(pair.size)
            size = np.asarray(_subtree_sizes(order, parent), dtype=np.int64)
            cumulative = np.concatenate([[0.0], np.cumsum(w_local[order])])
            if other >= 0:  # the path from the other root up to (not including) the root
                path = [other]
                up = parent.tolist()
                while up[path[-1]] != root:
                    path.append(up[path[-1]])
                nodes = np.asarray(path, dtype=np.int64)
            else:
                nodes = order[1:]
            starts, ends = position[nodes], position[nodes] + size[nodes]
            sub = cumulative[ends] - cumulative[starts]
            side_y = whole - sub if flip else sub
        gain = step.gain(side_y)
        near = np.argpartition(gain, _SHORTLIST)[:_SHORTLIST] if len(gain) > _SHORTLIST else gain.argsort()
        for i in near.tolist():
            found.append((float(gain[i]), t, order, int(starts[i]), int(ends[i])))
    found.sort(key=lambda c: (c[0], c[1]))
    if not found:
        return np.inf, None
    resistance = step.g[0, 0] + step.g[1, 1] - 2 * step.g[0, 1]
    least = found[0][0] + resistance * slack * slack
    good = [c for c in found if c[0] <= least and (c[0] < -_EPS or c[0] == found[0][0])]
    best_side, best_shape = None, -np.inf
    for _, t, order, first, stop in good[:_SHORTLIST] if shapes is not None else good[:1]:
        side = np.zeros(pair.size, dtype=bool)
        side[order[first:stop]] = True
        if flip and not t % 2:
            side = ~side
        shape = 0.0 if shapes is None else pair.compactness(side, shapes)
        if shape > best_shape:
            best_side, best_shape = side, shape
    return found[0][0], best_side


def recombine(  # noqa: PLR0913 (the graph, the bands and the budget)
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
    seconds: float = 4.0,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Recombine neighbouring territories until every total is within ``[lo, hi]``.

    Parameters
    ----------
    labels
        Territory of each unit; every territory one connected piece.
    w
        Weight of each unit.
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
        the most compact sides is kept (without them, the most balanced).
    steps
        Most recombination steps; the result depends only on `seed` when
        they end within `seconds`.
    seconds
        Time budget (a safety net).
    seed, cancel
        Random seed; cancel token.

    Returns
    -------
    np.ndarray
        The new labels (each territory still one piece, holding its root).
    """
    start = time.perf_counter()
    labels = np.asarray(labels, dtype=np.int64).copy()
    w = np.asarray(w, dtype=float)
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    k, n = len(lo), len(labels)
    rng = np.random.default_rng(seed)
    frozen = np.zeros(k, dtype=bool) if frozen is None else np.asarray(frozen, dtype=bool)
    edges = _edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), border)
    shapes = None
    if border is not None and area is not None and perimeter is not None:
        shapes = _Shapes(np.asarray(area, dtype=float), np.asarray(perimeter, dtype=float))
    scale = 1.0 / max(float(np.mean(hi)), _EPS)
    slack = float(np.mean(hi - lo)) * scale / 4  # a cut this much less balanced than the best is as good
    tabu: dict[tuple[int, int], int] = {}
    best, best_labels = np.inf, labels.copy()
    for step in range(1, steps + 1):
        if time.perf_counter() - start > seconds:
            break
        if cancel is not None:
            cancel.raise_if_cancelled()
        totals = np.bincount(labels, weights=w, minlength=k) * scale
        excess = _signed_excess(totals, lo * scale, hi * scale)
        excess[frozen] = 0.0
        value = float(excess @ excess)
        if value < best:
            best, best_labels = value, labels.copy()
        if value == 0.0:
            break
        la, lb = labels[edges.a], labels[edges.b]
        cut = (la != lb) & ~frozen[la] & ~frozen[lb]
        pairs = sorted(set(zip(np.minimum(la, lb)[cut].tolist(), np.maximum(la, lb)[cut].tolist(), strict=True)))
        g = _metric(k, pairs)
        phi = g @ excess
        ranked = []
        for x, y in pairs:
            if tabu.get((x, y), 0) >= step:
                continue
            resistance = g[x, x] + g[y, y] - 2 * g[x, y]
            ideal = (phi[x] - phi[y]) ** 2 / max(resistance, _EPS)
            ranked.append((-ideal, x, y) if phi[x] >= phi[y] else (-ideal, y, x))
        ranked.sort()
        kick: tuple[float, int, int, np.ndarray, np.ndarray] | None = None
        for _, x, y in ranked[:_TRIES]:  # x gives, y takes
            units = np.flatnonzero((labels == x) | (labels == y))
            pair = _Pair(units, edges, n)
            ix = np.array([x, y])
            plan = _Step(totals[ix], lo[ix] * scale, hi[ix] * scale, phi[ix], g[np.ix_(ix, ix)])
            local_roots = (
                int(pair.local[roots[x]]) if roots[x] >= 0 else -1,
                int(pair.local[roots[y]]) if roots[y] >= 0 else -1,
            )
            gain, side = _best_cut(pair, w[units] * scale, local_roots, plan, slack, shapes, rng)
            tabu[(min(x, y), max(x, y))] = step + _TABU
            if side is None:
                continue
            if gain < -_EPS:
                kick = None
                labels[units] = x
                labels[units[side]] = y
                break
            if kick is None or gain < kick[0]:
                kick = (gain, x, y, units, side)
        if kick is not None:  # stuck: the least harmful move, to leave the local minimum
            _, x, y, units, side = kick
            labels[units] = x
            labels[units[side]] = y
    totals = np.bincount(labels, weights=w, minlength=k) * scale
    excess = _signed_excess(totals, lo * scale, hi * scale)
    excess[frozen] = 0.0
    return labels if float(excess @ excess) < best else best_labels
