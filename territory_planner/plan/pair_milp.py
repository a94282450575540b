"""Two neighbouring territories' shared border redrawn exactly: a small MILP solved by HiGHS.

Recombination draws random cuts, which finds the rare plan a dead end needs
only by luck: on a field project New York's territory held Manhattan, Brooklyn,
Queens and Long Island (2% short), and the only plans within 1% gave Queens
and Long Island to the neighbour holding the Bronx while New York took New
Jersey counties from it, a cut random spanning trees almost never offer.

Here the units near the two territories' shared border (a few steps of the
unit graph, the window) are given to one or the other by a mixed-integer
program; the rest of each territory stays, as a few fixed pieces. Each
territory stays in one piece through a flow from the piece with its home:
every unit (and every other fixed piece) it holds takes one unit of flow,
which may only pass through units it holds. The objective is the pair's
excess over its band, then the length of the border drawn (rounder shapes)::

    minimise  sum_t (over_t + under_t) + lambda * sum_e border_e * cut_e
    subject to lo_t - under_t <= total_t <= hi_t + over_t   (t = x, y)
               flow conservation and capacity per territory  (one piece each)
               cut_e >= |y_i - y_j|                          (e = (i, j) in the window)

with ``y_i = 1`` for a unit going to the second territory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from territory_planner.plan.pair_cuts import Edges, signed_excess
from territory_planner.tasks import CancelToken

_SHAPE = 1e-3  # weight of the border drawn (all of it: 1) against one mean territory of excess
_GAP = 0.02  # relative MIP gap at which HiGHS may stop
_HOPS = 4  # steps from the shared border within which units may change
_SOLVE_SECONDS = 1.0  # CPU seconds per pair at most


def settle_pairs(
    labels: np.ndarray,
    w: np.ndarray,
    edges: Edges,
    *,
    roots: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    frozen: np.ndarray,
    deadline: float,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Redraw shared borders exactly, pair by pair, while that lowers the summed excess.

    Pairs of neighbouring territories with one out of its band are tried,
    the furthest out first; the first redrawing that lowers the plan's summed
    excess is kept, and the search starts again (until every total is in
    band, no pair helps, or the CPU-time `deadline` passes).

    Parameters
    ----------
    labels
        Territory of each unit; every territory one piece.
    w
        Shape (units, territories): what each unit weighs in each territory.
    edges
        The unit graph's edges, each once, with their shared border lengths.
    roots
        Per territory, its home unit, which stays; -1 for none (then its heaviest
        unit stays, so that it keeps its heart).
    band
        Each territory's band (lo, hi), as `w` counts.
    frozen
        Per territory, whether it must not change (locked).
    deadline
        ``time.process_time()`` by which to stop.
    cancel
        Cancel token.

    Returns
    -------
    np.ndarray
        The labels, settled where a pair could (each territory still one piece).
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    rows = np.arange(len(labels))
    k = len(roots)
    open_ = ~frozen
    free = open_[labels]

    def excess(of: np.ndarray) -> np.ndarray:
        totals = np.bincount(of, weights=w[rows, of], minlength=k)
        return np.asarray(np.abs(signed_excess(totals, *band)))

    while True:
        now = excess(labels)
        heart = np.where(roots >= 0, roots, heaviest_units(labels, w[rows, labels], k))
        la, lb = labels[edges.a], labels[edges.b]
        pairs = {(int(p), int(q)) for p, q in zip(la[la != lb], lb[la != lb], strict=True)}
        pairs |= {(q, p) for p, q in pairs}
        tried = sorted(
            (p for p in pairs if now[p[0]] > 0 and open_[p[0]] and open_[p[1]]),
            key=lambda p: (-now[p[0]], -now[p[1]], p),
        )
        for x, y in tried:
            left = deadline - time.process_time()
            if left <= 0:
                return labels
            if cancel is not None:
                cancel.raise_if_cancelled()
            new = exact_pair(
                labels, w, edges, pair=(x, y), roots=(int(heart[x]), int(heart[y])),
                band=band, free=free, hops=_HOPS, time_limit=min(_SOLVE_SECONDS, left),
            )  # fmt: skip
            if new is not None and excess(new).sum() < now.sum() - _EPS:
                labels = new
                break
        else:
            return labels


def heaviest_units(labels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Each territory's heaviest unit (the first of equals), -1 for a territory without units.

    Parameters
    ----------
    labels
        Territory of each unit (-1: none).
    weights
        Weight of each unit.
    k
        Number of territories.

    Returns
    -------
    np.ndarray
        Per territory, the position of its heaviest unit.
    """
    order = np.argsort(-np.asarray(weights, dtype=float), kind="stable")
    held = np.asarray(labels)[order]
    order, held = order[held >= 0], held[held >= 0]
    territories, first = np.unique(held, return_index=True)
    heaviest = np.full(k, -1, dtype=np.int64)
    heaviest[territories] = order[first]
    return heaviest


@dataclass(frozen=True)
class _Window:
    """The pair's units near its shared border (free) and the fixed pieces around them.

    Nodes are the free units (0 .. m-1, in the order of `units`), then the pieces.
    """

    units: np.ndarray  # free units (positions in the whole graph)
    node: np.ndarray  # per unit of the graph, its node (-1: not in the pair)
    piece_of: np.ndarray  # per piece, its side (0: the pair's first territory, 1: second)
    a: np.ndarray  # node edges, each once, and their shared border lengths
    b: np.ndarray
    border: np.ndarray


def _components(labels: np.ndarray, edges: Edges, keep: np.ndarray) -> np.ndarray:
    """Connected pieces of the kept units, each of one territory: a piece number per unit."""
    n = len(labels)
    same = keep[edges.a] & keep[edges.b] & (labels[edges.a] == labels[edges.b])
    graph = coo_matrix((np.ones(int(same.sum())), (edges.a[same], edges.b[same])), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1])


def _window(
    labels: np.ndarray, edges: Edges, pair: tuple[int, int], free: np.ndarray, hops: int
) -> _Window | None:
    """Free units within `hops` steps of the shared border; the rest as fixed pieces."""
    x, y = pair
    n = len(labels)
    la, lb = labels[edges.a], labels[edges.b]
    ours = np.isin(labels, pair)
    shared = ((la == x) & (lb == y)) | ((la == y) & (lb == x))
    if not shared.any():
        return None
    both = ours[edges.a] & ours[edges.b]
    ends = (
        np.concatenate([edges.a[both], edges.b[both]]),
        np.concatenate([edges.b[both], edges.a[both]]),
    )
    graph = coo_matrix((np.ones(len(ends[0])), ends), shape=(n, n)).tocsr()
    near = np.zeros(n, dtype=bool)
    frontier = np.unique(np.concatenate([edges.a[shared], edges.b[shared]]))
    near[frontier] = True
    for _ in range(hops):
        reached = np.unique(graph[frontier].indices)
        frontier = reached[~near[reached]]
        near[frontier] = True
    inside = near & free & ours
    units = np.flatnonzero(inside)
    rest = ours & ~inside
    pieces, piece = np.unique(_components(labels, edges, rest)[rest], return_inverse=True)
    node = np.full(n, -1, dtype=np.int64)
    node[units] = np.arange(len(units))
    node[rest] = len(units) + piece
    piece_of = np.zeros(len(pieces), dtype=np.int64)
    piece_of[piece] = (labels[rest] == y).astype(np.int64)
    na, nb = node[edges.a], node[edges.b]
    keep = (na >= 0) & (nb >= 0) & (na != nb) & (inside[edges.a] | inside[edges.b])
    size = len(units) + len(pieces)
    key = np.minimum(na[keep], nb[keep]) * size + np.maximum(na[keep], nb[keep])
    unique, where = np.unique(key, return_inverse=True)
    return _Window(
        units=units,
        node=node,
        piece_of=piece_of,
        a=unique // size,
        b=unique % size,
        border=np.bincount(where, weights=edges.border[keep]),
    )


def exact_pair(
    labels: np.ndarray,
    w: np.ndarray,
    edges: Edges,
    *,
    pair: tuple[int, int],
    roots: tuple[int, int],
    band: tuple[np.ndarray, np.ndarray],
    free: np.ndarray,
    hops: int,
    time_limit: float,
) -> np.ndarray | None:
    """The best redrawing of two neighbouring territories' shared border, or None.

    Parameters
    ----------
    labels
        Territory of each unit; both territories of the pair in one piece.
    w
        Shape (units, territories): what each unit weighs in each territory.
    edges
        The unit graph's edges, each once, with their shared border lengths.
    pair
        The two territories.
    roots
        Their homes (unit positions), which stay.
    band
        Each territory's band (lo, hi), as `w` counts.
    free
        Per unit, whether it may change territory.
    hops
        How far from the shared border (steps of the unit graph) units may change.
    time_limit
        Seconds HiGHS may take.

    Returns
    -------
    np.ndarray or None
        New labels (only units of the pair near its border changed; each
        territory one piece, holding its root), or None when the solver found
        no plan in time.
    """
    free = free.copy()
    free[list(roots)] = False
    window = _window(labels, edges, pair, free, hops)
    if window is None or not len(window.units):
        return None
    m = len(window.units)
    owner = np.asarray(pair)
    rest = np.flatnonzero(window.node >= m)
    side = window.piece_of[window.node[rest] - m]
    piece_weight = np.bincount(
        window.node[rest] - m, weights=w[rest, owner[side]], minlength=len(window.piece_of)
    )
    root_nodes = [int(window.node[r]) for r in roots]
    program = _Program(window, scale=1.0 / max(float(np.mean(band[1])), 1e-12))
    for side in (0, 1):
        t = int(owner[side])
        fixed = float(piece_weight[window.piece_of == side].sum())
        program.total(side, w[window.units, t], fixed, (float(band[0][t]), float(band[1][t])))
        program.one_piece(side, root_nodes[side])
    program.cuts()
    chosen = program.solve(time_limit)
    if chosen is None:
        return None
    new = labels.copy()
    new[window.units] = owner[chosen.astype(np.int64)]
    return new


class _Program:
    """The pair's mixed-integer program, built a family of rows at a time.

    Variables: ``y`` per free unit (1: to the pair's second territory), then
    the excess over and under each band (4), then a cut per edge between
    two free units, then the flows (added by `one_piece`).
    """

    def __init__(self, window: _Window, *, scale: float) -> None:
        self.window, self.scale = window, scale
        self.m = len(window.units)
        self.size = self.m + len(window.piece_of)
        self.inner = np.flatnonzero((window.a < self.m) & (window.b < self.m))
        self.nvar = self.m + 4 + len(self.inner)
        self.cost = np.zeros(self.nvar)
        self.cost[self.m : self.m + 4] = 1.0
        self._rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []
        self._count = 0

    def _add(
        self,
        entries: tuple[np.ndarray, np.ndarray, np.ndarray],
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        """Rows (row, column, value triples; rows numbered from 0) with their bounds."""
        rows, cols, vals = entries
        self._rows.append((rows + self._count, cols, vals))
        self._lower.append(lower)
        self._upper.append(upper)
        self._count += len(lower)

    def total(
        self, side: int, weights: np.ndarray, fixed: float, band: tuple[float, float]
    ) -> None:
        """The territory's total within its band, or its excess paid for."""
        wt = weights * self.scale
        sign = 1.0 if side else -1.0  # the first territory holds the units with y = 0
        base = fixed * self.scale + (0.0 if side else float(wt.sum()))
        over, under = self.m + 2 * side, self.m + 2 * side + 1
        cols = np.arange(self.m)
        rows = np.zeros(self.m + 1, dtype=np.int64)
        lo, hi = band[0] * self.scale - base, band[1] * self.scale - base
        for slack, sloped, lower, upper in ((over, -1.0, -np.inf, hi), (under, 1.0, lo, np.inf)):
            entries = (rows, np.append(cols, slack), np.append(sign * wt, sloped))
            self._add(entries, np.array([lower]), np.array([upper]))

    def cuts(self) -> None:
        """The border drawn: cut >= |y_i - y_j| between free units, and beside fixed pieces."""
        window, m = self.window, self.m
        whole = max(float(window.border.sum()), 1e-12)
        e = np.arange(len(self.inner))
        i, j = window.a[self.inner], window.b[self.inner]
        for first, second in ((i, j), (j, i)):
            entries = (
                np.repeat(e, 3),
                np.column_stack([m + 4 + e, first, second]).ravel(),
                np.tile([1.0, -1.0, 1.0], len(e)),
            )
            self._add(entries, np.zeros(len(e)), np.full(len(e), np.inf))
        self.cost[m + 4 + e] = _SHAPE * window.border[self.inner] / whole
        # a free unit beside a fixed piece draws that border when it goes to the other side
        for ends, other in ((window.a, window.b), (window.b, window.a)):
            beside = np.flatnonzero((ends < m) & (other >= m))
            toward = np.where(window.piece_of[other[beside] - m] == 0, 1.0, -1.0)
            np.add.at(self.cost, ends[beside], _SHAPE * window.border[beside] / whole * toward)

    def one_piece(self, side: int, root: int) -> None:
        """A flow from the root's piece to every node the territory holds, through its own."""
        window, m = self.window, self.m
        holds = np.ones(self.size, dtype=bool)
        holds[m:] = window.piece_of == side
        tail = np.concatenate([window.a, window.b])
        head = np.concatenate([window.b, window.a])
        arcs = np.flatnonzero(holds[tail] & holds[head])
        tail, head = tail[arcs], head[arcs]
        flow = self.nvar + np.arange(len(arcs))
        self.nvar += len(arcs)
        self.cost = np.append(self.cost, np.zeros(len(arcs)))
        nodes = np.flatnonzero(holds)
        nodes = nodes[nodes != root]
        row = np.full(self.size, -1, dtype=np.int64)
        row[nodes] = np.arange(len(nodes))
        into, out = row[head], row[tail]
        free = np.flatnonzero(nodes < m)  # rows of free units: in - out = y (or 1 - y)
        entries = (
            np.concatenate([into[into >= 0], out[out >= 0], free]),
            np.concatenate([flow[into >= 0], flow[out >= 0], nodes[free]]),
            np.concatenate([
                np.ones(int((into >= 0).sum())),
                -np.ones(int((out >= 0).sum())),
                np.full(len(free), -1.0 if side else 1.0),
            ]),
        )  # fmt: skip
        demand = np.ones(len(nodes))  # a fixed piece takes one
        demand[free] = 0.0 if side else 1.0
        self._add(entries, demand, demand)
        # no flow into a free unit the territory does not hold
        cap = float(m + int((window.piece_of == side).sum()))
        to_free = np.flatnonzero(head < m)
        r = np.arange(len(to_free))
        entries = (
            np.repeat(r, 2),
            np.column_stack([flow[to_free], head[to_free]]).ravel(),
            np.tile([1.0, -cap if side else cap], len(r)),
        )
        self._add(entries, np.full(len(r), -np.inf), np.full(len(r), 0.0 if side else cap))

    def solve(self, time_limit: float) -> np.ndarray | None:
        """Per free unit, whether it goes to the second territory; None if nothing was found."""
        rows, cols, vals = (np.concatenate(part) for part in zip(*self._rows, strict=True))
        matrix = csr_matrix((vals, (rows, cols)), shape=(self._count, self.nvar))
        high = np.full(self.nvar, np.inf)
        high[: self.m] = 1.0
        high[self.m + 4 : self.m + 4 + len(self.inner)] = 1.0
        integrality = np.zeros(self.nvar)
        integrality[: self.m] = 1
        result = milp(
            self.cost,
            constraints=LinearConstraint(
                matrix, np.concatenate(self._lower), np.concatenate(self._upper)
            ),
            integrality=integrality,
            bounds=Bounds(np.zeros(self.nvar), high),
            options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": _GAP},
        )
        if result.x is None:
            return None
        return np.asarray(result.x[: self.m] > _HALF)


_HALF = 0.5  # a binary's solved value above this is 1
_EPS = 1e-12
