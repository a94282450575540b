"""Rebalancing on clustered data: accounts moved against the lower bound (issue 14).

Cases:

- demo: the bundled demo (`make_demo`) at 3,000 accounts (seeds 11, 1, 3) and the
  default demo, rebalanced on potential at ±5% (the README's figures);
- field: `territory_planner.sample_data.field_project` (accounts crowded into metros,
  reps downtown), designed from counties on accounts at ±1% (`design_project`, as the
  app does), then rebalanced on potential at ±5%: the plan a manager has, brought into
  balance on something else.

Each rebalance is `rebalance_project` (counties, fewest accounts moved), as the app and
the CLI run it: first with any rep allowed to take any account (`--allow-far`), then as
by default, never handing an account to a rep beyond a day trip from it where another rep
reaches it ("day trips only"; the bound keeps the same rule, and is infinite where no plan
within the band keeps it). Per case: accounts moved, the lower bound on them (`moves_bound`: the
same MILP with "accounts moved" as the objective, ignoring contiguity, solved by HiGHS),
their ratio, the largest deviation after (recomputed from the unit plan), territories in
one piece of the county graph (recomputed), mean Polsby-Popper of the territories (unions
of their counties) before and after, the counties whose territory changed (what the map
shows moving: empty counties too), and CPU seconds of the whole call (bound included).
Where the band is missed, the fix the report offers follows ("then ZIP areas in ..."):
the same rebalance with the heaviest counties moved as their ZIP areas (units, not
counties, counted there).
Seconds are CPU time: the machine is shared.

Run: ``.venv/bin/python bench/rebalance_clustered.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import networkx as nx
import numpy as np
import shapely

from territory_planner.analysis.metrics import polsby_popper
from territory_planner.demo import make_demo
from territory_planner.geo.unit_graph import unit_graph
from territory_planner.model import Project
from territory_planner.plan.plan_changes import PlanChange, rebalance_project
from territory_planner.plan.project_design import design_project
from territory_planner.plan.scenarios import scenario_project
from territory_planner.plan.unit_plan import (
    parse_balance,
    plan_account_weights,
    project_units,
    unit_weights,
)
from territory_planner.sample_data import field_project

BALANCE, TOLERANCE = "potential", 0.05
DEMOS: list[dict[str, Any]] = [
    {"accounts": 3000, "seed": 11},
    {"accounts": 3000, "seed": 1},
    {"accounts": 3000, "seed": 3},
    {},
]
FIELDS: list[dict[str, Any]] = [
    {"seed": 1, "accounts": 3000, "reps": 8},
    {"seed": 3, "accounts": 2000, "reps": 10},
    {"seed": 13, "accounts": 2200, "reps": 8},
]
QUICK = 3


def designed(arguments: dict[str, Any]) -> Project:
    """A field project with the plan `design_project` makes on accounts at ±1% in use."""
    project = field_project(**arguments)
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.01)
    return scenario_project(project, outcome.scenario)


def mean_pp(geoms: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Mean Polsby-Popper of the unions of each territory's units."""
    return float(np.mean([polsby_popper(shapely.union_all(geoms[labels == t])) for t in range(k)]))


def judge(
    project: Project, change: PlanChange, zip_in: tuple[str, ...] = ()
) -> tuple[float, int, float, float, int]:
    """Largest deviation after, territories in one piece, mean PP before and after, and the
    units whose territory changed (what the map shows moving, accounts or not)."""
    plan_units = project_units(project, "county", zip_in=zip_in)
    weights = unit_weights(plan_units, plan_account_weights(project, parse_balance(BALANCE)))
    before, after = plan_units.current, change.result.labels
    k = len(project.territories)
    inside = after >= 0
    totals = np.bincount(after[inside], weights=weights[inside], minlength=k)
    deviation = float(np.abs(totals / (weights[before >= 0].sum() / k) - 1).max())
    graph = unit_graph(plan_units.units)
    whole = sum(
        nx.is_connected(graph.subgraph(np.flatnonzero(after == t).tolist())) for t in range(k)
    )
    geoms = plan_units.units.geometry.to_numpy()
    changed = int((after != before).sum())
    return deviation, whole, mean_pp(geoms, before, k), mean_pp(geoms, after, k), changed


def row(
    name: str, project: Project, *, reach: bool, zip_in: tuple[str, ...] = ()
) -> tuple[int, float]:
    """Rebalance `project`, print its row (and the ZIP-areas fix's when the band is missed);
    the accounts moved and the bound."""
    cpu = time.process_time()
    change = rebalance_project(
        project, balance=BALANCE, tolerance=TOLERANCE, reach=reach, zip_in=zip_in
    )
    cpu = time.process_time() - cpu
    deviation, whole, pp_before, pp_after, changed = judge(project, change, zip_in)
    moves = len(change.moves)
    bound = change.bound.lower if change.bound is not None else float("nan")
    k = len(project.territories)
    print(
        f"{name:34} {moves:6} {bound:6.0f} {moves / max(bound, 1):6.2f} {deviation:8.2%} "
        f"{f'{whole}/{k}':>9} {pp_before:6.3f} {pp_after:6.3f} {changed:8} {cpu:6.1f}"
    )
    for fix in () if zip_in else change.fixes:  # (what the report offers: finer units)
        print(f"    then {fix.label}")
        row("", project, reach=reach, zip_in=fix.zip_in or ())
    return moves, bound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK} cases")
    quick = parser.parse_args().quick
    cases: list[tuple[str, Any]] = [
        ("demo " + (", ".join(f"{k}={v}" for k, v in a.items()) or "default"), a) for a in DEMOS
    ] + [("field " + ", ".join(f"{k}={v}" for k, v in a.items()), a) for a in FIELDS]
    if quick:
        cases = cases[:QUICK]
    print(f"rebalance on {BALANCE} at ±{TOLERANCE:.0%}, counties, fewest accounts moved")
    print(
        f"{'case':34} {'moves':>6} {'bound':>6} {'ratio':>6} {'max dev':>8} "
        f"{'one piece':>9} {'PP bef':>6} {'PP aft':>6} {'counties':>8} {'cpu s':>6}"
    )
    ratios: dict[bool, list[float]] = {True: [], False: []}
    for name, arguments in cases:
        project = make_demo(**arguments) if name.startswith("demo") else designed(arguments)
        for reach in (False, True):
            moves, bound = row(name if not reach else "  day trips only", project, reach=reach)
            if np.isfinite(bound):
                ratios[reach].append(moves / max(bound, 1))
    for reach, words in ((False, "any rep may take an account"), (True, "day trips only")):
        found = ratios[reach]
        print(
            f"ratio moves / bound, {words}: mean {np.mean(found):.2f}, worst {max(found):.2f} "
            f"({len(found)} cases where the band is possible)"
            if found
            else f"{words}: the band is possible in no case"
        )


if __name__ == "__main__":
    main()
