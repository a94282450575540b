"""The calendar workbook printed by LibreOffice: every date and number shows, none as "###".

LibreOffice draws "###" in a cell whose column is too narrow for its number or
date; the PDF it prints is read back with Qt's PDF module.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtPdf import QPdfDocument

from territory_planner.io.calendar_export import write_calendar_xlsx
from tests.unit.printout_fixtures import calendar_plan


def test_printed_calendar_shows_every_date_and_number(tmp_path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    workbook = write_calendar_xlsx([calendar_plan()], tmp_path / "calendar.xlsx")
    profile = tmp_path / "profile"  # its own profile: never the user's, never another run's
    subprocess.run(
        [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
            "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    document = QPdfDocument()
    assert document.load(str(tmp_path / "calendar.pdf")) == QPdfDocument.Error.None_
    pages = [document.getAllText(n).text() for n in range(document.pageCount())]
    document.close()
    text = "\n".join(pages)
    assert "Wed 09 Dec 2026" in text
    assert "Thu 10 Dec 2026" in text
    assert "08:30" in text
    assert "12,345" in text  # the summary's km
    assert "85%" in text
    assert "#" not in text  # "###": a column too narrow
    assert "Summary" in pages[0]
    assert "Page 1 of" in pages[0]  # the footer
    assert "Dana Whitfield" in pages[-1]
    assert "Not planned" in pages[-1]  # the left-out list is in the print area
