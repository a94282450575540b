"""The command line for actuals: import-actuals, performance, upsell (end to end)."""

from __future__ import annotations

import json

import pytest

from territory_planner.cli import main
from territory_planner.io.project_file import load_project, save_project
from tests.conftest import run_cli
from tests.unit.actuals_fixture import ACTUALS_CSV, make_project


@pytest.fixture
def files(tmp_path):
    project = tmp_path / "plan.gpkg"
    save_project(make_project(), project)
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(ACTUALS_CSV + "ZZ9,2026-01,100,,\nA1,2026-13,100,,\n", encoding="utf-8")
    return project, actuals


def test_import_then_performance_end_to_end(files) -> None:
    project, actuals = files
    result = run_cli("import-actuals", str(project), str(actuals), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows"] == 20
    assert data["imported"] == 18
    assert data["added"] == 17  # A1's two March rows are one period
    assert data["project_rows"] == 17
    assert data["rejected"] == [
        {
            "row": 20,
            "column": "Account ID",
            "reason": "account 'ZZ9' is not in the project; correct the ID, or import the "
            "account first (territory-planner import)",
        },
        {
            "row": 21,
            "column": "Month",
            "reason": "'2026-13' is not a period; give a month such as 2026-03, a quarter such "
            "as 2026Q1, or a date such as 2026-03-15",
        },
    ]
    assert len(load_project(project).actuals) == 17  # saved

    result = run_cli(
        "performance", str(project), "--as-of", "2026-03-31",
        "--goal", "calls=100", "--goal", "territory:North:meetings=40", "--goal", "rep:Bob:calls=50",
        "--threshold", "potential_per_rep_above=150000", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-03-31"
    assert data["elapsed"] == round(90 / 365, 6)
    assert data["saved"] is True
    assert data["goals"] == {
        "default": {"calls": 100.0},
        "territories": {"T1": {"meetings": 40.0}},
        "reps": {"R2": {"calls": 50.0}},
    }
    north, south = data["territories"]
    assert (north["name"], north["rep"], south["name"]) == ("North", "Ann", "South")
    # North: 25,000 sold to date against 120,000 x 90/365 = 29,589.04.
    assert north["sales_to_date"] == 25_000
    assert north["quota_to_date"] == round(120_000 * 90 / 365, 4)
    assert north["attainment_to_date"] == round(25_000 * 365 / (120_000 * 90), 4)  # 0.8449
    assert north["run_rate"] == round(25_000 * 365 / 90, 4)
    assert north["yoy_change"] == round(25_000 / 30_000 - 1, 4)
    assert (north["customers"], north["lost"], north["retention"]) == (2, 1, round(2 / 3, 4))
    assert north["calls"] == 22
    assert north["emails"] is None  # no email data
    # South: 6,500 against 60,000 x 90/365.
    assert south["attainment_to_date"] == round(6_500 * 365 / (60_000 * 90), 4)  # 0.4394
    assert data["unassigned_sales"] == 500
    assert [r["rep"] for r in data["reps"]] == ["Ann", "Bob"]
    assert data["reps"][1]["calls_goal"] == 50
    kinds = {(a["name"], a["kind"]) for a in data["alerts"]}
    assert ("South", "attainment_below") in kinds
    assert ("Ann", "potential_per_rep_above") in kinds
    assert ("North", "attainment_below") not in kinds  # 84% >= 80%
    assert data["thresholds"]["potential_per_rep_above"] == 150_000
    # Goals and thresholds were saved: a second run without them sees them.
    assert main(["performance", str(project), "--as-of", "2026-03-31", "--json"]) == 0


def test_upsell_end_to_end(files, tmp_path, capsys) -> None:
    project, _ = files
    out = tmp_path / "upsell.xlsx"
    code = main(["upsell", str(project), "--min-gap", "20000", "--xlsx", str(out), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["listed"] == 3
    assert [(a["territory"], a["rank"], a["account_id"], a["gap"]) for a in data["accounts"]] == [
        ("North", 1, "A1", 80_000),
        ("North", 2, "A3", 30_000),
        ("South", 1, "A4", 70_000),
    ]
    assert [(t["territory"], t["accounts"], t["gap"]) for t in data["territories"]] == [
        ("North", 2, 110_000),
        ("South", 1, 70_000),
    ]
    assert data["xlsx"] == str(out)
    from openpyxl import load_workbook

    sheet = load_workbook(out)["Upsell"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("territory_id", "territory", "rep", "rank", "account_id")
    assert [r[4] for r in rows[1:]] == ["A1", "A3", "A4"]

    assert main(["upsell", str(project), "--territory", "South", "--json"]) == 0
    assert [a["account_id"] for a in json.loads(capsys.readouterr().out)["accounts"]] == ["A4"]


def test_command_line_mistakes(files, tmp_path, capsys) -> None:
    project, actuals = files
    result = run_cli("performance", str(project), "--as-of", "31/03/2026", "--json")
    assert result.returncode == 2
    assert "--as-of 31/03/2026: give a date as YYYY-MM-DD" in result.stderr
    assert main(["performance", str(project), "--goal", "territory:Nowhere:calls=5"]) == 1
    assert "there is no territory 'Nowhere'; the territories are: North, South" in (
        capsys.readouterr().err
    )
    assert main(["performance", str(project), "--threshold", "speed=3"]) == 1
    assert "there is no threshold 'speed'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["performance", str(project), "--goal", "calls=many"])
    assert stop.value.code == 2
    missing = tmp_path / "missing.gpkg"
    assert main(["import-actuals", str(missing), str(actuals)]) == 1
    assert "file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("Account ID,Notes\nA1,x\n", encoding="utf-8")
    assert main(["import-actuals", str(project), str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "--column period=HEADER" in err


def test_map_and_column_choose_headers(files, tmp_path, capsys) -> None:
    project, _ = files
    odd = tmp_path / "odd.csv"
    odd.write_text("Cust;Per;Amt\nA1;2026-01;1.234,50\n", encoding="utf-8")
    code = main(
        ["import-actuals", str(project), str(odd), "--map", "Cust=account_id",
         "--map", "Per=period", "--column", "sales=Amt", "--json"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mapping"] == {"account_id": "Cust", "period": "Per", "sales": "Amt"}
    assert data["delimiter"] == ";"
    assert load_project(project).actuals["sales"].tolist() == [1234.5]
