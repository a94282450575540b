"""Where design starts: balanced k-means, whose cells border moves and recombination improve.

`power_diagram` grows a cell around each rep's home (or a k-means++ centre),
each unit joining the centre that minimises distance² minus the centre's
offset, the offsets tuned towards equal totals (a power diagram).
"""

from __future__ import annotations

import numpy as np

from territory_planner.tasks import CancelToken


def _kmeans_pp(
    xyz: np.ndarray,
    area: np.ndarray,
    centers: np.ndarray,
    known: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Fill the centres not `known` k-means++ style (chance ~ area x squared distance)."""
    centers = centers.copy()
    chosen = [c for c, ok in zip(centers, known, strict=True) if ok]
    base = np.maximum(area, 0) + 1e-9
    for t in np.flatnonzero(~known):
        if chosen:
            d2 = ((xyz[:, None, :] - np.asarray(chosen)[None]) ** 2).sum(-1).min(axis=1)
            p = base * d2
        else:
            p = base.copy()
        total = p.sum()
        p = p / total if total > 0 else np.full(len(p), 1 / len(p))
        centers[t] = xyz[rng.choice(len(xyz), p=p)]
        chosen.append(centers[t])
    return centers


def power_diagram(
    xyz: np.ndarray,
    area: np.ndarray,
    weights: np.ndarray,
    *,
    targets: np.ndarray,
    preset: np.ndarray,
    anchors: dict[int, int],
    rng: np.random.Generator,
    cancel: CancelToken | None,
) -> np.ndarray:
    """Balanced k-means: each free unit joins the centre minimising distance^2 - offset.

    The offsets are tuned so each cell's total approaches its target; free
    centres then move to the area centroid of their cell, anchored ones
    (seeds) stay on their unit.

    Parameters
    ----------
    xyz
        Position of each unit in km (3-D, on the sphere).
    area
        Area of each unit (the k-means weights of the centres).
    weights
        What is balanced, per unit.
    targets
        The total each territory aims at.
    preset
        Territory of each unit that may not move (-1 where free).
    anchors
        Per territory, a unit whose position is its centre (the rep's home).
    rng, cancel
        Random draws (the free centres); cancel token.

    Returns
    -------
    numpy.ndarray
        Territory of each unit (not necessarily in one piece).
    """
    k = len(targets)
    free = preset < 0
    centers = np.zeros((k, 3))
    known = np.zeros(k, dtype=bool)
    for t in range(k):
        mine = preset == t
        if t in anchors:
            centers[t], known[t] = xyz[anchors[t]], True
        elif mine.any():
            centers[t] = np.average(xyz[mine], axis=0, weights=area[mine] + 1e-9)
            known[t] = True
    centers = _kmeans_pp(xyz, area, centers, known, rng)
    labels = preset.copy()
    if not free.any():
        return labels
    scale = max(float(area.sum()), 1e-9) / k / np.pi  # squared radius of a round territory
    pinned = np.bincount(preset[~free], weights=weights[~free], minlength=k)
    norm = np.where(targets > 0, targets, 1.0)
    offset = np.zeros(k)
    for rounds_left in range(_KMEANS_ROUNDS - 1, -1, -1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        d2 = ((xyz[free, None, :] - centers[None]) ** 2).sum(-1)
        step = 1.0
        for _ in range(_KMEANS_BALANCE_STEPS):
            labels[free] = np.argmin(d2 - offset, axis=1)
            totals = pinned + np.bincount(labels[free], weights=weights[free], minlength=k)
            offset += step * scale * (targets - totals) / norm
            step *= 0.93
        if rounds_left:
            for t in range(k):
                mine = labels == t
                if t not in anchors and mine.any():
                    centers[t] = np.average(xyz[mine], axis=0, weights=area[mine] + 1e-9)
    return labels


_KMEANS_ROUNDS = 12
_KMEANS_BALANCE_STEPS = 25
