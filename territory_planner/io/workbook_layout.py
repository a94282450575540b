"""Excel sheets that print well: columns as wide as what they show, pages that fit.

Every workbook the app writes goes through `ColumnFit` (how wide each column
must be for the text its cells show, number formats and bold headers
included) and `lay_out_for_print` (those widths, the header repeated on
every page, one page wide, landscape when the sheet is wide, a footer with
the sheet's name and the page number). A column too narrow for a date or a
number prints as "###"; one too narrow for text cuts it off.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from typing import Any

#: Widest a column gets (in characters); longer text wraps onto more lines.
TEXT_WIDTH_LIMIT = 60
#: Narrowest a column gets (in characters).
MIN_WIDTH = 4
#: Room for the cell's margins and a filter button (in characters).
PADDING = 2
#: Bold text is about a tenth wider than regular text.
BOLD_FACTOR = 1.1
#: Day and month names are longer in some languages than in English ("Mon" / "lun.").
NAME_ROOM = 2
#: Widest sheet (in characters) that still prints readably on portrait A4 or Letter.
PORTRAIT_WIDTH = 90
#: Excel's date and time formats the exports use, as `datetime.strftime` formats.
DATE_FORMATS = {
    "ddd dd mmm yyyy": "%a %d %b %Y",
    "hh:mm": "%H:%M",
    "yyyy-mm-dd": "%Y-%m-%d",
    "yyyy-mm-dd h:mm:ss": "%Y-%m-%d %H:%M:%S",
    "h:mm:ss": "%H:%M:%S",
}
#: Excel's number formats the exports use, as Python formats (``%`` multiplies by 100).
NUMBER_FORMATS = {"0": "{:.0f}", "0.0": "{:.1f}", "0%": "{:.0%}", "#,##0": "{:,.0f}"}
#: The format openpyxl gives a cell by the type of its value, when none is set.
DEFAULT_FORMATS = (
    (datetime, "yyyy-mm-dd h:mm:ss"),
    (date, "yyyy-mm-dd"),
    (time, "h:mm:ss"),
)
FOOTER_LEFT = "&A"
FOOTER_RIGHT = "Page &P of &N"


def shown_text(value: object, number_format: str = "General") -> str:
    """The text a spreadsheet shows for `value` in a cell of `number_format`.

    Parameters
    ----------
    value
        The cell's value: text, a number, a date or time, or None.
    number_format
        The cell's Excel number format; the formats the exports use are
        known (see `DATE_FORMATS` and `NUMBER_FORMATS`), others show the
        value as Python prints it.

    Returns
    -------
    str
        The text, as in English; a spreadsheet in another language may show
        longer day and month names (`text_width` leaves room for them).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date | time):
        if number_format == "General":
            number_format = next(f for kind, f in DEFAULT_FORMATS if isinstance(value, kind))
        pattern = DATE_FORMATS.get(number_format)
        return value.strftime(pattern) if pattern else value.isoformat()
    if isinstance(value, int | float):
        return _number_text(value, number_format)
    return str(value)


def _number_text(value: int | float, number_format: str) -> str:
    pattern = NUMBER_FORMATS.get(number_format)
    if pattern:
        return pattern.format(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.10g}"  # Excel's "General" shows at most about 11 characters
    return f"{value:.0f}"


def text_width(text: str, *, bold: bool = False, names: bool = False) -> float:
    """How wide `text` is, in Excel's column width unit (about one character).

    Wide (East Asian) characters count twice; bold text is `BOLD_FACTOR` wider;
    `names` (text with day or month names) gets `NAME_ROOM` more. Of text on
    several lines, the longest line counts.

    Parameters
    ----------
    text
        The cell's text as shown.
    bold
        The text is bold.
    names
        The text holds day or month names.

    Returns
    -------
    float
        The width, in Excel's column width unit.
    """
    longest = 0
    for line in text.split("\n"):
        size = len(line)
        if not line.isascii():
            size += sum(unicodedata.east_asian_width(c) in "WF" for c in line)
        longest = max(longest, size)
    return longest * (BOLD_FACTOR if bold else 1.0) + (NAME_ROOM if names else 0)


class ColumnFit:
    """The width each column of a sheet needs for the text its cells show.

    Count every cell with `add` (or a whole column with `add_column`), then
    give the result to `lay_out_for_print`.
    """

    def __init__(self) -> None:
        self.widths: dict[int, float] = {}

    def add(
        self, column: int, value: object, number_format: str = "General", *, bold: bool = False
    ) -> bool:
        """Count one cell of `column` (1-based).

        Parameters
        ----------
        column
            The column's number, from 1.
        value
            The cell's value.
        number_format
            The cell's Excel number format ("General" by default), which decides the text shown.
        bold
            The cell is bold.

        Returns
        -------
        bool
            Whether the cell's text is longer than `TEXT_WIDTH_LIMIT`: the
            caller should let it wrap.
        """
        names = "ddd" in number_format or "mmm" in number_format
        width = text_width(shown_text(value, number_format), bold=bold, names=names)
        self.widths[column] = max(self.widths.get(column, 0.0), width)
        return isinstance(value, str) and width > TEXT_WIDTH_LIMIT

    def add_column(self, column: int, values: list[Any]) -> bool:
        """Count cells of `column` that have the default format (a table export's cells).

        Parameters
        ----------
        column
            The column's number, from 1.
        values
            The column's values.

        Returns
        -------
        bool
            Whether some text is longer than `TEXT_WIDTH_LIMIT` (see `add`).
        """
        texts = {shown_text(v) for v in values}  # a column repeats itself a lot
        widest = max((text_width(t) for t in texts), default=0.0)
        self.widths[column] = max(self.widths.get(column, 0.0), widest)
        return widest > TEXT_WIDTH_LIMIT

    def width(self, column: int) -> float:
        """The width to give `column`: its widest text plus padding, within the limits.

        Parameters
        ----------
        column
            The column's number, from 1 (one never counted gets the smallest width).

        Returns
        -------
        float
            The width in Excel's unit, from `MIN_WIDTH` to `TEXT_WIDTH_LIMIT` + `PADDING`.
        """
        needed = self.widths.get(column, 0.0) + PADDING
        return round(min(max(needed, MIN_WIDTH), TEXT_WIDTH_LIMIT + PADDING), 1)


def lay_out_for_print(
    sheet: Any, fit: ColumnFit, *, columns: int, last_row: int, header_row: int = 1
) -> None:
    """Set column widths and print settings that make `sheet` print readably.

    Columns get the widths of `fit`; each printed page repeats the header
    row, is one page wide (on A4 or Letter), landscape when the columns are
    wider than `PORTRAIT_WIDTH`, and has the sheet's name and "Page n of m"
    in its footer. The print area covers columns 1 to `columns` and rows 1
    to `last_row`. On a write-only sheet, call this before the first row is
    written.

    Parameters
    ----------
    sheet
        An openpyxl worksheet (a write-only one too).
    fit
        The widths the sheet's cells need.
    columns, last_row
        The last column and row that hold something.
    header_row
        The row of column headers (printed at the top of every page).
    """
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 (slow import)

    total = 0.0
    for column in range(1, columns + 1):
        width = fit.width(column)
        sheet.column_dimensions[get_column_letter(column)].width = width
        total += width
    last_row = max(last_row, header_row)
    sheet.print_area = f"A1:{get_column_letter(max(columns, 1))}{last_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape" if total > PORTRAIT_WIDTH else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.left.text = FOOTER_LEFT
    sheet.oddFooter.right.text = FOOTER_RIGHT
