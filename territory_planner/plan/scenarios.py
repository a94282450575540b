"""Scenarios side by side: their KPIs, the accounts that change territory, the impact.

A scenario (`model.Scenario`) is a whole plan: territories and who holds
each account. `scenario_project` makes a project whose plan in use is a
given scenario, so every KPI function works on it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.formats import agree, plural
from territory_planner.model import Project, Scenario
from territory_planner.plan.unit_plan import plan_account_weights

#: KPI columns compared between two scenarios, in table order.
COMPARED = ("accounts", "potential", "revenue", "workload_hours", "drive_hours", "compactness")


def scenario_project(project: Project, scenario: Scenario) -> Project:
    """A copy of `project` whose plan in use is `scenario` (the project is not changed).

    Parameters
    ----------
    project
        The project (its accounts, reps and settings are shared or copied).
    scenario
        The scenario to put in use.

    Returns
    -------
    Project
        The trial project, with no scenarios of its own.
    """
    trial = Project(
        accounts=project.accounts,
        reps=project.reps,
        territories=project.territories,
        name=project.name,
        settings=dict(project.settings),
        scenarios=[],
    )
    trial.use_scenario(scenario)
    return trial


def plan_kpis(project: Project, shares: dict[str, float] | None = None) -> pd.DataFrame:
    """`territory_kpis`, plus the balanced value for a balance target.

    ``balanced`` is each territory's share of the team total of the target,
    ``balanced_vs_mean`` its deviation from the mean territory, both
    computed from the accounts each territory holds.

    Parameters
    ----------
    project
        The project.
    shares
        The balance target (target to share, as `parse_balance` gives them);
        None or empty: the KPIs without the two columns.

    Returns
    -------
    pandas.DataFrame
        One row per territory.
    """
    kpis = territory_kpis(project)
    if shares:
        values = pd.Series(plan_account_weights(project, shares), index=project.accounts.index)
        per = values.groupby(project.accounts["territory_id"]).sum()
        kpis["balanced"] = per.reindex(kpis["territory_id"]).fillna(0.0).to_numpy()
        mean = kpis["balanced"].mean()
        kpis["balanced_vs_mean"] = kpis["balanced"] / mean - 1 if mean else 0.0
    return kpis


@dataclass(frozen=True)
class Comparison:
    """Two scenarios side by side.

    Attributes
    ----------
    table
        Per territory (outer join on id): ``name``, then ``<kpi>_a``,
        ``<kpi>_b`` and ``<kpi>_change`` for each of `COMPARED`.
    moves
        Accounts whose territory differs: account_id, name, from, to,
        potential, revenue.
    totals
        Team totals of each compared KPI in a and b (drive hours, workload...).
    """

    a: str
    b: str
    table: pd.DataFrame
    moves: pd.DataFrame
    totals: dict[str, tuple[float, float]]

    def describe(self) -> str:
        """One sentence: accounts moved, and the change in drive and workload hours."""
        drive_a, drive_b = self.totals["drive_hours"]
        return (
            f"{plural(len(self.moves), 'account')} {agree(len(self.moves), 'changes', 'change')} "
            f"territory from '{self.a}' to '{self.b}'; "
            f"estimated driving {drive_a:,.0f} h -> {drive_b:,.0f} h a year "
            f"({drive_b - drive_a:+,.0f} h)"
        )


def compare_scenarios(project: Project, a: str, b: str) -> Comparison:
    """Compare scenarios `a` and `b` of the project (either may be the plan in use).

    Parameters
    ----------
    project
        The project holding both scenarios.
    a, b
        The names of the scenarios to compare (from `a` to `b`).

    Returns
    -------
    Comparison
        The KPIs per territory side by side, the accounts that change territory and
        the team totals.
    """
    kpis = {
        key: territory_kpis(scenario_project(project, project.scenario(name))).set_index(
            "territory_id"
        )
        for key, name in (("a", a), ("b", b))
    }
    ids = list(dict.fromkeys([*kpis["a"].index, *kpis["b"].index]))
    table = pd.DataFrame({"territory_id": ids})
    names = kpis["a"]["name"].to_dict() | kpis["b"]["name"].to_dict()
    table["name"] = [names[t] for t in ids]
    totals: dict[str, tuple[float, float]] = {}
    for column in COMPARED:
        left = kpis["a"][column].reindex(ids).to_numpy(dtype=float)
        right = kpis["b"][column].reindex(ids).to_numpy(dtype=float)
        table[f"{column}_a"], table[f"{column}_b"] = left, right
        table[f"{column}_change"] = np.nan_to_num(right) - np.nan_to_num(left)
        if column != "compactness":
            totals[column] = (float(np.nansum(left)), float(np.nansum(right)))
    totals["compactness"] = (
        float(kpis["a"]["compactness"].mean()),
        float(kpis["b"]["compactness"].mean()),
    )
    held = {
        name: project.scenario(name).assignment.set_index("account_id")["territory_id"]
        for name in (a, b)
    }
    acc = project.accounts
    before = acc["account_id"].map(held[a])
    after = acc["account_id"].map(held[b])
    changed = (before.fillna("") != after.fillna("")).to_numpy()
    moves = pd.DataFrame(
        {
            "account_id": acc["account_id"].to_numpy()[changed],
            "name": acc["name"].to_numpy()[changed],
            "from": before.to_numpy()[changed],
            "to": after.to_numpy()[changed],
            "potential": acc["potential"].to_numpy()[changed],
            "revenue": acc["annual_revenue"].to_numpy()[changed],
        }
    )
    return Comparison(a, b, table, moves, totals)
