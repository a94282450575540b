"""How a split for a new hire is balanced: its target, the balancing steps, and its measure.

`new_hire.split_units` carves the new territory; here the target the new
territory and its sources aim at (the mean of K + 1 territories, or their
equal share), the balancing with `rebalance_steps` (set again when the weights
move with the plan, as workload does), and the totals with why they miss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.rebalance_inputs import Reweigh, _reweighed, _with_none
from territory_planner.plan.rebalance_reasons import _off_band, _why_not
from territory_planner.plan.rebalance_rounds import _external
from territory_planner.plan.rebalance_steps import _Balancer, _band
from territory_planner.tasks import CancelToken, Progress

_SPLIT_SHAPE = 0.5  # split: a move's key x exp(0.5 x (border gained - lost) / perimeter)
_SAME = 1e-9  # a target this close to the mean (relative) is the mean


def _split_target(
    w: np.ndarray,
    region: np.ndarray,
    given: list[int],
    *,
    mean: float,
    k: int,
    tolerance: float,
    territories: list[str],
) -> tuple[float, str, list[str]]:
    """What the new territory and each source should total, what that is, and why.

    The mean of the K + 1 territories when the sources' total allows it,
    else an equal share of that total.
    """
    share = float(w[region].sum()) / (len(given) + 1)
    if mean <= 0:
        return mean, "the mean", ["the weights add up to zero: there is nothing to balance"]
    if abs(share / mean - 1) <= tolerance:
        return mean, f"the mean of {k + 1} territories", []
    after = "(split more territories, or rebalance afterwards)"
    if len(given) > 1:
        why = (
            f"{', '.join(territories[t] for t in given)} total "
            f"{share * (len(given) + 1) / mean:.2f}x the mean of {k + 1} territories: shared "
            f"by {len(given) + 1}, each gets about {share / mean:.2f}x the mean {after}"
        )
    else:
        why = (
            f"{territories[given[0]]} is {share * 2 / mean:.2f}x the mean of {k + 1} "
            f"territories: split in two, each half gets about {share / mean:.2f}x the mean "
            f"{after}"
        )
    return share, "their equal share", [why]


@dataclass
class _SplitBalance:
    """The balancing of a split: the new territory and its sources into the band of `target`."""

    plan: _Plan
    active: np.ndarray
    movable: np.ndarray
    original: np.ndarray
    new: int
    xyz: np.ndarray
    tolerance: float
    target: float

    def run(self, progress: Progress, cancel: CancelToken | None) -> None:
        """Balance with the steps of `rebalance_units` (moves weighed a little by shape)."""
        plan = self.plan
        lo, hi = _band(plan.k, self.target, self.tolerance)
        _Balancer(
            plan, lo=lo, hi=hi, active=self.active, movable=self.movable,
            cost=np.ones(plan.n), original=self.original, unit=self.target, keep=self.new,
            shape=_SPLIT_SHAPE, xyz=self.xyz,
        ).run(progress, cancel, (0.3, 0.9))  # fmt: skip

    def reweighed(
        self, reweigh: Reweigh, region: np.ndarray, given: list[int], territories: list[str]
    ) -> tuple[float, str, list[str]]:
        """Weigh the plan as it is now (`reweigh`), and set the target again: `_split_target`."""
        plan, k = self.plan, len(territories) - 1
        now = _external(plan, k + 1)
        w, served = _reweighed(reweigh, now, plan.n, k + 1)
        plan.reweigh(_with_none(served, w, plan.k))
        mean = float(w[now >= 0].sum()) / (k + 1)
        found = _split_target(
            w, region, given, mean=mean, k=k, tolerance=self.tolerance, territories=territories
        )
        self.target = found[0]
        return found


def _measured(
    w: np.ndarray,
    labels: np.ndarray,
    movable: np.ndarray,
    given: list[int],
    *,
    mean: float,
    target: float,
    tolerance: float,
    words: tuple[str, list[str], list[str]],
    apart: list[int],
    violations: list[str],
) -> tuple[np.ndarray, float, float | None]:
    """The split's totals and largest deviation from `mean`; why it misses `target`, if it does.

    `words` are what the target is ("the mean of 9 territories"), the units'
    names and the territories' (the new one last); the sources and the new
    territory off their band are explained in `violations` (appended). The
    third value is their largest deviation from `target` when that is not the
    mean (their equal share), else None.
    """
    against, names, territories = words
    k = len(territories) - 1
    new = k
    inside = labels >= 0
    totals = np.bincount(labels[inside], weights=w[inside], minlength=k + 1)
    changed = [*given, new]
    if mean <= 0:
        return totals, 0.0, None
    deviation = float(np.abs(totals[changed] / mean - 1).max())
    share = None
    if target > 0 and abs(target / mean - 1) > _SAME:
        share = float(np.abs(totals[changed] / target - 1).max())
    message = _off_band(  # the new territory marked as such
        totals / target - 1,
        changed,
        tolerance,
        against,
        [*territories[:new], f"{territories[new]} (new)"],
    )
    if message:
        violations.append(message)
        _why_not(
            w,
            labels,
            movable,
            off=[t for t in changed if abs(totals[t] / target - 1) > tolerance + 1e-9],
            mean=target,
            tolerance=tolerance,
            names=names,
            territories=territories,
            violations=violations,
            of="the target per territory",
            apart=apart,
        )
    return totals, deviation, share
