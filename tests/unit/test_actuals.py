"""Importing actuals: periods, CRM headers, every rejected row explained, merge, project file."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territory_planner._errors import InputError
from territory_planner.io.actuals_import import (
    actuals_after_import,
    merge_actuals,
    parse_period,
    read_actuals,
)
from territory_planner.io.project_file import ACTUALS_LAYER, load_project, save_project
from territory_planner.model import ACTUAL_COLUMNS, Project, conform, period_bounds
from tests.unit.actuals_fixture import ACTUALS_CSV, make_project

IDS = [f"A{i}" for i in range(1, 8)]


def _write(tmp_path: Path, text: str, name: str = "actuals.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2026-03", "2026-03"),
        ("2026/3", "2026-03"),
        ("03/2026", "2026-03"),
        ("202603", "2026-03"),
        ("Mar 2026", "2026-03"),
        ("March-26", "2026-03"),
        ("Sept. 2025", "2025-09"),
        ("2026 Mar", "2026-03"),
        ("2026Q1", "2026Q1"),
        ("2026-q4", "2026Q4"),
        ("Q2 2026", "2026Q2"),
        ("q3-26", "2026Q3"),
        ("FY2026 Q1", "2026Q1"),
        ("2026-03-15", "2026-03"),
        ("3/15/2026", "2026-03"),
        ("15.03.2026", "2026-03"),
        ("2026-03-15 00:00:00", "2026-03"),
        ("2026-03-15T09:30:00", "2026-03"),
        ("46096", "2026-03"),  # Excel serial of 2026-03-15
        ("", ""),
        ("  ", ""),
        ("2026-13", None),
        ("2026Q5", None),
        ("13/2026", None),
        ("Smarch 2026", None),
        ("next month", None),
        ("1850-01", None),
    ],
)
def test_parse_period(text: str, period: str | None) -> None:
    assert parse_period(text) == period


def test_period_bounds() -> None:
    assert period_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_bounds("2028-02") == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert period_bounds("2026Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    with pytest.raises(ValueError, match="not a period"):
        period_bounds("2026-00")


def test_crm_export_is_mapped_and_repeated_periods_are_added_up(tmp_path) -> None:
    result = read_actuals(_write(tmp_path, ACTUALS_CSV), IDS)
    report = result.report.as_dict()
    assert report["mapping"] == {
        "account_id": "Account ID",
        "period": "Month",
        "sales": "Net Sales",
        "calls": "Calls",
        "meetings": "Meetings",
    }
    assert report["rows"] == report["imported"] == 18
    assert report["rejected"] == []
    # A1 2026-03-15 (2,000, 4 calls) and A1 2026-03-20 (1,000) are both March 2026.
    assert report["combined_rows"] == 1
    assert report["warnings"][0]["row"] == 0
    assert "added up" in report["warnings"][0]["message"]
    actuals = result.actuals.set_index(["account_id", "period"])
    assert len(actuals) == 17
    assert actuals.loc[("A1", "2026-03"), "sales"] == 3000.0
    assert actuals.loc[("A1", "2026-03"), "calls"] == 4
    assert pd.isna(actuals.loc[("A1", "2026-03"), "meetings"])
    assert actuals.loc[("A5", "2026-03"), "sales"] == 1500.0  # "Mar 2026"
    assert actuals["emails"].isna().all()  # no emails column
    assert result.columns == ["sales", "calls", "meetings"]
    assert report["periods"][:3] == ["2025Q1", "2025-01", "2025-02"]  # a quarter before its months
    assert report["accounts"] == 7
    assert list(result.actuals.columns) == list(ACTUAL_COLUMNS)


def test_semicolon_csv_with_bom_and_european_numbers(tmp_path) -> None:
    text = "Kundennummer;Monat;Umsatz;Anrufe\nA1;2026-01;1.234,50;3\nA2;02/2026;12.000;\n"
    path = tmp_path / "umsatz.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    result = read_actuals(path, IDS)
    report = result.report.as_dict()
    assert report["encoding"] == "utf-8-sig"
    assert report["delimiter"] == ";"
    assert report["mapping"]["account_id"] == "Kundennummer"  # not "\ufeffKundennummer"
    assert report["imported"] == 2
    frame = result.actuals.set_index("account_id")
    assert frame.loc["A1", "sales"] == 1234.5
    assert frame.loc["A1", "calls"] == 3
    assert frame.loc["A2", "period"] == "2026-02"
    assert frame.loc["A2", "sales"] == 12000.0


BAD = """Account,Period,Sales,Calls
A1,2026-01,100,1
ZZ9,2026-01,100,
A2,2026-13,100,
A3,,100,
A4,2026-02,-100,
A5,2026-02,twelve,
A6,2026-02,100,2.5
A1,2026-02,100,-3
,2026-02,100,
A2,2026-03,,
,,,
A3,2026-03,100,1,extra
A4,Q1 2026,"1,500",2
"""


@pytest.mark.parametrize(
    ("cells", "values"),
    [
        (["12.000", "1.234,50"], [12_000.0, 1234.5]),  # decimal commas: the dot groups thousands
        (["12.000", "12.5"], [12.0, 12.5]),  # decimal points: 12.000 is twelve
        (["1,500", "$2,000.25"], [1500.0, 2000.25]),
    ],
)
def test_thousands_follow_the_columns_decimal_mark(tmp_path, cells, values) -> None:
    text = "Account ID;Month;Sales\n" + "".join(
        f"A1;2026-0{i + 1};{c}\n" for i, c in enumerate(cells)
    )
    result = read_actuals(_write(tmp_path, text), IDS)
    assert result.actuals["sales"].tolist() == values


def test_every_rejected_row_is_explained(tmp_path) -> None:
    path = _write(tmp_path, BAD)
    result = read_actuals(path, IDS, columns={"account_id": "Account"})
    report = result.report.as_dict()
    assert report["source"] == str(path)
    assert report["rows"] == 13
    assert report["imported"] == 2  # rows 2 and 14
    rejected = {r["row"]: r for r in report["rejected"]}
    assert sorted(rejected) == list(range(3, 14))

    def check(row: int, column: str | None, *words: str) -> None:
        entry = rejected[row]
        assert entry["column"] == column, entry
        for word in words:
            assert word in entry["reason"], entry

    check(3, "Account", "'ZZ9' is not in the project", "import the account first")
    check(4, "Period", "'2026-13' is not a period", "2026Q1")
    check(5, "Period", "missing period", "a month such as 2026-03")
    check(6, "Sales", "sales cannot be negative", "credit notes")
    check(7, "Sales", "'twelve' is not a number", "1234.50")
    check(8, "Calls", "'2.5' is not a whole number of calls")
    check(9, "Calls", "number of calls cannot be negative")
    check(10, "Account", "missing account ID")
    check(11, None, "no figure in this row", "Sales, Calls")
    check(12, None, "empty row")
    check(13, None, "has 5 cells but the header has 4")
    # Nothing of a rejected row is kept.
    assert sorted(result.actuals["period"]) == ["2026-01", "2026Q1"]
    assert result.actuals.set_index("account_id").loc["A4", "sales"] == 1500.0


def test_ids_that_lost_their_leading_zeros_get_a_hint(tmp_path) -> None:
    path = _write(tmp_path, "Customer ID,Date,Amount\n123,2026-01-05,10\n00456,2026-01-06,20\n")
    result = read_actuals(path, ["00123", "00456"])
    (rejected,) = result.report.rejected
    assert rejected["row"] == 2
    assert "the project has '00123'" in rejected["reason"]
    assert "format the column as text" in rejected["reason"]
    assert result.actuals["account_id"].tolist() == ["00456"]


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        ("Name,Month,Sales\nx,2026-01,1\n", None, "no column holds the account ID"),
        ("Account ID,Sales\nA1,1\n", None, "--column period=HEADER"),
        ("Account ID,Month,Notes\nA1,2026-01,x\n", None, "no column holds sales, calls"),
        ("Account ID,Month,Sales\nA1,2026-01,1\n", {"revenue": "Sales"}, "no actuals field"),
        ("Account ID,Month,Sales\nA1,2026-01,1\n", {"sales": "Amount"}, "no column 'Amount'"),
    ],
)
def test_files_missing_a_needed_column_are_refused(tmp_path, text, columns, message) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=message):
        read_actuals(path, IDS, columns=columns)


def test_header_chosen_by_hand(tmp_path) -> None:
    path = _write(tmp_path, "Cust,Per,Amt,Touches\nA1,2026Q2,50,4\n")
    result = read_actuals(
        path,
        IDS,
        columns={"account_id": "Cust", "period": "Per", "sales": "Amt", "calls": "Touches"},
    )
    row = result.actuals.iloc[0]
    assert (row["account_id"], row["period"], row["sales"], row["calls"]) == ("A1", "2026Q2", 50, 4)


def test_workbook_with_date_cells_and_a_title_row(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Sales by account and month"])
    sheet.append(["Account Number", "Invoice Date", "Sales Amount", "Meetings"])
    sheet.append(["A1", dt.datetime(2026, 1, 31), 1200.5, 2])  # noqa: DTZ001 (Excel: no zones)
    sheet.append(["A2", dt.datetime(2026, 2, 1), 800, None])  # noqa: DTZ001
    sheet.append(["A3", "2026-02-10", "bad", None])
    path = tmp_path / "actuals.xlsx"
    book.save(path)
    result = read_actuals(path, IDS)
    report = result.report.as_dict()
    assert report["header_row"] == 2
    assert report["imported"] == 2
    assert report["rejected"] == [
        {
            "row": 5,
            "column": "Sales Amount",
            "reason": "'bad' is not a number; give the sales as a number such as 1234.50, "
            "or leave the cell empty",
        }
    ]
    frame = result.actuals.set_index("account_id")
    assert frame.loc["A1", "period"] == "2026-01"
    assert frame.loc["A1", "sales"] == 1200.5
    assert frame.loc["A1", "meetings"] == 2
    assert frame.loc["A2", "period"] == "2026-02"


def test_reimport_replaces_only_the_figures_it_gives(tmp_path) -> None:
    project = make_project()
    first = read_actuals(_write(tmp_path, ACTUALS_CSV), IDS)
    project.actuals, summary = actuals_after_import(project, first)
    assert summary == {"added": 17, "updated": 0, "project_rows": 17}
    # A calls-only file: A1 January gets 12 calls (was 10), A2 April is new.
    calls = read_actuals(
        _write(tmp_path, "Account ID,Month,Calls\nA1,2026-01,12\nA2,2026-04,3\n", "calls.csv"),
        IDS,
    )
    assert calls.columns == ["calls"]
    project.actuals, summary = actuals_after_import(project, calls)
    assert summary == {"added": 1, "updated": 1, "project_rows": 18}
    frame = project.actuals.set_index(["account_id", "period"])
    assert frame.loc[("A1", "2026-01"), "calls"] == 12
    assert frame.loc[("A1", "2026-01"), "sales"] == 6000.0  # kept
    assert frame.loc[("A1", "2026-01"), "meetings"] == 2  # kept
    assert pd.isna(frame.loc[("A2", "2026-04"), "sales"])
    assert frame.loc[("A2", "2026-04"), "calls"] == 3
    assert list(project.actuals.columns) == list(ACTUAL_COLUMNS)


def test_merge_into_an_empty_table_keeps_the_schema() -> None:
    imported = conform(
        pd.DataFrame({"account_id": ["A1"], "period": ["2026-01"], "sales": [5.0]}),
        ACTUAL_COLUMNS,
    )
    merged, summary = merge_actuals(conform(pd.DataFrame(), ACTUAL_COLUMNS), imported, ["sales"])
    assert summary == {"added": 1, "updated": 0}
    assert merged["sales"].tolist() == [5.0]
    assert str(merged["calls"].dtype) == "Int64"


def test_quarter_and_months_of_one_account_are_flagged(tmp_path) -> None:
    project = make_project()
    result = read_actuals(
        _write(tmp_path, "Account ID,Period,Sales\nA1,2026-01,10\nA1,2026Q1,30\nA2,2026Q1,5\n"),
        IDS,
    )
    actuals_after_import(project, result)
    (warning,) = result.report.warnings
    assert "1 account quarter also has monthly figures" in warning["message"]
    assert "account 'A1': 2026Q1 and 2026-01" in warning["message"]


def test_actuals_round_trip_through_the_project_file(tmp_path) -> None:
    project = make_project()
    project.actuals, _ = actuals_after_import(
        project, read_actuals(_write(tmp_path, ACTUALS_CSV), IDS)
    )
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    back = load_project(path)
    pd.testing.assert_frame_equal(back.actuals, project.actuals)
    assert str(back.actuals["calls"].dtype) == "Int64"


def test_empty_actuals_round_trip(tmp_path) -> None:
    path = tmp_path / "empty.gpkg"
    save_project(Project.empty(), path)
    back = load_project(path)
    assert back.actuals.empty
    assert list(back.actuals.columns) == list(ACTUAL_COLUMNS)
    assert str(back.actuals["sales"].dtype) == "float64"


def test_files_saved_before_actuals_open_with_none(tmp_path) -> None:
    old = tmp_path / "old.gpkg"
    save_project(make_project(), old)
    with contextlib.closing(sqlite3.connect(old)) as db:  # as a file of the previous version
        db.execute(f"DROP TABLE {ACTUALS_LAYER}")
        db.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (ACTUALS_LAYER,))
        with contextlib.suppress(sqlite3.OperationalError):
            db.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = ?", (ACTUALS_LAYER,))
        db.commit()
    project = load_project(old)
    assert project.actuals.empty
    assert list(project.actuals.columns) == list(ACTUAL_COLUMNS)
    v1 = Path(__file__).resolve().parents[1] / "data" / "project_v1.gpkg"
    assert load_project(v1).actuals.empty


def test_large_file_reads_quickly(tmp_path) -> None:
    rng = np.random.default_rng(3)
    n = 50_000
    ids = [f"C{i:05d}" for i in range(5000)]
    frame = pd.DataFrame(
        {
            "Account ID": rng.choice(ids, n),
            "Month": [f"2026-{m:02d}" for m in rng.integers(1, 13, n)],
            "Sales": rng.integers(0, 10_000, n),
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    started = dt.datetime.now(dt.UTC)
    result = read_actuals(path, ids)
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    assert result.report.imported == n
    assert result.actuals["sales"].sum() == frame["Sales"].sum()
    assert seconds < 10
