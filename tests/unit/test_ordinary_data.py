"""Ordinary data that used to crash or corrupt an import (issue 15): every case is
something a CRM export or a hand-edited roster holds, checked through the CLI and
in the saved project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from territory_planner.cli import main
from territory_planner.io.project_file import load_project

DATA = Path(__file__).parents[1] / "data" / "import"  # made by make_fixtures.py


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_fractional_minutes_and_huge_counts(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.gpkg"
    report = cli_json(capsys, "import", str(project), str(DATA / "fractional_minutes.csv"))
    warned = {(w["row"], w["column"]) for w in report["warnings"]}
    assert warned == {(3, "employees"), (4, "employees")}
    accounts = load_project(project).accounts.set_index("account_id")
    assert accounts["visit_minutes"].to_dict() == {"A1": 46, "A2": 1, "A3": 30}
    assert accounts.loc["A1", "employees"] == 10
    assert accounts[["employees"]].loc[["A2", "A3"]].isna().all().all()


def import_actuals(tmp_path: Path, capsys, accounts: str, actuals: str) -> tuple[Path, dict]:
    """A project of the accounts of one file, then the actuals of another imported."""
    project = tmp_path / "p.gpkg"
    cli_json(capsys, "import", str(project), str(DATA / accounts))
    return project, cli_json(capsys, "import-actuals", str(project), str(DATA / actuals))


def test_huge_activity_counts_reject_their_row_with_the_reason(tmp_path: Path, capsys) -> None:
    project, report = import_actuals(tmp_path, capsys, "one_account.csv", "actuals_huge_calls.csv")
    [rejected] = report["rejected"]
    assert (rejected["row"], rejected["column"]) == (2, "calls")
    assert "is more than 10^15" in rejected["reason"]
    saved = load_project(project).actuals
    assert saved["sales"].tolist() == [50]
    assert saved["calls"].tolist() == [3]


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("notes_twice.csv", {"Notes": "x", "NOTES (imported)": "y"}),
        ("geocode_header.csv", {"Geocode (imported)": "x"}),
    ],
)
def test_custom_headers_that_collide_import_again_and_again(
    tmp_path: Path, capsys, name: str, stored: dict[str, str]
) -> None:
    project = tmp_path / "p.gpkg"
    for _run in range(3):
        report = cli_json(capsys, "import", str(project), str(DATA / name))
        assert report["custom_columns"] == list(stored)
    accounts = load_project(project).accounts
    assert accounts["name"].tolist() == ["Acme"]
    for column, value in stored.items():
        assert accounts[column].tolist() == [value]


def test_mixed_encodings_and_nul_are_read_per_row(tmp_path: Path, capsys) -> None:
    """UTF-8 throughout but one Windows-1252 row past the encoding sample, and a NUL."""
    path = DATA / "late_cp1252_and_nul.csv"
    assert path.stat().st_size > 256 * 1024
    project = tmp_path / "p.gpkg"
    report = cli_json(capsys, "import", str(project), str(path))
    assert report["encoding"] == "utf-8"
    messages = {w["row"]: w["message"] for w in report["warnings"]}
    assert set(messages) == {20002, 20003}
    assert "Windows-1252" in messages[20002]
    assert "NUL" in messages[20003]
    names = load_project(project).accounts.set_index("account_id")["name"]
    assert names["A1"] == "Café 1"
    assert names["A20000"] == "Café 20000"
    assert names["B1"] == "José Inc"
    assert names["B2"] == "Ok Corp"
    assert names["B3"] == "Two\nlines é"


def test_roster_without_home_columns_keeps_the_homes(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.gpkg"
    cli_json(capsys, "reps", str(project), str(DATA / "reps_with_homes.csv"))
    before = load_project(project).reps.set_index("rep_id")
    report = cli_json(capsys, "reps", str(project), str(DATA / "reps_emails_only.csv"))
    assert (report["added"], report["updated"]) == (1, 1)
    reps = load_project(project).reps.set_index("rep_id")
    assert reps.loc["R1", "name"] == "Ann Lee"
    assert reps.loc["R1", "email"] == "ann@example.com"
    for column in ("home_zip", "lon", "lat", "weekly_capacity_hours", "work_days"):
        assert reps.loc["R1", column] == before.loc["R1", column], column
    assert reps.loc["R2", "home_zip"] == "10001"
    assert reps.loc["R3", "lon"] != reps.loc["R3", "lon"]  # no home given: NaN, not R1's
    cli_json(capsys, "reps", str(project), str(DATA / "reps_moved_home.csv"))
    reps = load_project(project).reps.set_index("rep_id")
    assert reps.loc["R1", "home_zip"] == "10001"
    assert reps.loc["R1", "lat"] == pytest.approx(before.loc["R2", "lat"], abs=0.05)
    assert reps.loc["R1", "work_days"] == before.loc["R1", "work_days"] == "Mon,Tue,Wed,Thu"


def test_latitude_91_is_out_of_range_not_a_swap(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.gpkg"
    report = cli_json(capsys, "import", str(project), str(DATA / "latitude_91.csv"))
    assert report["swapped_rows"] == [3]
    warned = {w["row"]: w["message"] for w in report["warnings"]}
    assert "out of range" in warned[2]
    accounts = load_project(project).accounts.set_index("account_id")
    assert accounts.loc["A1", "geocode"] == "zip"  # placed by its ZIP in Chicago
    assert 41 < accounts.loc["A1", "lat"] < 43
    assert (accounts.loc["A2", "lat"], accounts.loc["A2", "lon"]) == (37.7749, -122.4194)


def test_huge_sales_are_row_errors_and_json_stays_valid(tmp_path: Path, capsys) -> None:
    project, report = import_actuals(tmp_path, capsys, "two_accounts.csv", "actuals_huge_sales.csv")
    assert [(r["row"], r["column"]) for r in report["rejected"]] == [(2, "sales"), (3, "sales")]
    assert "more than 10^15" in report["rejected"][0]["reason"]
    capsys.readouterr()
    assert main(["performance", str(project), "--json"]) == 0
    text = capsys.readouterr().out
    assert "Infinity" not in text
    assert "NaN" not in text
    json.loads(text)  # strict: the standard library accepts only what it writes


def test_json_output_turns_non_finite_numbers_into_null() -> None:
    from territory_planner.cli import _finite

    value = {"a": [float("inf"), 1.5, float("nan")], "b": (float("-inf"),), "c": "x"}
    assert json.dumps(_finite(value), allow_nan=False) == (
        '{"a": [null, 1.5, null], "b": [null], "c": "x"}'
    )


def test_accounts_placed_by_zip_get_its_city_and_state(tmp_path: Path, capsys) -> None:
    from territory_planner.geo.geocode import zip_places

    project = tmp_path / "p.gpkg"
    cli_json(capsys, "import", str(project), str(DATA / "zip_only_accounts.csv"))
    accounts = load_project(project).accounts.set_index("account_id")
    places = zip_places()
    for account, code in (("Z1", "60601"), ("Z2", "02134")):  # 2134: its leading zero lost
        assert accounts.loc[account, "zip"] == code
        assert (accounts.loc[account, "city"], accounts.loc[account, "state"]) == places[code]
    assert accounts.loc["Z3", "city"] == "Manhattan"  # a city that is given is kept
    assert accounts.loc["Z3", "state"] == places["10001"][1]
