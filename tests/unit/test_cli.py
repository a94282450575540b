"""The command line: JSON output, exit codes, messages on stderr."""

from __future__ import annotations

import csv
import json

import pytest

from territory_planner.cli import main
from territory_planner.io.project_file import load_project
from tests.conftest import run_cli


def test_demo_end_to_end(tmp_path) -> None:
    out = tmp_path / "x.gpkg"
    result = run_cli("demo", str(out), "--accounts", "120", "--reps", "3", "--seed", "5", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["accounts"] == 120
    assert data["reps"] == 3
    assert data["territories"] == 3
    project = load_project(out)
    assert len(project.accounts) == 120
    assert data["unassigned"] == project.summary().unassigned


def test_check_and_export(tmp_path, demo_file, capsys) -> None:
    assert main(["check", str(demo_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["accounts"] == 300
    assert data["problems"] == []
    csv_path, geojson_path = tmp_path / "a.csv", tmp_path / "t.geojson"
    assert (
        main(
            [
                "export",
                str(demo_file),
                "--csv",
                str(csv_path),
                "--geojson",
                str(geojson_path),
                "--json",
            ]
        )
        == 0
    )
    written = json.loads(capsys.readouterr().out)
    assert written["csv"]["rows"] == 300
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert len(rows) == 300
    assert {"territory", "rep", "account_id"} <= set(rows[0])
    features = json.loads(geojson_path.read_text())["features"]
    assert len(features) == 4
    assert sum(f["properties"]["accounts"] for f in features) == sum(
        1 for r in rows if r["territory"]
    )


def test_export_neutralises_formulas(tmp_path, fresh_demo) -> None:
    from territory_planner.io.export import export_accounts_csv

    fresh_demo.accounts.loc[0, "name"] = '=HYPERLINK("http://x")'
    fresh_demo.accounts.loc[1, "name"] = "+1-555"
    export_accounts_csv(fresh_demo, tmp_path / "a.csv")
    rows = list(csv.DictReader((tmp_path / "a.csv").open(encoding="utf-8")))
    assert rows[0]["name"].startswith("'=")
    assert rows[1]["name"] == "'+1-555"


def test_bad_input_exits_1_with_the_file_named(tmp_path) -> None:
    bad = tmp_path / "notes.gpkg"
    bad.write_text("hello")
    result = run_cli("check", str(bad))
    assert result.returncode == 1
    assert "notes.gpkg" in result.stderr
    assert "not a GeoPackage" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate", "x.gpkg"],
        ["demo"],
        ["demo", "x.gpkg", "--accounts", "many"],
        ["export", "x.gpkg"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_demo_argument_errors_exit_1(tmp_path, capsys) -> None:
    assert main(["demo", str(tmp_path / "x.gpkg"), "--reps", "99"]) == 1
    assert "--reps must be between 1 and 16" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists()
