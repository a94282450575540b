"""Design balanced on workload, judged as the KPI panel judges it: each territory's own rep driving.

An account's yearly workload includes the drive from its rep's home, so it
depends on the territory it ends up in. Per case, in one run:

- ours: `design_project(balance="workload")` as the app and CLI run it (each unit
  weighs what it would cost each territory's rep; a round or two from the last plan);
- before: the same design with every account weighed as if its nearest rep
  served it (what design balanced before; its plans hand far accounts to reps
  who must drive to them);

each judged from the saved plan with the KPI panel's workload (`territory_kpis`):
largest |hours / mean - 1|, and seconds. Goal: within the 5% asked.

Run: ``.venv/bin/python bench/design_workload.py``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.demo import make_demo
from territory_planner.model import Project
from territory_planner.plan import project_design
from territory_planner.plan.project_design import PlanOutcome, design_project
from territory_planner.sample_data import field_project

TOLERANCE = 0.05
CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("demo (1,500 accounts, 8 reps, seed 7)", make_demo, {}),
    ("demo (3,000 accounts, 8 reps, seed 11)", make_demo, {"accounts": 3000, "seed": 11}),
    ("field seed 9 (1,800 accounts, 7 reps)", field_project,
     {"seed": 9, "accounts": 1800, "reps": 7}),
    ("field seed 12 (2,800 accounts, 10 reps)", field_project,
     {"seed": 12, "accounts": 2800, "reps": 10}),
    ("field seed 2, south (800 accounts, 6 reps)", field_project,
     {"seed": 2, "accounts": 800, "reps": 6, "region": "south"}),
]  # fmt: skip


def kpi_deviation(project: Project, outcome: PlanOutcome) -> float:
    """Largest deviation of the KPI panel's workload hours once the plan is in use."""
    used = project.copy()
    used.territories = outcome.scenario.territories
    used.accounts["territory_id"] = outcome.scenario.assignment["territory_id"].to_numpy()
    hours = territory_kpis(used)["workload_hours"].to_numpy(dtype=float)
    return float(np.abs(hours / hours.mean() - 1).max())


def run(project: Project, *, served: bool) -> tuple[float, float]:
    """KPI deviation and seconds of a design on workload (without `served`: nearest reps)."""
    saved = project_design.design_territories, project_design._WORKLOAD_ROUNDS
    if not served:

        def nearest_only(*args: Any, **kwargs: Any) -> Any:
            kwargs["served"] = None
            return saved[0](*args, **kwargs)

        project_design.design_territories = nearest_only  # type: ignore[assignment]
        project_design._WORKLOAD_ROUNDS = 0
    try:
        start = time.perf_counter()
        outcome = design_project(project, kind="county", balance="workload", tolerance=TOLERANCE)
        seconds = time.perf_counter() - start
    finally:
        project_design.design_territories, project_design._WORKLOAD_ROUNDS = saved
    return kpi_deviation(project, outcome), seconds


def main() -> None:
    print(
        f"design on workload, counties, homes as seeds, ±{TOLERANCE:.0%}; judged by the KPI panel"
    )
    print(f"{'case':44} {'ours':>7} {'s':>5} {'before':>8} {'s':>5}")
    met = 0
    for name, make, arguments in CASES:
        project = make(**arguments)
        ours, seconds = run(project, served=True)
        before, before_seconds = run(project, served=False)
        print(f"{name:44} {ours:7.2%} {seconds:5.1f} {before:8.2%} {before_seconds:5.1f}")
        met += ours <= TOLERANCE + 1e-9
    print(f"\ngoal (KPI panel within ±{TOLERANCE:.0%}): {met} of {len(CASES)} cases met")


if __name__ == "__main__":
    main()
