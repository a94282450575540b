"""Exported workbooks print readably: no column too narrow for what it shows ("###")."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from territory_planner.io.calendar_export import write_calendar_xlsx
from territory_planner.io.export import write_table_xlsx
from territory_planner.io.workbook_layout import (
    PADDING,
    TEXT_WIDTH_LIMIT,
    ColumnFit,
    shown_text,
    text_width,
)
from tests.unit.printout_fixtures import LONG_NAME, LONG_REASON, calendar_plan, shown


def assert_columns_fit(path: Path, *, titles: int = 0) -> None:
    """Every column of every sheet is at least as wide as the longest text a cell of it shows.

    The first `titles` rows of a sheet hold a title that runs over the empty cells
    beside it; text longer than a printed column holds must wrap instead.
    """
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        first_row = 1 + (titles if sheet.title != "Summary" else 0)
        for column in sheet.iter_cols(min_row=first_row):
            letter = column[0].column_letter
            width = sheet.column_dimensions[letter].width
            for cell in column:
                text = shown(cell.value, cell.number_format)
                needed = len(text) * (1.1 if cell.font.b else 1.0)
                if needed > TEXT_WIDTH_LIMIT:
                    assert cell.alignment.wrap_text, (sheet.title, cell.coordinate, text)
                    assert width >= TEXT_WIDTH_LIMIT
                else:
                    assert width >= needed, (sheet.title, cell.coordinate, text, width)


def assert_prints_readably(sheet, header_row: int) -> None:
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.oddFooter.left.text == "&A"
    assert sheet.oddFooter.right.text == "Page &P of &N"


def test_calendar_columns_fit_their_dates_numbers_and_bold_headers(tmp_path) -> None:
    path = write_calendar_xlsx([calendar_plan()], tmp_path / "calendar.xlsx")
    assert_columns_fit(path, titles=1)
    sheet = openpyxl.load_workbook(path)["Dana Whitfield"]
    assert sheet["B4"].value == datetime(2026, 12, 9)  # noqa: DTZ001 (a date)
    assert sheet["B4"].number_format == "ddd dd mmm yyyy"
    assert sheet.column_dimensions["B"].width >= len("Wed 09 Dec 2026")  # printed "###" at 12
    assert sheet["A1"].value.startswith("Dana Whitfield: visit calendar, 1 week from")
    assert all(sheet.cell(1, c).value is None for c in range(2, 16))  # room for the title
    name_cell = next(c for c in sheet["H"] if c.value == LONG_NAME)
    assert name_cell.alignment.wrap_text


def test_calendar_sheets_print_with_header_rows_footer_and_the_left_out_list(tmp_path) -> None:
    path = write_calendar_xlsx([calendar_plan()], tmp_path / "calendar.xlsx")
    book = openpyxl.load_workbook(path)
    summary, calendar = book["Summary"], book["Dana Whitfield"]
    assert_prints_readably(summary, header_row=1)
    assert_prints_readably(calendar, header_row=3)
    assert calendar.page_setup.orientation == "landscape"  # 15 columns
    reason = next(c for c in calendar["I"] if c.value == LONG_REASON)
    assert calendar.print_area == f"'Dana Whitfield'!$A$1:$O${reason.row}"  # the list prints too
    assert calendar.auto_filter.ref == "A3:O6"  # the filter covers the visits only
    assert summary.print_area == "'Summary'!$A$1:$K$2"
    assert summary["G2"].number_format == "0%"


def test_table_export_columns_fit_and_print(tmp_path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["A1", "A2", "A3"],
            "when": pd.to_datetime(["2026-12-07 08:30", "2026-12-08 17:05", None]),
            "day": [date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11)],
            "revenue": [12345678901.0, -5.0, 0.25],
            "note": ["short", "x" * 80, None],
            "ok": [True, False, True],
        }
    )
    path = tmp_path / "table.xlsx"
    assert write_table_xlsx(frame, path, "Upsell") == 3
    assert_columns_fit(path)
    sheet = openpyxl.load_workbook(path)["Upsell"]
    assert sheet.column_dimensions["B"].width >= len("2026-12-08 17:05:00")
    assert sheet.column_dimensions["E"].width == TEXT_WIDTH_LIMIT + PADDING
    assert sheet["E3"].alignment.wrap_text
    assert not sheet["E2"].alignment.wrap_text
    assert_prints_readably(sheet, header_row=1)
    assert sheet.page_setup.orientation == "landscape"  # over 100 characters wide
    assert sheet.print_area == "'Upsell'!$A$1:$F$4"


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (date(2026, 12, 7), "ddd dd mmm yyyy", "Mon 07 Dec 2026"),
        (datetime(2026, 12, 7, 8, 5), "General", "2026-12-07 08:05:00"),  # noqa: DTZ001
        (0.853, "0%", "85%"),
        (12345.0, "#,##0", "12,345"),
        (12.44, "0.0", "12.4"),
        (1 / 3, "General", "0.3333333333"),
        (7.0, "General", "7"),
        (None, "General", ""),
        (True, "General", "TRUE"),
    ],
)
def test_shown_text_follows_the_number_format(value, number_format, text) -> None:
    assert shown_text(value, number_format) == text


def test_text_width_counts_bold_wide_characters_and_the_longest_line() -> None:
    assert text_width("Date") == 4
    assert text_width("Date", bold=True) == pytest.approx(4.4)
    assert text_width("東京都") == 6
    assert text_width("short\na longer line") == 13
    fit = ColumnFit()
    fit.add(1, "Date", bold=True)
    fit.add(1, date(2026, 12, 9), "ddd dd mmm yyyy")  # 15 characters, plus room for names
    assert fit.width(1) == 15 + 2 + PADDING
    assert fit.width(2) == 4  # an empty column keeps a minimum width
