"""The default window on laptop screens and larger ones (issue 17).

At 1366x768 every panel is a tab beside the map, the Territories table as tall as its
rows and the KPI table's main columns in view; larger windows put the wide panels under
the map. Screenshots of each size are saved in the test's output folder (`tmp_path`).
"""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QScrollArea, QSplitter, QTabBar, QWidget

from territory_planner.demo import make_demo
from territory_planner.model import Project
from territory_planner.ui.calendar_panel import CalendarPanel
from territory_planner.ui.dock_layout import KPI_MAIN_KEYS
from territory_planner.ui.main_window import MainWindow
from territory_planner.ui.performance_panel import PerformancePanel
from tests.ui.conftest import wait_for_map
from tests.unit.printout_fixtures import calendar_plan

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


@pytest.fixture(scope="module")
def eight_territories() -> Project:
    """A small demo with eight territories, as many as the README's demo."""
    return make_demo(accounts=300, reps=8, seed=11)


def show(qtbot, window: MainWindow, project: Project, size: tuple[int, int], shot) -> None:
    """Open `project` in a window of `size`, wait for the map and the panels, save a picture."""
    window.resize(*size)
    window.set_project(project, None)
    wait_for_map(qtbot, window, len(project.accounts))
    qtbot.waitUntil(lambda: window.territory_model.rowCount() == len(project.territories))
    qtbot.wait(200)  # the docks settle at the new size
    assert window.grab().save(str(shot))
    print(f"screenshot: {shot}")


def panes(window: MainWindow) -> QSplitter:
    """The KPI panel's table-and-chart splitter."""
    split = window.kpi_panel.findChild(QSplitter)
    assert split is not None
    return split


def assert_main_kpi_columns_in_view(window: MainWindow) -> None:
    """The KPI table shows its main columns whole, without scrolling sideways."""
    table = window.kpi_table
    header, width = table.horizontalHeader(), table.viewport().width()
    keys = [column.key for column in window.territory_model.columns]
    assert table.horizontalScrollBar().value() == 0
    for key in KPI_MAIN_KEYS:
        column = keys.index(key)
        left = header.sectionViewportPosition(column)
        assert left >= 0, key
        assert left + header.sectionSize(column) <= width, (key, left, width)


def assert_seen_whole(dock: QDockWidget, widget: QWidget) -> None:
    """`widget` lies whole within the viewport of `dock`'s scroll area, which does not scroll."""
    scrolling = dock.widget()
    assert isinstance(scrolling, QScrollArea)
    assert scrolling.verticalScrollBar().maximum() == 0
    assert scrolling.horizontalScrollBar().maximum() == 0
    viewport = scrolling.viewport()
    place = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    assert viewport.rect().contains(place), (place, viewport.rect())


def place(widget: QWidget, panel: QWidget) -> QRect:
    """Where `widget` is in `panel`."""
    return QRect(widget.mapTo(panel, QPoint(0, 0)), widget.size())


def four_week_plan(rep_id: str) -> dict:
    """A calendar of four weeks for `rep_id`, its first week's Wednesday with two visits."""
    plan = calendar_plan()
    plan["weeks"], plan["rep_id"] = 4, rep_id
    return plan


def show_the_trend(qtbot, window: MainWindow) -> PerformancePanel:
    """Bring the Performance panel's trend chart to the front; check it is seen whole."""
    window.analysis.performance_dock.raise_()
    performance = window.analysis.performance_panel
    performance.chart_tabs().setCurrentWidget(performance.trend)
    qtbot.waitUntil(performance.trend.isVisible)
    qtbot.wait(100)  # the panel's layout settles
    assert performance.trend.height() >= performance.trend.minimumHeight()
    assert_seen_whole(window.analysis.performance_dock, performance.trend)
    return performance


def show_a_day(qtbot, window: MainWindow) -> CalendarPanel:
    """Show a 4-week calendar and choose a day of 2 visits; check the grid and route are seen."""
    window.calendar_dock.raise_()
    calendar = window.calendar_panel
    calendar.add_plan(four_week_plan(calendar.rep.currentData()))
    calendar.grid.setCurrentCell(0, 0)  # Wednesday of week 1: two visits
    qtbot.waitUntil(calendar.day.isVisible)
    assert calendar.day.rowCount() == 2
    qtbot.wait(100)  # the panel's layout settles
    grid, day = calendar.grid, calendar.day
    assert_seen_whole(window.calendar_dock, grid)
    assert_seen_whole(window.calendar_dock, day)
    last = grid.rowCount() - 1  # every week whole
    assert grid.rowViewportPosition(last) + grid.rowHeight(last) <= grid.viewport().height()
    for row in range(day.rowCount()):  # every visit whole
        assert day.rowViewportPosition(row) >= 0
        assert day.rowViewportPosition(row) + day.rowHeight(row) <= day.viewport().height()
    return calendar


@pytest.mark.parametrize("size", [(1366, 768), (1600, 1000), (1920, 1080)])
def test_the_map_keeps_most_of_the_width(
    qtbot, window: MainWindow, demo_project, tmp_path, size: tuple[int, int]
) -> None:
    width, height = size
    show(qtbot, window, demo_project, size, tmp_path / f"window-{width}x{height}.png")
    map_width = window.map_view.width()
    assert map_width >= 0.6 * window.width(), (map_width, window.width())
    assert window.map_view.height() >= 0.45 * window.height()
    show_the_trend(qtbot, window)  # the trend chart and the chosen day's route without scrolling
    show_a_day(qtbot, window)


def test_a_laptop_screen_tabs_the_panels_beside_the_map(
    qtbot, window: MainWindow, eight_territories: Project, tmp_path
) -> None:
    show(qtbot, window, eight_territories, (1366, 768), tmp_path / "laptop.png")
    assert window.map_view.height() >= 0.85 * window.centralWidget().height()
    for dock in window.docks():
        assert window.dockWidgetArea(dock) == LEFT, dock.objectName()
        assert not dock.isFloating()
        assert dock.isVisibleTo(window)
    assert set(window.tabifiedDockWidgets(window.territory_dock)) == {
        window.rep_dock, window.scenarios_dock, window.coverage_dock, window.log_dock,
    }  # fmt: skip
    assert set(window.tabifiedDockWidgets(window.kpi_dock)) == {
        window.calendar_dock, window.analysis.performance_dock, window.analysis.market_dock,
        window.account_dock, window.rules_dock,
    }  # fmt: skip
    assert window.territory_dock.y() < window.kpi_dock.y()  # the Territories on top
    bars = [bar for bar in window.findChildren(QTabBar) if bar.parent() is window]
    shown = [bar for bar in bars if bar.isVisible()]
    assert len(shown) == 2
    for bar in shown:  # every tab's whole title in view, no scrolling
        assert bar.tabRect(bar.count() - 1).right() < bar.width(), bar.tabText(bar.count() - 1)

    # The Territories table shows all eight rows and less than a row of empty space.
    table = window.territory_table
    last = len(eight_territories.territories) - 1
    bottom = table.rowViewportPosition(last) + table.rowHeight(last)
    assert bottom <= table.viewport().height() < bottom + table.rowHeight(0)
    assert table.horizontalScrollBar().maximum() == 0

    window.kpi_dock.raise_()
    qtbot.waitUntil(window.kpi_table.isVisible)
    assert panes(window).orientation() == Qt.Orientation.Vertical  # the chart under the table
    assert_main_kpi_columns_in_view(window)

    # The calendar has room for a 4-week grid and does not scroll sideways.
    window.calendar_dock.raise_()
    grid = window.calendar_panel.grid
    qtbot.waitUntil(grid.isVisible)
    assert grid.viewport().height() >= 4 * grid.verticalHeader().defaultSectionSize()
    scrolling = window.calendar_dock.widget()
    assert isinstance(scrolling, QScrollArea)
    assert scrolling.horizontalScrollBar().maximum() == 0

    # The chosen day's route under the grid, the Performance charts as more tabs of its tables.
    calendar = show_a_day(qtbot, window)
    assert place(calendar.day, calendar).top() > place(calendar.grid, calendar).bottom()
    assert not calendar.options.isVisible()  # folded away, a click on Options away
    performance = show_the_trend(qtbot, window)
    assert performance.chart_tabs() is performance.tables
    assert not performance.tabs.isVisible()
    performance.tables.setCurrentIndex(0)
    assert_seen_whole(window.analysis.performance_dock, performance.territory_table)


def test_a_large_screen_puts_the_wide_panels_under_the_map(
    qtbot, window: MainWindow, eight_territories: Project, tmp_path
) -> None:
    show(qtbot, window, eight_territories, (1920, 1080), tmp_path / "large.png")
    under = (
        window.account_dock, window.kpi_dock, window.calendar_dock,
        window.analysis.performance_dock, window.analysis.market_dock,
    )  # fmt: skip
    assert {window.dockWidgetArea(dock) for dock in under} == {BOTTOM}
    assert {window.dockWidgetArea(dock) for dock in set(window.docks()) - set(under)} == {LEFT}
    assert window.map_view.width() >= 0.7 * window.width()
    table = window.territory_table
    assert table.horizontalScrollBar().maximum() == 0  # its columns in view
    last = len(eight_territories.territories) - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    window.kpi_dock.raise_()
    qtbot.waitUntil(window.kpi_table.isVisible)
    assert panes(window).orientation() == Qt.Orientation.Horizontal  # the chart beside
    assert_main_kpi_columns_in_view(window)

    # The Performance charts beside its tables, the chosen day's route beside the grid.
    performance = show_the_trend(qtbot, window)
    assert performance.chart_tabs() is performance.tabs
    assert performance.territory_table.isVisible()
    beside = place(performance.territory_table, performance).right()
    assert place(performance.trend, performance).left() > beside
    calendar = show_a_day(qtbot, window)
    assert calendar.options.isVisible()
    assert place(calendar.day, calendar).left() > place(calendar.grid, calendar).right()
    assert calendar.grid.width() >= 0.35 * calendar.width()  # the weekdays' text readable


def test_the_default_layout_follows_the_window_until_the_user_changes_it(
    qtbot, window: MainWindow
) -> None:
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.dockWidgetArea(window.kpi_dock) == BOTTOM)
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.dockWidgetArea(window.kpi_dock) == LEFT)
    assert panes(window).orientation() == Qt.Orientation.Vertical

    window.log_dock.setFloating(True)  # the user's change: the layout stays
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920)
    assert window.dockWidgetArea(window.kpi_dock) == LEFT

    window.view_actions.reset_layout()  # the default for this size, every panel docked
    assert window.dockWidgetArea(window.kpi_dock) == BOTTOM
    assert not window.log_dock.isFloating()
    assert panes(window).orientation() == Qt.Orientation.Horizontal
    performance = window.analysis.performance_panel  # its charts back in tabs of their own
    assert performance.chart_tabs() is performance.tabs
    assert [performance.tables.tabText(i) for i in range(performance.tables.count())] == [
        "Territories", "Reps",
    ]  # fmt: skip
    assert performance.tabs.count() == 5


def test_a_saved_layout_wins_over_the_default(qtbot, window: MainWindow, tmp_path) -> None:
    window.addDockWidget(RIGHT, window.kpi_dock)  # as if dragged there
    assert panes(window).orientation() == Qt.Orientation.Vertical  # a side column stacks
    window.view_actions.save_layout()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    again = MainWindow(settings=settings, data_folder=tmp_path / "again")
    try:
        again.show()
        qtbot.waitExposed(again)
        assert again.dockWidgetArea(again.kpi_dock) == RIGHT
        again.resize(1920, 1080)  # a larger window does not undo the user's layout
        qtbot.waitUntil(lambda: again.width() == 1920)
        assert again.dockWidgetArea(again.kpi_dock) == RIGHT
    finally:
        again.undo_stack.setClean()
        again.close()
        shiboken6.delete(again)


def test_dragging_a_border_between_panels_keeps_the_layout(qtbot, window: MainWindow) -> None:
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() == 1366)
    assert window.dockWidgetArea(window.kpi_dock) == LEFT
    border = window.kpi_dock.geometry().right() + 2  # between the panels' column and the map
    qtbot.mousePress(window, Qt.MouseButton.LeftButton, pos=QPoint(border, window.height() // 2))
    qtbot.mouseRelease(window, Qt.MouseButton.LeftButton, pos=QPoint(border, window.height() // 2))
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920)
    assert window.dockWidgetArea(window.kpi_dock) == LEFT  # the user's sizes stay
