"""The inputs of rebalance and split checked: weights, labels, locks, tolerance, graph.

Each check raises `InputError` with what to give instead. `Reweigh` is how
weights that depend on the plan (workload, driven from each territory's rep's
home) come in: a function of the labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np

from territory_planner._errors import InputError
from territory_planner.geo.unit_graph import unit_graph


def _per_unit(values: Sequence[float] | np.ndarray, n: int, what: str) -> np.ndarray:
    """Zero or positive numbers, one per unit."""
    arr = np.asarray(values, dtype=float).ravel()
    if len(arr) != n:
        msg = f"{len(arr)} {what} for {n} units: give one per unit"
        raise InputError(msg)
    if not np.isfinite(arr).all() or (arr < 0).any():
        msg = f"the {what} must be zero or positive numbers (no blanks)"
        raise InputError(msg)
    return arr


def _labels(labels: Sequence[int] | np.ndarray, n: int) -> np.ndarray:
    """Whole territory indices, one per unit, -1 for a unit in no territory."""
    arr = np.asarray(labels).ravel()
    if len(arr) != n:
        msg = f"{len(arr)} territory labels for {n} units: give one per unit (-1 for none)"
        raise InputError(msg)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            msg = "territory labels must be whole numbers (-1 for a unit in no territory)"
            raise InputError(msg)
    elif arr.dtype.kind not in "iub":
        msg = "territory labels must be whole numbers (-1 for a unit in no territory)"
        raise InputError(msg)
    lab = arr.astype(np.int64)
    if (lab < -1).any():
        msg = "territory labels must be 0 or more (-1 for a unit in no territory)"
        raise InputError(msg)
    if not (lab >= 0).any():
        msg = "no unit is in a territory: there is nothing to balance"
        raise InputError(msg)
    k = int(lab.max()) + 1
    empty = np.flatnonzero(np.bincount(lab[lab >= 0], minlength=k) == 0)
    if len(empty):
        msg = (
            f"territory {int(empty[0])} has no units: number the territories 0 .. "
            f"{k - 1} without gaps (carve a new one with split_units)"
        )
        raise InputError(msg)
    return lab


def _locked(locked: Sequence[bool] | np.ndarray | None, n: int) -> np.ndarray:
    if locked is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(locked).ravel()
    if len(arr) != n:
        msg = f"{len(arr)} lock flags for {n} units: give one per unit (True for locked)"
        raise InputError(msg)
    return arr.astype(bool)


def _tolerance(tolerance: float) -> float:
    value = float(tolerance)
    if not np.isfinite(value) or value < 0 or value >= 1:
        msg = f"the tolerance must be between 0 and 1 (0.05 for ±5%), not {tolerance}"
        raise InputError(msg)
    return value


def _graph(units: gpd.GeoDataFrame, graph: nx.Graph | None, n: int) -> nx.Graph:
    if graph is None:
        return unit_graph(units)
    if graph.number_of_nodes() != n or any(not (0 <= int(v) < n) for v in graph.nodes):
        msg = (
            f"the unit graph has {graph.number_of_nodes()} units and the map {n}: "
            "build it with unit_graph from the same units"
        )
        raise InputError(msg)
    if any("border_km" not in data for *_, data in graph.edges(data=True)):
        msg = "the unit graph has no border lengths: build it with unit_graph"
        raise InputError(msg)
    return graph


def _frozen(locked_territories: Sequence[int] | None, k: int) -> np.ndarray:
    """Per territory, whether it is locked (nothing moves into or out of it)."""
    frozen = np.zeros(k, dtype=bool)
    for t in locked_territories or ():
        if not 0 <= int(t) < k:
            msg = f"locked territory {t} does not exist: territories are 0 .. {k - 1}"
            raise InputError(msg)
        frozen[int(t)] = True
    return frozen


#: Given unit labels (-1: none): each unit's weight there, and its weight in each territory.
Reweigh = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _reweighed(
    reweigh: Reweigh, labels: np.ndarray, n: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """`reweigh`'s answer for `labels`, checked."""
    w, served = reweigh(labels)
    w = _per_unit(w, n, "weights")
    if np.shape(served) != (n, k) or not np.isfinite(served).all() or (served < 0).any():
        msg = f"served weights must be {n} x {k} numbers, zero or positive"
        raise InputError(msg)
    return w, np.asarray(served, dtype=float)


def _with_none(served: np.ndarray, w: np.ndarray, kp: int) -> np.ndarray:
    """The served weights with a column for the units in no territory (index k), if any."""
    return served if served.shape[1] == kp else np.column_stack([served, w])


def _bar_matrix(barred: np.ndarray, n: int, k: int) -> np.ndarray:
    """`barred` as booleans, checked to be units x territories."""
    bar = np.asarray(barred, dtype=bool)
    if bar.shape != (n, k):
        msg = f"barred must be {n} x {k} booleans, not {bar.shape}"
        raise InputError(msg)
    return bar


def _barred(w: np.ndarray, lab: np.ndarray, barred: np.ndarray) -> np.ndarray:
    """Units x territories: each unit's weight, plus the team's total where it is barred.

    Never where the unit is now (a rebalance need not move it). A unit that
    weighs nothing is barred too: its accounts are no less out of reach.
    """
    bar = np.array(barred, dtype=bool)  # (a copy; checked by `_bar_matrix`)
    rows = np.flatnonzero(lab >= 0)
    bar[rows, lab[rows]] = False
    return np.asarray(w[:, None] + bar * max(float(w.sum()), 1.0), dtype=float)


def trade_matrix(
    labels: np.ndarray, weights: np.ndarray, barred: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """Territories x territories: whether a unit of the first that weighs may go to the second.

    Parameters
    ----------
    labels
        Territory of each unit (-1: none).
    weights
        What each unit weighs (one that weighs nothing helps no balance).
    barred
        Units x territories: where a unit may not go (the day-trip rule).
    active
        Per territory, whether it may give and take (False: locked).

    Returns
    -------
    numpy.ndarray
        Boolean, K x K; never from or to a territory not `active`, nor to itself.
    """
    k = len(active)
    trades = np.zeros((k, k), dtype=bool)
    for t in np.flatnonzero(active).tolist():
        mine = (labels == t) & (weights > 0)
        if mine.any():
            trades[t] = np.asarray(~barred[mine][:, :k]).any(axis=0)
    np.fill_diagonal(trades, False)
    return np.asarray(trades & active[:, None] & active[None, :], dtype=bool)


def traders(
    w: np.ndarray,
    labels: np.ndarray,
    barred: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    *,
    movable: np.ndarray,
    frozen: np.ndarray,
) -> np.ndarray:
    """Per territory: out of its `band` and able to trade toward it under `barred`.

    Parameters
    ----------
    w
        What each unit weighs.
    labels
        Territory of each unit (-1: none).
    barred
        Units x territories: where a unit may not go.
    band
        Each territory's lowest and highest total.
    movable
        Per unit, whether it may move (not locked).
    frozen
        Per territory, whether it is locked.

    Returns
    -------
    numpy.ndarray
        Boolean per territory. Over the band it must have a movable unit that
        weighs and may go to another territory; under it, another territory
        must have one that may come to it.
    """
    k = len(frozen)
    inside = labels >= 0
    totals = np.bincount(labels[inside], weights=w[inside], minlength=k)
    slack = 1e-9 * max(float(totals.mean()), 1e-12)
    lo, hi = band[0][:k], band[1][:k]
    trades = trade_matrix(labels, np.where(movable, w, 0.0), barred, ~frozen)
    over, under = (totals > hi + slack) & ~frozen, (totals < lo - slack) & ~frozen
    return np.asarray((over & trades.any(axis=1)) | (under & trades.any(axis=0)), dtype=bool)
