"""Files past the importer's limits, or crafted against it, are refused with a clear message.

Each case names the file (and the row and column where they apply) and the
limit it passed; through the CLI it exits 1 with one line on stderr and leaves
the project file as it was. The small files are made by
tests/data/import/make_fixtures.py; the big ones are built in tmp_path.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from territory_planner._errors import InputError
from territory_planner.cli import main as cli_main
from territory_planner.io import file_text, table_reader, workbook_guard
from territory_planner.io.account_import import read_accounts
from tests.conftest import run_cli

DATA = Path(__file__).resolve().parents[1] / "data" / "import"


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_accounts(path)
    assert info.value.file is not None
    assert info.value.file.startswith(str(path))
    assert "Traceback" not in str(info.value)
    return info.value


def test_cell_over_excel_limit_names_row_and_column() -> None:
    error = refused(DATA / "long_cell.csv")
    assert (error.row, error.column) == (3, "Notes")
    assert "40,000 characters, more than the 32,767 a cell may hold" in str(error)
    assert "nothing was imported, so no text is cut" in str(error)


def test_cell_over_python_csv_limit_is_no_traceback(tmp_path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("Account ID,Account Name,Notes\nN1,Long," + "y" * 140_000 + "\n")
    before = csv.field_size_limit()
    error = refused(path)
    assert (error.row, error.column) == (2, "Notes")
    assert "140,000 characters" in str(error)
    assert csv.field_size_limit() == before  # the reader restores Python's limit


def test_field_past_the_record_limit(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(table_reader, "MAX_RECORD_CHARS", 50_000)
    path = tmp_path / "quoted.csv"
    path.write_text('Account ID,Account Name,Notes\nN1,Long,"' + "z\n" * 30_000 + '"\n')
    error = refused(path)
    assert error.row == 2
    assert "a cell is longer than 50,000 characters" in str(error)


def test_too_many_columns_refused_at_the_header() -> None:
    error = refused(DATA / "too_many_columns.csv")
    assert error.row == 1
    assert "1,001 columns, more than the 1,000 a project can hold" in str(error)


def test_workbook_limits_name_row_and_column(monkeypatch) -> None:
    path = DATA / "xlsx_numeric_ids.xlsx"
    monkeypatch.setattr(table_reader, "MAX_CELL_CHARS", 11)
    error = refused(path)
    assert (error.row, error.column) == (1, "Column 2")  # the header "Account Name" itself
    assert "12 characters, more than the 11 a cell may hold" in str(error)
    monkeypatch.setattr(table_reader, "MAX_COLUMNS", 5)
    error = refused(path)
    assert error.row == 1
    assert "9 columns, more than the 5 a project can hold" in str(error)


def test_too_many_rows(monkeypatch) -> None:
    monkeypatch.setattr(table_reader, "MAX_ROWS", 3)
    assert "more than 3 rows" in str(refused(DATA / "utf8.csv"))
    assert "more than 3 rows" in str(refused(DATA / "xlsx_numeric_ids.xlsx"))


def test_file_over_size_limit_refused_up_front(monkeypatch) -> None:
    monkeypatch.setattr(table_reader, "MAX_FILE_BYTES", 100)
    error = refused(DATA / "utf8.csv")
    assert "more than the limit of 100" in str(error)


def test_line_over_record_limit_refused_while_reading(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(file_text, "MAX_LINE_BYTES", 1_000_000)
    monkeypatch.setattr(file_text, "READ_CHUNK", 100_000)
    path = tmp_path / "one_line.csv"
    path.write_text("Account ID,Account Name\n" + "A1,x," * 1_000_000 + "\n")
    chunks: list[int] = []
    opened = Path.open

    def counting_open(self: Path, *args, **kwargs):
        handle = opened(self, *args, **kwargs)
        if self == path:
            read = handle.read
            handle.read = lambda n=-1: chunks.append(n) or read(n)  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    error = refused(path)
    assert "a line near line 2 is longer than 1,000,000 bytes" in str(error)
    assert 0 < len(chunks) <= 12  # stopped after ~1 MB of the 5 MB line, not read whole


@pytest.mark.parametrize("name", ["billion_laughs.xlsx", "xxe.xlsx"])
def test_workbook_with_entities_is_not_safe(name: str) -> None:
    error = refused(DATA / name)
    assert "the workbook's XML is not safe to read" in str(error)
    assert "root:" not in str(error)


def test_workbook_with_broken_xml() -> None:
    assert "the workbook's XML is not valid" in str(refused(DATA / "broken_xml.xlsx"))


def bomb(path: Path, cell_bytes: int) -> Path:
    """A workbook whose one sheet holds a cell of `cell_bytes` characters (packs ~1000:1)."""
    with zipfile.ZipFile(DATA / "xlsx_numeric_ids.xlsx") as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + b"a" * cell_bytes
        + b"</t></is></c></row></sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_zip_bomb_refused_before_unpacking(tmp_path) -> None:
    path = bomb(tmp_path / "bomb.xlsx", 64 * 1024**2)
    assert path.stat().st_size < 200_000
    error = refused(path)
    assert "xl/worksheets/sheet1.xml unpacks from" in str(error)
    assert "more than 200 times its size" in str(error)


def test_workbook_over_unpacked_limit(monkeypatch) -> None:
    monkeypatch.setattr(workbook_guard, "MAX_XLSX_XML_BYTES", 1_000)
    assert "more than the limit of 1,000" in str(refused(DATA / "xlsx_numeric_ids.xlsx"))


REFUSED = [
    "long_cell.csv",
    "too_many_columns.csv",
    "billion_laughs.xlsx",
    "xxe.xlsx",
    "broken_xml.xlsx",
]


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    assert cli_main(["import", str(path), str(DATA / "utf8.csv")]) == 0
    return path


@pytest.mark.parametrize("name", REFUSED)
def test_cli_refuses_and_keeps_the_project(project: Path, name: str, capsys) -> None:
    capsys.readouterr()
    before = project.read_bytes()
    assert cli_main(["import", str(project), str(DATA / name)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {DATA / name}")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert project.read_bytes() == before


@pytest.mark.parametrize("name", ["long_cell.csv", "billion_laughs.xlsx"])
def test_cli_process_exits_1_without_traceback(project: Path, name: str) -> None:
    before = project.read_bytes()
    result = run_cli("import", str(project), str(DATA / name))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {DATA / name}")
    assert "Traceback" not in result.stderr
    assert project.read_bytes() == before
