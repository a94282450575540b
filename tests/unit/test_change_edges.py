"""Rebalance and New Hire on awkward input (found by a review helper trying hostile files)."""

from __future__ import annotations

import numpy as np
import pytest

from territory_planner.demo import make_demo
from territory_planner.plan.plan_changes import rebalance_project
from territory_planner.plan.split_project import split_project
from tests.conftest import SMALL_DEMO


@pytest.mark.parametrize("split", [False, True])
def test_accounts_without_a_position_keep_their_territory(split: bool) -> None:
    # they lie in no unit: the change cannot move them (they went to "(none)")
    project = make_demo(**SMALL_DEMO)
    rows = np.arange(0, len(project.accounts), 25)
    project.accounts.loc[project.accounts.index[rows], ["lon", "lat"]] = np.nan
    held = project.accounts["territory_id"].iloc[rows]
    assert held.notna().all()  # (each had a territory)
    if split:
        source = str(project.territories["territory_id"].iloc[0])
        change = split_project(project, [source], balance="accounts", tolerance=0.2)
    else:
        change = rebalance_project(project, balance="accounts", tolerance=0.02, reach=False)
    assert len(change.moves)  # (the change moved other accounts)
    after = change.scenario.assignment.set_index("account_id")["territory_id"]
    ids = project.accounts["account_id"].iloc[rows]
    assert after.reindex(ids).tolist() == held.tolist()
    assert not change.moves["account_id"].isin(ids).any()
    assert (change.moves["to"] != "(none)").all()
