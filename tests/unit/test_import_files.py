"""Every fixture in tests/data/import gives the expected accounts, rejections and warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from territory_planner._errors import InputError
from territory_planner.io.account_import import read_accounts
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.rep_import import read_reps
from territory_planner.tasks import CancelToken, TaskCancelledError
from tests.conftest import run_cli

DATA = Path(__file__).resolve().parents[1] / "data" / "import"

# file -> (imported, [(row, reason words)], [(row, warning words)], geocoded by zip/exact/city/unplaced)
CASES = {
    "utf8.csv": (3, [], [], {"zip": 3}),
    "utf8_bom.csv": (3, [], [], {"zip": 3}),
    "latin1.csv": (2, [], [], {"zip": 2}),
    "utf16_tab.txt": (3, [], [], {"zip": 3}),
    "semicolon_eu.csv": (2, [], [], {"zip": 2}),
    "tab.tsv": (3, [], [], {"zip": 3}),
    "pipe.txt": (3, [], [], {"zip": 3}),
    "quoted_newlines.csv": (3, [(5, "missing account name")], [], {"zip": 3}),
    "blank_header.csv": (2, [], [], {"zip": 2}),
    "duplicate_headers.csv": (1, [], [], {"zip": 1}),
    "empty_rows.csv": (3, [(3, "empty row"), (4, "empty row"), (6, "empty row")], [], {"zip": 3}),
    "trailing_empty.csv": (3, [], [], {"zip": 3}),
    "one_row.csv": (1, [], [], {"zip": 1}),
    "header_only.csv": (0, [], [], {}),
    "xlsx_renamed.csv": (3, [], [], {"zip": 3}),
    "title_rows.xlsx": (2, [], [], {"zip": 2}),
    "two_sheets.xlsx": (1, [], [], {"zip": 1}),
    "dates.xlsx": (2, [], [], {"zip": 2}),
    "zip_numbers.xlsx": (4, [], [], {"zip": 4}),
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
    "custom_columns.csv": (2, [], [], {"zip": 2}),
    "no_id_column.csv": (2, [], [(0, "no account ID column")], {"zip": 2}),
    "city_state_only.csv": (3, [], [], {"city": 2, "unplaced": 1}),
    "lat_lon_no_zip.csv": (2, [], [], {"exact": 2}),
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
    expected = {"exact": 0, "zip": 0, "city": 0, "unplaced": 0} | geocoded
    assert report["geocoded"] == expected
    # Nothing silently dropped: every data row is imported or rejected.
    assert report["rows"] == imported + len(rejected)


def accounts(name: str, **options):
    return read_accounts(DATA / name, **options).accounts.set_index("account_id")


def test_text_survives_every_encoding() -> None:
    assert accounts("latin1.csv").loc["L1", "name"] == "Müller Stahl GmbH"
    assert accounts("latin1.csv").loc["L2", "name"] == "Café Zoë"
    assert read_accounts(DATA / "latin1.csv").report.details["encoding"] == "cp1252"
    assert read_accounts(DATA / "utf16_tab.txt").report.details["delimiter"] == "\t"
    assert list(accounts("utf8_bom.csv").index) == ["A1", "A2", "A3"]  # BOM not glued to the header


def test_values_are_parsed_like_a_person_would_read_them() -> None:
    eu = accounts("semicolon_eu.csv")
    assert eu.loc["E1", "annual_revenue"] == pytest.approx(1234.56)
    assert eu.loc["E2", "annual_revenue"] == pytest.approx(12500.0)
    money = accounts("numbers.csv")
    assert money.loc["N1", "annual_revenue"] == 12000
    assert money.loc["N1", "potential"] == -1200
    assert money.loc["N2", "potential"] == 3_500_000
    assert money.loc["N2", "employees"] == 1234
    assert money.loc["N3", "annual_revenue"] == pytest.approx(1234567.89)
    zips = accounts("zip_numbers.xlsx")
    assert zips["zip"].tolist() == ["02134", "02134", "02134", "60601"]
    freq = accounts("frequencies.csv")
    assert freq["visit_frequency"].tolist()[:3] == ["weekly", "biweekly", "biweekly"]
    assert freq["visit_minutes"].tolist()[:3] == [45, 60, 90]
    quoted = accounts("quoted_newlines.csv")
    assert quoted.loc["Q1", "name"] == "Smith, Jones\nand Partners"


def test_positions() -> None:
    swapped = accounts("swapped.csv")
    assert (swapped.loc["W1", "lat"], swapped.loc["W1", "lon"]) == (41.8781, -87.6298)
    assert (swapped.loc["W3", "lat"], swapped.loc["W3", "lon"]) == (37.7749, -122.4194)
    kept = accounts("swapped.csv", fix_swapped=False)
    assert kept.loc["W1", "geocode"] == "unplaced"  # not swapped, so not used, and no ZIP
    assert kept.loc["W2", "geocode"] == "exact"
    far = accounts("out_of_range.csv")
    assert far.loc["R1", "geocode"] == "zip"
    assert far.loc["R2", "geocode"] == "zip"  # (0, 0) is a placeholder, not the Gulf of Guinea
    assert far.loc["R2", "lat"] == pytest.approx(42.35, abs=0.05)
    text_coords = accounts("lat_lon_no_zip.csv")
    assert text_coords.loc["P2", "lat"] == pytest.approx(41.8781)
    cities = accounts("city_state_only.csv")
    assert cities.loc["CS1", "lat"] == pytest.approx(38.63, abs=0.1)
    assert cities.loc["CS2", "state"] == "IL"  # "Illinois" normalised
    assert cities.loc["CS3", "geocode"] == "unplaced"


def test_headers_sheets_and_custom_columns() -> None:
    crm = read_accounts(DATA / "crm_headers.csv")
    assert crm.report.mapping["zip"] == "Billing Zip/Postal Code"
    assert crm.report.mapping["state"] == "Billing State/Province"
    assert crm.report.mapping["parent_name"] == "Parent Account"
    row = crm.accounts.iloc[0]
    assert (row["crm_rep"], row["employees"]) == ("Pat Doe", 120)
    custom = accounts("custom_columns.csv")
    assert custom.loc["C1", "Region Code"] == "R-North"
    assert custom.loc["C1", "Credit Limit"] == "50000"
    assert custom.loc["C2", "Key Account"] == "no"
    assert accounts("blank_header.csv").loc["B2", "Column 3"] == "note b"
    assert accounts("duplicate_headers.csv").loc["D1", "Notes (2)"] == "second"
    titled = read_accounts(DATA / "title_rows.xlsx")
    assert titled.report.details["header_row"] == 4
    assert accounts("title_rows.xlsx").loc["T1", "annual_revenue"] == 1500.5
    sheets = read_accounts(DATA / "two_sheets.xlsx")
    assert sheets.report.details["sheet"] == "Accounts"
    assert sheets.report.details["sheets"] == ["Notes", "Accounts"]
    with pytest.raises(InputError, match="no column holds the account name"):
        read_accounts(DATA / "two_sheets.xlsx", sheet="Notes")
    with pytest.raises(
        InputError, match="there is no sheet 'Nope'; the sheets are: Notes, Accounts"
    ):
        read_accounts(DATA / "two_sheets.xlsx", sheet="Nope")
    dated = accounts("dates.xlsx")
    assert dated.loc["DT1", "Customer Since"] == "2019-04-01"
    generated = accounts("no_id_column.csv")
    assert list(generated.index) == ["ROW2", "ROW3"]


def test_column_override() -> None:
    result = read_accounts(DATA / "custom_columns.csv", columns={"potential": "Credit Limit"})
    assert result.accounts.set_index("account_id").loc["C1", "potential"] == 50000
    assert "Credit Limit" not in result.report.custom_columns
    with pytest.raises(
        InputError, match="there is no column 'Nope' in the file; the columns are: Account ID"
    ):
        read_accounts(DATA / "utf8.csv", columns={"name": "Nope"})
    with pytest.raises(InputError, match="there is no account field 'colour'"):
        read_accounts(DATA / "utf8.csv", columns={"colour": "Industry"})


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "the file is empty"),
        ("binary.csv", "not a text file"),
        (
            "old_excel.xls",
            "old Excel 97-2003 (.xls) file; open it in Excel or LibreOffice and save it as .xlsx",
        ),
        ("missing.csv", "file not found"),
    ],
)
def test_unreadable_files_are_explained(name: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        read_accounts(DATA / name)
    assert name in str(info.value)
    assert words in str(info.value)


def test_reps_roster() -> None:
    reps, report = read_reps(DATA / "reps.csv")
    r = reps.set_index("rep_id")
    assert len(r) == 3
    assert (r.loc["R1", "day_start"], r.loc["R1", "day_end"]) == ("08:00", "17:00")
    assert r.loc["R2", "work_days"] == "Mon,Wed,Fri"
    assert r.loc["R2", "day_end"] == "15:30"
    assert r.loc["R2", "weekly_capacity_hours"] == 32
    assert r.loc["R3", "weekly_capacity_hours"] == 40  # "lots" is not a number: default, warned
    assert r.loc["R1", "skills"] == "Healthcare"
    messages = [(w["row"], w["message"]) for w in report.warnings]
    assert any(row == 4 and "'lots' is not a valid number" in m for row, m in messages)
    assert any(row == 4 and "'someday' is not a working days" in m for row, m in messages)
    assert any(row == 4 and "'25:00' is not a time" in m for row, m in messages)
    assert any(row == 3 and "no home base for Sam Roe" in m for row, m in messages)


def test_progress_and_cancel(tmp_path) -> None:
    big = tmp_path / "big.csv"
    big.write_text(
        "Account ID,Account Name,Zip\n" + "".join(f"X{i},Co {i},60601\n" for i in range(45_000)),
        encoding="utf-8",
    )
    seen: list[float] = []
    result = read_accounts(big, progress=lambda f, _m="": seen.append(f))
    assert result.report.imported == 45_000
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) >= 4
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        read_accounts(big, cancel=token)


def test_fifty_megabyte_file(tmp_path) -> None:
    path = tmp_path / "fifty.csv"
    line = "{i},Account number {i} with a longish name,1 Main Street,Chicago,IL,60601,{i}.50,Manufacturing,{pad}\n"
    pad = "x" * 60
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER_50 + "\n")
        i = 0
        while out.tell() < 50 * 1024 * 1024:
            out.writelines(line.format(i=j, pad=pad) for j in range(i, i + 10_000))
            i += 10_000
    result = read_accounts(path)
    assert result.report.imported == i
    assert result.report.rejected == []
    assert result.accounts["annual_revenue"].iloc[-1] == pytest.approx(i - 1 + 0.5)


HEADER_50 = "Account ID,Account Name,Street,City,State,Zip,Annual Revenue,Industry,Comment"


def test_cli_import_json_and_errors(tmp_path) -> None:
    project = tmp_path / "p.gpkg"
    done = run_cli("import", str(project), str(DATA / "duplicate_ids.csv"), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["imported"] == 3
    assert [r["row"] for r in data["rejected"]] == [5, 6]
    assert set(data["rejected"][0]) == {"row", "column", "reason"}
    assert data["geocoded"] == {"exact": 0, "zip": 3, "city": 0, "unplaced": 0}
    assert isinstance(data["warnings"], list)
    assert data["added"] == 3
    failed = run_cli("import", str(project), str(DATA / "binary.csv"))
    assert failed.returncode == 1
    assert "binary.csv" in failed.stderr
    assert "not a text file" in failed.stderr
    assert len(load_project(project).accounts) == 3  # the project is untouched
    usage = run_cli("import", str(project), str(DATA / "utf8.csv"), "--column", "nonsense")
    assert usage.returncode == 2


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
    assert json.loads(done.stdout)["mapping"]["potential"] == "Credit Limit"
    assert load_project(project).accounts.set_index("account_id").loc["C1", "potential"] == 50000
    assert report.read_text(encoding="utf-8").splitlines() == ["kind,row,column,problem"]


def test_cli_reimport_keeps_locks(tmp_path) -> None:
    project = tmp_path / "p.gpkg"
    assert run_cli("import", str(project), str(DATA / "reimport_v1.csv")).returncode == 0
    p = load_project(project)
    p.accounts.loc[p.accounts["account_id"] == "A2", ["territory_id", "locked"]] = ["T-KEEP", True]
    p.accounts.loc[p.accounts["account_id"] == "A3", ["lat", "lon", "geocode"]] = [
        33.0,
        -97.0,
        "manual",
    ]
    save_project(p, project)
    done = run_cli("import", str(project), str(DATA / "reimport_v2.csv"), "--json")
    data = json.loads(done.stdout)
    assert (data["added"], data["changed"], data["not_in_file"]) == (1, 1, 1)
    a = load_project(project).accounts.set_index("account_id")
    assert a.loc["A1", "name"] == "Acme Tools Renamed"
    assert a.loc["A1", "annual_revenue"] == 150000
    assert (a.loc["A2", "territory_id"], bool(a.loc["A2", "locked"])) == ("T-KEEP", True)
    assert (a.loc["A3", "geocode"], a.loc["A3", "lat"]) == ("manual", 33.0)
    assert "A4" in a.index
    removed = run_cli(
        "import", str(project), str(DATA / "reimport_v2.csv"), "--remove-missing", "--json"
    )
    assert json.loads(removed.stdout)["removed"] == 1
    assert sorted(load_project(project).accounts["account_id"]) == ["A1", "A2", "A4"]


def test_cli_reps(tmp_path) -> None:
    project = tmp_path / "p.gpkg"
    done = run_cli("reps", str(project), str(DATA / "reps.csv"), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["imported"], data["added"], data["project_reps"]) == (3, 3, 3)
    assert len(load_project(project).reps) == 3
