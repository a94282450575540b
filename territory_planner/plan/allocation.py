"""How close to the mean can these units get at all: the balance bound, solved with HiGHS.

A plan moves whole units, so a metro county heavier than a territory, or a
handful of lumps that cannot be combined into equal totals, limits the
balance of every plan. The bound ignores contiguity and shape: it is the
smallest ``max_t |total_t / mean - 1|`` over all ways to give each weighted
unit to a territory, with the units that must stay (reps' homes, locked
territories) where they are:

    minimise z
    subject to sum_t x_it = 1                          (each weighted unit in one territory)
               |sum_i w_i x_it - mean| <= z * mean       (every territory)
               x_it = 1 for the pinned units

a mixed-integer program solved by HiGHS (`scipy.optimize.milp`). Empty
units do not matter to it, so it stays small on lumpy data. Design uses it
to tell a manager whether a band is reachable with these units, and the
benchmarks judge the design against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

_TIME_LIMIT = 5.0
_QUICK_LIMIT = 1.0  # seconds for `band_in_reach`
_INFEASIBLE = 2  # scipy.optimize.milp's status when the problem is proved infeasible


@dataclass(frozen=True)
class BalanceBound:
    """The best balance any plan of these units can have.

    Attributes
    ----------
    lower
        No plan's largest deviation from the mean is below this (proved).
    found
        The largest deviation of the best plan the solver found (ignoring
        contiguity); equal to `lower` when solved to optimality.
    labels
        That plan's territory per unit (-1 for units that weigh nothing).
    optimal
        Whether the solver finished (else the time limit stopped it).
    """

    lower: float
    found: float
    labels: np.ndarray
    optimal: bool


def balance_bound(
    w: np.ndarray,
    k: int,
    pinned: np.ndarray,
    *,
    target: float | None = None,
    time_limit: float = _TIME_LIMIT,
) -> BalanceBound:
    """The smallest largest deviation from the mean reachable with units of weights `w`.

    With a `target`, the solver first only looks for a plan within it (fast
    when there is one; `found` is then that plan's deviation and `lower` 0);
    else, or when there is none, it minimises the deviation.

    Parameters
    ----------
    w
        Weight of each unit.
    k
        Number of territories.
    pinned
        Territory each unit must stay in (-1 where free).
    target
        A deviation that is enough (e.g. the tolerance asked for).
    time_limit
        Seconds for each solve.

    Returns
    -------
    BalanceBound
        The proved lower bound, the best plan found (its deviation and labels), and
        whether the solver finished; all zero when the units weigh nothing.
    """
    w = np.asarray(w, dtype=float)
    pinned = np.asarray(pinned, dtype=np.int64)
    mean = float(w.sum()) / k if k else 0.0
    labels = np.full(len(w), -1, dtype=np.int64)
    if mean <= 0:
        return BalanceBound(0.0, 0.0, labels, optimal=True)
    units = np.flatnonzero(w > 0)
    m = len(units)
    nvar = m * k + 1  # x[i, t] at i * k + t, then z
    one_each, sums = _rows(w[units] / mean, k, nvar)
    z = coo_matrix((np.ones(k), (np.arange(k), np.full(k, nvar - 1))), shape=(k, nvar))
    lo_x = np.zeros(nvar)
    hi_x = np.ones(nvar)
    hi_x[-1] = np.inf
    fixed = pinned[units]
    held = np.flatnonzero(fixed >= 0)
    _pin(lo_x, hi_x, held * k + fixed[held], k)
    constraints = [  # each unit in one territory; share_t - z <= 1 and share_t + z >= 1
        LinearConstraint(one_each, 1.0, 1.0),
        LinearConstraint((sums - z).tocsr(), -np.inf, 1.0),
        LinearConstraint((sums + z).tocsr(), 1.0, np.inf),
    ]
    integrality = np.ones(nvar)
    integrality[-1] = 0
    options = {"time_limit": float(time_limit), "disp": False}
    if target is not None:
        hi_z = hi_x.copy()
        hi_z[-1] = target
        quick = milp(
            np.zeros(nvar),
            constraints=constraints,
            integrality=integrality,
            bounds=Bounds(lo_x, hi_z),
            options=options,
        )
        if quick.x is not None:
            return _bound(quick.x, units, w, k, lower=0.0, optimal=True)
    cost = np.zeros(nvar)
    cost[-1] = 1.0
    result = milp(
        cost,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(lo_x, hi_x),
        options=options,
    )
    bound = float(getattr(result, "mip_dual_bound", 0.0) or 0.0)
    if result.x is None:
        return BalanceBound(max(bound, 0.0), float("inf"), labels, optimal=False)
    return _bound(result.x, units, w, k, lower=bound, optimal=result.status == 0)


def band_in_reach(
    w: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    pinned: np.ndarray,
    *,
    time_limit: float = _QUICK_LIMIT,
) -> bool:
    """Whether some plan of these units (contiguity ignored) puts every total in its band.

    Parameters
    ----------
    w
        Weight of each unit.
    band
        Lower and upper end of each territory's band (as totals of `w`).
    pinned
        Territory each unit must stay in (-1 where free).
    time_limit
        Seconds for the solve.

    Returns
    -------
    bool
        False only when HiGHS proves there is none; True when it finds one or
        runs out of time.
    """
    w = np.asarray(w, dtype=float)
    lo, hi = (np.asarray(end, dtype=float) for end in band)
    k = len(lo)
    pinned = np.asarray(pinned, dtype=np.int64)
    units = np.flatnonzero(w > 0)
    nvar = len(units) * k
    scale = float(w.sum()) / k if k and w.sum() > 0 else 1.0
    one_each, sums = _rows(w[units] / scale, k, nvar)
    lo_x, hi_x = np.zeros(nvar), np.ones(nvar)
    held = np.flatnonzero(pinned[units] >= 0)
    _pin(lo_x, hi_x, held * k + pinned[units][held], k)
    result = milp(
        np.zeros(nvar),
        constraints=[
            LinearConstraint(one_each, 1.0, 1.0),
            LinearConstraint(sums, lo / scale, hi / scale),
        ],
        integrality=np.ones(nvar),
        bounds=Bounds(lo_x, hi_x),
        options={"time_limit": float(time_limit), "disp": False},
    )
    return result.x is not None or result.status != _INFEASIBLE


def _rows(share: np.ndarray, k: int, nvar: int) -> tuple[csr_matrix, csr_matrix]:
    """The assignment rows over x[i, t] (column i * k + t of `nvar`).

    One row per unit (its territories' x sum to one) and one per territory
    (its units' `share` summed; a 2-D `share` gives each unit's share per territory).
    """
    m = len(share)
    cols = np.arange(m * k)
    values = share.ravel() if share.ndim == 2 else np.repeat(share, k)  # noqa: PLR2004 (2-D)
    one_each = coo_matrix((np.ones(m * k), (np.repeat(np.arange(m), k), cols)), shape=(m, nvar))
    sums = coo_matrix((values, (np.tile(np.arange(k), m), cols)), shape=(k, nvar))
    return one_each.tocsr(), sums.tocsr()


def _pin(lo_x: np.ndarray, hi_x: np.ndarray, chosen: np.ndarray, k: int) -> None:
    """Fix the units of the columns `chosen` (i * k + t) to those territories."""
    for column in chosen.tolist():
        unit = column // k
        hi_x[unit * k : (unit + 1) * k] = 0.0
        lo_x[column] = hi_x[column] = 1.0


def _bound(
    x: np.ndarray, units: np.ndarray, w: np.ndarray, k: int, *, lower: float, optimal: bool
) -> BalanceBound:
    """The bound from a solution `x` of the program."""
    mean = float(w.sum()) / k
    chosen = x[:-1].reshape(len(units), k).argmax(axis=1)
    labels = np.full(len(w), -1, dtype=np.int64)
    labels[units] = chosen
    totals = np.bincount(chosen, weights=w[units], minlength=k)
    found = float(np.abs(totals / mean - 1).max())
    return BalanceBound(max(min(lower, found), 0.0), found, labels, optimal)


@dataclass(frozen=True)
class MovesBound:
    """The fewest moves any rebalanced plan of these units needs.

    Attributes
    ----------
    lower
        No plan within the band moves less (proved; 0 when nothing is known; ``inf``
        when no plan of the units is within the band, contiguity ignored).
    found
        What the best plan the solver found moves (ignoring contiguity), or
        ``inf`` when it found none (the band may be out of reach).
    optimal
        Whether the solver finished.
    """

    lower: float
    found: float
    optimal: bool


def moves_bound(
    w: np.ndarray,
    cost: np.ndarray,
    current: np.ndarray,
    k: int,
    tolerance: float,
    *,
    locked: np.ndarray | None = None,
    mean: float | None = None,
    served: np.ndarray | None = None,
    forbidden: np.ndarray | None = None,
    time_limit: float = _TIME_LIMIT,
) -> MovesBound:
    """The least total `cost` of units moved so every territory is within ±`tolerance`.

    Ignores contiguity and shape (a lower bound for rebalancing): each unit
    with weight stays in its `current` territory or moves to another; units
    that weigh nothing never need to move; `locked` units stay.

    Parameters
    ----------
    w
        Weight of each unit.
    cost
        What moving each unit costs (e.g. its accounts).
    current
        Territory of each unit now (-1: none; such units are left out).
    k
        Number of territories.
    tolerance
        The band around the mean territory, as a fraction (0.05: ±5%).
    locked
        A boolean per unit: True for units that must stay; None: none.
    mean
        The total each territory's band is around (default: the mean of `w` over `k`).
    served
        Units x territories: what each unit weighs in each territory (workload,
        driven from that territory's rep's home); then the band is around the
        mean of the totals the plan comes to (`mean` only scales them).
    forbidden
        Units x territories: True where a unit may not go (it stays where it
        is even so); None: anywhere.
    time_limit
        Seconds for the solve.

    Returns
    -------
    MovesBound
        The proved lower bound on the cost moved, the cost of the best plan found
        (``inf`` if none) and whether the solver finished.
    """
    w = np.asarray(w, dtype=float)
    cost = np.asarray(cost, dtype=float)
    current = np.asarray(current, dtype=np.int64)
    if mean is None:
        mean = float(w.sum()) / k if k else 0.0
    units = np.flatnonzero((w > 0) & (current >= 0))
    m = len(units)
    if mean <= 0 or m == 0:
        return MovesBound(0.0, 0.0, optimal=True)
    nvar = m * k
    if served is None:
        one_each, sums = _rows(w[units] / mean, k, nvar)
        lo, hi = np.full(k, 1 - tolerance), np.full(k, 1 + tolerance)
    else:  # total_t within (1 +- tolerance) x the mean of the totals, which is linear in x
        one_each, plain = _rows(np.asarray(served, dtype=float)[units] / mean, k, nvar)
        team = csr_matrix(np.ones((k, 1)) / k) @ csr_matrix(plain.sum(axis=0))
        sums = vstack([plain - (1 + tolerance) * team, plain - (1 - tolerance) * team]).tocsr()
        lo = np.r_[np.full(k, -np.inf), np.zeros(k)]
        hi = np.r_[np.zeros(k), np.full(k, np.inf)]
    stay = np.arange(m) * k + current[units]
    objective = np.repeat(cost[units], k)
    objective[stay] = 0.0
    lo_x, hi_x = np.zeros(nvar), np.ones(nvar)
    if forbidden is not None:
        hi_x[np.asarray(forbidden, dtype=bool)[units].ravel()] = 0.0
        hi_x[stay] = 1.0
    if locked is not None:
        _pin(lo_x, hi_x, stay[np.asarray(locked, dtype=bool)[units]], k)
    result = milp(
        objective,
        constraints=[LinearConstraint(one_each, 1.0, 1.0), LinearConstraint(sums, lo, hi)],
        integrality=np.ones(nvar),
        bounds=Bounds(lo_x, hi_x),
        options={"time_limit": float(time_limit), "disp": False},
    )
    bound = float(getattr(result, "mip_dual_bound", 0.0) or 0.0)
    if result.status == _INFEASIBLE:  # no plan of these units is within the band at all
        return MovesBound(float("inf"), float("inf"), optimal=True)
    if result.x is None:
        return MovesBound(max(bound, 0.0), float("inf"), optimal=False)
    found = float(result.fun)
    return MovesBound(max(min(bound, found), 0.0), found, optimal=result.status == 0)
