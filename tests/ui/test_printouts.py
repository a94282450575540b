"""Printouts people hand around: the calendar workbook as printed, and the report files' modes.

LibreOffice draws "###" in a cell whose column is too narrow for its number or
date; the PDF it prints is read back with Qt's PDF module.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtPdf import QPdfDocument

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.io.calendar_export import write_calendar_xlsx
from territory_planner.ui.map_report import write_map_report
from territory_planner.ui.rep_pages import write_rep_pages
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


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_reports_are_written_with_normal_permissions(tmp_path, demo_project) -> None:
    kpis = territory_kpis(demo_project)
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("#88aacc"))
    old = os.umask(0o002)
    try:
        pdf = write_map_report(tmp_path / "report.pdf", "Report", image, kpis)
        png = write_map_report(tmp_path / "map.png", "Report", image, kpis)
        reps = [r for r in demo_project.territories["rep_id"] if r][:1]
        pages = write_rep_pages(tmp_path / "reps.pdf", demo_project, kpis, reps)
        kept = tmp_path / "kept.pdf"
        kept.write_bytes(b"old")
        kept.chmod(0o640)
        write_map_report(kept, "Report", image, kpis)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (pdf, png, pages, kept)}
    assert modes == {"report.pdf": 0o664, "map.png": 0o664, "reps.pdf": 0o664, "kept.pdf": 0o640}
    assert pdf.read_bytes().startswith(b"%PDF")
    assert kept.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "kept.pdf",
        "map.png",
        "report.pdf",
        "reps.pdf",
    ]
