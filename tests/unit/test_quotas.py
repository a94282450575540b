"""Quotas: the team target split by potential and history, hand-set quotas kept, undoable."""

from __future__ import annotations

import numpy as np
import pytest

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import QuotaPlan, quotas, territory_kpis
from territory_planner.edits import ChangeSettings, set_quota
from territory_planner.model import Project


def totals(project: Project, column: str) -> np.ndarray:
    ids = project.territories["territory_id"]
    by = project.accounts.groupby("territory_id")[column].sum()
    return by.reindex(ids).fillna(0).to_numpy()


def test_blend_of_potential_and_history(fresh_demo: Project) -> None:
    plan = QuotaPlan(team_target=10_000_000.0, potential_weight=0.6)
    result = quotas(fresh_demo, plan).to_numpy()
    potential, history = totals(fresh_demo, "potential"), totals(fresh_demo, "last_year_sales")
    expected = 10_000_000 * (0.6 * potential / potential.sum() + 0.4 * history / history.sum())
    assert result == pytest.approx(expected)
    assert result.sum() == pytest.approx(10_000_000)
    by_potential = quotas(fresh_demo, QuotaPlan(team_target=1.0, potential_weight=1.0))
    assert by_potential.to_numpy() == pytest.approx(potential / potential.sum())


def test_default_target_is_last_year_grown(fresh_demo: Project) -> None:
    plan = QuotaPlan(growth=0.1)
    grown = fresh_demo.accounts["last_year_sales"].sum() * 1.1
    assert quotas(fresh_demo, plan).sum() == pytest.approx(grown)


def test_hand_set_quota_is_kept_and_the_rest_shared(fresh_demo: Project) -> None:
    fresh_demo.settings.update(
        QuotaPlan(team_target=8_000_000.0, potential_weight=1.0).as_settings()
    )
    before = quotas(fresh_demo)
    edit = set_quota(fresh_demo, "T01", "$2.5M")
    edit.apply(fresh_demo)
    after = quotas(fresh_demo)
    assert after["T01"] == 2_500_000
    assert after.sum() == pytest.approx(8_000_000)
    others = after.drop("T01")
    # the others keep their proportions to each other
    assert (others / others.sum()).to_numpy() == pytest.approx(
        (before.drop("T01") / before.drop("T01").sum()).to_numpy()
    )
    assert territory_kpis(fresh_demo).set_index("territory_id").loc["T01", "quota"] == 2_500_000
    edit.revert(fresh_demo)
    assert quotas(fresh_demo).to_numpy() == pytest.approx(before.to_numpy())
    blank = set_quota(fresh_demo, "T02", "1000")
    blank.apply(fresh_demo)
    set_quota(fresh_demo, "T02", "").apply(fresh_demo)
    assert np.isnan(fresh_demo.territories["quota"].iloc[1])
    with pytest.raises(InputError, match="not an amount"):
        set_quota(fresh_demo, "T01", "lots")


def test_plan_round_trips_through_settings_and_undo(fresh_demo: Project) -> None:
    plan = QuotaPlan(team_target=5e6, potential_weight=0.25, growth=0.02)
    assert QuotaPlan.from_settings(plan.as_settings()) == plan
    assert QuotaPlan.from_settings({}) == QuotaPlan()
    edit = ChangeSettings(fresh_demo, plan.as_settings(), "Quota plan")
    edit.apply(fresh_demo)
    assert quotas(fresh_demo).sum() == pytest.approx(5e6)
    edit.revert(fresh_demo)
    assert "quota_target" not in fresh_demo.settings


def test_alerts_name_every_metric_outside_the_band(fresh_demo: Project) -> None:
    from territory_planner.analysis.metrics import balance_alerts

    kpis = territory_kpis(fresh_demo)
    alerts = balance_alerts(kpis, 0.05)
    for row in kpis.to_dict("records"):
        text = " ".join(a.text for a in alerts if a.territory_id == row["territory_id"])
        off = abs(row["workload_hours_vs_mean"]) > 0.05
        assert (f"workload hours {row['workload_hours_vs_mean']:+.0%}" in text) == off
        assert ("separate parts" in text) == (row["parts"] > 1)
    assert len(balance_alerts(kpis, 10.0)) < len(alerts)
