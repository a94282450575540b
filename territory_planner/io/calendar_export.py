"""Visit calendars out: a formatted Excel workbook and one iCalendar (.ics) file per rep.

Both read the plain calendar records of `routing.schedule.schedule_record`
(the same data ``territory-planner schedule --json`` prints), so the files
and the JSON always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from territory_planner._errors import InputError
from territory_planner.formats import plural
from territory_planner.io.export import XLSX_ILLEGAL, neutralise_formula, write_atomic
from territory_planner.io.workbook_layout import ColumnFit, lay_out_for_print

Plan = dict[str, Any]

SUMMARY_HEADERS = (
    "Rep", "Weeks", "Visits", "Visit hours", "Drive hours", "Km", "Utilisation",
    "Overtime hours", "Visits left out", "Drive hours, ZIP-order plan", "Driving saved",
)  # fmt: skip
#: Number formats of the summary's columns (1-based; the others show numbers as they are).
SUMMARY_FORMATS = {4: "0.0", 5: "0.0", 6: "#,##0", 7: "0%", 8: "0.0", 10: "0.0", 11: "0%"}
CALENDAR_HEADERS = (
    "Week", "Date", "Day", "Order", "Arrival", "Departure", "Account ID", "Account", "Address",
    "City", "State", "ZIP", "Phone", "Drive min", "Km",
)  # fmt: skip
#: Number formats of the calendar's columns (1-based).
CALENDAR_FORMATS = {2: "ddd dd mmm yyyy", 5: "hh:mm", 6: "hh:mm", 14: "0", 15: "0"}
#: The "Not planned" list under a calendar: its headers, from the Account ID column on.
LEFT_OUT_HEADERS = ("Account ID", "Account", "Reason", "Visits", "Hours")
LEFT_OUT_COLUMN = 7
HEADER_FILL = "DDE5F0"
DAY_FILL = "F3F6FA"
#: What a sheet name cannot hold: Excel's forbidden characters, and control characters (in
#: the workbook's XML they make the whole file unreadable).
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")


def _text(value: object) -> object:
    """Safe for a spreadsheet: no formula, no control characters."""
    value = neutralise_formula(value)
    return XLSX_ILLEGAL.sub("", value) if isinstance(value, str) else value


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours % 24, minutes)


def sheet_names(plans: list[Plan]) -> list[str]:
    """A unique, valid sheet name per rep (at most 31 characters, none of the forbidden ones).

    Parameters
    ----------
    plans
        The reps' calendars (`schedule_record`), in sheet order.

    Returns
    -------
    list[str]
        One name per plan: the rep's name (else ID), with " (2)"... when names clash
        (ignoring case, "Summary" included).
    """
    names: list[str] = []
    for plan in plans:
        base = SHEET_NAME_BAD.sub(" ", str(plan["rep"]) or str(plan["rep_id"])).strip()[:31]
        base = base.strip("'") or "Rep"
        name, number = base, 2
        while name.lower() in {n.lower() for n in [*names, "summary"]}:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        names.append(name)
    return names


def write_calendar_xlsx(plans: list[Plan], path: Path) -> Path:
    """Write a Summary sheet and one calendar sheet per rep; returns the path.

    Dates and times are real Excel dates and times; each sheet has a frozen
    bold header and a filter, and prints readably (see
    `workbook_layout.lay_out_for_print`: every column as wide as what it
    shows, the header on every page, the sheet's name and page numbers in
    the footer).

    Parameters
    ----------
    plans
        The reps' calendars (`schedule_record`); none raises `InputError`.
    path
        The workbook to write (replaced only when complete).

    Returns
    -------
    pathlib.Path
        `path`.
    """
    from openpyxl import Workbook  # noqa: PLC0415 (slow import)

    if not plans:
        msg = "there is no calendar to export: no rep has a territory"
        raise InputError(msg, file=str(path))
    book = Workbook()
    summary = book.active
    assert summary is not None  # noqa: S101 (a new workbook has a sheet)
    summary.title = "Summary"
    _summary_sheet(summary, plans)
    for plan, name in zip(plans, sheet_names(plans), strict=True):
        _calendar_sheet(book.create_sheet(name), plan)
    write_atomic(Path(path), book.save)
    return Path(path)


class _Sheet:
    """Writes cells of one sheet and counts how wide each column must be."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.fit = ColumnFit()

    def put(
        self,
        row: int,
        column: int,
        value: object,
        number_format: str = "General",
        *,
        bold: bool = False,
    ) -> Any:
        """Write one cell (wrapping text too long for a column); returns it."""
        from openpyxl.styles import Alignment, Font  # noqa: PLC0415

        cell = self.sheet.cell(row=row, column=column, value=value)
        if number_format != "General":
            cell.number_format = number_format
        if bold:
            cell.font = Font(bold=True)
        if self.fit.add(column, value, number_format, bold=bold):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def header(self, row: int, titles: tuple[str, ...], first: int = 1) -> None:
        """Bold, shaded column titles from column `first` on."""
        from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415

        fill = PatternFill("solid", fgColor=HEADER_FILL)
        for column, title in enumerate(titles, start=first):
            cell = self.sheet.cell(row=row, column=column, value=title)
            cell.font, cell.fill = Font(bold=True), fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            self.fit.add(column, title, bold=True)

    def finish(self, columns: int, *, header_row: int, table_end: int, last_row: int) -> None:
        """Freeze the header, filter the table (down to `table_end`), set widths and printing."""
        from openpyxl.utils import get_column_letter  # noqa: PLC0415

        self.sheet.freeze_panes = self.sheet.cell(row=header_row + 1, column=1)
        self.sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{table_end}"
        lay_out_for_print(
            self.sheet, self.fit, columns=columns, last_row=last_row, header_row=header_row
        )


def _summary_sheet(sheet: Any, plans: list[Plan]) -> None:
    out = _Sheet(sheet)
    out.header(1, SUMMARY_HEADERS)
    for row, plan in enumerate(plans, start=2):
        t = plan["totals"]
        values = (
            _text(plan["rep"]), plan["weeks"], t["visits"], t["visit_hours"], t["drive_hours"],
            t["km"], t["utilisation"], t["overtime_hours"], t["left_out_visits"],
            t["naive_drive_hours"], t["drive_saving"],
        )  # fmt: skip
        for column, value in enumerate(values, start=1):
            out.put(row, column, value, SUMMARY_FORMATS.get(column, "General"))
    last = len(plans) + 1
    out.finish(len(SUMMARY_HEADERS), header_row=1, table_end=last, last_row=last)


def _calendar_sheet(sheet: Any, plan: Plan) -> None:
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415

    title = (
        f"{plan['rep']}: visit calendar, {plural(plan['weeks'], 'week')} from "
        f"{date.fromisoformat(plan['start_date']):%A %d %B %Y}"
    )
    # the title runs over the empty cells beside it: it does not set column A's width
    sheet.cell(row=1, column=1, value=_text(title)).font = Font(bold=True, size=13)
    out = _Sheet(sheet)
    out.header(3, CALENDAR_HEADERS)
    row = 4
    shade = PatternFill("solid", fgColor=DAY_FILL)
    for number, day in enumerate(plan["days"]):
        for visit in day["visits"]:
            values = (
                day["week"], date.fromisoformat(day["date"]), day["day"], visit["order"],
                _clock(visit["arrival"]), _clock(visit["departure"]), _text(visit["account_id"]),
                _text(visit["name"]), _text(visit.get("street", "")), _text(visit.get("city", "")),
                _text(visit.get("state", "")), _text(visit.get("zip", "")),
                _text(visit.get("phone", "")), visit["drive_minutes"], visit["km"],
            )  # fmt: skip
            for column, value in enumerate(values, start=1):
                cell = out.put(row, column, value, CALENDAR_FORMATS.get(column, "General"))
                if number % 2:
                    cell.fill = shade
            row += 1
    last_visit = max(row - 1, 3)
    if plan["left_out"]:
        row += 1
        out.put(row, LEFT_OUT_COLUMN, "Not planned", bold=True)
        row += 1
        for column, title in enumerate(LEFT_OUT_HEADERS, start=LEFT_OUT_COLUMN):
            out.put(row, column, title, bold=True)
        for item in plan["left_out"]:
            row += 1
            cells = (
                _text(item["account_id"]), _text(item["name"]), _text(item["reason"]),
                item["visits"], item["hours"],
            )  # fmt: skip
            for column, value in enumerate(cells, start=LEFT_OUT_COLUMN):
                out.put(row, column, value)
    out.finish(len(CALENDAR_HEADERS), header_row=3, table_end=last_visit, last_row=row)


#: What a file name cannot hold on Windows, macOS or Linux: separators, the characters
#: Windows refuses, and control characters (a line break included).
FILE_NAME_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
#: Names Windows keeps for devices, whatever the extension.
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}
FILE_STEM_MAX = 100


def _one_line(value: object) -> str:
    """The text on one line: control characters (line breaks too) become spaces."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(value)).split())


def ics_file_names(plans: list[Plan]) -> list[str]:
    """A unique, readable ``.ics`` file name per rep: its ID, then its name (``R01 Ann Lee.ics``).

    Letters of any script are kept (when the file system's encoding can hold them);
    separators, characters Windows refuses and control characters become ``_``;
    names that differ only in case get a ``(2)``, ``(3)``... suffix.

    Parameters
    ----------
    plans
        The reps' calendars (`schedule_record`).

    Returns
    -------
    list[str]
        One file name per plan, in order.
    """
    import sys  # noqa: PLC0415

    encoding = sys.getfilesystemencoding()
    names: list[str] = []
    taken: set[str] = set()
    for plan in plans:
        rep_id, rep = _one_line(plan.get("rep_id", "")), _one_line(plan.get("rep", ""))
        label = rep_id if not rep or rep == rep_id else f"{rep_id} {rep}".strip()
        label = unicodedata.normalize("NFC", label)
        label = label.encode(encoding, errors="replace").decode(encoding).replace("\ufffd", "_")
        stem = FILE_NAME_BAD.sub("_", label)[:FILE_STEM_MAX].strip(" .") or "rep"
        if stem.split(".")[0].upper() in WINDOWS_RESERVED:
            stem = f"{stem}_"
        name, number = f"{stem}.ics", 2
        while name.lower() in taken:
            name, number = f"{stem} ({number}).ics", number + 1
        taken.add(name.lower())
        names.append(name)
    return names


def write_calendar_ics(plans: list[Plan], folder: Path) -> list[Path]:
    """Write one ``.ics`` file per rep (see `ics_file_names`): one event per visit.

    Every calendar is built (and every name checked) before the first file is
    written, so a bad rep leaves no half-done folder. Times are floating local
    times (the rep's own clock), which Outlook and Google Calendar import as such.

    Parameters
    ----------
    plans
        The reps' calendars (`schedule_record`).
    folder
        Where the files go (created if needed; uncreatable: `InputError`).

    Returns
    -------
    list[pathlib.Path]
        The files written, one per plan.
    """
    folder = Path(folder)
    contents = [_calendar_bytes(plan) for plan in plans]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create the folder ({exc}); choose another one"
        raise InputError(msg, file=str(folder)) from exc
    written = []
    for name, data in zip(ics_file_names(plans), contents, strict=True):
        path = folder / name
        write_atomic(path, _bytes_writer(data))
        written.append(path)
    return written


def _calendar_bytes(plan: Plan) -> bytes:
    """One rep's calendar as iCalendar bytes: one event per visit, the address as location."""
    from icalendar import Calendar, Event  # noqa: PLC0415

    stamp = datetime.now().astimezone()
    rep_id = _one_line(plan["rep_id"])
    calendar = Calendar()
    calendar.add("prodid", "-//Territory Planner//Visit calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Visits: {_one_line(plan['rep'])}")
    for day in plan["days"]:
        when = date.fromisoformat(day["date"])
        for visit in day["visits"]:
            event = Event()
            start = datetime.combine(when, _clock(visit["arrival"]))
            end = datetime.combine(when, _clock(visit["departure"]))
            if end <= start:
                end = start + timedelta(minutes=1)
            account = _one_line(visit["account_id"])
            event.add("uid", f"{rep_id}-{account}-{when}@territory-planner")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", f"Visit: {visit['name']}")
            address = ", ".join(
                p
                for p in (
                    visit.get("street", ""),
                    visit.get("city", ""),
                    " ".join(x for x in (visit.get("state", ""), visit.get("zip", "")) if x),
                )
                if p
            )
            if address:
                event.add("location", address)
            event.add(
                "description",
                f"Account {visit['account_id']}; stop {visit['order']} of the day; "
                f"{visit['drive_minutes']:.0f} min drive from the previous stop"
                + (f"; phone {visit['phone']}" if visit.get("phone") else ""),
            )
            calendar.add_component(event)
    return bytes(calendar.to_ical())


def _bytes_writer(data: bytes) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_bytes(data)
