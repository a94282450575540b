"""Calendar exports: the Excel workbook (read back by LibreOffice) and the .ics files."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from icalendar import Calendar

from territory_planner._errors import InputError
from territory_planner.io.calendar_export import (
    ics_file_names,
    sheet_names,
    write_calendar_xlsx,
)
from territory_planner.io.project_file import load_project, save_project
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def exported(demo_file, tmp_path_factory) -> tuple[list[dict], Path, Path]:
    folder = tmp_path_factory.mktemp("calendar")
    project = folder / "p.gpkg"
    shutil.copy(demo_file, project)
    done = run_cli(
        "schedule", str(project), "--weeks", "4", "--start", "2026-11-30", "--json",
        "--xlsx", str(folder / "calendar.xlsx"), "--ics", str(folder / "ics"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return data["reps"], folder / "calendar.xlsx", folder / "ics"


def test_libreoffice_reads_the_workbook_and_its_cells_match_the_json(exported, tmp_path) -> None:
    plans, workbook, _ics = exported
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is installed by ./run.sh (package libreoffice-calc-nogui)"
    profile = tmp_path / "profile"
    subprocess.run(
        [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
            'csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1',
            "--outdir", str(tmp_path), str(workbook),
        ],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    names = sheet_names(plans)
    summary = list(csv.reader((tmp_path / "calendar-Summary.csv").open(encoding="utf-8")))
    assert summary[0][:3] == ["Rep", "Weeks", "Visits"]
    assert [row[0] for row in summary[1:]] == [p["rep"] for p in plans]
    for plan, name in zip(plans, names, strict=True):
        row = next(r for r in summary if r[0] == plan["rep"])
        assert int(row[2]) == plan["totals"]["visits"]
        rows = list(csv.reader((tmp_path / f"calendar-{name}.csv").open(encoding="utf-8")))
        assert rows[2][:8] == ["Week", "Date", "Day", "Order", "Arrival", "Departure",
                               "Account ID", "Account"]  # fmt: skip
        expected = [(d, v) for d in plan["days"] for v in d["visits"]]
        body = rows[3 : 3 + len(expected)]
        assert len(body) == len(expected)
        for cells, (day, visit) in zip(body, expected, strict=True):
            assert int(cells[0]) == day["week"]
            shown = datetime.strptime(cells[1], "%a %d %b %Y")  # noqa: DTZ007 (a date)
            assert shown.date() == date.fromisoformat(day["date"])
            assert cells[2] == day["day"]
            assert int(cells[3]) == visit["order"]
            assert (cells[4], cells[5]) == (visit["arrival"], visit["departure"])
            assert cells[6] == visit["account_id"]
            assert cells[7] == visit["name"]
            assert cells[11] == visit["zip"]
            assert float(cells[13]) == pytest.approx(visit["drive_minutes"], abs=0.51)


def test_workbook_is_formatted(exported) -> None:
    plans, workbook, _ics = exported
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["Summary", *sheet_names(plans)]
    sheet = book[sheet_names(plans)[0]]
    assert sheet.freeze_panes == "A4"
    assert sheet["A3"].font.bold
    assert sheet.print_area is not None
    assert sheet.page_setup.orientation == "landscape"
    assert sheet["B4"].number_format == "ddd dd mmm yyyy"
    assert sheet["E4"].number_format == "hh:mm"
    assert sheet.column_dimensions["H"].width >= 30


def test_ics_has_one_event_per_visit(exported) -> None:
    plans, _workbook, folder = exported
    files = sorted(folder.glob("*.ics"))
    assert len(files) == len(plans)
    plan = plans[0]
    calendar = Calendar.from_ical((folder / ics_file_names(plans)[0]).read_bytes())
    events = list(calendar.walk("VEVENT"))
    visits = [(d, v) for d in plan["days"] for v in d["visits"]]
    assert len(events) == len(visits)
    first_day, first = visits[0]
    event = events[0]
    assert str(event["summary"]) == f"Visit: {first['name']}"
    assert event.decoded("dtstart") == datetime.fromisoformat(
        f"{first_day['date']}T{first['arrival']}"
    )
    assert first["zip"] in str(event["location"])
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_sheet_names_are_valid_and_unique(tmp_path) -> None:
    plans = [{"rep": "A/B: [x]", "rep_id": "1"}, {"rep": "a/b: [x]", "rep_id": "2"},
             {"rep": "Summary", "rep_id": "3"}, {"rep": "x" * 40, "rep_id": "4"}]  # fmt: skip
    names = sheet_names(plans)
    assert len({n.lower() for n in names}) == 4
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert "summary" not in {n.lower() for n in names}
    with pytest.raises(InputError, match="no calendar"):
        write_calendar_xlsx([], tmp_path / "never.xlsx")
    assert not (tmp_path / "never.xlsx").exists()


def test_ics_file_names_are_unique_readable_and_carry_the_rep_id(demo_file, tmp_path) -> None:
    """Reps named a/b and a_b, all-non-Latin names and a line break: one file each, no crash."""
    project = load_project(demo_file)
    names = ["a/b", "a_b", "Анна Иванова", "Ann\nLee"]
    ids = project.reps["rep_id"].astype(str).tolist()[: len(names)]
    project.reps.loc[project.reps.index[: len(names)], "name"] = names
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    before = path.read_bytes()
    folder = tmp_path / "ics"
    done = run_cli("schedule", str(path), "--weeks", "1", "--json", "--ics", str(folder))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    listed = json.loads(done.stdout)["ics"]
    assert len(listed) == len(set(listed)) == len(ids)
    files = sorted(p.name for p in folder.glob("*.ics"))
    assert files == sorted(Path(f).name for f in listed)
    expected = {f"{ids[0]} a_b.ics", f"{ids[1]} a_b.ics", f"{ids[2]} Анна Иванова.ics",
                f"{ids[3]} Ann Lee.ics"}  # fmt: skip
    assert expected <= set(files)
    for name in files:
        Calendar.from_ical((folder / name).read_bytes())
    assert path.read_bytes() == before


def test_ics_file_names_clean_what_a_file_system_refuses() -> None:
    plans = [{"rep_id": "R1", "rep": 'a<b>:"c"|?*'}, {"rep_id": "r1", "rep": 'A<B>:"C"|?*'},
             {"rep_id": "CON", "rep": ""}, {"rep_id": "R9", "rep": "x" * 300}]  # fmt: skip
    names = ics_file_names(plans)
    assert names[0] == "R1 a_b_c_.ics"
    assert names[1] == "r1 A_B_C_ (2).ics"
    assert names[2] == "CON_.ics"
    assert len(names[3]) <= 110
    assert all(not set(n) & set('<>:"/\\|?*\n') for n in names)
