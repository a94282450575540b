"""Rebalance's rounds: the bands it aims at, border moves, recombination, moves back home.

`rebalance_units` (in `rebalance`) checks its inputs and sets up the plan,
then runs `_steps`: border moves and chains (`rebalance_steps`); when those
are stuck, neighbouring territories recombined into the band with several
seeds (`_recombine_into_band`); on weights that move with the plan
(workload) rounds weighed again as the plan lies (`_recentered`); last,
moved pieces sent home where the band allows (`rebalance_returns`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.pair_milp import heaviest_units
from territory_planner.plan.rebalance_inputs import Reweigh, _reweighed, _with_none
from territory_planner.plan.rebalance_returns import _roundness, send_home_in_rounds
from territory_planner.plan.rebalance_steps import _Balancer, _band
from territory_planner.plan.recombine import _SHAPE_STEPS, recombine
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled


def _rebalance_bands(
    w: np.ndarray,
    lab: np.ndarray,
    movable: np.ndarray,
    *,
    frozen: np.ndarray,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Bounds per territory for `rebalance_units`, the mean the free ones aim at, the overfull.

    As in design: a territory whose locked units, or one unit, weigh more
    than the band is "overfull" and only sheds what it can (its bound is
    that weight); a locked territory keeps its total. The others aim at
    the team mean, or, when what is left for them averages outside its
    band, at that average (the best balance there is).
    """
    k = len(frozen)
    inside = lab >= 0
    totals = np.bincount(lab[inside], weights=w[inside], minlength=k)
    mean = float(totals.sum()) / k
    pinned = np.bincount(lab[inside & ~movable], weights=w[inside & ~movable], minlength=k)
    heaviest = np.zeros(k)
    np.maximum.at(heaviest, lab[inside & movable], w[inside & movable])
    overfull = np.zeros(k, dtype=bool)
    aim = mean
    while True:
        rest = ~overfull & ~frozen
        if not rest.any():
            break
        fixed = float(totals[frozen].sum() + pinned[overfull].sum())
        aim = (float(totals.sum()) - fixed) / int(rest.sum())
        top = aim * (1 + tolerance)
        keep = pinned + np.where(heaviest > top, heaviest, 0.0)
        newly = rest & (keep > top)
        if not newly.any():
            break
        pinned = np.where(newly, keep, pinned)
        overfull |= newly
    if abs(aim / mean - 1) <= tolerance if mean > 0 else True:
        aim = mean  # the team band can be met: aim at it
    lo, hi = _band(k, aim, tolerance)
    lo[overfull], hi[overfull] = 0.0, pinned[overfull]
    return lo, hi, aim, overfull


_RECOMBINE_SECONDS = 6.0  # CPU seconds for recombining when border moves are stuck
_RECOMBINE_DRAWS = 8  # seeds of recombination tried (their plans move different accounts)
_NEAR_COST = 0.02  # draws moving at most this much more than the fewest: the roundest wins


def _ran(balancer: _Balancer, progress: Progress, cancel: CancelToken | None) -> bool:
    """Run the balancer if some territory is out of its band; whether it ran."""
    if balancer.off() <= 0:
        return False
    balancer.run(progress, cancel, (0.85, 0.9))
    return True


def _external(plan: _Plan, k: int) -> np.ndarray:
    """The plan's labels, -1 for the units in no territory (internal label `k`)."""
    internal = np.asarray(plan.label, dtype=np.int64)
    return np.where(internal >= k, -1, internal)


def _recombine_into_band(
    plan: _Plan,
    original: np.ndarray,
    movable: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    *,
    frozen: np.ndarray,
    balance: Callable[[], _Balancer],
    cancel: CancelToken | None,
    progress: Progress = no_progress,
) -> bool:
    """Recombine neighbouring territories of `plan` into `band`, then border moves (in place).

    Each territory keeps its heart (the heaviest unit it started with);
    territories that are locked or hold locked units stay as they are, and
    so do the units in no territory (`plan`'s last label when there are any).
    Random cuts redraw whole pairs, and how much they move varies from one
    draw to the next: up to `_RECOMBINE_DRAWS` seeds are tried within
    `_RECOMBINE_SECONDS` of CPU time, each followed by `balance`'s border
    moves, and the plan in band (else the one least out of it) that moves
    the least cost (the balancer's) from `original` is kept; of plans within
    `_NEAR_COST` of that, the roundest. Every other draw skips the pairs
    recombined for shape alone once in band: they redraw more land, which
    some plans need (rounder) and others do not (fewer accounts moved).
    Weights that move with the plan (workload) get one draw: they are weighed
    again after it (`_recentered`), so draws compared on the weights before
    would be compared on stale ones.
    Returns whether the plan kept is less out of band than the one given.
    """
    k = plan.k
    w = np.asarray(plan.w, dtype=float)
    roots = heaviest_units(original, w, k)
    weights = np.asarray(plan.served, dtype=float)  # (barred territories weigh more)
    labels = np.asarray(plan.label, dtype=np.int64)
    still = np.zeros(k, dtype=bool)  # locked territories, those with locked units, and "none"
    still[: len(frozen)] = frozen
    still[len(frozen) :] = True
    still[labels[~movable]] = True
    before = balance().off()
    deadline = time.process_time() + _RECOMBINE_SECONDS
    tried: list[tuple[float, float, np.ndarray]] = []  # excess, cost moved, labels
    draws = 1 if plan.varies else _RECOMBINE_DRAWS
    for seed in range(draws):
        progress(seed / draws, "Recombining neighbouring territories")
        left = deadline - time.process_time()
        if seed > 0 and left < _RECOMBINE_SECONDS / (2 * _RECOMBINE_DRAWS):
            break
        plan.assign(
            recombine(
                labels, weights, src=plan.src, dst=plan.dst, roots=roots, lo=band[0],
                hi=band[1], frozen=still, border=plan.border_flat, area=np.asarray(plan.area),
                perimeter=np.asarray(plan.perim), seconds=max(left, 0.5), seed=seed,
                shape_steps=_SHAPE_STEPS if seed % 2 == 0 else 0, cancel=cancel,
            )
        )  # fmt: skip
        after = balance()
        after.run(no_progress, cancel, (0.0, 1.0))
        now = np.asarray(plan.label, dtype=np.int64)
        tried.append((after.off(), float(after.cost[now != original].sum()), now))
    off = min(t[0] for t in tried)
    least = min(t[1] for t in tried if t[0] == off)
    near = [t[2] for t in tried if t[0] == off and t[1] <= least * (1 + _NEAR_COST)]
    plan.assign(max(near, key=lambda lab: float(_roundness(plan, lab)[: len(frozen)].mean())))
    return off < before


def _recentered(
    plan: _Plan,
    reweigh: Reweigh,
    balancer: Callable[[], _Balancer],
    band: tuple[np.ndarray, np.ndarray],
    *,
    movable: np.ndarray,
    frozen: np.ndarray,
    tolerance: float,
    original: np.ndarray,
    progress: Progress,
    cancel: CancelToken | None,
    rounds: int = 2,
    recombining: bool = True,
) -> bool:
    """Balancing rounds for weights that move with the plan (in place, `band` too).

    The team's total moves with the plan, and so do the legs between accounts:
    each round weighs the plan as it is now, aims at its mean again, balances,
    and recombines when border moves are stuck, until a recombination does
    not help (`recombining` False: the last one did not). Where no rep can
    reach another's accounts in a day, none ever does, and each costs seconds.
    Returns whether recombining may still help.
    """
    k, n = len(frozen), plan.n
    lo, hi = band
    for _ in range(rounds):
        now = _external(plan, k)
        now_w, now_served = _reweighed(reweigh, now, n, k)
        plan.reweigh(_with_none(now_served, now_w, plan.k))
        lo[:k], hi[:k], *_ = _rebalance_bands(
            now_w, now, movable, frozen=frozen, tolerance=tolerance
        )
        again = balancer()
        if not _ran(again, progress, cancel):
            break
        if recombining and again.off() > 0:  # stuck again: recombine into the new band
            recombining = _recombine_into_band(
                plan, original, movable, band, frozen=frozen, balance=balancer, cancel=cancel
            )
    return recombining


def _steps(
    plan: _Plan,
    original: np.ndarray,
    balancer: Callable[[], _Balancer],
    band: tuple[np.ndarray, np.ndarray],
    *,
    movable: np.ndarray,
    frozen: np.ndarray,
    active: np.ndarray,
    tolerance: float,
    reweigh: Reweigh | None,
    cost: np.ndarray,
    began: float,
    progress: Progress,
    cancel: CancelToken | None,
) -> None:
    """Rebalance's steps on `plan` (in place): border moves, recombination, moves back home."""
    progress(0.05, "Balancing")
    first = balancer()
    first.run(progress, cancel, (0.05, 0.8))
    recombining = True
    if first.off() > 0:
        # border moves and shifts are stuck: recombine neighbouring pairs into the band,
        # then the same steps again, which also move back what turned out unnecessary
        recombining = _recombine_into_band(
            plan, original, movable, band, frozen=frozen, balance=balancer, cancel=cancel,
            progress=scaled(progress, 0.8, 0.9),
        )  # fmt: skip
    if reweigh is not None:
        recombining = _recentered(
            plan, reweigh, balancer, band, movable=movable, frozen=frozen, tolerance=tolerance,
            original=original, progress=progress, cancel=cancel, recombining=recombining,
        )  # fmt: skip
    if send_home_in_rounds(
        plan, original, movable, band=band, active=active, cost=cost, began=began,
        progress=progress, cancel=cancel,
    ):  # fmt: skip
        balancer().unwind()  # and single units home where that keeps the band
        if reweigh is not None:  # weighed again as they now lie
            _recentered(
                plan, reweigh, balancer, band, movable=movable, frozen=frozen,
                tolerance=tolerance, original=original, progress=progress, cancel=cancel,
                rounds=1, recombining=recombining,
            )  # fmt: skip
