"""Child processes for the fault tests (`test_faults.py`): a crashing autosave, a read-only folder.

``python fault_worker.py autosave SOURCE FOLDER ORIGINAL``
    Open SOURCE, print ``ready``, then autosave its two `variants` in turn to
    this process's recovery file in FOLDER (as the app's autosave does, with
    ORIGINAL as the project's own path), printing ``saved N SECONDS`` after
    each, until killed.
``python fault_worker.py readonly SOURCE FOLDER``
    Try every way the app writes a file into FOLDER (which the caller made
    read-only) and print one JSON object: for each writer, the type and
    message of the error it raised (or ``null`` if it wrote the file).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from territory_planner._errors import PlannerError
from territory_planner.io import export
from territory_planner.io.calendar_export import write_calendar_ics, write_calendar_xlsx
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.records_import import ImportReport, write_report_csv
from territory_planner.io.recovery import recovery_file, write_recovery
from tests.unit.save_worker import variants

#: A one-visit calendar in the shape `routing.schedule.schedule_record` returns.
PLAN: dict[str, Any] = {
    "rep_id": "R1",
    "rep": "Rep One",
    "weeks": 1,
    "start_date": "2027-01-04",
    "totals": {
        "visits": 1, "visit_hours": 0.75, "drive_hours": 0.5, "km": 30.0, "utilisation": 0.15,
        "overtime_hours": 0.0, "left_out_visits": 0, "naive_drive_hours": 0.6, "drive_saving": 0.1,
    },
    "days": [
        {
            "date": "2027-01-04", "week": 1, "day": "Mon", "start": "08:00", "end": "09:45",
            "drive_minutes": 30.0, "visit_minutes": 45.0, "km": 30.0, "overtime_minutes": 0.0,
            "visits": [
                {
                    "order": 1, "account_id": "A1", "name": "Acme", "arrival": "08:15",
                    "departure": "09:00", "drive_minutes": 15.0, "km": 15.0,
                }
            ],
        }
    ],
    "suggestions": [],
    "left_out": [],
}  # fmt: skip


def autosave(source: str, folder: str, original: str) -> None:
    pair = variants(load_project(source))
    target = recovery_file(Path(folder))
    print("ready", flush=True)
    n = 0
    while True:
        start = time.perf_counter()
        write_recovery(pair[n % 2], Path(original), target)
        print(f"saved {n} {time.perf_counter() - start:.4f}", flush=True)
        n += 1


def readonly(source: str, folder: str) -> None:
    project = load_project(source)
    where = Path(folder)
    report = ImportReport(source="accounts.csv", rows=1)
    report.reject(2, "missing account ID", "=Account ID")
    writers = {
        "save": lambda: save_project(project, where / "plan.gpkg"),
        "autosave": lambda: write_recovery(project, where / "plan.gpkg", recovery_file(where)),
        "accounts csv": lambda: export.export_accounts_csv(project, where / "accounts.csv"),
        "accounts xlsx": lambda: export.export_accounts_xlsx(project, where / "accounts.xlsx"),
        "accounts geojson": lambda: export.export_accounts_geojson(project, where / "a.geojson"),
        "territories csv": lambda: export.export_territories_csv(project, where / "kpis.csv"),
        "shapefiles": lambda: export.export_shapefiles(project, where),
        "calendar xlsx": lambda: write_calendar_xlsx([PLAN], where / "calendar.xlsx"),
        "calendar ics": lambda: write_calendar_ics([PLAN], where),
        "import report": lambda: write_report_csv(report, where / "report.csv"),
    }
    outcome: dict[str, dict[str, str] | None] = {}
    for name, write in writers.items():
        try:
            write()
        except Exception as exc:  # noqa: BLE001 (the test judges what was raised)
            outcome[name] = {
                "type": type(exc).__name__,
                "planner_error": str(isinstance(exc, PlannerError)),
                "message": str(exc),
            }
        else:
            outcome[name] = None
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "autosave":
        autosave(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        readonly(sys.argv[2], sys.argv[3])
