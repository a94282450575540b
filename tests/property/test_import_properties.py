"""Account import on generated files: any text, delimiter, encoding, BOM and mix of bad rows.

Whatever the file holds, reading it either raises the product's `InputError`
or reports every data row: imported, or rejected with its row number and a
reason. When the file is read as it was written (its delimiter, encoding and
header found), the outcome is checked row by row against a plain-Python
oracle of the rules the README states (empty row, missing name or ID,
duplicate ID, too many cells).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, assume, event, example, given, note, settings
from hypothesis import strategies as st

from territory_planner._errors import InputError
from territory_planner.io.account_import import read_accounts
from territory_planner.io.table_reader import read_table
from tests.property.conftest import examples

T = TypeVar("T")
DELIMITERS = (",", ";", "\t")
#: How the generated text is written to disk, and how the reader should report it.
ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "cp1252": "cp1252"}
#: Characters that trouble CSV readers, over-represented on purpose.
AWKWARD = (
    ",", ";", "\t", "|", '"', "'", "\n", "\r", " ", "\u00a0", "\ufeff", "\u2028",
    "=", "+", "-", "@", "é", "€", "’", "ß", "😀", "中", "\u0301", "\x1f", "\x0b",
)  # fmt: skip
REALISTIC = (
    "Acme", "  Acme Corp  ", "Zoë's Café", "12", "1,234.50", "02134", "=1+1", "@SUM(A1:A2)",
    "-5", "weekly", "N/A", "Boston", "MA", "<img src=x onerror=alert(1)>",
)  # fmt: skip
ID_POOL = ("A1", "A2", "A3", " A1 ", "a1", "B-7", "100")

any_char = st.characters(codec="utf-8", exclude_characters="\x00")
free_text = st.text(alphabet=st.one_of(st.sampled_from(AWKWARD), any_char), max_size=10)
cell = st.one_of(st.just(""), st.sampled_from(REALISTIC), free_text)
blank = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000", "\x0b", "\x1f", "\x85", "\u2028"])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header (ID and name first, then custom columns) and rows of every kind."""
    custom = draw(st.lists(cell, max_size=3))
    header = ["Account ID", "Name", *custom]
    width = len(header)
    rows = []
    for kind in draw(
        st.lists(
            st.sampled_from(["good", "good", "good", "empty", "short", "ragged", "free"]),
            max_size=12,
        )
    ):
        if kind == "good":
            row = [
                draw(st.one_of(st.sampled_from(ID_POOL), cell)),
                draw(cell),
                *draw(st.lists(cell, min_size=width - 2, max_size=width - 2)),
            ]
        elif kind == "empty":
            row = draw(st.lists(blank, max_size=width))
        elif kind == "short":
            row = draw(st.lists(cell, min_size=1, max_size=width))
        elif kind == "ragged":
            row = draw(st.lists(cell, min_size=width + 1, max_size=width + 3))
        else:
            row = draw(st.lists(cell, max_size=width + 2))
        rows.append(row)
    return header, rows


def csv_text(records: list[list[str]], delimiter: str, terminator: str, quote_all: bool) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=delimiter,
        lineterminator=terminator,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(records)
    return out.getvalue()


def encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def attempt(
    read: Callable[..., T], *args: object, **kwargs: object
) -> tuple[T | None, InputError | None]:
    """The result of `read`, or the `InputError` it raised (any other exception fails the test)."""
    try:
        return read(*args, **kwargs), None
    except InputError as exc:
        return None, exc


def is_blank(text: str) -> bool:
    return not text.strip()


@dataclass
class Expected:
    """What the README's rules make of each data row (the oracle)."""

    rows: int = 0
    imported: list[tuple[str, str]] = field(default_factory=list)
    imported_rows: list[int] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)


def oracle(records: list[list[str]], header_index: int) -> Expected:
    """Rows after the header (trailing blank lines are not data), judged one by one."""
    width = len(records[header_index])
    data = list(enumerate(records[header_index + 1 :], start=header_index + 2))
    while data and all(is_blank(c) for c in data[-1][1]):
        data.pop()
    out = Expected(rows=len(data))
    seen: set[str] = set()
    for number, record in data:
        if len(record) > width and not all(is_blank(c) for c in record[width:]):
            out.rejected[number] = "cells but the header has"
            continue
        cells = (record + [""] * width)[:width]
        account_id, name = cells[0].strip(), cells[1].strip()
        if all(is_blank(c) for c in cells):
            out.rejected[number] = "empty row"
        elif not name:
            out.rejected[number] = "missing account name"
        elif not account_id:
            out.rejected[number] = "missing account ID"
        elif account_id in seen:
            out.rejected[number] = f"duplicate account ID '{account_id}'"
        else:
            seen.add(account_id)
            out.imported.append((account_id, name))
            out.imported_rows.append(number)
    return out


@settings(max_examples=examples(120), suppress_health_check=[HealthCheck.too_slow])
@given(
    table=tables(),
    dialect=st.tuples(st.sampled_from(DELIMITERS), st.sampled_from(["\r\n", "\n"]), st.booleans()),
    fixed_header=st.booleans(),
    data=st.data(),
)
def test_every_row_is_imported_or_rejected_with_a_reason(
    table: tuple[list[str], list[list[str]]],
    dialect: tuple[str, str, bool],
    fixed_header: bool,
    data: st.DataObject,
) -> None:
    header, rows = table
    delimiter, terminator, quote_all = dialect
    text = csv_text([header, *rows], delimiter, terminator, quote_all)
    encoding = data.draw(
        st.sampled_from([e for e in ENCODINGS if encodable(text, e)]), label="encoding"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.csv"
        path.write_bytes(text.encode(encoding))
        result, error = attempt(read_accounts, path, header_row=1 if fixed_header else None)
    if error is not None:
        note(f"InputError: {error}")
        event(f"InputError {error.reason[:40]}")
        assert str(error).startswith(str(path)), "the message names the file"
        assert "Traceback" not in str(error)
        return
    assert result is not None
    report = result.report.as_dict()
    note(f"report: {report}")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    expected = oracle(records, report["header_row"] - 1)

    # Counts add up, whatever the reader made of the file.
    rejected_rows = [r["row"] for r in report["rejected"]]
    assert report["imported"] == len(result.accounts)
    assert report["imported"] + len(rejected_rows) == report["rows"]
    assert len(set(rejected_rows)) == len(rejected_rows), "a row is rejected once"
    assert all(r["reason"] for r in report["rejected"])
    first, last = report["header_row"] + 1, report["header_row"] + report["rows"]
    assert all(first <= row <= last for row in rejected_rows)
    assert not {w["row"] for w in report["warnings"]} & set(rejected_rows)
    assert result.accounts["account_id"].notna().all()
    assert result.accounts["account_id"].is_unique
    assert result.accounts["name"].notna().all()

    read_as_written = (
        report["delimiter"] == delimiter
        and report["encoding"] in {ENCODINGS[encoding], "utf-8" if text.isascii() else ""}
        and report["mapping"].get("account_id") == "Account ID"
        and report["mapping"].get("name") == "Name"
    )
    event(f"read as written {read_as_written}")
    if not read_as_written:
        return
    assert report["rows"] == expected.rows
    got = {r["row"]: r["reason"] for r in report["rejected"]}
    assert sorted(got) == sorted(expected.rejected), (got, expected.rejected)
    for row, reason in expected.rejected.items():
        assert reason in got[row], (row, got[row])
    imported = list(zip(result.accounts["account_id"], result.accounts["name"], strict=True))
    assert imported == expected.imported
    assert {w["row"] for w in report["warnings"]} <= {0, *expected.imported_rows}


@settings(max_examples=examples(150))
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_any_bytes_give_a_table_or_an_input_error(content: bytes, suffix: str) -> None:
    """Random bytes (and broken workbooks) never escape as anything but InputError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(content)
        raw, error = attempt(read_table, path)
        if error is not None:
            assert str(path) in str(error)
            return
        assert raw is not None
        assert len(raw.rows) == len(raw.frame)
        assert all(isinstance(v, str) for v in raw.frame.to_numpy().ravel())
        result, error = attempt(read_accounts, path)
    if result is not None:
        report = result.report
        assert report.imported + len(report.rejected) == report.rows


@settings(max_examples=examples(60))
@given(
    head=st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xef\xbb\xbf", b"\xff\xfe"]),
    tail=st.binary(max_size=300),
)
def test_files_that_look_like_workbooks_or_unicode_fail_cleanly(head: bytes, tail: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.csv"
        path.write_bytes(head + tail)
        result, error = attempt(read_accounts, path)
    if error is not None:
        assert str(path) in str(error)
        return
    assert result is not None
    report = result.report
    assert report.imported + len(report.rejected) == report.rows


@settings(max_examples=examples(40))
@given(
    names=st.lists(cell, min_size=1, max_size=8),
    ids=st.lists(st.sampled_from(ID_POOL), min_size=1, max_size=8),
)
def test_duplicate_ids_keep_the_first_row(names: list[str], ids: list[str]) -> None:
    """Of rows sharing an ID, the first is imported and each later one names it."""
    n = min(len(names), len(ids))
    assume(any(not is_blank(x) for x in names[:n]))
    text = csv_text(
        [["Account ID", "Name"], *([i, x or "x"] for i, x in zip(ids, names, strict=False))],
        ",",
        "\n",
        quote_all=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.csv"
        path.write_text(text, encoding="utf-8")
        result = read_accounts(path, header_row=1)
    first_row: dict[str, int] = {}
    for number, (account_id, name) in enumerate(zip(ids, names, strict=False), start=2):
        if not is_blank(name or "x"):
            first_row.setdefault(account_id.strip(), number)
    report = result.report
    for rejection in report.rejected:
        if rejection["reason"].startswith("duplicate"):
            account_id = rejection["reason"].split("'")[1]
            assert f"(first in row {first_row[account_id]})" in rejection["reason"]
    assert sorted(result.accounts["account_id"]) == sorted(first_row)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
@example(  # a carriage return comes back from the file a line feed (found by CI)
    table=(["Account ID", "Name"], [["A1", ""], ["0\r0", "Acme"], ["A1", ""], ["0\r0", "Acme"]])
)
def test_workbook_rows_are_imported_or_rejected(table: tuple[list[str], list[list[str]]]) -> None:
    """The same rules for an Excel sheet of text cells (formula-like text stays text)."""
    import openpyxl

    from territory_planner.io.export import XLSX_ILLEGAL

    header, rows = table
    # as the workbook gives the cells back: XML reads a carriage return as a line feed
    records = [
        [normalise_newlines(XLSX_ILLEGAL.sub("", c)) for c in record] for record in [header, *rows]
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for number, record in enumerate(records, start=1):
        for column, value in enumerate(record, start=1):
            if value:
                target = sheet.cell(row=number, column=column, value=value)
                target.data_type = "s"  # text, even if it starts with "="
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.xlsx"
        book.save(path)
        result = read_accounts(path, header_row=1)
    report = result.report.as_dict()
    note(f"report: {report}")
    width = max(len(r) for r in records)  # a sheet is a rectangle: no row is too long
    padded = [r + [""] * (width - len(r)) for r in records]
    expected = oracle([[c.strip() for c in r] for r in padded], 0)
    assert report["rows"] == expected.rows
    assert report["imported"] + len(report["rejected"]) == report["rows"]
    got = {r["row"]: r["reason"] for r in report["rejected"]}
    assert sorted(got) == sorted(expected.rejected)
    for row, reason in expected.rejected.items():
        assert reason in got[row]
    imported = [
        (normalise_newlines(i), normalise_newlines(n))
        for i, n in zip(result.accounts["account_id"], result.accounts["name"], strict=True)
    ]
    assert imported == [
        (normalise_newlines(i), normalise_newlines(n)) for i, n in expected.imported
    ]
