"""The read-only operations (visit calendar, exports) and the settings ones (quotas, band)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from territory_planner.analysis.metrics import QuotaPlan, balance_tolerance, territory_kpis
from territory_planner.app.operations import set_balance_band, set_quotas
from territory_planner.app.output_operations import (
    TABLE_EXPORTS,
    CalendarParams,
    export_shapefiles,
    export_table,
    visit_calendar,
    write_calendars,
)
from territory_planner.app.session import Session
from territory_planner.model import Project, change_log
from territory_planner.tasks import CancelToken, TaskCancelledError

WHEN = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


def test_a_visit_calendar_plans_the_reps_own_accounts_around_days_off(
    demo_project: Project, tmp_path: Path
) -> None:
    project = demo_project
    rep = str(project.territories["rep_id"].iloc[0])
    territory = str(project.territories["territory_id"].iloc[0])
    params = CalendarParams(rep, 1, start=date(2026, 11, 30), days_off=(date(2026, 12, 2),))
    plan = visit_calendar(project, params)
    assert plan["rep_id"] == rep
    dates = [day["date"] for day in plan["days"]]
    assert dates == ["2026-11-30", "2026-12-01", "2026-12-03", "2026-12-04"]
    visited = {v["account_id"] for day in plan["days"] for v in day["visits"]}
    held = project.accounts.set_index("account_id")["territory_id"]
    assert visited
    assert set(held.loc[list(visited)]) == {territory}
    assert plan["totals"]["visits"] == sum(len(day["visits"]) for day in plan["days"])
    written = write_calendars([plan], xlsx=tmp_path / "c.xlsx", ics=tmp_path / "ics")
    assert Path(written["xlsx"]).exists()
    assert len(openpyxl.load_workbook(written["xlsx"]).sheetnames) >= 2  # summary + the rep
    assert len(written["ics"]) == 1
    ics = Path(written["ics"][0]).read_text(encoding="utf-8")
    assert ics.count("BEGIN:VEVENT") == plan["totals"]["visits"]


def test_a_cancelled_calendar_raises(fresh_demo: Project) -> None:
    project = fresh_demo
    accounts = project.accounts.copy()
    token = CancelToken()
    token.cancel()
    rep = str(project.territories["rep_id"].iloc[0])
    with pytest.raises(TaskCancelledError):
        visit_calendar(project, CalendarParams(rep, 1), cancel=token)
    pd.testing.assert_frame_equal(project.accounts, accounts)


def test_every_table_export_writes_what_it_counts(demo_project: Project, tmp_path: Path) -> None:
    project = demo_project
    suffix = {"xlsx": "xlsx", "accounts_geojson": "geojson", "geojson": "geojson"}
    for kind in TABLE_EXPORTS:
        target = tmp_path / f"{kind}.{suffix.get(kind, 'csv')}"
        count = export_table(project, kind, target)
        if target.suffix == ".csv":
            with target.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.reader(f))
            assert count == len(rows) - 1, kind  # the header and a row per count
        elif target.suffix == ".geojson":
            assert count == len(json.loads(target.read_text(encoding="utf-8"))["features"])
        else:
            assert count == openpyxl.load_workbook(target).active.max_row - 1
    assert export_table(project, "csv", tmp_path / "a.csv") == len(project.accounts)
    assert export_table(project, "geojson", tmp_path / "t.geojson") == len(project.territories)
    counts = export_shapefiles(project, tmp_path / "shp")
    assert counts == {"accounts": len(project.accounts), "territories": len(project.territories)}
    assert (tmp_path / "shp" / "territories.shp").exists()


def test_quotas_and_the_balance_band_are_one_logged_setting_each(fresh_demo: Project) -> None:
    project = fresh_demo
    session = Session(project, clock=lambda: WHEN)
    quotas = set_quotas(project, QuotaPlan(team_target=9_000_000, potential_weight=1.0))
    assert quotas.summary == {"target": 9_000_000}
    session.run(quotas)
    kpis = territory_kpis(project)
    assert kpis["quota"].sum() == pytest.approx(9_000_000)
    share = kpis["potential"] / kpis["potential"].sum()
    assert (kpis["quota"] / 9_000_000).to_numpy() == pytest.approx(share.to_numpy())
    assert change_log(project)[-1][1] == (
        "Quotas: team target $9,000,000, split 100% by potential, 0% by last year's sales"
    )
    session.run(set_balance_band(project, 0.08))
    assert balance_tolerance(project) == pytest.approx(0.08)
    assert change_log(project)[-1][1] == "Balance band set to ±8.0%"
