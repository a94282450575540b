"""The plan operations: design, split, rebalance and the scenario list, applied through a session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from territory_planner.app import plan_operations as ops
from territory_planner.app.session import Session
from territory_planner.model import Project, change_log
from territory_planner.tasks import CancelToken, TaskCancelledError

WHEN = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def _session(project: Project) -> Session:
    return Session(project, clock=lambda: WHEN)


def _last_log(project: Project) -> str:
    return change_log(project)[-1][1]


def _held(accounts: pd.DataFrame) -> pd.Series:
    return accounts.set_index("account_id")["territory_id"].fillna("")


def test_design_keeps_a_new_scenario_and_leaves_the_plan_in_use(fresh_demo: Project) -> None:
    project = fresh_demo
    before = _held(project.accounts)
    params = ops.DesignParams(kind="state", balance="accounts", k=3, use_homes=False, name="Thirds")
    made = ops.design(project, params)
    assert project.scenarios == []  # the operation itself changes nothing
    _session(project).run(made)
    assert project.scenario_names() == ["Current plan", "Thirds"]
    kept = project.scenario("Thirds")
    assert len(kept.territories) == 3
    counts = kept.assignment["territory_id"].value_counts()
    assert counts.sum() == len(project.accounts)  # every account placed in the new plan
    assert counts.max() - counts.min() <= 0.3 * counts.mean() + 1
    pd.testing.assert_series_equal(_held(project.accounts), before)  # the plan in use as it was
    assert _last_log(project).startswith("Added scenario 'Thirds'")
    again = ops.design(project, params)  # a taken name is numbered
    assert again.found.scenario.name == "Thirds (2)"
    project.scenarios.append(project.snapshot("Thirds (2)"))  # taken meanwhile
    assert ops.keep_scenario(project, again.found.scenario).edit.label == (
        "New scenario 'Thirds (2) (2)'"
    )


def test_rebalance_then_use_brings_the_plan_within_the_band(fresh_demo: Project) -> None:
    project = fresh_demo
    before = _held(project.accounts)
    params = ops.ChangeParams(  # (the demo's metros lie beyond each other's day trips)
        kind="county", balance="accounts", tolerance=0.1, name="Even", reach=False
    )
    made = ops.rebalance(project, params)
    session = _session(project)
    session.run(made)
    assert _last_log(project).startswith("Added scenario 'Even'")
    session.run(ops.use_scenario(project, "Even"))
    assert _last_log(project) == "Switched from scenario 'Current plan' to 'Even'"
    after = _held(project.accounts)
    moved = set(after.index[after != before.reindex(after.index)])
    assert moved == set(made.found.moves["account_id"])  # the move list is what moved
    counts = after[after != ""].value_counts()
    assert (counts / counts.mean() - 1).abs().max() <= 0.1 + 1e-9


def test_split_carves_a_new_territory_from_its_source_only(fresh_demo: Project) -> None:
    project = fresh_demo
    source = str(project.territories["territory_id"].iloc[0])
    params = ops.ChangeParams(
        kind="county", balance="accounts", tolerance=0.2, sources=(source,),
        territory_name="New one", name="Hire",
    )  # fmt: skip
    made = ops.split(project, params)
    _session(project).run(made)
    assert _last_log(project).startswith("Added scenario 'Hire'")
    plan = project.scenario("Hire")
    assert len(plan.territories) == len(project.territories) + 1
    new_id = plan.territories.loc[plan.territories["name"] == "New one", "territory_id"].item()
    before = _held(project.accounts)
    after = _held(plan.assignment).reindex(before.index)
    changed = after != before
    assert changed.sum() == len(made.found.moves) > 0
    assert set(before[changed]) == {source}  # taken from the source territory only
    assert set(after[changed]) == {new_id}


def test_scenario_list_operations_through_a_session(fresh_demo: Project) -> None:
    project = fresh_demo
    session = _session(project)
    session.run(ops.copy_plan(project, "Backup"))
    assert project.scenario("Backup").note == "copy of 'Current plan'"
    session.run(ops.rename_scenario(project, "Backup", "Spare"))
    assert project.scenario_names() == ["Current plan", "Spare"]
    session.run(ops.delete_scenario(project, "Spare"))
    assert project.scenario_names() == ["Current plan"]
    texts = [text for _, text in change_log(project)]
    assert len(texts) == 3
    assert "Backup" in texts[0]
    assert "Spare" in texts[1]
    assert "Spare" in texts[2]
    with pytest.raises(KeyError):
        ops.use_scenario(project, "Spare")


LONG: list[tuple[str, Callable[..., Any], Any]] = [
    ("design", ops.design, ops.DesignParams(kind="state", balance="accounts", k=3)),
    ("rebalance", ops.rebalance, ops.ChangeParams(kind="county", balance="accounts")),
    ("split", ops.split, ops.ChangeParams(kind="county", sources=("T01",))),
]


@pytest.mark.parametrize(("name", "run", "params"), LONG, ids=[n for n, _, _ in LONG])
def test_a_cancelled_plan_operation_raises_and_changes_nothing(
    fresh_demo: Project, name: str, run: Callable[..., Any], params: Any
) -> None:
    project = fresh_demo
    accounts, territories = project.accounts.copy(), project.territories.copy()
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        run(project, params, cancel=token)
    assert project.scenarios == []
    pd.testing.assert_frame_equal(project.accounts, accounts)
    pd.testing.assert_frame_equal(project.territories, territories)
    assert change_log(project) == []
