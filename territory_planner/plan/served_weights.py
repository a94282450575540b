"""Workload as weights that depend on the plan: each account driven from its territory's rep.

What an account weighs in workload depends on who serves it (the drive from
that rep's home; `routing.workload`, the one workload). Design, rebalance and
split all balance the same thing the KPI panel shows: each unit's weight in
each territory (`Workload.served`), with the legs between accounts of one
plan. Moving a unit to a territory whose rep lives far away makes it heavier
there, and the plan's totals say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory_planner.analysis.account_workload import served_workload, workload_by_rep
from territory_planner.model import Project
from territory_planner.plan.unit_plan import ProjectUnits, account_weights, unit_weights


def territory_reps(project: Project, base: pd.DataFrame) -> np.ndarray:
    """Row (in ``project.reps``) of each territory's rep, -1 for none.

    Parameters
    ----------
    project
        The project (its reps).
    base
        The territories (a ``rep_id`` column; without one, none has a rep).

    Returns
    -------
    numpy.ndarray
        Per territory (row of `base`), the rep's row.
    """
    rep_row = {r: i for i, r in enumerate(project.reps["rep_id"])}
    reps = base["rep_id"] if "rep_id" in base else pd.Series([None] * len(base))
    return np.array(
        [rep_row.get(r, -1) if isinstance(r, str) else -1 for r in reps], dtype=np.int64
    )


def serving_reps(
    project: Project,
    plan_units: ProjectUnits,
    labels: np.ndarray,
    base: pd.DataFrame,
    nearest: np.ndarray | None = None,
) -> np.ndarray:
    """Row of the rep serving each account when the units are labelled so.

    Parameters
    ----------
    project
        The project (its accounts and reps).
    plan_units
        The units (and the unit of each account).
    labels
        Territory (row of `base`) of each unit, -1 for none.
    base
        The territories (their ``rep_id``).
    nearest
        Per account, the rep serving it where its territory has none (or it has
        none). None: as the KPI panel has it (`plan_servers`), the accounts of a
        territory without a rep share legs with no home (code -2 - territory),
        and those in none too (-1).

    Returns
    -------
    numpy.ndarray
        Per account, the serving rep's row (or such a code).
    """
    label = plan_units.account_labels(labels)
    reps = territory_reps(project, base)
    server = np.where(label >= 0, reps[np.maximum(label, 0)], -1)
    if nearest is not None:
        return np.where(server >= 0, server, nearest)
    return np.where((label >= 0) & (server < 0), -2 - label, server)


@dataclass(frozen=True)
class Workload:
    """Unit weights on (a blend with) workload, with the legs of one plan.

    Attributes
    ----------
    weights
        Each unit's weight as that plan serves it (what the KPI panel shows for it).
    served
        Units x territories: its weight in each territory, driven from that
        territory's rep's home (where a territory has no rep: `weights`).
    """

    weights: np.ndarray
    served: np.ndarray


def workload_weights(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    base: pd.DataFrame,
    server: np.ndarray,
    *,
    together: np.ndarray | None = None,
) -> Workload:
    """The weights of a plan balanced on (a blend with) workload when `server` serves the accounts.

    Parameters
    ----------
    project
        The project.
    plan_units
        The units.
    shares
        What to balance, as `parse_balance` gives it (with a "workload" share).
    base
        The territories (their ``rep_id``), one column of `Workload.served` each.
    server
        Per account, who serves it now (`serving_reps`, or the KPIs'
        `plan_servers`): the legs between accounts are this plan's.
    together
        Per account, the group that would move with it (e.g. its unit): its leg in
        another territory is then to the nearer of that territory's accounts and
        its group's. None: the leg it has now (design, where whole regions move).

    Returns
    -------
    Workload
        The weights, in shares of the team totals as `account_weights` gives them.
    """
    reference = served_workload(project, server)
    weights = unit_weights(plan_units, account_weights(project, shares, reference))
    others = {key: share for key, share in shares.items() if key != "workload"}
    fixed = account_weights(project, others) if others else np.zeros(len(reference))
    by_rep = workload_by_rep(project, server, together=together)
    by_rep *= shares["workload"] / reference.sum()
    columns = [
        weights if r < 0 else unit_weights(plan_units, fixed + by_rep[:, r])
        for r in territory_reps(project, base).tolist()
    ]
    return Workload(weights, np.column_stack(columns))
