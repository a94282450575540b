"""The default balance target: workload where the calendar can plan most of it, else potential."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from territory_planner.analysis.account_workload import UNPLANNABLE_SHARE, account_workload
from territory_planner.io.project_file import save_project
from territory_planner.model import CRS, TERRITORY_COLUMNS, Project, conform
from territory_planner.plan.default_balance import default_balance, workload_passed_over
from territory_planner.sample_data import field_project
from tests.conftest import run_cli


def _served_by_nearest_rep(project: Project) -> Project:
    """Each account in a territory of the rep living nearest to it (great circle)."""
    acc, reps = project.accounts, project.reps
    lat1, lon1 = np.radians(acc["lat"].to_numpy())[:, None], np.radians(acc["lon"].to_numpy())
    lat2, lon2 = np.radians(reps["lat"].to_numpy())[None, :], np.radians(reps["lon"].to_numpy())
    angle = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2[None, :] - lon1[:, None]) / 2) ** 2
    )
    nearest = np.arcsin(np.sqrt(angle)).argmin(axis=1)
    ids = [f"T{i}" for i in range(len(reps))]
    frame = conform(
        pd.DataFrame({"territory_id": ids, "name": ids, "rep_id": reps["rep_id"]}),
        TERRITORY_COLUMNS,
    )
    project.territories = gpd.GeoDataFrame(frame, geometry=[None] * len(ids), crs=CRS)
    project.accounts["territory_id"] = np.array(ids)[nearest]
    return project


def _said(note: str) -> tuple[int, int, int, int]:
    """Count, share (%), far and all hours from the note."""
    found = re.search(
        r"([\d,]+) accounts beyond a day trip from the nearest rep's home carry (\d+)% of them "
        r"\(([\d,]+) of ([\d,]+) h a year\)",
        note,
    )
    assert found, note
    count, share, far, total = (int(g.replace(",", "")) for g in found.groups())
    return count, share, far, total


def test_workload_is_passed_over_where_most_hours_lie_beyond_a_day_trip() -> None:
    # reps downtown in a few big metros, accounts across the country: most drives are too long
    project = field_project(seed=5, accounts=600, reps=6)
    note = workload_passed_over(project)
    assert default_balance(project) == "potential"
    assert note.startswith("Balancing potential by default, not workload hours")
    count, share, far, total = _said(note)
    # the figures are the KPI panel's, for a plan where each account's nearest rep serves it
    work = account_workload(_served_by_nearest_rep(project))
    hours = work["visit_hours"] + work["drive_hours"]
    assert count == work["beyond_day_trip"].sum() > 0
    assert far == pytest.approx(hours[work["beyond_day_trip"]].sum(), abs=1)
    assert total == pytest.approx(hours.sum(), abs=1)
    assert share == round(100 * far / total) >= 100 * UNPLANNABLE_SHARE

    # without potential, account counts
    project.accounts["potential"] = np.nan
    assert default_balance(project) == "accounts"
    assert workload_passed_over(project).startswith("Balancing accounts by default")


def test_workload_stays_the_default_where_the_calendar_can_plan_it() -> None:
    project = _served_by_nearest_rep(field_project(seed=5, accounts=600, reps=6))
    within = ~account_workload(project)["beyond_day_trip"].to_numpy()
    project.accounts = project.accounts[within].reset_index(drop=True)
    assert default_balance(project) == "workload"
    assert workload_passed_over(project) == ""
    # and unknown without visit frequencies (nothing to pass over)
    project.accounts["visit_frequency"] = ""
    assert default_balance(project) == "potential"
    assert workload_passed_over(project) == ""


def test_the_demo_balances_workload_by_default(demo_project: Project) -> None:
    assert default_balance(demo_project) == "workload"
    assert workload_passed_over(demo_project) == ""


def test_the_cli_says_which_balance_it_chose_and_why(tmp_path: Path) -> None:
    project = field_project(seed=5, accounts=600, reps=6)
    path = tmp_path / "field.gpkg"
    save_project(project, path)
    assert workload_passed_over(project)  # most hours beyond a day trip
    for asked, balance, note in [
        ((), "potential", workload_passed_over(project)),
        (("--balance", "workload"), "workload", ""),  # asked for: nothing to explain
    ]:
        done = run_cli("design", str(path), "--units", "state", "--dry-run", "--json", *asked)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert (data["balance"], data.get("balance_note", "")) == (balance, note)


def test_a_rep_without_a_home_keeps_workload_the_default() -> None:
    """Where a rep starts from is not known, no account is beyond their reach: the share of
    far hours cannot be told, so workload stays the default."""
    project = field_project(seed=5, accounts=600, reps=6)
    project.reps.loc[project.reps.index[0], ["lon", "lat"]] = np.nan
    assert workload_passed_over(project) == ""
    assert default_balance(project) == "workload"
