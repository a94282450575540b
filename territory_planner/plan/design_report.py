"""What a territory design says back: the plan, its balance and shapes, and what it missed."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

import numpy as np
import shapely

from territory_planner.analysis.metrics import polsby_popper
from territory_planner.formats import band, small_percent
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.rebalance_reasons import OUTSIDE, _off_band


@dataclass
class DesignResult:
    """A territory plan from `design_territories`.

    Attributes
    ----------
    labels
        Territory index (0 .. K-1) of each unit, in the units' order.
    totals
        Sum of the weights per territory.
    max_deviation
        Largest ``|total / mean - 1|`` over the territories.
    contiguous
        Per territory, whether its units form one connected piece of the graph.
    compactness
        Per territory, Polsby-Popper of the union of its units (ellipsoid).
    violations
        Why the plan misses the targets, in plain English (empty when it meets them).
    seconds
        Wall time of the design.
    """

    labels: np.ndarray
    totals: np.ndarray
    max_deviation: float
    contiguous: list[bool]
    compactness: list[float]
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


def territory_compactness(geoms: np.ndarray, labels: np.ndarray, k: int) -> list[float]:
    """Polsby-Popper of each territory, the union of its units, measured on the ellipsoid.

    Parameters
    ----------
    geoms
        The units' polygons (longitude, latitude).
    labels
        Territory (0 .. `k` - 1) of each unit.
    k
        Number of territories.

    Returns
    -------
    list of float
        Per territory, its compactness (0 for one without units).
    """
    compactness = []
    for t in range(k):
        members = geoms[labels == t]
        try:  # fast for clean coverages (neighbours' borders share their vertices)
            union = shapely.coverage_union_all(members)
        except shapely.errors.GEOSException:
            union = shapely.union_all(members)
        if not union.is_valid:
            union = shapely.union_all(members)
        compactness.append(polsby_popper(union))
    return compactness


def design_result(
    plan: _Plan,
    geoms: np.ndarray,
    tolerance: float,
    *,
    violations: list[str],
    start: float,
    territories: list[str],
) -> DesignResult:
    """The plan as a `DesignResult`, with its shapes measured on the ellipsoid.

    Parameters
    ----------
    plan
        The finished plan.
    geoms
        The units' polygons (longitude, latitude).
    tolerance
        Allowed ``|total / mean - 1|`` per territory.
    violations
        The design's messages so far; why the plan misses the targets is added.
    start
        `time.perf_counter` when the design started.
    territories
        What to call each territory (see `design_inputs.territory_words`).

    Returns
    -------
    DesignResult
        Labels, totals, deviation, contiguity, compactness and violations.
    """
    k = plan.k
    labels = np.asarray(plan.label, dtype=int)
    totals = plan.totals_of(labels)
    mean = float(totals.mean())  # (served weights: the team total depends on the plan)
    dev = totals / mean - 1 if mean > 0 else np.zeros(k)
    compactness = territory_compactness(geoms, labels, k)
    outside = _off_band(dev, range(k), tolerance, "the mean", territories) if mean > 0 else None
    if outside is not None:
        violations.append(outside)
        free = [w for w, f in zip(plan.w, plan.fixed, strict=True) if w > 0 and not f]
        lightest = min(free, default=0.0) / mean
        if lightest > tolerance:
            violations.append(
                f"the units are too coarse for {band(tolerance)}: "
                f"the lightest is {small_percent(lightest)} of the mean territory"
            )
    pieces = plan.pieces()
    for t, p in enumerate(pieces):
        if not p:  # every territory with a free unit to spare has given one
            violations.append(f"{territories[t]} has no units: too few units are free (not locked)")
        if len(p) > 1:
            anchored = sum(any(plan.fixed[u] for u in piece) for piece in p)
            why = ": its locked units are not connected" if anchored > 1 else ""
            violations.append(f"{territories[t]} is in {len(p)} pieces{why}")
    return DesignResult(
        labels=labels,
        totals=totals,
        max_deviation=float(np.abs(dev).max()),
        contiguous=[len(p) == 1 for p in pieces],
        compactness=compactness,
        violations=violations,
        seconds=time.perf_counter() - start,
    )


#: What a design says of the weights it balanced (heavy units, the other territories' aim,
#: the band missed): not said of a plan judged on other weights (`balance_reasons` then are).
_OF_ITS_WEIGHTS = re.compile(
    rf"{re.escape(OUTSIDE)}|.+ alone is [\d.]+x the mean territory$|\d+ more units are each heavier"
    r"|the other territories are balanced around|the units are too coarse"
)


def judged_plan(
    result: DesignResult,
    weights: np.ndarray,
    tolerance: float,
    names: list[str],
    *,
    other_weights: bool,
) -> DesignResult:
    """The plan with its totals, deviation and "outside the band" sentence from these weights.

    Parameters
    ----------
    result
        A design's plan (its labels) and what it said.
    weights
        Each unit's weight where the plan has it.
    tolerance
        The band.
    names
        What to call each territory.
    other_weights
        Whether these are not the weights the design balanced (a plan on workload judged
        with its own legs): then what the design said of its own weights is dropped too.

    Returns
    -------
    DesignResult
        The plan with totals, largest deviation and the band sentence from `weights`.
    """
    inside = result.labels >= 0
    totals = np.bincount(
        result.labels[inside], weights=weights[inside], minlength=len(result.totals)
    )
    mean = totals.mean()
    dev = totals / mean - 1 if mean > 0 else np.zeros(len(totals))
    said = [
        v
        for v in result.violations
        if not (_OF_ITS_WEIGHTS.match(v) if other_weights else v.startswith(OUTSIDE))
    ]
    outside = _off_band(dev, range(len(dev)), tolerance, "the mean", names)
    return replace(
        result,
        totals=totals,
        max_deviation=float(np.abs(dev).max()),
        violations=[*said, *([outside] if outside else [])],
    )
