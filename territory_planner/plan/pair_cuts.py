"""Cutting two neighbouring territories' merged units in two, for `recombine`.

A pair's units (`Pair`) are split by random draws: spanning trees (a cut
subtree goes to one territory), shifted Voronoi splits between the two homes
(a prefix of the units ordered by how much nearer one home they are), and
trees forced through a heavy unit. Each cut's change of the energy
(`Step.gain`) is computed for all cuts of a draw at once; `best_cut` keeps
the one that lowers it most or, among cuts about as good, the most compact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import depth_first_order, dijkstra, minimum_spanning_tree

_DRAWS = 16  # random splits (spanning trees, shifted Voronoi) drawn per attempt on a pair
_KINDS = ("tree", "voronoi", "hub")  # draws in turn: plain tree, Voronoi, tree through a heavy unit
_MIN_DRAWS = 4  # draws before a cut that is good enough ends them
_SHORTLIST = 8  # near-best cuts per tree whose shapes may be compared
_KEEP_GAIN = 0.5  # share of the best cut's gain a more compact cut must reach
_EPS = 1e-12
_BLOCKED = 1e6  # added to the length of edges a route must not use


@dataclass(frozen=True)
class Edges:
    """The unit graph's edges, each listed once, with their shared border length."""

    a: np.ndarray
    b: np.ndarray
    border: np.ndarray
    length: np.ndarray  # about the distance between the two units' middles, mean 1


def unit_edges(
    src: np.ndarray, dst: np.ndarray, border: np.ndarray | None, area: np.ndarray | None
) -> Edges:
    """The unit graph's edges, each once (smaller unit first), with their borders and lengths.

    Parameters
    ----------
    src, dst
        The edges' ends (both directions or one).
    border
        Shared border length of each edge (aligned with `src`), or None for 1 each.
    area
        Area of each unit, from which the edges' lengths are estimated (the
        sum of the two units' square roots, scaled to mean 1), or None for 1 each.

    Returns
    -------
    Edges
        Each edge once, in the order of its key (smaller end, then larger).
    """
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
    return Edges(a, b, shared[keep][first], np.clip(length, 0.05, 20.0))


@dataclass(frozen=True)
class Shapes:
    """Area and perimeter of each unit (with the edges' borders: Polsby-Popper of any set)."""

    area: np.ndarray
    perimeter: np.ndarray


class Pair:
    """The merged units of two territories and their adjacency, ready for tree draws.

    Parameters
    ----------
    units
        The pair's units (positions in the whole unit graph).
    edges
        The unit graph's edges (see `unit_edges`).
    n
        Number of units in the whole graph.
    """

    def __init__(self, units: np.ndarray, edges: Edges, n: int) -> None:
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
        # each edge once, for spanning trees (undirected there: half the entries to sort)
        once = np.arange(len(self.a))
        self._once = coo_matrix((once + 1, (self.a, self.b)), shape=(self.size, self.size)).tocsr()
        self._once_edge = self._once.data - 1
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

        Parameters
        ----------
        rng
            The random draws.
        root
            The pair's unit the tree is rooted at (local position).
        through, other
            A unit the path from `root` to `other` must pass, and that other
            end (local positions); -1 for a plain tree.

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
        once = self._once.copy()
        once.data = weights[self._once_edge]
        forest = minimum_spanning_tree(once)
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

        Parameters
        ----------
        rng
            The random draws (the stretch of each edge).
        rx, ry
            The two roots (local positions): `rx` stays, `ry` gets a prefix.

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

    def compactness(self, side: np.ndarray, shapes: Shapes) -> float:
        """Summed Polsby-Popper score of the two sides of a cut (`side` marks one).

        Parameters
        ----------
        side
            Per unit of the pair, whether it is on the marked side.
        shapes
            Area and perimeter of every unit of the graph.

        Returns
        -------
        float
            Polsby-Popper of the marked side plus that of the rest.
        """
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


def signed_excess(totals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far each total is outside its band (+ over, - under, 0 inside).

    Parameters
    ----------
    totals
        The totals.
    lo, hi
        The band's ends (each an array aligned with `totals`, or a number).

    Returns
    -------
    np.ndarray
        ``totals - hi`` above the band, ``totals - lo`` below it, else 0.
    """
    return np.where(totals > hi, totals - hi, np.where(totals < lo, totals - lo, 0.0))


@dataclass(frozen=True)
class Step:
    """One pair to recombine (``x``, ``y``): the first should give to the second."""

    totals: np.ndarray  # scaled totals of x and y
    lo: np.ndarray  # scaled bands of x and y
    hi: np.ndarray
    phi: np.ndarray  # potentials of x and y
    g: np.ndarray  # the 2x2 block of the energy's matrix

    def gain(self, side_y: np.ndarray, side_x: np.ndarray) -> np.ndarray:
        """Change of the energy when `y` ends with total `side_y` and `x` with `side_x`.

        Parameters
        ----------
        side_y, side_x
            Candidate totals of `y` and of `x` (scaled), one per cut.

        Returns
        -------
        np.ndarray
            The change of the energy per cut (negative: lower, better).
        """
        before = signed_excess(self.totals, self.lo, self.hi)
        dx = signed_excess(side_x, self.lo[0], self.hi[0]) - before[0]
        dy = signed_excess(side_y, self.lo[1], self.hi[1]) - before[1]
        g = self.g
        return np.asarray(
            2 * (dx * self.phi[0] + dy * self.phi[1])
            + dx * dx * g[0, 0]
            + 2 * dx * dy * g[0, 1]
            + dy * dy * g[1, 1]
        )


@dataclass(frozen=True)
class Cut:
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


def best_cut(
    pair: Pair,
    w_local: np.ndarray,
    roots: tuple[int, int],
    step: Step,
    *,
    slack: float,
    shapes: Shapes | None,
    rng: np.random.Generator,
    enough: float = -np.inf,
) -> Cut | None:
    """Over several random splits, the cut that lowers the energy most (None if there is none).

    Trees are rooted at `x`'s root (else `y`'s, else anywhere); a cut is a
    unit whose subtree goes to the other territory, which must not hold the
    root and must hold the other root if there is one. Among the cuts within
    `slack` (in total) of the best, the one with the most compact sides wins.
    The draws stop early once a cut's gain is `enough`. `w_local` holds,
    per unit of the pair, what it weighs in `x` and in `y` (two columns).

    Parameters
    ----------
    pair
        The merged units of `x` and `y`.
    w_local
        Per unit of the pair, its (scaled) weight in `x` and in `y`.
    roots
        The local positions of `x`'s and `y`'s roots (their homes); -1 for none.
    step
        The pair's totals, bands and energy (see `Step`).
    slack
        How far (in total moved) a cut may be from the best and still be as good.
    shapes
        Area and perimeter of every unit, to compare the cuts' shapes; None to skip.
    rng
        The random draws.
    enough
        A gain that ends the draws early (after `_MIN_DRAWS`).

    Returns
    -------
    Cut or None
        The cut kept, or None when the pair's units are not connected.
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
    best: Cut | None = None
    for gain_t, _, order, first, stop in [c for c in found if c[0] <= least][: 4 * _SHORTLIST]:
        side = np.zeros(pair.size, dtype=bool)
        side[order[first:stop]] = True
        if flip:  # (a tree's: Voronoi splits need both roots)
            side = ~side
        shape = 0.0 if shapes is None else pair.compactness(side, shapes)
        if best is None or shape > best.shape:
            best = Cut(gain_t, side, shape)
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
