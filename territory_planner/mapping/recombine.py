"""Balancing by recombination: two neighbouring territories merged and cut again along a tree.

Local search moves one border unit at a time, which is blind on lumpy data:
a territory 70% short whose home sits among empty counties gains nothing
from any single move, since the accounts it needs lie beyond several empty
units. Recombination (the ReCom step of redistricting practice, see the
MGGG group's GerryChain) sees whole regions at once: the units of two
neighbouring territories are merged, a random spanning tree is drawn over
them, and one tree edge is cut so that each side holds one of the two
homes. Both sides are connected by construction; among many trees the cut
that brings the two totals closest to their band is kept.

`recombine` repeats this on the neighbouring pair whose totals differ
most (imbalance diffuses across the map like heat) until every territory
is in its band, no pair improves, or the time is up.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

from territory_planner.tasks import CancelToken

_TREES = 24  # spanning trees drawn per attempt on a pair
_TABU = 3  # rounds a pair that could not improve waits before it is tried again


def _excess(total: float, lo: float, hi: float, scale: float) -> float:
    if total > hi:
        return (total - hi) * scale
    if total < lo:
        return (lo - total) * scale
    return 0.0


class _Pair:
    """The merged units of two territories and their adjacency, ready for tree draws."""

    def __init__(self, units: np.ndarray, src: np.ndarray, dst: np.ndarray, n: int) -> None:
        local = np.full(n, -1, dtype=np.int64)
        local[units] = np.arange(len(units))
        keep = (local[src] >= 0) & (local[dst] >= 0) & (src < dst)
        self.a, self.b = local[src[keep]], local[dst[keep]]
        self.units = units
        self.local = local
        self.size = len(units)

    def tree(self, rng: np.random.Generator) -> csr_matrix:
        """A random spanning tree (minimum spanning tree of random edge weights)."""
        weights = rng.random(len(self.a)) + 1e-9
        graph = coo_matrix((weights, (self.a, self.b)), shape=(self.size, self.size))
        forest = minimum_spanning_tree(graph.tocsr())
        return (forest + forest.T).tocsr()


def _best_cut(
    pair: _Pair,
    w_local: np.ndarray,
    roots: tuple[int, int],
    score: object,
    rng: np.random.Generator,
) -> tuple[float, np.ndarray | None]:
    """Over several random trees, the cut (units of the second side) with the lowest score."""
    ra, rb = roots
    best_value, best_side = np.inf, None
    for _ in range(_TREES):
        tree = pair.tree(rng)
        order, parent = breadth_first_order(tree, ra, directed=False, return_predecessors=True)
        if len(order) < pair.size:  # the merged units are not connected: no tree spans them
            return np.inf, None
        sub = w_local.copy()
        for v in order[:0:-1].tolist():  # leaves first: each subtree's weight
            sub[parent[v]] += sub[v]
        path = []
        v = rb
        while v != ra:
            path.append(v)
            v = parent[v]
        values = [score(float(sub[v])) for v in path]  # type: ignore[operator]
        i = int(np.argmin(values))
        if values[i] < best_value:
            best_value = values[i]
            cut = path[i]
            side = np.zeros(pair.size, dtype=bool)
            side[cut] = True
            for v in order.tolist():  # BFS order: a parent comes before its children
                if v not in {cut, ra} and side[parent[v]]:
                    side[v] = True
            best_side = side
            if best_value == 0.0:
                break
    return best_value, best_side


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
        The unit graph's edges (both directions or one; pairs are read once).
    roots
        Per territory, a unit it must keep (its rep's home); -1 for none
        (then the unit nearest its middle in the tree serves).
    lo, hi
        Band of each territory's total.
    frozen
        Territories that must not change (locked ones).
    seconds
        Time budget.
    seed, cancel
        Random seed; cancel token.

    Returns
    -------
    np.ndarray
        The new labels (each territory still one piece, holding its root).
    """
    start = time.perf_counter()
    labels = np.asarray(labels, dtype=np.int64).copy()
    k = len(lo)
    n = len(labels)
    rng = np.random.default_rng(seed)
    frozen = np.zeros(k, dtype=bool) if frozen is None else np.asarray(frozen, dtype=bool)
    scale = 1.0 / max(float(np.mean(hi)), 1e-12)
    tabu: dict[tuple[int, int], int] = {}
    step = 0
    while time.perf_counter() - start < seconds:
        if cancel is not None:
            cancel.raise_if_cancelled()
        step += 1
        totals = np.bincount(labels, weights=w, minlength=k)
        excess = np.array([_excess(totals[t], lo[t], hi[t], scale) for t in range(k)])
        if not excess.any():
            break
        la, lb = labels[src], labels[dst]
        cut = la != lb
        pairs = {(int(min(x, y)), int(max(x, y))) for x, y in zip(la[cut], lb[cut], strict=True)}
        mid = (lo + hi) / 2
        relative = (totals - mid) * scale
        ranked = sorted(
            (
                p
                for p in pairs
                if not frozen[p[0]]
                and not frozen[p[1]]
                and tabu.get(p, 0) < step
                and (excess[p[0]] > 0 or excess[p[1]] > 0)
            ),
            key=lambda p: -abs(relative[p[0]] - relative[p[1]]),
        )
        if not ranked:
            break
        improved = False
        for x, y in ranked[:4]:
            units = np.flatnonzero((labels == x) | (labels == y))
            pair = _Pair(units, src, dst, n)
            w_local = w[units]
            whole = float(w_local.sum())
            before = excess[x] ** 2 + excess[y] ** 2

            def score(side_b: float, x: int = x, y: int = y, whole: float = whole) -> float:
                ex = _excess(whole - side_b, lo[x], hi[x], scale)
                ey = _excess(side_b, lo[y], hi[y], scale)
                return ex * ex + ey * ey

            ra = _root(units, labels, x, roots, pair)
            rb = _root(units, labels, y, roots, pair)
            value, side = _best_cut(pair, w_local, (ra, rb), score, rng)
            if side is not None and value < before - 1e-12:
                labels[units] = x
                labels[units[side]] = y
                improved = True
                break
            tabu[(x, y)] = step + _TABU
        if not improved and all(tabu.get(p, 0) >= step for p in ranked):
            continue
    return labels


def _root(units: np.ndarray, labels: np.ndarray, t: int, roots: np.ndarray, pair: _Pair) -> int:
    """The local index of territory `t`'s root in the merged units."""
    if roots[t] >= 0:
        return int(pair.local[roots[t]])
    mine = units[labels[units] == t]
    return int(pair.local[mine[len(mine) // 2]])
