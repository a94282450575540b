"""What the Calendar panel asks of the window: build a rep's calendar, read roads, show a day.

A calendar is planned on a copy of the project on the task thread (progress and
Cancel), so the user can keep editing; with a road network loaded, drive times
come from its roads instead of straight-line estimates.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from territory_planner.app.output_operations import CalendarParams, visit_calendar
from territory_planner.mapview.overlays import route_layer
from territory_planner.routing.calendar_inputs import DayRules
from territory_planner.routing.travel import RoadNetwork
from territory_planner.routing.travel import load_roads as read_roads
from territory_planner.ui.tasks import Task

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


class CalendarActions(QObject):
    """Builds calendars, loads the road network they drive on, draws a day's route."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.roads: RoadNetwork | None = None  # calendars drive on these when loaded

    def build_calendar(
        self, rep_id: str, weeks: int, start: date, overtime: bool, rules: DayRules | None = None
    ) -> None:
        """Plan a rep's calendar in the background (progress and Cancel), then show it."""
        window = self.window
        rules = rules or DayRules()
        snapshot = window.project.copy()  # the calendar plans on it while the user edits on

        params = CalendarParams(
            rep_id, weeks or None, start=start, allow_overtime=overtime, lunch=rules.lunch,
            max_drive=rules.max_drive, days_off=tuple(rules.days_off), travel=self.roads,
        )  # fmt: skip

        def plan(progress: Any, cancel: Any) -> dict[str, Any]:
            return visit_calendar(snapshot, params, progress, cancel)

        window.task = Task(
            window, "Building the visit calendar", plan, window.calendar_panel.add_plan,
            window.show_error,
        )  # fmt: skip

    def load_roads(self, path: Path | None = None) -> None:
        """Read a road network in the background; calendars then drive on it."""
        window = self.window
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                window, "Road network", "", "Road networks (*.osm.pbf *.pbf *.graphml)"
            )
            if not name:
                return
            path = Path(name)

        def done(roads: RoadNetwork) -> None:
            self.roads = roads
            window.calendar_panel.roads.setText(
                f"Travel: roads of {path.name} ({roads.graph.number_of_edges():,} road links)"
            )

        def read(progress: Any, cancel: Any) -> RoadNetwork:
            progress(0.05, f"Reading {path.name}")
            cancel.raise_if_cancelled()
            return read_roads(path, cancel)

        window.task = Task(window, "Reading the road network", read, done, window.show_error)

    def show_day_route(self, plan: dict[str, Any], day: dict[str, Any]) -> None:
        """Draw a day's route on the map (numbered stops from home and back)."""
        window = self.window
        layer = route_layer(window.project, str(plan["rep_id"]), day["visits"])
        window.panel_overlays.show(window.calendar_dock, "route", layer)
