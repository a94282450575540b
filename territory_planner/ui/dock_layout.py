"""The window's default layout, made for its size (issue 17: laptop screens first).

On a compact window (a 1366x768 laptop) every panel is a tab in one column beside
the map: the Territories group (with the Gaps && Overlaps and the Change Log) on
top, as tall as eight rows, and the wide panels and Rules under it with their
panes stacked (table over chart), the KPI table's main columns first. On a larger
window the wide panels go under the map, their panes side by side, and the Gaps &&
Overlaps, Rules and Change Log under the Territories.

Until the user moves, floats or closes a panel or drags a border between them,
the layout follows the window's size; a saved layout (`ViewActions`) always wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QDockWidget, QScrollArea, QSplitter, QTabBar, QTableView

from territory_planner.ui.table_model import Column

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow

#: A window narrower or lower than this gets the compact layout (every panel beside the map).
COMPACT_BELOW = QSize(1500, 900)
LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
#: The compact layout's column of panels takes at most this share of the window's width.
SIDE_SHARE = 0.39
#: Rows the Territories table shows before it scrolls (the height of its group).
TERRITORY_ROWS = 8
#: The share of the window's height the panels under the map get in the wide layout.
BOTTOM_SHARE = 0.36
#: The KPI table's columns a compact window shows first, where they need no scrolling.
KPI_MAIN_KEYS = (
    "name", "accounts", "potential", "potential_vs_mean", "workload_hours",
    "workload_hours_vs_mean",
)  # fmt: skip

Groups = list[tuple[Qt.DockWidgetArea, list[QDockWidget]]]


def is_compact(size: QSize) -> bool:
    """Whether a window of `size` gets the compact layout."""
    return size.width() < COMPACT_BELOW.width() or size.height() < COMPACT_BELOW.height()


@runtime_checkable
class SidePanel(Protocol):
    """A panel that lays itself out anew in a side column (e.g. its charts as more tabs)."""

    def set_side(self, side: bool) -> None:
        """Lay the panel out for a side column (`side`) or a wide area."""


def stack_panes(dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
    """Put a docked panel's panes (table and chart, ...) above each other in a side column."""
    inner = dock.widget()
    panel = inner.widget() if isinstance(inner, QScrollArea) else inner
    if panel is None:
        return
    side = area in (LEFT, Qt.DockWidgetArea.RightDockWidgetArea)
    orientation = Qt.Orientation.Vertical if side else Qt.Orientation.Horizontal
    for split in panel.findChildren(QSplitter, options=Qt.FindChildOption.FindDirectChildrenOnly):
        split.setOrientation(orientation)
    if isinstance(panel, SidePanel):
        panel.set_side(side)


def columns_width(table: QTableView, columns: list[Column]) -> int:
    """The width `table` needs to show `columns` at their widths without scrolling sideways."""
    edges = 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
    rows = table.verticalHeader().sizeHint().width() if table.verticalHeader().isVisible() else 0
    return sum(column.width for column in columns) + edges + rows


def show_first(table: QTableView, first: list[int]) -> None:
    """Show the `first` columns (logical numbers) leftmost, in that order; the rest follow."""
    header = table.horizontalHeader()
    rest = [c for c in range(header.count()) if c not in first]
    for place, column in enumerate(first + rest):
        header.moveSection(header.visualIndex(column), place)


class DockLayout(QObject):
    """Lays the window's panels out for its size, and again when it is resized, until changed."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: Whether the default layout follows the window's size (not changed, not restored).
        self.following = False
        #: Whether the layout was made for a compact window.
        self.compact = False
        self._arranging = False

    def watch(self) -> None:
        """Notice the user changing the layout, and the window's size changing."""
        for dock in self.window.docks():
            dock.dockLocationChanged.connect(lambda area, d=dock: self._moved(d, area))
            dock.topLevelChanged.connect(lambda _floating: self.changed())
            dock.toggleViewAction().triggered.connect(lambda _checked: self.changed())
        self.window.installEventFilter(self)

    def changed(self) -> None:
        """The user changed the layout (or restored a saved one): it stays at any size."""
        if not self._arranging:
            self.following = False

    def arrange(self, size: QSize) -> None:
        """The default layout for a window of `size`: every panel shown, in its place."""
        window = self.window
        self.compact = is_compact(size)
        groups = self._groups()
        self._arranging = True
        for dock in window.docks():
            dock.setFloating(False)
            window.removeDockWidget(dock)
        for area, group in groups:
            window.addDockWidget(area, group[0])
            for dock in group[1:]:
                window.tabifyDockWidget(group[0], dock)
            for dock in group:
                stack_panes(dock, area)
                dock.show()
            group[0].raise_()
        self._arranging = False
        self.following = True
        for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            bar.setElideMode(Qt.TextElideMode.ElideNone)  # whole titles; arrows if they do not fit
            bar.setUsesScrollButtons(True)
        show_first(window.kpi_table, self._kpi_main() if self.compact else [])
        self.fit(size)

    def fit(self, size: QSize) -> None:
        """Size the panels' column (and the row under the map) for a window of `size`."""
        window, groups = self.window, self._groups()
        territories, columns = window.territory_table, window.territory_model.columns
        shown = [c for n, c in enumerate(columns) if not territories.isColumnHidden(n)]
        width = columns_width(territories, shown)
        if self.compact:
            main = [columns[n] for n in self._kpi_main()]
            width = max(width, columns_width(window.kpi_table, main))
            width = min(width, round(SIDE_SHARE * size.width()))
        top = groups[0][1][0]
        window.resizeDocks([top], [width], Qt.Orientation.Horizontal)
        row = territories.verticalHeader().defaultSectionSize()
        rows = row * TERRITORY_ROWS + row // 2  # half a row to spare
        height = rows + territories.horizontalHeader().sizeHint().height()
        height += 4 * territories.fontMetrics().height()  # the dock's title, tabs and frame
        window.resizeDocks([top], [height], Qt.Orientation.Vertical)  # the rest: under it
        if not self.compact:
            under = round(BOTTOM_SHARE * size.height())
            window.resizeDocks([groups[2][1][0]], [under], Qt.Orientation.Vertical)

    def _groups(self) -> Groups:
        """The tab groups of the default layout, each in its area, the tab in front first."""
        window = self.window
        territories = [window.territory_dock, window.rep_dock, window.scenarios_dock]
        wide = [window.kpi_dock, window.calendar_dock, window.analysis.performance_dock]
        wide += [window.analysis.market_dock, window.account_dock]
        lists = [window.coverage_dock, window.log_dock]  # short enough for the top group
        if self.compact:  # each group's tabs fit the column's width
            return [(LEFT, territories + lists), (LEFT, [*wide, window.rules_dock])]
        lists.insert(1, window.rules_dock)
        return [(LEFT, territories), (LEFT, lists), (BOTTOM, [wide[-1], *wide[:-1]])]

    def _kpi_main(self) -> list[int]:
        keys = [column.key for column in self.window.territory_model.columns]
        return [keys.index(key) for key in KPI_MAIN_KEYS]

    def _moved(self, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
        stack_panes(dock, area)
        self.changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Follow the window's size; a drag on a border between panels ends that."""
        if watched is self.window and self.following:
            if event.type() == QEvent.Type.MouseButtonPress:
                self.following = False  # the press is on the window itself: a border
            elif event.type() == QEvent.Type.Resize:
                size = self.window.size()
                if is_compact(size) == self.compact:
                    self.fit(size)
                else:
                    self.arrange(size)
        return False
