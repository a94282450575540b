"""Read a CRM export (CSV in any common dialect, or XLSX) into a table of text cells.

Every cell comes back as a string (empty for a blank cell) so that parsing
and validation happen in one place, with the row numbers a spreadsheet shows:
the header is row 1 of a CSV (or its real row in a sheet) and a quoted cell
with line breaks stays one row.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from territory_planner._errors import InputError
from territory_planner.formats import plural
from territory_planner.io.file_text import (
    _MAX_NOTES,
    _ODD_BYTES,
    _decode,
    _line_numbers,
    _read_limited,
    sniff_encoding,
)
from territory_planner.io.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_RECORD_CHARS,
    MAX_ROWS,
)
from territory_planner.io.workbook_guard import BROKEN_XML, NOT_VALID_XML, check_workbook
from territory_planner.tasks import CancelToken, Progress, no_progress

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 30
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class RawTable:
    """Text cells of one table, with where each row came from.

    Attributes
    ----------
    frame
        One column per header (names made unique, blank ones named
        "Column N"), every cell a string.
    rows
        For each frame row, its 1-based row number in the file.
    ragged
        Rows with more cells than the header (misaligned data): (row, cells).
        Shorter rows are padded with empty cells.
    notes
        Warnings about how rows were read (row, message): characters read
        in another encoding, NUL characters removed.
    """

    frame: pd.DataFrame
    rows: list[int]
    source: str
    header_row: int
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    ragged: list[tuple[int, int]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent, widest rows.

    Parameters
    ----------
    text
        The file's first characters (its first 50 lines are tried).

    Returns
    -------
    str
        One of `DELIMITERS`; "," when no line has text.
    """
    lines = text.splitlines()[:50]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        with _field_size_limit(MAX_RECORD_CHARS):
            rows = list(csv.reader(lines, delimiter=delimiter))
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count / len(widths) if width > 1 else 0.0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _unique_headers(cells: list[str]) -> list[str]:
    """Header names made unique ("Notes", "Notes (2)", ...); blank ones named "Column N"."""
    used: set[str] = set()
    names = []
    for number, cell in enumerate(cells, start=1):
        base = " ".join(cell.split()) or f"Column {number}"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base} ({n})"
        used.add(name)
        names.append(name)
    return names


def _header_index(records: list[list[str]]) -> int:
    """The first of the leading rows that looks like a header: wide and mostly text."""
    head = records[:HEADER_SEARCH_ROWS]
    widest = max((sum(1 for c in r if c.strip()) for r in head), default=0)
    for index, record in enumerate(head):
        filled = [c for c in record if c.strip()]
        texty = sum(1 for c in filled if not _is_number(c))
        if filled and len(filled) >= max(2, widest // 2) and texty >= len(filled) / 2:
            return index
    return 0


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _table(
    records: list[list[str]], numbers: list[int], source: str, header_index: int | None
) -> tuple[pd.DataFrame, list[int], int, list[tuple[int, int]]]:
    if not records:
        msg = "the file is empty: it has no header row and no data"
        raise InputError(msg, file=source)
    index = _header_index(records) if header_index is None else header_index
    if index < 0:
        msg = "the header row is counted from 1 (the first row of the file)"
        raise InputError(msg, file=source)
    if index >= len(records):
        msg = (
            f"there is no row {index + 1} to use as the header; "
            f"the file has {plural(numbers[-1], 'row')}"
        )
        raise InputError(msg, file=source)
    header = _unique_headers(records[index])
    _check_cells(records, numbers, header, index, source)
    width = len(header)
    body, rows, ragged = [], [], []
    for record, number in zip(records[index + 1 :], numbers[index + 1 :], strict=True):
        if len(record) > width and any(c.strip() for c in record[width:]):
            ragged.append((number, len(record)))
            continue
        body.append((record + [""] * width)[:width])
        rows.append(number)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    unnamed = [
        name
        for cell, name in zip(records[index], header, strict=False)
        if not cell.strip() and (frame[name] == "").all()
    ]
    frame = frame.drop(columns=unnamed)  # a trailing delimiter on every line is not a column
    return frame, rows, numbers[index], ragged


def _csv_records(
    text: str, delimiter: str, progress: Progress, cancel: CancelToken
) -> Iterator[tuple[list[str], int, int]]:
    """Each record, its number (from 1) and the line of the text it ends on."""
    handle = io.StringIO(text, newline="")
    lines = max(text.count("\n"), 1)
    reader = csv.reader(handle, delimiter=delimiter, strict=True)  # an unclosed quote is an error
    with _field_size_limit(MAX_RECORD_CHARS):
        for number, record in enumerate(reader, start=1):
            if number % 20000 == 0:
                cancel.raise_if_cancelled()
                progress(min(0.99, reader.line_num / lines), f"Reading row {number:,}")
            yield record, number, reader.line_num


@contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    """Python's csv field limit (131,072 characters) raised while reading, then restored."""
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def read_csv(
    path: Path,
    *,
    header_row: int | None = None,
    max_rows: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> RawTable:
    """Read a delimited text file; see `read_table`.

    Parameters
    ----------
    path
        The file (binary content raises `InputError`).
    header_row, max_rows, progress, cancel
        As for `read_table`.

    Returns
    -------
    RawTable
        The cells, with the encoding and delimiter found.
    """
    cancel = cancel or CancelToken()
    data = _read_limited(path)
    sample = bytes(data[:SAMPLE_BYTES])
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        msg = "this is not a text file (it contains binary data); export the data as CSV or XLSX"
        raise InputError(msg, file=str(path))
    encoding = sniff_encoding(sample, whole_file=len(data) <= SAMPLE_BYTES)
    text, odd_lines = _decode(data, encoding, str(path))
    nul_lines = _lines_of(text, "\x00")
    text = text.replace("\x00", "").lstrip("\ufeff")
    delimiter = sniff_delimiter(text[:SAMPLE_BYTES])
    records, numbers, ends = _csv_rows(
        text, delimiter, str(path), max_rows=max_rows, progress=progress, cancel=cancel
    )
    notes = [(r, _ODD_BYTES.format(encoding)) for r in _records_of(odd_lines, ends, numbers)]
    notes += [(r, _NUL) for r in _records_of(nul_lines, ends, numbers)]
    _drop_trailing_empty(records, numbers)
    frame, rows, header, ragged = _table(records, numbers, str(path), _index(header_row))
    progress(1.0, f"Read {plural(len(frame), 'row')}")
    return RawTable(
        frame, rows, str(path), header, encoding, delimiter, ragged=ragged, notes=sorted(notes)
    )


_NUL = "a NUL character (a byte of zeros) was removed from this row"


def _lines_of(text: str, character: str) -> list[int]:
    """Lines (from 1) holding `character`, at most `_MAX_NOTES`."""
    offsets: list[int] = []
    at = text.find(character)
    while at >= 0 and len(offsets) < _MAX_NOTES:
        offsets.append(at)
        at = text.find(character, at + 1)
    return _line_numbers(text, "\n", offsets)


def _records_of(lines: list[int], ends: list[int], numbers: list[int]) -> list[int]:
    """The record number holding each line (a quoted cell may span lines), each once."""
    found = {numbers[min(bisect.bisect_left(ends, line), len(ends) - 1)] for line in lines if ends}
    return sorted(found)


def _csv_rows(
    text: str,
    delimiter: str,
    source: str,
    *,
    max_rows: int | None,
    progress: Progress,
    cancel: CancelToken,
) -> tuple[list[list[str]], list[int], list[int]]:
    records: list[list[str]] = []
    numbers: list[int] = []
    ends: list[int] = []
    try:
        for record, number, end in _csv_records(text, delimiter, progress, cancel):
            _check_record(record, number, source)
            records.append(record)
            numbers.append(number)
            ends.append(end)
            if max_rows is not None and number >= max_rows:
                break
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            msg = (
                f"a cell is longer than {MAX_RECORD_CHARS:,} characters (a cell may hold "
                f'{MAX_CELL_CHARS:,}); nothing was imported: check the quote marks (") in '
                "that row and export the file again"
            )
            raise InputError(msg, file=source, row=len(records) + 1) from exc
        msg = (
            f"cannot read the CSV near row {len(records) + 1} ({exc}); check the quote "
            'marks (") in that row: a quoted cell must end with a quote'
        )
        raise InputError(msg, file=source) from exc
    return records, numbers, ends


def _check_record(record: list[str], number: int, source: str) -> None:
    """Refuse a file as soon as a record passes the row or column limit."""
    if number > MAX_ROWS:
        msg = (
            f"the file has more than {MAX_ROWS:,} rows, more than a project holds; "
            "nothing was imported: split it into smaller files"
        )
        raise InputError(msg, file=source)
    if len(record) > MAX_COLUMNS:
        msg = (
            f"this row has {len(record):,} columns, more than the {MAX_COLUMNS:,} a project "
            "can hold; nothing was imported: export only the columns you need"
        )
        raise InputError(msg, file=source, row=number)


def _check_cells(
    records: list[list[str]], numbers: list[int], header: list[str], at: int, source: str
) -> None:
    """Refuse a cell longer than `MAX_CELL_CHARS`, naming its row and column."""
    for index, (record, number) in enumerate(zip(records, numbers, strict=True)):
        if record and max(map(len, record)) > MAX_CELL_CHARS:
            column = next(i for i, c in enumerate(record) if len(c) > MAX_CELL_CHARS)
            name = header[column] if index > at and column < len(header) else None
            msg = (
                f"a cell has {len(record[column]):,} characters, more than the "
                f"{MAX_CELL_CHARS:,} a cell may hold (Excel's limit too); nothing was imported, "
                "so no text is cut: shorten that cell and import again"
            )
            name = name or f"Column {column + 1}"
            raise InputError(msg, file=source, row=number, column=name)


def _drop_trailing_empty(records: list[list[str]], numbers: list[int]) -> None:
    """Blank lines at the end of a file (or formatted empty rows of a sheet) are not data."""
    while records and not any(c.strip() for c in records[-1]):
        records.pop()
        numbers.pop()


def _index(header_row: int | None) -> int | None:
    return None if header_row is None else header_row - 1


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(
    path: Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    max_rows: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> RawTable:
    """Read one sheet of an Excel workbook; see `read_table`.

    Parameters
    ----------
    path
        The workbook (damaged, protected or not XLSX raises `InputError`).
    sheet, header_row, max_rows, progress, cancel
        As for `read_table`.

    Returns
    -------
    RawTable
        The cells, with the sheet read and every sheet's name.
    """
    import openpyxl  # noqa: PLC0415 (slow import, only for Excel files)

    cancel = cancel or CancelToken()
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    check_workbook(path)
    handle = path.open("rb")  # a file object: openpyxl would refuse an .xlsx named .csv
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
        handle.close()
        msg = (
            "cannot open this Excel file (damaged, password-protected or not XLSX); "
            "save it again as XLSX or CSV"
        )
        raise InputError(msg, file=str(path)) from exc
    try:
        names = list(book.sheetnames)
        if sheet is None:
            sheet = next((n for n in names if book[n].max_row and book[n].max_row > 1), names[0])
        if sheet not in names:
            msg = f"there is no sheet '{sheet}'; the sheets are: {', '.join(names)}"
            raise InputError(msg, file=str(path))
        worksheet = book[sheet]
        total = worksheet.max_row or 1
        records, numbers = [], []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number % 20000 == 0:
                cancel.raise_if_cancelled()
                progress(min(0.99, number / total), f"Reading row {number:,}")
            record = [_cell_text(v) for v in values]
            _check_record(record, number, f"{path} (sheet '{sheet}')")
            records.append(record)
            numbers.append(number)
            if max_rows is not None and number >= max_rows:
                break
    except BROKEN_XML as exc:
        raise InputError(NOT_VALID_XML, file=str(path)) from exc
    finally:
        book.close()
        handle.close()
    _drop_trailing_empty(records, numbers)
    frame, rows, header, ragged = _table(
        records, numbers, f"{path} (sheet '{sheet}')", _index(header_row)
    )
    progress(1.0, f"Read {plural(len(frame), 'row')}")
    return RawTable(frame, rows, str(path), header, sheet=sheet, sheets=names, ragged=ragged)


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    max_rows: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> RawTable:
    """Read a CSV or XLSX file, whatever its extension says.

    Parameters
    ----------
    path
        The file. Its first bytes decide how it is read: an XLSX renamed
        ``.csv`` still reads as Excel.
    sheet
        For a workbook: the sheet (default: the first with data).
    header_row
        1-based row of the column names (default: detected: the first
        wide row of mostly text, skipping titles above the table).
    max_rows
        Stop after this many rows of the file (for a quick preview).
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    RawTable
        The file's cells as text, with each row's line in the file.

    Raises
    ------
    InputError
        Naming the file and what to do: missing, empty, binary, old
        ``.xls``, damaged workbook, undecodable text.
    """
    source = Path(path)
    if not source.is_file():
        msg = "file not found; check the path"
        raise InputError(msg, file=str(source))
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        msg = (
            f"the file has {size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}; "
            "nothing was imported: split it into smaller files"
        )
        raise InputError(msg, file=str(source))
    with source.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(XLSX_MAGIC):
        return read_xlsx(
            source, sheet=sheet, header_row=header_row, max_rows=max_rows,
            progress=progress, cancel=cancel,
        )  # fmt: skip
    if magic.startswith(XLS_MAGIC):
        msg = (
            "this is an old Excel 97-2003 (.xls) file; "
            "open it in Excel or LibreOffice and save it as .xlsx or CSV"
        )
        raise InputError(msg, file=str(source))
    return read_csv(
        source, header_row=header_row, max_rows=max_rows, progress=progress, cancel=cancel
    )
