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
cluster far from both homes can be divided, not only passed whole). Territories
the random cuts leave out of band are then settled exactly where one pair
can do it (`territory_planner.plan.pair_milp`: the units near the pair's
shared border given out by a small HiGHS program, each side in one piece).
Once every total is in band, a few steps recombine pairs for compactness alone.

This module holds the search (which pair, when to stop); the draws and the
cut of one pair are in `territory_planner.plan.pair_cuts`.
"""

from __future__ import annotations

import time

import numpy as np

from territory_planner.plan.pair_cuts import (
    Cut,
    Edges,
    Pair,
    Shapes,
    Step,
    best_cut,
    signed_excess,
    unit_edges,
)
from territory_planner.plan.pair_milp import settle_pairs
from territory_planner.tasks import CancelToken

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
_SETTLE_SECONDS = (0.3, 1.5)  # CPU seconds for exact pairs, at least and at most
_LAMBDA = 0.25  # weight of the plain squared excess in the energy
_EPS = 1e-12


def _metric(k: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Pseudo-inverse of the territory graph's Laplacian, plus a little identity."""
    lap = np.zeros((k, k))
    for x, y in pairs:
        lap[x, y] -= 1.0
        lap[y, x] -= 1.0
        lap[x, x] += 1.0
        lap[y, y] += 1.0
    return np.asarray(np.linalg.pinv(lap, hermitian=True)) + _LAMBDA * np.eye(k)


def _territory_pairs(labels: np.ndarray, edges: Edges, frozen: np.ndarray) -> list[tuple[int, int]]:
    """Neighbouring territories (neither frozen), each pair once, smaller label first."""
    la, lb = labels[edges.a], labels[edges.b]
    cut = (la != lb) & ~frozen[la] & ~frozen[lb]
    low, high = np.minimum(la, lb)[cut].tolist(), np.maximum(la, lb)[cut].tolist()
    return sorted(set(zip(low, high, strict=True)))


def _compactness(labels: np.ndarray, k: int, edges: Edges, shapes: Shapes) -> np.ndarray:
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
        edges: Edges,
        *,
        roots: np.ndarray,
        band: tuple[np.ndarray, np.ndarray],
        frozen: np.ndarray,
        shapes: Shapes | None,
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
        excess = signed_excess(totals, self.lo, self.hi)
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
    ) -> tuple[np.ndarray, Pair, Cut | None]:
        """The best cut of the pair `x`, `y` found by this round's draws (see `best_cut`)."""
        units = np.flatnonzero((labels == x) | (labels == y))
        pair = Pair(units, self.edges, self.n)
        totals, _ = self.excess(labels)
        ix = np.array([x, y])
        step = Step(totals[ix], self.lo[ix], self.hi[ix], phi, g)
        roots = tuple(int(pair.local[self.roots[t]]) if self.roots[t] >= 0 else -1 for t in (x, y))
        cut = best_cut(
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
        shapes = Shapes(np.asarray(area, dtype=float), np.asarray(perimeter, dtype=float))
    search = _Search(
        np.asarray(w, dtype=float),
        unit_edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), border, area),
        roots=np.asarray(roots, dtype=np.int64),
        band=(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)),
        frozen=frozen,
        shapes=shapes,
        rng=np.random.default_rng(seed),
    )
    labels = _balance(search, labels, steps, deadline, cancel)
    if search.excess(labels)[1].any():  # what random cuts left: exact pairs (HiGHS)
        now = time.process_time()
        labels = settle_pairs(
            labels, search.w, search.edges, roots=search.roots, band=(search.lo, search.hi),
            frozen=frozen, deadline=now + float(np.clip(deadline - now, *_SETTLE_SECONDS)),
            cancel=cancel,
        )  # fmt: skip
    _reshape(search, labels, shape_steps, deadline, cancel)
    return labels
