"""Read a CRM export (CSV in any common dialect, or XLSX) into a table of text cells.

Every cell comes back as a string (empty for a blank cell) so that parsing
and validation happen in one place, with the row numbers a spreadsheet shows:
the header is row 1 of a CSV (or its real row in a sheet) and a quoted cell
with line breaks stays one row.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from territory_planner._errors import InputError
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


def sniff_encoding(sample: bytes, *, whole_file: bool = False) -> str:
    """UTF-16/UTF-8 by their byte order marks, UTF-8 if it decodes, else Windows-1252.

    A sample cut from a longer file may end inside a UTF-8 character, so an
    error in its last 3 bytes does not count unless `whole_file`.
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if whole_file or exc.start < len(sample) - 3:
            return "cp1252"
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent, widest rows."""
    lines = text.splitlines()[:50]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = [
            len(r) for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)
        ]
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
        msg = f"there is no row {index + 1} to use as the header; the file has {numbers[-1]} rows"
        raise InputError(msg, file=source)
    header = _unique_headers(records[index])
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
    handle: IO[str], delimiter: str, size: int, progress: Progress, cancel: CancelToken
) -> Iterator[tuple[list[str], int]]:
    reader = csv.reader(handle, delimiter=delimiter, strict=True)  # an unclosed quote is an error
    number = 0
    for number, record in enumerate(reader, start=1):
        if number % 20000 == 0:
            cancel.raise_if_cancelled()
            progress(min(0.99, handle.buffer.tell() / max(size, 1)), f"Reading row {number:,}")  # type: ignore[attr-defined]
        yield record, number


def read_csv(
    path: Path,
    *,
    header_row: int | None = None,
    max_rows: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> RawTable:
    """Read a delimited text file; see `read_table`."""
    cancel = cancel or CancelToken()
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        msg = "this is not a text file (it contains binary data); export the data as CSV or XLSX"
        raise InputError(msg, file=str(path))
    encoding = sniff_encoding(sample, whole_file=len(sample) < SAMPLE_BYTES)
    delimiter = sniff_delimiter(sample.decode(encoding, errors="replace").lstrip("\ufeff"))
    try:
        records, numbers = _csv_rows(
            path, encoding, delimiter, max_rows=max_rows, progress=progress, cancel=cancel
        )
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            msg = f"the text is not valid {encoding}; save it as UTF-8 and import again"
            raise InputError(msg, file=str(path)) from exc
        # UTF-8 in the sample, Windows-1252 further down: the file is Windows-1252.
        encoding = "cp1252"
        records, numbers = _csv_rows(
            path, encoding, delimiter, max_rows=max_rows, progress=progress, cancel=cancel
        )
    _drop_trailing_empty(records, numbers)
    frame, rows, header, ragged = _table(records, numbers, str(path), _index(header_row))
    progress(1.0, f"Read {len(frame):,} rows")
    return RawTable(frame, rows, str(path), header, encoding, delimiter, ragged=ragged)


def _csv_rows(
    path: Path,
    encoding: str,
    delimiter: str,
    *,
    max_rows: int | None,
    progress: Progress,
    cancel: CancelToken,
) -> tuple[list[list[str]], list[int]]:
    records: list[list[str]] = []
    numbers: list[int] = []
    size = path.stat().st_size
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        try:
            for record, number in _csv_records(text, delimiter, size, progress, cancel):
                records.append(record)
                numbers.append(number)
                if max_rows is not None and number >= max_rows:
                    break
        except csv.Error as exc:
            msg = (
                f"cannot read the CSV near row {len(records) + 1} ({exc}); check the quote "
                'marks (") in that row: a quoted cell must end with a quote'
            )
            raise InputError(msg, file=str(path)) from exc
    return records, numbers


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
    """Read one sheet of an Excel workbook; see `read_table`."""
    import openpyxl  # noqa: PLC0415 (slow import, only for Excel files)

    cancel = cancel or CancelToken()
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

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
            records.append([_cell_text(v) for v in values])
            numbers.append(number)
            if max_rows is not None and number >= max_rows:
                break
    finally:
        book.close()
        handle.close()
    _drop_trailing_empty(records, numbers)
    frame, rows, header, ragged = _table(
        records, numbers, f"{path} (sheet '{sheet}')", _index(header_row)
    )
    progress(1.0, f"Read {len(frame):,} rows")
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
