"""What File > Export and the Calendar panel's export buttons write: reports, tables, shapes.

Each export asks where to write (never over the open project file), writes, and
says in the status bar what it wrote; a file that cannot be written is shown
as an error and nothing else changes. Tables and shapes are written on the task
thread from a copy of the project (100k accounts to Excel take seconds); the
printouts draw with Qt, on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMenu

from territory_planner._errors import PlannerError
from territory_planner.app.output_operations import (
    TableKind,
    export_shapefiles,
    export_table,
    write_calendars,
)
from territory_planner.formats import plural
from territory_planner.io.outputs import refuse_project_target
from territory_planner.model import Project
from territory_planner.ui.map_report import write_map_report
from territory_planner.ui.rep_pages import write_rep_pages
from territory_planner.ui.report_layers import DEFAULT_REPORT_LAYERS, ask_report_layers
from territory_planner.ui.tasks import Task

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow

T = TypeVar("T")


class ExportActions(QObject):
    """The Export submenu and the writing of every export from the window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.report_layers: Sequence[str] = DEFAULT_REPORT_LAYERS  # what a printed map shows

    def add_menu(self, file_menu: QMenu) -> None:
        """The File > Export submenu."""
        add = self.window.add_action
        export_menu = file_menu.addMenu("&Export")
        add(
            export_menu, "Map &Report (PDF)…", lambda: self.export_report("pdf"), "Ctrl+P",
            tip="The map with title, legend, north arrow and date, then the KPI table",
        )  # fmt: skip
        add(export_menu, "Map &Image (PNG)…", lambda: self.export_report("png"))
        add(
            export_menu, "Rep &One-Pagers (PDF)…", self.export_rep_pages,
            tip="A page per rep: their territory map, KPIs, calendar summary and top accounts",
        )  # fmt: skip
        export_menu.addSeparator()
        add(export_menu, "Accounts as &CSV…", self.export_csv)
        add(export_menu, "Accounts as &Excel…", self.export_xlsx)
        add(export_menu, "Accounts as GeoJSON…", self.export_accounts_geojson)
        add(export_menu, "Territories as &GeoJSON…", self.export_geojson)
        add(export_menu, "Territory &KPIs as CSV…", self.export_territories_csv)
        add(
            export_menu, "Change &Log as CSV…",
            lambda: self._export("Export change log", "CSV files (*.csv)", "change_log", "changes"),
        )  # fmt: skip
        add(export_menu, "Accounts and Territories as &Shapefiles…", self.export_shapefiles)

    def _show(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    def _export(self, title: str, file_filter: str, kind: TableKind, noun: str) -> None:
        """Ask where, then write the table `kind` (see `TABLE_EXPORTS`) on the task thread."""
        folder = str(self.window.settings.value("paths/last_folder", str(Path.home())))
        target = self.save_target(title, folder, file_filter)
        if target is None:
            return
        self._write(
            title,
            lambda project: export_table(project, kind, target),
            lambda count: self._show(f"Exported {count:,} {noun} to {target}"),
        )

    def _write(self, title: str, write: Callable[[Project], T], done: Callable[[T], None]) -> None:
        """`done(write(project))`, written on the task thread from a copy of the project.

        A progress dialog without Cancel, as a save has: a file half-written helps no one.
        """
        window, copy = self.window, self.window.project.copy()
        window.task = Task(
            window, title, lambda **_task: write(copy), done, window.show_error, cancellable=False
        )

    def save_target(self, title: str, default: str, file_filter: str) -> Path | None:
        """Ask where to write an export; None if cancelled or it is the project file itself."""
        name, _ = QFileDialog.getSaveFileName(self.window, title, default, file_filter)
        if not name:
            return None
        try:
            refuse_project_target(Path(name), self.window.path)
        except PlannerError as exc:
            self.window.show_error(exc)
            return None
        return Path(name)

    def export_report(
        self, kind: str, path: Path | None = None, layers: Sequence[str] | None = None
    ) -> Path | None:
        """Write the map report as PDF (map and KPIs) or PNG (the map page).

        `layers`: the map layers it shows (see `REPORT_LAYERS`); asked after the file
        when `path` is None, else the last ones chosen (at first the plan's own).
        """
        window = self.window
        if path is None:
            path = self.save_target(
                "Export map report", f"{window.project.name}.{kind}",
                "PDF documents (*.pdf)" if kind == "pdf" else "PNG images (*.png)",
            )  # fmt: skip
            layers = None if path is None else ask_report_layers(self.report_layers, window)
            if path is None or layers is None:
                return None
            self.report_layers = layers
        layers = self.report_layers if layers is None else layers
        image = window.map_view.grab_for_print(layers)
        try:
            written = write_map_report(
                path, window.project.name, image, window.kpis,
                layers=layers, changes=window.session.entries,
            )  # fmt: skip
        except PlannerError as exc:
            window.show_error(exc)
            return None
        self._show(f"Exported the map report to {written}")
        return written

    def export_rep_pages(self, path: Path | None = None) -> Path | None:
        """Write a one-page PDF summary per rep with a territory (map, KPIs, calendar, accounts)."""
        window = self.window
        project = window.project
        if path is None:
            path = self.save_target(
                "Export rep one-pagers", f"{project.name} reps.pdf", "PDF documents (*.pdf)"
            )
            if path is None:
                return None
        staffed = set(project.territories["rep_id"].dropna())
        reps = [r for r in project.reps["rep_id"] if r in staffed]
        try:
            written = write_rep_pages(path, project, window.kpis, reps, window.calendar_panel.plans)
        except PlannerError as exc:
            window.show_error(exc)
            return None
        self._show(f"Exported {plural(len(reps), 'rep one-pager')} to {written}")
        return written

    def export_csv(self) -> None:
        """Export accounts with their territory and rep."""
        self._export("Export accounts", "CSV files (*.csv)", "csv", "accounts")

    def export_xlsx(self) -> None:
        """Export accounts as an Excel sheet."""
        self._export("Export accounts", "Excel (*.xlsx)", "xlsx", "accounts")

    def export_accounts_geojson(self) -> None:
        """Export accounts as GeoJSON points."""
        self._export("Export accounts", "GeoJSON (*.geojson)", "accounts_geojson", "accounts")

    def export_geojson(self) -> None:
        """Export territories with their totals."""
        self._export("Export territories", "GeoJSON (*.geojson)", "geojson", "territories")

    def export_territories_csv(self) -> None:
        """Export one row per territory with every KPI."""
        self._export("Export territory KPIs", "CSV files (*.csv)", "territories_csv", "territories")

    def export_shapefiles(self) -> None:
        """Export accounts and territories as shapefiles into a folder."""
        folder = QFileDialog.getExistingDirectory(self.window, "Export shapefiles into")
        if not folder:
            return

        def written(counts: dict[str, int]) -> None:
            self._show(
                f"Exported {plural(counts['accounts'], 'account')} and "
                f"{plural(counts['territories'], 'territory')} to {folder}"
            )

        self._write(
            "Export shapefiles",
            lambda project: export_shapefiles(project, Path(folder)),
            written,
        )

    def export_calendars(self, kind: str) -> None:
        """Write the calendars built so far as Excel or .ics files."""
        plans = list(self.window.calendar_panel.plans.values())
        try:
            if kind == "xlsx":
                target = self.save_target(
                    "Export calendars", "calendars.xlsx", "Excel workbooks (*.xlsx)"
                )
                if target is not None:
                    write_calendars(plans, xlsx=target)
                    self._show(f"Exported {plural(len(plans), 'calendar')} to {target}")
            else:
                folder = QFileDialog.getExistingDirectory(self.window, "Folder for the .ics files")
                if folder:
                    files = write_calendars(plans, ics=Path(folder))["ics"]
                    self._show(f"Wrote {plural(len(files), '.ics file')} to {folder}")
        except PlannerError as exc:
            self.window.show_error(exc)
