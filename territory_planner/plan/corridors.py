"""Corridors to far lumps: which home's territory reaches a heavy unit that no rep lives near.

A metro county heavier than half a territory, far from every rep's
home (Miami-Dade with the nearest rep in Washington), decides the shape of
the whole plan: whichever territory takes it must reach it in one piece,
and the territories it passes must go round. First plans grow territories
around the homes by distance, so the lump goes to the nearest home even
when that home's own metro leaves no room for it, and border moves and
pair recombination cannot hand it to another territory across the map.

`far_corridors` decides it up front: for each far lump, the cheapest chain
of units (fewest accounts on the way) from each home to the lump, and the
home whose territory has the most room left with the lump and that chain in
it takes them. Design holds the chain in place while it balances the rest
round it, and frees it for the final smoothing of the borders.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from territory_planner.plan.design_plan import _Plan

_LUMP_SHARE = float(
    __import__("os").environ.get("SHARE", "0.5")
)  # a lump: at least this share of a mean territory
_FAR_RADII = 2.0  # far: the nearest home further than this many radii of a round territory
_STEP = 1e-9  # per unit on the way (in mean territories): of equal weight, the shorter chain


def far_lumps(
    w: np.ndarray, xyz: np.ndarray, area: np.ndarray, anchors: dict[int, int], k: int
) -> list[int]:
    """Heavy units far from every home, heaviest first.

    Parameters
    ----------
    w
        Weight of each unit.
    xyz
        Position of each unit in km (3-D).
    area
        Area of each unit (km²).
    anchors
        Home unit per territory.
    k
        Number of territories.

    Returns
    -------
    list[int]
        Units weighing at least half a mean territory whose nearest
        home lies further than twice the radius of a round territory of the
        mean area; none unless every territory has a home.
    """
    if len(anchors) < k:
        return []
    mean = float(w.sum()) / k
    radius = float(np.sqrt(max(float(area.sum()), 0.0) / k / np.pi))
    homes = np.asarray(list(anchors.values()))
    heavy = np.flatnonzero(w >= _LUMP_SHARE * mean)
    heavy = heavy[~np.isin(heavy, homes)]
    if len(heavy) == 0 or mean <= 0:
        return []
    km = np.linalg.norm(xyz[heavy][:, None, :] - xyz[homes][None], axis=2).min(axis=1)
    far = heavy[km > _FAR_RADII * radius]
    return [int(u) for u in far[np.argsort(-w[far], kind="stable")]]


def far_corridors(
    w: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    lumps: list[int],
    *,
    anchors: dict[int, int],
    preset: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Give each far lump, and the chain of units to it, to the home with the most room.

    Parameters
    ----------
    w
        Weight of each unit.
    edges
        The unit graph's directed edges (both directions), as source and target arrays.
    lumps
        The far lumps (`far_lumps`), heaviest first.
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
        still free); a lump no home can reach within its band stays free.
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
            total = held[t] + float(w[new].sum())
            if total <= hi[t] and (best is None or total - hi[t] < best[0]):
                best = (total - hi[t], t, new)
        if best is not None:
            out[best[2]] = best[1]
    return out


def plan_corridors(
    plan: _Plan, preset: np.ndarray, anchors: dict[int, int], *, xyz: np.ndarray, area: np.ndarray
) -> np.ndarray | None:
    """`preset` with a corridor from a home to each far lump held, or None if there is none.

    Parameters
    ----------
    plan
        The design's plan (its weights, graph and band).
    preset
        Territory of each unit that may not move (-1 where free).
    anchors
        Home unit per territory.
    xyz, area
        Position (km, 3-D) and area (km²) of each unit.

    Returns
    -------
    numpy.ndarray or None
        `preset` with the corridors added (a copy), or None when no far lump
        needs one or no home has room for it.
    """
    lumps = far_lumps(np.asarray(plan.w), xyz, area, anchors, plan.k)
    if not lumps:
        return None
    laid = far_corridors(
        np.asarray(plan.w),
        (plan.src, plan.dst),
        lumps,
        anchors=anchors,
        preset=preset,
        hi=np.asarray(plan.hi),
    )
    return None if np.array_equal(laid, preset) else laid


def _chain(pred: np.ndarray, start: int, end: int) -> np.ndarray:
    """The units on the shortest path from `start` to `end` (both included)."""
    path = [end]
    while path[-1] != start:
        path.append(int(pred[path[-1]]))
    return np.asarray(path[::-1], dtype=np.int64)
