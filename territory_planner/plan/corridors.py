"""Corridors to lumps no rep lives in: which home's territory takes a county that heavy.

A metro county that weighs over half a territory and holds no rep's home
(Miami-Dade with the nearest rep in Washington, 1,500 km away; Queens,
beside a Manhattan home too heavy to take it) decides the shape of the
whole plan: whichever territory takes it must reach it in one piece, take
what lies behind it (Long Island beyond Queens), and the territories it
passes must go round. First plans grow territories around the homes by
distance, so the lump goes to a near home even when that home's own metro
leaves no room for it, and border moves and pair recombination cannot hand
it to another territory across the map.

`lump_corridors` decides it up front: for each lump, the cheapest chain of
units (fewest accounts on the way) from each home to it; the home whose
territory would have the most room left with the lump, the chain and what
the chain cuts off from every other home takes the lump and the chain (if
none has room, the one that overshoots least). Design tries that when its
usual search leaves the plan out of band: it holds the chain in place while
it balances the rest round it, and frees it for the final smoothing of the
borders.

`top_up_near` tells the other way a home's metro can stand in the way: a home
county of nearly a territory whose neighbours all add too much.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from territory_planner.plan.design_plan import _Plan

_LUMP_SHARE = 0.5  # a lump: at least half a mean territory (most of the one that takes it)
_STEP = 1e-9  # per unit on the way (in mean territories): of equal weight, the shorter chain


def top_up_near(
    share: np.ndarray,
    home: int,
    neighbours: Sequence[Sequence[int]],
    *,
    band: tuple[float, float],
    others: Collection[int] = (),
) -> list[int] | None:
    """The units near a home of nearly a territory alone, when no mix of them tops it up.

    Nearly: the band needs at most `_TOP_UP` of a mean territory more than the
    home's unit. Near: within `NEAR_STEPS` steps on the unit graph, the `others`
    (other reps' homes) left out. With more than `_NEAR_MOST` weighted units
    there, some mix is assumed to fit.

    Parameters
    ----------
    share
        Each unit's weight, in mean territories.
    home
        The home's unit.
    neighbours
        Each unit's neighbours on the unit graph.
    band
        The lowest and highest total (in mean territories) of the home's territory.
    others
        Units that belong to other territories (their homes).

    Returns
    -------
    list of int or None
        The weighted units near the home, heaviest first, when no mix of them
        brings its territory into the band; None when some mix does (or may),
        or the home is not nearly a territory alone.
    """
    low, high = band[0] - share[home], band[1] - share[home]
    if low <= 0 or high > _TOP_UP:
        return None
    seen = dict.fromkeys([home])  # (in the order found)
    ring = [home]
    for _ in range(NEAR_STEPS):
        ring = [u for v in ring for u in neighbours[v] if u not in seen]
        seen.update(dict.fromkeys(ring))
    avoid = set(others)
    near = [u for u in seen if u != home and u not in avoid and share[u] > 0]
    if len(near) > _NEAR_MOST:
        return None
    near.sort(key=lambda u: -share[u])
    sums = np.zeros(1)
    for u in near:
        sums = np.unique(np.concatenate([sums, sums + share[u]]))
    return None if ((sums >= low - 1e-9) & (sums <= high + 1e-9)).any() else near


_TOP_UP = 0.2  # a home this close to a territory (in mean territories) needs only a top-up
NEAR_STEPS = 2  # how far from such a home the top-up is looked for
_NEAR_MOST = 14  # more weighted units near it than this: some mix surely fits


def homeless_lumps(w: np.ndarray, anchors: dict[int, int], k: int) -> list[int]:
    """Units of half to one mean territory that hold no home, heaviest first.

    Parameters
    ----------
    w
        Weight of each unit.
    anchors
        Home unit per territory.
    k
        Number of territories.

    Returns
    -------
    list[int]
        The lumps; none unless every territory has a home (a territory
        without one can grow where the lump lies). A unit heavier than a
        territory is left to the rule that gives it one of its own.
    """
    mean = float(w.sum()) / k
    if len(anchors) < k or mean <= 0:
        return []
    heavy = np.flatnonzero((w >= _LUMP_SHARE * mean) & (w < mean))
    heavy = heavy[~np.isin(heavy, list(anchors.values()))]
    return [int(u) for u in heavy[np.argsort(-w[heavy], kind="stable")]]


def lump_corridors(
    w: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    lumps: list[int],
    *,
    anchors: dict[int, int],
    preset: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Give each lump, and the chain of units to it, to the home with the most room.

    Parameters
    ----------
    w
        Weight of each unit.
    edges
        The unit graph's directed edges (both directions), as source and target arrays.
    lumps
        The lumps (`homeless_lumps`), heaviest first.
    anchors
        Home unit per territory.
    preset
        Territory of each unit that may not move (-1 where free).
    hi
        Upper end of each territory's band.

    Returns
    -------
    numpy.ndarray
        `preset` with each lump and its chain given to a territory (-1 where
        still free). What a chain cuts off from every other territory counts
        in the room left (the territory will have to take it) but stays
        free. A lump no home can reach (other territories' units in the
        way) stays free.
    """
    src, dst = edges
    out = preset.copy()
    n = len(w)
    mean = float(w.sum()) / max(len(hi), 1)
    step = w + _STEP * mean
    for lump in lumps:
        if out[lump] >= 0:
            continue
        held = np.bincount(out[out >= 0], weights=w[out >= 0], minlength=len(hi))
        best: tuple[float, int, np.ndarray] | None = None
        for t, home in anchors.items():
            open_ = (out < 0) | (out == t)
            keep = open_[src] & open_[dst]
            graph = csr_matrix((step[dst[keep]], (src[keep], dst[keep])), shape=(n, n))
            cost, pred = dijkstra(graph, indices=lump, return_predecessors=True)
            if not np.isfinite(cost[home]):
                continue
            chain = _chain(pred, lump, home)
            new = chain[out[chain] != t]
            mine = out == t
            mine[new] = True
            walled = _cut_off(mine, (out >= 0) & ~mine, edges)
            total = held[t] + float(w[np.r_[new, walled]].sum())
            if best is None or total - hi[t] < best[0]:  # most room, or least overshoot
                best = (total - hi[t], t, new)
        if best is not None:
            out[best[2]] = best[1]
    return out


def plan_corridors(plan: _Plan, preset: np.ndarray, anchors: dict[int, int]) -> np.ndarray | None:
    """`preset` with a corridor from a home to each lump held, or None if there is none.

    Parameters
    ----------
    plan
        The design's plan (its weights, graph and band).
    preset
        Territory of each unit that may not move (-1 where free).
    anchors
        Home unit per territory.

    Returns
    -------
    numpy.ndarray or None
        `preset` with the corridors added (a copy), or None when there is no
        lump or no home can reach one.
    """
    lumps = homeless_lumps(np.asarray(plan.w), anchors, plan.k)
    if not lumps:
        return None
    laid = lump_corridors(
        np.asarray(plan.w),
        (plan.src, plan.dst),
        lumps,
        anchors=anchors,
        preset=preset,
        hi=np.asarray(plan.hi),
    )
    return None if np.array_equal(laid, preset) else laid


def _cut_off(
    mine: np.ndarray, others: np.ndarray, edges: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """The units outside `mine` that no unit of `others` reaches without crossing `mine`.

    A chain to a lump at the end of a peninsula (Queens, with Long Island
    beyond it) or across the map walls in what lies behind it: only the
    territory that holds the chain can reach it.
    """
    src, dst = edges
    n = len(mine)
    keep = ~mine[src] & ~mine[dst]
    graph = csr_matrix((np.ones(int(keep.sum())), (src[keep], dst[keep])), shape=(n, n))
    _, part = connected_components(graph, directed=False)
    reached = np.zeros(part.max() + 1, dtype=bool)
    reached[part[others]] = True
    return np.flatnonzero(~mine & ~reached[part])


def both_ways(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """A unit graph's edges in both directions, as source and target arrays.

    Parameters
    ----------
    graph
        The units' adjacency (`unit_graph`), nodes numbered 0..n-1.

    Returns
    -------
    tuple of numpy.ndarray
        Sources and targets, each edge once each way (what `block_bound` takes).
    """
    pairs = np.asarray(graph.edges(), dtype=np.int64).reshape(-1, 2)
    return np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]


def _chain(pred: np.ndarray, start: int, end: int) -> np.ndarray:
    """The units on the shortest path from `start` to `end` (both included)."""
    path = [end]
    while path[-1] != start:
        path.append(int(pred[path[-1]]))
    return np.asarray(path[::-1], dtype=np.int64)


@dataclass(frozen=True)
class BlockBound:
    """What one lump proves about every plan whose territories are each in one piece.

    Attributes
    ----------
    deviation
        No plan in one piece has a largest deviation from the mean below this.
    unit
        The unit that proves it (a lump, or a home).
    block
        The units any territory holding `unit` must hold: it, and what lies behind
        it (the units it cuts off from every home).
    home
        The home whose territory would take it at the least weight (-1: none
        needed, the unit is a home or a territory without one can take it).
    way
        Weight of the cheapest chain from that home to the block (home included).
    via
        The heaviest unit on that chain, the home aside (-1: none weighs anything).
    """

    deviation: float
    unit: int
    block: np.ndarray
    home: int
    way: float
    via: int = -1


def block_bound(
    w: np.ndarray, edges: tuple[np.ndarray, np.ndarray], homes: list[int], k: int
) -> BlockBound | None:
    """A lower bound on the largest deviation of any plan in one piece per territory.

    With a home in every territory, the territory holding a unit holds what
    lies behind it (the units it cuts off from every home: only through it
    can a home reach them) and a chain from its home to it. So it weighs at
    least that block plus the lightest such chain: more than the band allows
    when a heavy county sits at the end of a peninsula (Queens, with Long
    Island behind it) or far from every home. The `_BLOCK_UNITS` heaviest
    units are tried, and each home with what lies behind it.

    Parameters
    ----------
    w
        Weight of each unit.
    edges
        The unit graph's directed edges (both directions), as source and target arrays.
    homes
        Home unit of each territory (distinct).
    k
        Number of territories.

    Returns
    -------
    BlockBound or None
        The strongest bound found (it may be within the band); None unless
        every territory has a home and something weighs anything.
    """
    src, dst = edges
    n, mean = len(w), float(w.sum()) / k
    if mean <= 0 or len(homes) < k:
        return None
    is_home = np.zeros(n, dtype=bool)
    is_home[homes] = True
    order = [int(u) for u in np.argsort(-w, kind="stable") if not is_home[u] and w[u] > 0]
    keep = ~is_home[src]  # a chain may end at a home, not pass through one
    best: BlockBound | None = None
    for unit in [*order[:_BLOCK_UNITS], *homes]:
        mine = np.zeros(n, dtype=bool)
        mine[unit] = True  # a home's block: what only it reaches
        block = np.r_[unit, _cut_off(mine, is_home & ~mine, edges)]
        home, way, via = -1, 0.0, -1
        if not is_home[unit]:
            inside = np.zeros(n, dtype=bool)
            inside[block] = True
            cost = np.where(inside, 0.0, w) + _STEP * mean  # (zero would be no edge)
            graph = csr_matrix((cost[dst[keep]], (src[keep], dst[keep])), shape=(n, n))
            dist, pred = dijkstra(graph, indices=unit, return_predecessors=True)
            if not np.isfinite(dist[homes]).any():
                continue
            home = homes[int(np.argmin(dist[homes]))]
            way = max(float(dist[home]) - n * _STEP * mean, 0.0)  # the steps taken back out
            on_way = [u for u in _chain(pred, unit, home)[:-1].tolist() if not inside[u]]
            via = max(on_way, key=lambda u: w[u]) if on_way and w[on_way].max() > 0 else -1
        deviation = (float(w[block].sum()) + way) / mean - 1
        if best is None or deviation > best.deviation:
            best = BlockBound(deviation, unit, block, home, way, via)
    return best


_BLOCK_UNITS = 20  # heaviest units tried as lumps by `block_bound`
