"""The command line: JSON output, exit codes, messages on stderr."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from territory_planner.cli import main
from territory_planner.io.project_file import load_project
from tests.conftest import run_cli

DATA = Path(__file__).parents[1] / "data" / "import"


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


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["export"], "--csv"),
        (["export"], "--xlsx"),
        (["export"], "--accounts-geojson"),
        (["export"], "--geojson"),
        (["export"], "--territories-csv"),
        (["export"], "--shp"),
        (["import", "accounts.csv"], "--report"),
        (["import-actuals", "actuals.csv"], "--report"),
        (["schedule"], "--xlsx"),
        (["schedule"], "--ics"),
        (["rebalance"], "--xlsx"),
        (["split", "--from", "T1"], "--xlsx"),
        (["upsell"], "--xlsx"),
        (["whitespace"], "--xlsx"),
        (["heatmap"], "--geojson"),
    ],
)
def test_no_output_is_written_over_the_project(
    tmp_path, demo_file, capsys, command: list[str], option: str
) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    before = project.read_bytes()
    args = [command[0], str(project), *command[1:], option, str(project), "--json"]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: {project}: {option} names the project file itself; writing there would "
        "destroy the project. Choose another file name\n"
    )
    assert project.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.gpkg"]


def test_the_project_is_recognised_under_another_name(tmp_path, demo_file, capsys) -> None:
    """Through a symbolic link, a relative path or `..`: still the project file."""
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    before = project.read_bytes()
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.gpkg"
    link.symlink_to(project)
    for other in (link, tmp_path / "sub" / ".." / "p.gpkg"):
        assert main(["export", str(project), "--csv", str(other)]) == 1
        assert "names the project file itself" in capsys.readouterr().err
    assert project.read_bytes() == before
    assert link.is_symlink()


def test_a_new_project_is_not_written_over_either(tmp_path, capsys) -> None:
    new = tmp_path / "new.gpkg"
    args = ["import", str(new), str(DATA / "crm_headers.csv"), "--report", str(new)]
    assert main(args) == 1
    assert "--report names the project file itself" in capsys.readouterr().err
    assert not new.exists()


def test_export_over_the_project_exits_1_end_to_end(tmp_path, demo_file) -> None:
    """The command of issue 15, as a user types it."""
    project = tmp_path / "P.gpkg"
    shutil.copy(demo_file, project)
    before = project.read_bytes()
    result = run_cli("export", str(project), "--csv", str(project))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {project}: --csv names the project file itself")
    assert project.read_bytes() == before
    assert len(load_project(project).accounts) == 300


def test_check_says_what_is_missing_and_who_has_no_territory(tmp_path, capsys) -> None:
    from territory_planner.demo import make_demo
    from territory_planner.io.project_file import save_project

    project = make_demo(accounts=200, reps=3, seed=1)
    project.accounts["potential"] = np.nan  # a CRM export without a potential column
    project.accounts.loc[project.accounts.index[:50], "visit_frequency"] = None
    project.accounts.loc[project.accounts.index[:84], "annual_revenue"] = np.nan
    project.territories.loc[project.territories.index[0], "rep_id"] = None
    project.accounts.loc[project.accounts.index[-1], ["lat", "lon"]] = (0.0, 0.0)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    assert main(["check", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["potential"] is None  # unknown, not 0
    assert data["revenue"] > 0
    missing = " ".join(data["missing data"])
    assert "no account has a potential" in missing
    assert "50 of 200 accounts have no visit frequency: counted as monthly" in missing
    assert "84 of 200 accounts have no revenue: counted as 0 in totals and in plans" in missing
    idle = project.reps["name"][~project.reps["rep_id"].isin(project.territories["rep_id"])]
    assert len(idle) == 1
    assert f"1 rep has no territory: {idle.iloc[0]}" in data["problems"]
    assert any(p.startswith("1 account sits at 0, 0") for p in data["problems"])
    assert main(["check", str(path)]) == 0
    assert "potential: —" in capsys.readouterr().out.splitlines()


def test_design_says_how_many_accounts_lack_what_it_balances(fresh_demo) -> None:
    from territory_planner.plan.project_design import design_project

    project = fresh_demo
    missing = project.accounts.index[: len(project.accounts) * 2 // 5]
    project.accounts.loc[missing, "potential"] = np.nan
    said = f"{len(missing):,} of {len(project.accounts):,} accounts have no potential: counted as 0"
    on_potential = design_project(project, kind="state", balance="potential", tolerance=0.2)
    assert any(v.startswith(said) for v in on_potential.result.violations)
    on_accounts = design_project(project, kind="state", balance="accounts", tolerance=0.2)
    assert not any("have no potential" in v for v in on_accounts.result.violations)


def test_text_output_lists_records_one_a_line_the_first_twenty(tmp_path, capsys) -> None:
    from territory_planner.demo import make_demo
    from territory_planner.io.project_file import save_project

    path = tmp_path / "p.gpkg"
    save_project(make_demo(accounts=600, reps=4, seed=1), path)
    args = ["rebalance", str(path), "--balance", "potential", "--tolerance", "0.01", "--dry-run",
            "--allow-far"]  # fmt: skip
    assert main([*args, "--json"]) == 0
    moves = json.loads(capsys.readouterr().out)["moves"]
    assert len(moves) > 20  # (enough to be cut short in text)
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index(f"moves: {len(moves):,}")
    shown = lines[at + 1 : at + 21]
    assert [line.split(", ")[0] for line in shown] == [
        f"  account_id {m['account_id']}" for m in moves[:20]
    ]
    assert lines[at + 21] == f"  ... and {len(moves) - 20:,} more (--json, or --xlsx where offered)"
