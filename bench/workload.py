"""One workload: the KPI panel's estimate against the hours the visit calendar plans.

For every rep of a project, the yearly workload the KPI panel shows (visit hours plus
the drive estimate, `territory_planner.routing.workload`) is compared with the visit
calendar over one full cycle (13 weeks: the quarterly accounts come round once), scaled
to a year (x 4). The calendar routes every day for real (PyVRP and our planner), so it
is the reference. Projects: the demo (seed 7, its own territories) and a field project
(`sample_data.field_project`, seed 5) with territories designed on accounts from counties.

Goal (issue 14): each rep's calendar within 10% of the KPI estimate, or the visits that
do not fit listed with the reason.

Run: ``.venv/bin/python bench/workload.py``.
"""

from __future__ import annotations

import numpy as np

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.demo import make_demo
from territory_planner.model import Project
from territory_planner.plan.project_design import design_project
from territory_planner.routing.schedule import build_schedule
from territory_planner.sample_data import field_project
from territory_planner.scenario_edits import AddScenario, UseScenario

WEEKS = 13


def field() -> Project:
    project = field_project(5, accounts=1300, reps=8)
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.05)
    AddScenario(project, outcome.scenario).apply(project)
    UseScenario(project, outcome.scenario.name).apply(project)
    return project


def compare(name: str, project: Project) -> list[bool]:
    kpis = territory_kpis(project)
    kpis.index = project.territories.set_index("territory_id")["rep_id"].reindex(
        kpis["territory_id"]
    )
    print(f"\n{name}")
    print(
        f"{'rep':18} {'KPI h/yr':>9} {'calendar h/yr':>13} {'calendar/KPI':>12} "
        f"{'left out':>8} {'utilisation':>11}"
    )
    met = []
    for rep_id, rep in zip(project.reps["rep_id"], project.reps["name"], strict=True):
        if rep_id not in kpis.index:
            continue
        plan = build_schedule(project, rep_id, weeks=WEEKS)
        totals = plan.totals()
        yearly = (totals["visit_hours"] + totals["drive_hours"]) * 52 / WEEKS
        estimate = float(kpis.loc[rep_id, "workload_hours"])
        ratio = yearly / estimate if estimate else np.nan
        left = int(totals["left_out_visits"])
        print(
            f"{rep:18} {estimate:9.0f} {yearly:13.0f} {ratio:12.3f} {left:8d} "
            f"{totals['utilisation']:11.2f}"
        )
        met.append(abs(ratio - 1) <= 0.10 or left > 0)
    return met


def main() -> None:
    met = compare("demo (seed 7, 1,500 accounts, 8 reps)", make_demo())
    met += compare("field project (seed 5, 1,300 accounts, 8 reps, designed on accounts)", field())
    print(
        f"\ngoal (calendar within 10% of the KPI estimate, or visits left out and listed): "
        f"{sum(met)} of {len(met)} reps met"
    )


if __name__ == "__main__":
    main()
