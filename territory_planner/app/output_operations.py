"""Operations that read a project and write or plan from it: visit calendars and exports.

They change nothing in the project, so they return their result (a calendar as
plain data, what was written) rather than an edit. Planning a calendar is long:
it takes ``progress`` and ``cancel`` (the contract of `territory_planner.tasks`).
An export is not cancellable: a file half-written helps no one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from territory_planner.app.operations import raise_if_cancelled
from territory_planner.io import export
from territory_planner.io.calendar_export import write_calendar_ics, write_calendar_xlsx
from territory_planner.model import Project
from territory_planner.routing.schedule import build_schedule, schedule_record
from territory_planner.routing.travel import TravelTimes
from territory_planner.tasks import CancelToken, Progress, no_progress

Writer = Callable[[Project, str | os.PathLike[str]], int]
TableKind = Literal["csv", "xlsx", "accounts_geojson", "geojson", "territories_csv", "change_log"]

#: The tables `export_table` writes, by name: the `territory_planner.io.export` function
#: that writes it (looked up when called), and what the count it returns counts.
TABLE_EXPORTS: dict[TableKind, tuple[str, str]] = {
    "csv": ("export_accounts_csv", "rows"),
    "xlsx": ("export_accounts_xlsx", "rows"),
    "accounts_geojson": ("export_accounts_geojson", "features"),
    "geojson": ("export_territories_geojson", "features"),
    "territories_csv": ("export_territories_csv", "rows"),
    "change_log": ("export_change_log", "rows"),
}


@dataclass(frozen=True)
class CalendarParams:
    """A rep's calendar as asked for (see `routing.schedule.build_schedule` for each field)."""

    rep_id: str
    weeks: int | None = None  # None: the longest visit cycle, at most 13
    start: date | None = None  # None: next Monday
    allow_overtime: bool = False
    lunch: float = 30.0  # minutes
    max_drive: float | None = None  # minutes of driving a day at most
    days_off: tuple[date, ...] = ()
    priority: str = "potential"
    travel: TravelTimes | None = None  # None: straight-line estimates


def visit_calendar(
    project: Project,
    params: CalendarParams,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Plan a rep's visits and day routes, as the plain data the panel, JSON and exports read.

    Parameters
    ----------
    project
        The project; not changed.
    params
        The rep, the weeks and the rules of the day.
    progress, cancel
        The task contract (see `territory_planner.tasks`); a cancel raises `TaskCancelledError`.

    Returns
    -------
    dict[str, Any]
        The calendar (see `routing.schedule.schedule_record`), with the accounts' contacts.
    """
    raise_if_cancelled(cancel)
    schedule = build_schedule(
        project, params.rep_id, params.weeks, start=params.start,
        allow_overtime=params.allow_overtime, travel=params.travel, lunch=params.lunch,
        max_drive=params.max_drive, days_off=params.days_off, priority=params.priority,
        progress=progress, cancel=cancel,
    )  # fmt: skip
    return schedule_record(schedule, project.accounts)


def write_calendars(
    plans: list[dict[str, Any]], *, xlsx: Path | None = None, ics: Path | None = None
) -> dict[str, Any]:
    """Write calendars (from `visit_calendar`) as an Excel workbook and/or .ics files.

    Parameters
    ----------
    plans
        The calendars, one per rep.
    xlsx
        The workbook to write (a sheet per rep and a summary); None: none.
    ics
        The folder for one .ics file per rep; None: none.

    Returns
    -------
    dict[str, Any]
        What was written: ``xlsx`` (the workbook's path) and ``ics`` (the files' paths),
        as text, each only when asked for.
    """
    written: dict[str, Any] = {}
    if xlsx is not None:
        written["xlsx"] = str(write_calendar_xlsx(plans, xlsx))
    if ics is not None:
        written["ics"] = [str(f) for f in write_calendar_ics(plans, ics)]
    return written


def export_table(project: Project, kind: TableKind, target: Path) -> int:
    """Write one of the `TABLE_EXPORTS` (accounts, territories, the change log) to `target`.

    Parameters
    ----------
    project
        The project; not changed.
    kind
        A key of `TABLE_EXPORTS` ("csv", "xlsx", "accounts_geojson", "geojson",
        "territories_csv", "change_log").
    target
        The file to write (replaced whole, or left as it was if writing fails).

    Returns
    -------
    int
        The rows or features written.
    """
    write: Writer = getattr(export, TABLE_EXPORTS[kind][0])
    return write(project, target)


def export_shapefiles(project: Project, folder: Path) -> dict[str, int]:
    """Write accounts and territories as shapefiles into `folder`.

    Parameters
    ----------
    project
        The project; not changed.
    folder
        The folder to write them into.

    Returns
    -------
    dict[str, int]
        The counts written: ``accounts`` and ``territories``.
    """
    return export.export_shapefiles(project, folder)
