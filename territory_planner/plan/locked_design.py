"""Design around locked territories: only the units outside them are designed.

A locked territory stays as it is: its outline is kept exactly when the plan
is drawn (`unit_plan.plan_territories`). The design engine pins locked units
to their territory but lets the territory grow like any other, and the
accounts in what it took then fell outside the kept outline, into no
territory. `design_around_locks` designs the free units alone, for the
territories that are not locked, and reports the plan over all of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np

from territory_planner.formats import plural
from territory_planner.geo.unit_graph import _lonlat
from territory_planner.plan.balance_reasons import BalanceAdvice, DesignFix
from territory_planner.plan.design import design_territories
from territory_planner.plan.design_report import DesignResult, judged_plan, territory_compactness

_LEAST = 0.25  # of the band: the free territories' own band at least (locked ones far off)


def design_around_locks(
    units: gpd.GeoDataFrame,
    weights: np.ndarray,
    k: int,
    *,
    lock: np.ndarray,
    seeds: Sequence[int],
    graph: nx.Graph,
    tolerance: float,
    territory_names: list[str],
    served: np.ndarray | None = None,
    initial: np.ndarray | None = None,
    **options: Any,
) -> DesignResult:
    """`design_territories` with the locked territories (labels 0 .. L-1) left exactly as they are.

    Parameters
    ----------
    units
        The area units.
    weights
        Each unit's weight.
    k
        Number of territories, locked ones included.
    lock
        Per unit, the locked territory it is in (0 .. L-1), -1 where free.
    seeds
        The design's seeds: one unit per locked territory first, then the others'.
    graph
        The units' adjacency (`unit_graph`).
    tolerance
        The band.
    territory_names
        What to call each territory, in label order.
    served
        Units x territories: each unit's weight in each territory (workload), or None.
    initial
        A plan to start from (labels over all units), or None.
    **options
        Passed on to `design_territories` (progress, cancel, budgets, ...).

    Returns
    -------
    DesignResult
        The plan over all units: locked territories as they are, the free units designed
        for the other territories; totals and deviation over all territories.
    """
    held = int(lock.max()) + 1 if len(lock) else 0
    if held == 0 or k <= held or not (lock < 0).any():  # nothing to set aside, or nothing else
        return design_territories(
            units,
            weights,
            k,
            tolerance=tolerance,
            seeds=list(seeds) or None,
            locked=lock,
            graph=graph,
            territory_names=territory_names,
            served=served,
            initial=initial,
            **options,
        )
    free = np.flatnonzero(lock < 0)
    w = np.asarray(weights, dtype=float)
    # the band is around the mean of all territories: where the locked ones are light, the
    # free ones share more, and their own band is what of it lies around their mean
    share = float(w[free].sum()) / (k - held) / (float(w.sum()) / k) if w.sum() > 0 else 1.0
    inner = min(1 + tolerance - share, share - (1 - tolerance)) / share
    index = np.full(len(lock), -1, dtype=np.int64)
    index[free] = np.arange(len(free))
    count = min(k - held, len(free))  # (too few free units: the last territories get none)
    designed = design_territories(
        units.iloc[free].reset_index(drop=True),
        w[free],
        count,
        tolerance=max(inner, _LEAST * tolerance),
        seeds=[int(index[s]) for s in seeds[held : held + count] if index[s] >= 0] or None,
        graph=nx.relabel_nodes(
            graph.subgraph(free.tolist()), {int(u): int(index[u]) for u in free}
        ),
        territory_names=territory_names[held : held + count],
        served=None if served is None else np.asarray(served)[free, held : held + count],
        initial=None if initial is None else np.asarray(initial)[free] - held,
        **options,
    )
    labels = lock.copy()
    labels[free] = np.where(designed.labels >= 0, designed.labels + held, -1)
    here = w
    if served is not None:
        here = np.asarray(served)[np.arange(len(labels)), np.maximum(labels, 0)]
    whole = [
        nx.is_connected(graph.subgraph(np.flatnonzero(lock == t).tolist())) for t in range(held)
    ]
    none = territory_names[held + count :]
    plan = replace(
        designed,
        labels=labels,
        totals=np.zeros(k),
        contiguous=[*whole, *designed.contiguous, *[False] * len(none)],
        compactness=[
            *territory_compactness(_lonlat(units), labels, held),
            *designed.compactness,
            *[0.0] * len(none),
        ],
        violations=[
            *designed.violations,
            *(f"{name} has no units: too few units are free (not locked)" for name in none),
        ],
    )
    return judged_plan(plan, here, tolerance, territory_names, other_weights=False)


def locked_advice(
    result: DesignResult, held: int, tolerance: float, names: list[str]
) -> BalanceAdvice:
    """Why the band is missed when a locked territory (it takes nothing) is out of it itself.

    Parameters
    ----------
    result
        The plan over all territories, the locked ones first (labels 0 .. `held` - 1).
    held
        How many territories are locked.
    tolerance
        The band.
    names
        What to call each territory.

    Returns
    -------
    BalanceAdvice
        A sentence naming the locked territories out of band and what the others share,
        with a wider band to try; empty when every locked territory is in band.
    """
    totals = np.asarray(result.totals, dtype=float)
    k, mean = len(totals), float(totals.mean()) if len(totals) else 0.0
    if held == 0 or k <= held or mean <= 0:
        return BalanceAdvice()
    deviation = totals / mean - 1
    off = [t for t in range(held) if abs(deviation[t]) > tolerance + 1e-9]
    if not off:
        return BalanceAdvice()
    rest = float(totals[held:].sum()) / (k - held) / mean - 1
    said = ", ".join(f"{names[t]} {deviation[t]:+.1%}" for t in off)
    them = "it" if len(off) == 1 else "them"
    wider = math.ceil(100 * float(np.abs(deviation).max()) - 1e-6) / 100
    reason = (
        f"Locked as {'it is' if len(off) == 1 else 'they are'}, {said} of the mean: the other "
        f"{plural(k - held, 'territory')} share the rest, {rest:+.1%} each on average "
        f"(unlock {them}, or a wider band)"
    )
    return BalanceAdvice([reason], [DesignFix(f"±{wider:.0%}", tolerance=wider)])
