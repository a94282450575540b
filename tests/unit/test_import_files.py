"""Every fixture in tests/data/import gives the expected accounts, rejections and warnings.

The fixtures are made by tests/data/import/make_fixtures.py. `CASES` is also
used by the UI test of the import wizard (tests/ui/test_import_wizard.py),
so its shape stays: file -> (imported, [(row, reason words)],
[(row, warning words)], geocoded counts). Files the importer gets wrong
today are tested at the end, marked ``xfail(strict=True)`` with the bug.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from territory_planner._errors import InputError
from territory_planner.app.operations import accounts_after_import
from territory_planner.cli import main as cli_main
from territory_planner.edits import edit_rep
from territory_planner.io.account_import import read_accounts
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.rep_import import read_reps
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, TaskCancelledError
from tests.conftest import run_cli

DATA = Path(__file__).resolve().parents[1] / "data" / "import"

# file -> (imported, [(row, reason words)], [(row, warning words)], geocoded by zip/exact/city/unplaced)
CASES = {
    "utf8.csv": (3, [], [], {"zip": 3}),
    "utf8_bom.csv": (3, [], [], {"zip": 3}),
    "latin1.csv": (2, [], [], {"zip": 2}),
    "utf16_tab.txt": (3, [], [], {"zip": 3}),
    "utf16_be.txt": (3, [], [], {"zip": 3}),
    "german_headers.csv": (2, [], [], {"zip": 2}),
    "semicolon_eu.csv": (2, [], [], {"zip": 2}),
    "tab.tsv": (3, [], [], {"zip": 3}),
    "pipe.txt": (3, [], [], {"zip": 3}),
    "quoted_newlines.csv": (3, [(5, "missing account name")], [], {"zip": 3}),
    "crlf_quoted.csv": (3, [], [], {"zip": 3}),
    "blank_header.csv": (2, [], [], {"zip": 2}),
    "duplicate_headers.csv": (1, [], [], {"zip": 1}),
    "trailing_delimiter.csv": (2, [], [], {"zip": 2}),
    "empty_rows.csv": (3, [(3, "empty row"), (4, "empty row"), (6, "empty row")], [], {"zip": 3}),
    "trailing_empty.csv": (3, [], [], {"zip": 3}),
    "one_row.csv": (1, [], [], {"zip": 1}),
    "header_only.csv": (0, [], [], {}),
    "xlsx_renamed.csv": (3, [], [], {"zip": 3}),
    "title_rows.xlsx": (2, [], [], {"zip": 2}),
    "two_sheets.xlsx": (1, [], [], {"zip": 1}),
    "dates.xlsx": (2, [], [], {"zip": 2}),
    "zip_numbers.xlsx": (4, [], [], {"zip": 4}),
    "xlsx_numeric_ids.xlsx": (3, [], [], {"exact": 1, "zip": 2}),
    "xlsx_blank_rows.xlsx": (3, [(3, "empty row"), (5, "empty row")], [], {"zip": 3}),
    "swapped.csv": (
        3,
        [],
        [(2, "look swapped; swapped back"), (4, "look swapped; swapped back")],
        {"exact": 3},
    ),
    "out_of_range.csv": (2, [], [(2, "out of range; placed by ZIP")], {"zip": 2}),
    "duplicate_ids.csv": (
        3,
        [
            (5, "duplicate account ID 'A2' (first in row 3)"),
            (6, "duplicate account ID 'A1' (first in row 2)"),
        ],
        [],
        {"zip": 3},
    ),
    "missing_names.csv": (
        1,
        [(3, "missing account name"), (4, "missing account name")],
        [],
        {"zip": 1},
    ),
    "missing_ids.csv": (1, [(3, "missing account ID")], [], {"zip": 1}),
    "numbers.csv": (3, [], [(3, "'twelve' is not a valid number")], {"zip": 3}),
    "bad_zips.csv": (
        3,
        [],
        [(2, "'ABCDE' is not a valid US ZIP"), (3, "'1' is not a valid US ZIP")],
        {"city": 1, "unplaced": 2},
    ),
    "frequencies.csv": (
        4,
        [],
        [
            (5, "'sometimes' is not a valid visit frequency"),
            (5, "'forever' is not a valid duration"),
        ],
        {"zip": 4},
    ),
    "ragged.csv": (2, [(3, "has 5 cells but the header has 4")], [], {"zip": 1, "unplaced": 1}),
    "crm_headers.csv": (1, [], [], {"zip": 1}),
    "hubspot_headers.csv": (2, [], [], {"zip": 2}),
    "custom_columns.csv": (2, [], [], {"zip": 2}),
    "no_id_column.csv": (2, [], [(0, "no account ID column")], {"zip": 2}),
    "city_state_only.csv": (3, [], [], {"city": 2, "unplaced": 1}),
    "lat_lon_no_zip.csv": (2, [], [], {"exact": 2}),
}

# The column each rejection and each warning of CASES names (None: the whole row).
COLUMNS: dict[str, tuple[list[str | None], list[str | None]]] = {
    "quoted_newlines.csv": (["Account Name"], []),
    "empty_rows.csv": ([None, None, None], []),
    "xlsx_blank_rows.xlsx": ([None, None], []),
    "swapped.csv": ([], ["Latitude", "Latitude"]),
    "out_of_range.csv": ([], ["Latitude"]),
    "duplicate_ids.csv": (["Account ID", "Account ID"], []),
    "missing_names.csv": (["Account Name", "Account Name"], []),
    "missing_ids.csv": (["Account ID"], []),
    "numbers.csv": ([], ["Annual Revenue"]),
    "bad_zips.csv": ([], ["Zip", "Zip"]),
    "frequencies.csv": ([], ["Visit Frequency", "Visit Duration"]),
    "ragged.csv": ([None], []),
    "no_id_column.csv": ([], [None]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_counts_and_messages(name: str) -> None:
    imported, rejected, warnings, geocoded = CASES[name]
    result = read_accounts(DATA / name)
    report = result.report.as_dict()
    assert report["imported"] == imported == len(result.accounts)
    assert [r["row"] for r in report["rejected"]] == [row for row, _ in rejected]
    for got, (_row, words) in zip(report["rejected"], rejected, strict=True):
        assert words in got["reason"]
    assert [w["row"] for w in report["warnings"]] == [row for row, _ in warnings]
    for got, (_row, words) in zip(report["warnings"], warnings, strict=True):
        assert words in got["message"]
    rejected_columns, warning_columns = COLUMNS.get(name, ([], []))
    assert [r["column"] for r in report["rejected"]] == rejected_columns
    assert [w["column"] for w in report["warnings"]] == warning_columns
    expected = {"exact": 0, "zip": 0, "city": 0, "unplaced": 0} | geocoded
    assert report["geocoded"] == expected
    assert result.accounts["geocode"].value_counts().to_dict() == {
        k: v for k, v in expected.items() if v
    }
    # Nothing silently dropped: every data row is imported or rejected.
    assert report["rows"] == imported + len(rejected)


def accounts(name: str, **options):
    return read_accounts(DATA / name, **options).accounts.set_index("account_id")


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("utf8.csv", "utf-8", ","),
        ("utf8_bom.csv", "utf-8-sig", ","),
        ("latin1.csv", "cp1252", ","),
        ("german_headers.csv", "cp1252", ";"),
        ("utf16_tab.txt", "utf-16", "\t"),
        ("utf16_be.txt", "utf-16", "\t"),
        ("semicolon_eu.csv", "utf-8", ";"),
        ("tab.tsv", "utf-8", "\t"),
        ("pipe.txt", "utf-8", "|"),
        ("crlf_quoted.csv", "utf-8", ","),
    ],
)
def test_encoding_and_delimiter_are_detected(name: str, encoding: str, delimiter: str) -> None:
    report = read_accounts(DATA / name).report
    found = report.details
    assert (found["encoding"], found["delimiter"]) == (encoding, delimiter)
    assert (found["sheet"], found["sheets"]) == ("", [])
    assert found["header_row"] == 1
    assert report.mapping["name"] in {"Account Name", "Firma"}


@pytest.mark.parametrize("name", ["utf8.csv", "utf8_bom.csv", "utf16_tab.txt", "utf16_be.txt"])
def test_same_accounts_in_every_encoding(name: str) -> None:
    got = accounts(name)
    assert list(got.index) == ["A1", "A2", "A3"]  # a BOM is not glued to the first header
    assert got.loc["A2", "zip"] == "02134"
    assert got.loc["A1", "annual_revenue"] == 120000
    assert got.loc["A3", "industry"] == "Retail"


def test_text_survives_every_encoding() -> None:
    assert accounts("latin1.csv").loc["L1", "name"] == "Müller Stahl GmbH"
    assert accounts("latin1.csv").loc["L2", "name"] == "Café Zoë"
    assert accounts("latin1.csv").loc["L1", "street"] == "Hauptstraße 5"
    german = accounts("german_headers.csv")
    assert german.loc["K1", "name"] == "Müller Stahl GmbH"
    assert german.loc["K2", "name"] == "Café Zoë"
    assert german.loc["K1", "annual_revenue"] == pytest.approx(1234.56)  # "€ 1.234,56" in cp1252
    assert german.loc["K2", "annual_revenue"] == pytest.approx(12500.0)
    assert german.loc["K2", "zip"] == "02134"
    assert german.loc["K1", "Größe"] == "groß"  # accented custom header and value
    assert german.loc["K1", "Mitarbeiter"] == "1.200"  # custom columns keep the text as written


def test_quotes_line_breaks_and_delimiters_inside_cells() -> None:
    quoted = accounts("quoted_newlines.csv")
    assert quoted.loc["Q1", "name"] == "Smith, Jones\nand Partners"
    assert quoted.loc["Q1", "street"] == "1 Main St\nSuite 5"
    windows = accounts("crlf_quoted.csv")
    assert list(windows.index) == ["C1", "C2", "C3"]
    assert windows.loc["C1", "name"] == 'Joe "Big" Diner'
    assert windows.loc["C1", "street"] == "1 Main St\r\nSuite 5"
    assert windows.loc["C2", "name"] == "Smith; Jones | Partners"
    assert windows.loc["C2", "zip"] == "02134"


def test_values_are_parsed_like_a_person_would_read_them() -> None:
    eu = accounts("semicolon_eu.csv")
    assert eu.loc["E1", "annual_revenue"] == pytest.approx(1234.56)
    assert eu.loc["E2", "annual_revenue"] == pytest.approx(12500.0)
    money = accounts("numbers.csv")
    assert money.loc["N1", "annual_revenue"] == 12000
    assert money.loc["N1", "potential"] == -1200
    assert pd.isna(money.loc["N1", "employees"])  # "n/a": empty, no warning
    assert pd.isna(money.loc["N2", "annual_revenue"])  # "twelve": empty, warned
    assert money.loc["N2", "potential"] == 3_500_000
    assert money.loc["N2", "employees"] == 1234
    assert money.loc["N3", "annual_revenue"] == pytest.approx(1234567.89)
    assert money.loc["N3", "potential"] == 2_500_000
    zips = accounts("zip_numbers.xlsx")
    assert zips["zip"].tolist() == ["02134", "02134", "02134", "60601"]
    assert zips.loc["Z1", "lat"] == pytest.approx(42.35, abs=0.01)
    bad = accounts("bad_zips.csv")
    assert bad["zip"].isna().tolist() == [True, True, False]
    assert bad.loc["Z1", "geocode"] == "city"  # bad ZIP, but Chicago, IL is known
    assert bad.loc["Z3", "zip"] == "99999"  # well-formed but unknown: kept, not placed
    freq = accounts("frequencies.csv")
    assert freq["visit_frequency"].tolist()[:3] == ["weekly", "biweekly", "biweekly"]
    assert pd.isna(freq.loc["F4", "visit_frequency"])
    assert freq["visit_minutes"].tolist()[:3] == [45, 60, 90]
    assert pd.isna(freq.loc["F4", "visit_minutes"])


def test_positions() -> None:
    swapped = accounts("swapped.csv")
    assert (swapped.loc["W1", "lat"], swapped.loc["W1", "lon"]) == (41.8781, -87.6298)
    assert (swapped.loc["W2", "lat"], swapped.loc["W2", "lon"]) == (42.3601, -71.0589)
    assert (swapped.loc["W3", "lat"], swapped.loc["W3", "lon"]) == (37.7749, -122.4194)
    assert read_accounts(DATA / "swapped.csv").report.swapped_rows == [2, 4]
    kept = read_accounts(DATA / "swapped.csv", fix_swapped=False)
    assert [w["row"] for w in kept.report.warnings] == [2, 4]
    assert "not used" in kept.report.warnings[0]["message"]
    by_id = kept.accounts.set_index("account_id")
    assert by_id.loc["W1", "geocode"] == "unplaced"  # not swapped, so not used, and no ZIP
    assert by_id.loc["W2", "geocode"] == "exact"
    far = accounts("out_of_range.csv")
    assert far.loc["R1", "geocode"] == "zip"  # latitude 123.4: placed by its ZIP instead
    assert far.loc["R1", "lat"] == pytest.approx(41.886, abs=0.01)
    assert far.loc["R2", "geocode"] == "zip"  # (0, 0) is a placeholder, not the Gulf of Guinea
    assert far.loc["R2", "lat"] == pytest.approx(42.35, abs=0.05)
    assert far.loc["R2", "lon"] == pytest.approx(-71.13, abs=0.05)
    text_coords = accounts("lat_lon_no_zip.csv")
    assert text_coords.loc["P2", "lat"] == pytest.approx(41.8781)
    assert text_coords.loc["P2", "lon"] == pytest.approx(-87.6298)
    numeric = accounts("xlsx_numeric_ids.xlsx")
    assert (numeric.loc["1001", "lat"], numeric.loc["1001", "geocode"]) == (41.8781, "exact")


def test_city_and_state_fallback() -> None:
    cities = accounts("city_state_only.csv")
    assert cities.loc["CS1", "lat"] == pytest.approx(38.63, abs=0.1)
    assert cities.loc["CS1", "lon"] == pytest.approx(-90.2, abs=0.1)
    assert cities.loc["CS2", "state"] == "IL"  # "Illinois" normalised
    assert cities.loc["CS2", "lat"] == pytest.approx(39.8, abs=0.1)
    assert cities.loc["CS3", "geocode"] == "unplaced"
    more = accounts("city_state_more.csv")
    assert more.loc["CM1", "geocode"] == "city"
    assert more.loc["CM1", "lat"] == pytest.approx(38.9, abs=0.05)  # Washington, DC
    assert (more.loc["CM2", "state"], more.loc["CM2", "geocode"]) == ("MO", "city")
    assert more.loc["CM2", "lat"] == pytest.approx(38.63, abs=0.05)  # "St. Louis", "Missouri"
    assert (more.loc["CM3", "state"], more.loc["CM3", "geocode"]) == ("TX", "city")
    assert more.loc["CM3", "lon"] == pytest.approx(-97.32, abs=0.05)  # Fort Worth


def test_headers_and_custom_columns() -> None:
    crm = read_accounts(DATA / "crm_headers.csv")
    assert crm.report.mapping["zip"] == "Billing Zip/Postal Code"
    assert crm.report.mapping["state"] == "Billing State/Province"
    assert crm.report.mapping["parent_name"] == "Parent Account"
    assert crm.report.mapping["annual_revenue"] == "Annual Revenue"
    row = crm.accounts.iloc[0]
    assert (row["crm_rep"], row["employees"], row["annual_revenue"]) == ("Pat Doe", 120, 1000)
    hubspot = read_accounts(DATA / "hubspot_headers.csv")
    assert hubspot.report.mapping == {
        "account_id": "Record ID",
        "name": "Company name",
        "street": "Street Address",
        "city": "City",
        "state": "State/Region",
        "zip": "Postal Code",
        "annual_revenue": "Annual Revenue",
        "rep": "Company owner",
        "employees": "Number of Employees",
        "industry": "Industry",
    }
    assert hubspot.report.custom_columns == ["Create Date"]
    hub = hubspot.accounts.set_index("account_id")
    assert hub.loc["102", "zip"] == "02134"  # ZIP+4
    assert hub.loc["101", "Create Date"] == "2024-01-02 09:15"
    custom = read_accounts(DATA / "custom_columns.csv")
    assert custom.report.custom_columns == ["Region Code", "Credit Limit", "Key Account"]
    c = custom.accounts.set_index("account_id")
    assert c.loc["C1", "Region Code"] == "R-North"
    assert c.loc["C1", "Credit Limit"] == "50000"
    assert pd.isna(c.loc["C2", "Credit Limit"])
    assert c.loc["C2", "Key Account"] == "no"
    assert accounts("blank_header.csv").loc["B2", "Column 3"] == "note b"
    dup = accounts("duplicate_headers.csv")
    assert (dup.loc["D1", "Notes"], dup.loc["D1", "Notes (2)"]) == ("first", "second")
    generated = accounts("no_id_column.csv")
    assert list(generated.index) == ["ROW2", "ROW3"]
    assert (generated.loc["ROW3", "name"], generated.loc["ROW3", "zip"]) == (
        "Second No Id",
        "02134",
    )


def test_workbooks() -> None:
    titled = read_accounts(DATA / "title_rows.xlsx")
    assert titled.report.details["header_row"] == 4
    t = titled.accounts.set_index("account_id")
    assert t.loc["T1", "annual_revenue"] == 1500.5
    assert t.loc["T2", "zip"] == "02134"
    assert read_accounts(DATA / "title_rows.xlsx", header_row=4).report.imported == 2
    sheets = read_accounts(DATA / "two_sheets.xlsx")
    assert sheets.report.details["sheet"] == "Accounts"
    assert sheets.report.details["sheets"] == ["Notes", "Accounts"]
    assert sheets.accounts["name"].tolist() == ["Second Sheet Co"]
    with pytest.raises(InputError, match="no column holds the account name"):
        read_accounts(DATA / "two_sheets.xlsx", sheet="Notes")
    with pytest.raises(
        InputError, match="there is no sheet 'Nope'; the sheets are: Notes, Accounts"
    ) as info:
        read_accounts(DATA / "two_sheets.xlsx", sheet="Nope")
    assert "two_sheets.xlsx" in str(info.value)
    dated = accounts("dates.xlsx")
    assert dated.loc["DT1", "Customer Since"] == "2019-04-01"  # a real date cell
    assert dated.loc["DT2", "Customer Since"] == "2021-07-15 09:30:00"
    assert dated.loc["DT1", "Last Order"] == "45000"  # a serial number stays as written
    renamed = read_accounts(DATA / "xlsx_renamed.csv")
    assert renamed.report.details["sheet"] == "Accounts"  # opened by content, not by name
    numeric = accounts("xlsx_numeric_ids.xlsx")
    assert list(numeric.index) == ["1001", "1002", "1003"]  # 1001 and 1003.0 are IDs, not numbers
    assert numeric["zip"].tolist() == ["60601", "02134", "75201"]
    assert numeric.loc["1001", "employees"] == 250
    assert numeric.loc["1003", "annual_revenue"] == 1_000_000
    assert numeric["Key Account"].tolist()[:2] == ["TRUE", "FALSE"]
    assert numeric.loc["1001", "Score"] == "0.5"
    blank = read_accounts(DATA / "xlsx_blank_rows.xlsx")
    assert blank.report.rows == 5  # formatted empty rows below the data are not rows
    assert blank.accounts["account_id"].tolist() == ["X1", "X2", "X3"]


def test_column_override() -> None:
    result = read_accounts(DATA / "custom_columns.csv", columns={"potential": "Credit Limit"})
    assert result.accounts.set_index("account_id").loc["C1", "potential"] == 50000
    assert "Credit Limit" not in result.report.custom_columns
    unmapped = read_accounts(DATA / "utf8.csv", columns={"zip": ""})
    assert "zip" not in unmapped.report.mapping
    assert "Zip (imported)" in unmapped.report.custom_columns  # as stored: "zip" is a field
    assert unmapped.report.geocoded["city"] == 3  # no ZIP: placed by city and state
    moved = read_accounts(DATA / "utf8.csv", columns={"name": "Industry"})
    assert moved.accounts["name"].tolist() == ["Manufacturing", "Healthcare", "Retail"]
    assert "Account Name" in moved.report.custom_columns
    with pytest.raises(
        InputError, match="there is no column 'Nope' in the file; the columns are: Account ID"
    ) as info:
        read_accounts(DATA / "utf8.csv", columns={"name": "Nope"})
    assert "utf8.csv" in str(info.value)
    with pytest.raises(InputError, match="there is no account field 'colour'"):
        read_accounts(DATA / "utf8.csv", columns={"colour": "Industry"})
    with pytest.raises(InputError, match="name it with --column name=HEADER"):
        read_accounts(DATA / "utf8.csv", columns={"name": ""})


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "the file is empty"),
        ("binary.csv", "not a text file (it contains binary data); export the data as CSV or XLSX"),
        (
            "old_excel.xls",
            "old Excel 97-2003 (.xls) file; open it in Excel or LibreOffice and save it as .xlsx",
        ),
        ("damaged.xlsx", "cannot open this Excel file (damaged, password-protected or not XLSX)"),
        ("missing.csv", "file not found; check the path"),
    ],
)
def test_unreadable_files_are_explained(name: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        read_accounts(DATA / name)
    assert name in str(info.value)
    assert info.value.file == str(DATA / name)
    assert words in str(info.value)


def test_reps_roster() -> None:
    reps, report = read_reps(DATA / "reps.csv")
    r = reps.set_index("rep_id")
    assert len(r) == 3
    assert (r.loc["R1", "day_start"], r.loc["R1", "day_end"]) == ("08:00", "17:00")
    assert r.loc["R1", "work_days"] == "Mon,Tue,Wed,Thu,Fri"
    assert r.loc["R2", "work_days"] == "Mon,Wed,Fri"
    assert r.loc["R2", "day_end"] == "15:30"
    assert r.loc["R2", "weekly_capacity_hours"] == 32
    assert r.loc["R3", "weekly_capacity_hours"] == 40  # "lots" is not a number: default, warned
    assert r.loc["R1", "skills"] == "Healthcare"
    assert r.loc["R1", "lat"] == pytest.approx(41.886, abs=0.01)
    messages = [(w["row"], w["message"]) for w in report.warnings]
    assert any(row == 4 and "'lots' is not a valid number" in m for row, m in messages)
    assert any(row == 4 and "'someday' is not a working days" in m for row, m in messages)
    assert any(row == 4 and "'25:00' is not a time" in m for row, m in messages)
    assert any(row == 3 and "no home base for Sam Roe" in m for row, m in messages)
    dated, _ = read_reps(DATA / "reps_dates.xlsx")
    assert dated.set_index("rep_id").loc["R1", "start_date"] == "2021-03-15"
    assert dated.set_index("rep_id").loc["R3", "start_date"] == "2021-03-15"


def test_a_rep_placed_by_zip_gets_the_zips_city_and_state(tmp_path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Rep ID,Name,Home ZIP,Home city,Home state\n"
        "R1,Pat Doe,60610,,\n"  # the ZIP alone
        "R2,Sam Roe,98101,Bellevue,\n"  # a city given is kept
        "R3,Lee Poe,00000,,\n",  # no such ZIP: nothing to fill in
        encoding="utf-8",
    )
    reps, _report = read_reps(roster)
    r = reps.set_index("rep_id")
    assert (r.loc["R1", "home_city"], r.loc["R1", "home_state"]) == ("Chicago", "IL")
    assert r.loc["R1", "geocode"] == "zip"
    assert (r.loc["R2", "home_city"], r.loc["R2", "home_state"]) == ("Bellevue", "WA")
    assert pd.isna(r.loc["R3", "home_city"])
    assert pd.isna(r.loc["R3", "home_state"])
    only_zip, _ = read_reps(DATA / "reps.csv")  # no city column at all
    assert only_zip.set_index("rep_id").loc["R3", "home_city"] == "Dallas"


def test_a_zip_typed_in_the_reps_panel_fills_an_empty_home_city(demo_project: Project) -> None:
    project = demo_project.copy()
    rep_id = str(project.reps["rep_id"].iloc[0])
    row = project.reps.index[project.reps["rep_id"] == rep_id][0]
    project.reps.loc[row, ["home_city", "home_state"]] = [None, None]
    edit = edit_rep(project, rep_id, "home_zip", "98101")
    edit.apply(project)
    assert tuple(project.reps.loc[row, ["home_city", "home_state"]]) == ("Seattle", "WA")
    edit.revert(project)
    assert project.reps.loc[row, ["home_city", "home_state"]].isna().all()
    project.reps.loc[row, "home_city"] = "Redmond"
    edit_rep(project, rep_id, "home_zip", "60610").apply(project)
    assert tuple(project.reps.loc[row, ["home_city", "home_state"]]) == ("Redmond", "IL")


# ----- size, progress and cancel -----

BIG_ROWS = 45_000


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "big.csv"
    body = "".join(f"X{i},Co {i},60601\n" for i in range(BIG_ROWS))
    path.write_text("Account ID,Account Name,Zip\n" + body, encoding="utf-8")
    return path


def test_progress_reaches_one(big_csv: Path) -> None:
    seen: list[tuple[float, str]] = []
    result = read_accounts(big_csv, progress=lambda f, m="": seen.append((f, m)))
    assert result.report.imported == BIG_ROWS
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] >= 0.0
    assert fractions[-1] == 1.0
    assert len(fractions) >= 4
    assert all(isinstance(m, str) and m for _, m in seen)
    assert seen[-1][1] == f"{BIG_ROWS:,} accounts ready"


def test_cancelled_before_start(big_csv: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        read_accounts(big_csv, cancel=token)


def test_cancelled_while_reading(big_csv: Path) -> None:
    token = CancelToken()
    seen: list[float] = []

    def progress(fraction: float, message: str = "") -> None:
        seen.append(fraction)
        token.cancel()  # the user presses Cancel at the first report

    with pytest.raises(TaskCancelledError):
        read_accounts(big_csv, progress=progress, cancel=token)
    assert len(seen) == 1  # stopped at the next check, before "ready"
    assert seen[0] < 0.6


FIFTY_MB = 50 * 1024 * 1024
BIG_HEADER = "Account ID,Account Name,Street,City,State,Zip,Latitude,Longitude,Annual Revenue,Industry,Region Code,Comment\n"
# Five kinds of rows: ZIP only (with and without the leading zero), coordinates, city and state.
BIG_KINDS = (
    "{i},Account number {i} with a longish name,1 Main Street,Chicago,IL,60601,,,{i}.50,Manufacturing,R{k},{pad}\n",
    "{i},Account number {i} with a longish name,2 Oak Avenue,Boston,MA,2134,,,{i}.50,Healthcare,R{k},{pad}\n",
    "{i},Account number {i} with a longish name,3 Elm Street,Dallas,TX,,32.7767,-96.797,{i}.50,Retail,R{k},{pad}\n",
    "{i},Account number {i} with a longish name,4 Pine Street,Saint Louis,MO,,,,{i}.50,Retail,R{k},{pad}\n",
    '{i},"Account number {i}, quoted",5 Ash Street,Denver,CO,80202,,,"{i},50",Legal,R{k},{pad}\n',
)


@pytest.fixture(scope="session")
def fifty_mb_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A 50 MB export (not committed): written in blocks of pre-built lines."""
    path = tmp_path_factory.mktemp("import") / "fifty.csv"
    pad = "Free text notes from the CRM " * 6  # long description fields, as real exports have
    block = 10_000
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(BIG_HEADER)
        while out.tell() < FIFTY_MB:
            out.write(
                "".join(
                    BIG_KINDS[i % 5].format(i=i, k=i % 12, pad=pad)
                    for i in range(rows, rows + block)
                )
            )
            rows += block
    return path, rows


def test_fifty_megabyte_file(fifty_mb_csv: tuple[Path, int]) -> None:
    path, rows = fifty_mb_csv
    assert path.stat().st_size >= FIFTY_MB
    result = read_accounts(path)
    report = result.report
    assert report.imported == rows == len(result.accounts)
    assert report.rejected == []
    assert report.warnings == []
    assert report.geocoded == {
        "exact": rows // 5,
        "zip": 3 * rows // 5,
        "city": rows // 5,
        "unplaced": 0,
    }
    acc = result.accounts
    assert acc["annual_revenue"].iloc[-1] == pytest.approx(rows - 1 + 0.5)
    assert acc["annual_revenue"].iloc[4] == pytest.approx(4.5)  # "4,50": decimal comma
    assert acc["name"].iloc[4] == "Account number 4, quoted"
    assert acc["zip"].iloc[1] == "02134"
    assert acc["Region Code"].iloc[13] == "R1"
    assert acc["account_id"].is_unique


# ----- the command line -----
# End to end (a fresh interpreter, ~2 s each) where it matters: JSON on stdout, exit
# code 1 and the message on stderr, --column, re-import. The other options run
# in-process through the same entry point.


def run_cli_together(*commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run independent CLI commands at once (each starts a fresh interpreter)."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "territory_planner", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    done = []
    for process in started:
        out, err = process.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def cli_json(capsys, *args: str) -> dict:
    """Run the CLI in this process; its JSON output."""
    assert cli_main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_import_json_and_errors(tmp_path, capsys) -> None:
    project, untouched = tmp_path / "p.gpkg", tmp_path / "never.gpkg"
    done, failed = run_cli_together(
        ["import", str(project), str(DATA / "duplicate_ids.csv"), "--json"],
        ["import", str(untouched), str(DATA / "binary.csv"), "--json"],
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["imported"] == 3
    assert data["rows"] == 5
    assert [(r["row"], r["column"]) for r in data["rejected"]] == [
        (5, "Account ID"),
        (6, "Account ID"),
    ]
    assert set(data["rejected"][0]) == {"row", "column", "reason"}
    assert "duplicate account ID 'A2'" in data["rejected"][0]["reason"]
    assert data["warnings"] == []
    assert data["geocoded"] == {"exact": 0, "zip": 3, "city": 0, "unplaced": 0}
    assert data["mapping"]["zip"] == "Zip"
    assert (data["encoding"], data["delimiter"], data["header_row"]) == ("utf-8", ",", 1)
    assert (data["added"], data["changed"], data["project_accounts"]) == (3, 0, 3)
    assert sorted(load_project(project).accounts["account_id"]) == ["A1", "A2", "A3"]

    assert failed.returncode == 1
    assert failed.stdout == ""
    assert "binary.csv" in failed.stderr
    assert "not a text file" in failed.stderr
    assert "export the data as CSV or XLSX" in failed.stderr
    assert not untouched.exists()  # a failed import creates no project

    with pytest.raises(SystemExit) as usage:
        cli_main(["import", str(project), str(DATA / "utf8.csv"), "--column", "nonsense"])
    assert usage.value.code == 2
    assert "--column takes FIELD=HEADER" in capsys.readouterr().err


def test_cli_column_override_and_report(tmp_path) -> None:
    project, report = tmp_path / "p.gpkg", tmp_path / "report.csv"
    done = run_cli(
        "import",
        str(project),
        str(DATA / "custom_columns.csv"),
        "--column",
        "potential=Credit Limit",
        "--report",
        str(report),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["mapping"]["potential"] == "Credit Limit"
    assert data["custom_columns"] == ["Region Code", "Key Account"]
    accounts = load_project(project).accounts.set_index("account_id")
    assert accounts.loc["C1", "potential"] == 50000
    assert accounts.loc["C1", "Region Code"] == "R-North"
    assert "Credit Limit" not in accounts.columns
    assert report.read_text(encoding="utf-8").splitlines() == ["kind,row,column,problem"]


def test_cli_sheet_header_row_and_unmapping(tmp_path, capsys) -> None:
    project = tmp_path / "p.gpkg"
    data = cli_json(
        capsys, "import", str(project), str(DATA / "title_rows.xlsx"),
        "--sheet", "Export", "--header-row", "4", "--column", "annual_revenue=",
    )  # fmt: skip
    assert (data["sheet"], data["header_row"], data["imported"]) == ("Export", 4, 2)
    assert "annual_revenue" not in data["mapping"]  # un-mapped: kept as a custom column
    assert data["custom_columns"] == ["Annual Revenue"]
    assert data["geocoded"]["zip"] == 2
    t = load_project(project).accounts.set_index("account_id")
    assert (t.loc["T1", "Annual Revenue"], t.loc["T2", "zip"]) == ("1500.5", "02134")
    assert t["annual_revenue"].isna().all()
    assert cli_main(["import", str(project), str(DATA / "title_rows.xlsx"), "--sheet", "X"]) == 1
    assert "there is no sheet 'X'; the sheets are: Export" in capsys.readouterr().err


def test_cli_no_fix_swapped_and_report(tmp_path, capsys) -> None:
    report = tmp_path / "swaps.csv"
    data = cli_json(
        capsys, "import", str(tmp_path / "p.gpkg"), str(DATA / "swapped.csv"),
        "--no-fix-swapped", "--report", str(report),
    )  # fmt: skip
    assert data["swapped_rows"] == [2, 4]
    assert data["geocoded"] == {"exact": 1, "zip": 0, "city": 0, "unplaced": 2}
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "kind,row,column,problem"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["warning", "2", "Latitude"],
        ["warning", "4", "Latitude"],
    ]


def test_cli_reimport_keeps_locks(tmp_path, capsys) -> None:
    project = tmp_path / "p.gpkg"
    assert cli_json(capsys, "import", str(project), str(DATA / "reimport_v1.csv"))["added"] == 3
    p = load_project(project)
    p.accounts.loc[p.accounts["account_id"] == "A2", ["territory_id", "locked"]] = ["T-KEEP", True]
    p.accounts.loc[p.accounts["account_id"] == "A3", ["lat", "lon", "geocode"]] = [
        33.0,
        -97.0,
        "manual",
    ]
    save_project(p, project)
    pruned = tmp_path / "pruned.gpkg"
    shutil.copy(project, pruned)

    done = run_cli("import", str(project), str(DATA / "reimport_v2.csv"), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["added"], data["changed"], data["not_in_file"], data["removed"]) == (1, 1, 1, 0)
    assert data["project_accounts"] == 4
    a = load_project(project).accounts.set_index("account_id")
    assert a.loc["A1", "name"] == "Acme Tools Renamed"
    assert a.loc["A1", "annual_revenue"] == 150000
    assert (a.loc["A2", "territory_id"], bool(a.loc["A2", "locked"])) == ("T-KEEP", True)
    assert not a.loc["A1", "locked"]
    assert (a.loc["A3", "geocode"], a.loc["A3", "lat"]) == ("manual", 33.0)  # kept: not in file
    assert (a.loc["A4", "name"], a.loc["A4", "zip"]) == ("Delta New", "80202")
    assert a.loc["A4", "geocode"] == "zip"

    removed = cli_json(
        capsys, "import", str(pruned), str(DATA / "reimport_v2.csv"), "--remove-missing"
    )
    assert (removed["removed"], removed["project_accounts"]) == (1, 3)
    b = load_project(pruned).accounts.set_index("account_id")
    assert sorted(b.index) == ["A1", "A2", "A4"]
    assert (b.loc["A2", "territory_id"], bool(b.loc["A2", "locked"])) == ("T-KEEP", True)


def test_cli_reps(tmp_path, capsys) -> None:
    project = tmp_path / "p.gpkg"
    data = cli_json(capsys, "reps", str(project), str(DATA / "reps.csv"))
    assert (data["imported"], data["added"], data["updated"], data["project_reps"]) == (3, 3, 0, 3)
    assert data["geocoded"] == {"exact": 0, "zip": 2, "city": 0, "unplaced": 1}
    assert cli_json(capsys, "reps", str(project), str(DATA / "reps.csv"))["updated"] == 3
    reps = load_project(project).reps.set_index("rep_id")
    assert len(reps) == 3
    assert reps.loc["R2", "work_days"] == "Mon,Wed,Fri"


# ----- known bugs: each test states what should happen; see the reason -----


def xfail(reason: str):
    return pytest.mark.xfail(reason=reason, strict=True)


def test_cp1252_accent_only_on_the_last_line() -> None:
    got = accounts("cp1252_last_line.csv")
    assert got.loc["J2", "city"] == "San José"


def test_cp1252_accent_after_the_first_256_kb(tmp_path) -> None:
    path = tmp_path / "late_accent.csv"
    body = "".join(f"A{i},Company {i},60601\n" for i in range(15_000))
    path.write_bytes(
        ("Account ID,Account Name,Zip\n" + body + "Z1,Müller GmbH,60601\n").encode("cp1252")
    )
    assert path.stat().st_size > 256 * 1024
    got = read_accounts(path).accounts.set_index("account_id")
    assert got.loc["Z1", "name"] == "Müller GmbH"


def test_made_unique_header_collides_with_a_real_header() -> None:
    result = read_accounts(DATA / "duplicate_header_collision.csv")
    row = result.accounts.iloc[0]
    assert len(result.report.custom_columns) == 3
    assert sorted(row[c] for c in result.report.custom_columns) == ["a", "b", "c"]


def test_unterminated_quote_does_not_swallow_rows() -> None:
    refused: InputError | None = None
    try:
        result = read_accounts(DATA / "unterminated_quote.csv")
    except InputError as exc:  # refusing the file, naming the row, is also a fix
        refused = exc
    if refused is not None:
        assert "row 2" in str(refused)
        return
    assert result.report.rows == 3
    assert result.report.imported + len(result.report.rejected) == 3


def test_own_export_is_mapped_back() -> None:
    result = read_accounts(DATA / "own_export.csv")
    mapping = result.report.mapping
    assert all(mapping[f] == f for f in ("account_id", "name", "zip", "lat", "lon", "industry"))
    assert (mapping["rep"], mapping["territory"]) == ("rep", "territory")
    assert result.report.imported == 3
    assert result.report.geocoded == {"exact": 3, "zip": 0, "city": 0, "unplaced": 0}
    got = result.accounts.set_index("account_id")
    assert (got.loc["E1", "crm_rep"], got.loc["E1", "crm_territory"]) == ("Pat Doe", "North")
    assert got.loc["E2", "visit_minutes"] == 30


def test_own_export_keeps_locks_and_placement() -> None:
    result = read_accounts(DATA / "own_export.csv")
    got = result.accounts.set_index("account_id")
    assert not got.loc["E1", "locked"]
    assert not got.loc["E3", "locked"]
    assert got["geocode"].value_counts().to_dict() == {"exact": 3}


def test_lookalike_headers_stay_custom_columns() -> None:
    result = read_accounts(DATA / "lookalike_headers.csv")
    assert "annual_revenue" not in result.report.mapping
    assert "city" not in result.report.mapping
    assert result.report.custom_columns == ["Sales Region", "Capacity"]
    assert result.report.warnings == []


def test_dynamics_headers_what_works() -> None:
    result = read_accounts(DATA / "dynamics_headers.csv")
    m = result.report.mapping
    assert (m["account_id"], m["name"], m["zip"]) == (
        "Account Number",
        "Account Name",
        "Address 1: ZIP/Postal Code",
    )
    assert m["state"] == "Address 1: State/Province"
    assert result.report.geocoded["zip"] == 2


def test_dynamics_address_headers() -> None:
    m = read_accounts(DATA / "dynamics_headers.csv").report.mapping
    assert (m["street"], m["city"]) == ("Address 1: Street 1", "Address 1: City")


def test_german_street_header() -> None:
    assert read_accounts(DATA / "german_headers.csv").report.mapping["street"] == "Straße"


def test_partial_coordinates_what_works() -> None:
    result = read_accounts(DATA / "coordinates_partial.csv")
    assert result.report.imported == 3
    got = result.accounts.set_index("account_id")
    assert got.loc["P3", "geocode"] == "exact"
    assert (got.loc["P3", "lat"], got.loc["P3", "lon"]) == (41.8781, -87.6298)
    assert got.loc["P1", "geocode"] == "zip"  # no longitude: placed by ZIP


def test_european_coordinates_with_three_decimals() -> None:
    got = accounts("coordinates_partial.csv")
    assert (got.loc["P2", "lat"], got.loc["P2", "lon"]) == (41.878, -87.63)
    assert got.loc["P2", "geocode"] == "exact"


def test_latitude_without_longitude_is_explained() -> None:
    warning = read_accounts(DATA / "coordinates_partial.csv").report.warnings[0]
    assert warning["row"] == 2
    assert "nan" not in warning["message"]
    assert "longitude" in warning["message"]


def test_durations_what_works() -> None:
    got = accounts("durations.xlsx")
    assert (got.loc["V3", "visit_minutes"], got.loc["V4", "visit_minutes"]) == (30, 75)


def test_excel_time_cells_as_durations() -> None:
    result = read_accounts(DATA / "durations.xlsx")
    assert result.accounts["visit_minutes"].tolist() == [90, 45, 30, 75]
    assert result.report.warnings == []


def test_rep_capacity_label() -> None:
    reps, report = read_reps(DATA / "reps_capacity_label.csv")
    assert report.mapping["weekly_capacity_hours"] == "Weekly capacity (h)"
    assert reps["weekly_capacity_hours"].tolist() == [32, 20]


def test_rep_start_date_serial_number() -> None:
    reps, _ = read_reps(DATA / "reps_dates.xlsx")
    assert reps["start_date"].tolist() == ["2021-03-15"] * 3


def test_puerto_rico_city_fallback() -> None:
    got = accounts("city_state_more.csv")
    assert got.loc["CM4", "geocode"] == "city"
    assert got.loc["CM4", "lat"] == pytest.approx(18.45, abs=0.1)


def test_header_row_zero_is_refused() -> None:
    with pytest.raises(InputError, match="row"):
        read_accounts(DATA / "utf8.csv", header_row=0)


def test_header_row_beyond_the_end_names_that_row() -> None:
    with pytest.raises(InputError, match="there is no row 10 to use as the header"):
        read_accounts(DATA / "utf8.csv", header_row=10)


def test_header_row_beyond_the_end_is_refused() -> None:
    with pytest.raises(InputError, match="to use as the header") as info:
        read_accounts(DATA / "utf8.csv", header_row=10)
    assert "utf8.csv" in str(info.value)


def test_reimporting_the_same_file_changes_nothing() -> None:
    project = Project.empty("p")
    project.accounts, first = accounts_after_import(
        project, read_accounts(DATA / "custom_columns.csv")
    )
    assert first["added"] == 2
    _, again = accounts_after_import(project, read_accounts(DATA / "custom_columns.csv"))
    assert (again["added"], again["changed"]) == (0, 0)


def test_trailing_delimiter_adds_no_empty_column() -> None:
    assert read_accounts(DATA / "trailing_delimiter.csv").report.custom_columns == []


def test_case_collision_what_works() -> None:
    result = read_accounts(DATA / "case_collision.csv")
    assert (result.report.mapping["name"], result.report.mapping["city"]) == (
        "Company",
        "Billing City",
    )
    # as stored (what a re-import matches on)
    assert result.report.custom_columns == [
        "Name (imported)", "City (imported)", "Region", "REGION (imported)"
    ]  # fmt: skip
    row = result.accounts.iloc[0]
    # Custom columns that equal a model column or each other but for case get a suffix,
    # since a GeoPackage (and so the project file) ignores case in field names.
    assert {"Name (imported)", "City (imported)", "Region", "REGION (imported)"} <= set(
        result.accounts.columns
    )
    assert (row["name"], row["Name (imported)"], row["city"], row["City (imported)"]) == (
        "Acme Tools",
        "Pat Doe",
        "Chicago",
        "Evanston",
    )


def test_case_collision_project_can_be_saved(tmp_path) -> None:
    # Custom headers equal to a model column but for case ("Name", "City") or to each other
    # ("Region", "REGION"): GeoPackage field names ignore case, yet the project must save.
    project = Project.empty("p")
    project.accounts, _ = accounts_after_import(project, read_accounts(DATA / "case_collision.csv"))
    save_project(project, tmp_path / "p.gpkg")
    row = load_project(tmp_path / "p.gpkg").accounts.iloc[0]
    assert {"Pat Doe", "Evanston", "North", "N-1"} <= set(row.astype(str))
