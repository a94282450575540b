"""The View menu and the window's layout: zooms, account colours, panels, layout kept.

Docks can be closed and restored from View; their layout and the window's size
are remembered between sessions, and Reset Layout puts every panel back.
The default layout is made for the window's size (`dock_layout`); a saved one wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenuBar, QStyle

from territory_planner.mapview.overview import Scope
from territory_planner.ui.dock_layout import DockLayout

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


class ViewActions(QObject):
    """The View menu, how accounts are coloured on the map, and the remembered layout."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: The default layout, made for the window's size.
        self.dock_layout = DockLayout(window)

    def add_menu(self, bar: QMenuBar) -> None:
        """The View menu; `zoom_action` goes on the toolbar too."""
        window, add, nav = self.window, self.window.add_action, self.window.navigation
        view_menu = bar.addMenu("&View")
        self.zoom_action = add(
            view_menu, "&Zoom to All", nav.zoom_to_all, "Ctrl+0",
            tip="Fit the map to everything on it",
            icon=QStyle.StandardPixmap.SP_FileDialogContentsView,
        )  # fmt: skip
        color_menu = view_menu.addMenu("&Colour Accounts By")
        group = QActionGroup(window)
        for key, text in (("territory", "&Territory"), ("geocode", "How They Were &Placed")):
            action = color_menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(key == window.session.view.color_by)
            action.triggered.connect(lambda _c=False, k=key: self.set_color_by(k))
            group.addAction(action)
        view_menu.addSeparator()
        for dock in window.docks():
            view_menu.addAction(dock.toggleViewAction())
        add(
            view_menu, "Zoom to Selected &Territory", nav.zoom_to_selected, "Ctrl+T",
            tip="Fit the map to the territory selected in the list",
        )  # fmt: skip
        add(view_menu, "&Next Territory", lambda: nav.step_territory(1), "Ctrl+]")
        add(view_menu, "&Previous Territory", lambda: nav.step_territory(-1), "Ctrl+[")
        view_menu.addSeparator()
        add(view_menu, "&Reset Layout", self.reset_layout)

    def set_color_by(self, key: str) -> None:
        """Colour accounts on the map by territory or by how they were placed."""
        self.window.session.view.color_by = key
        # the map's accounts are recoloured by the overview
        self.window.refresher.request(Scope(territories=False, reps=False, coverage=False))

    # ----- layout -----

    def restore_layout(self) -> None:
        """Lay the panels out for the window's size, then restore the last session's layout."""
        window, layout = self.window, self.dock_layout
        geometry = window.settings.value("window/geometry")
        state = window.settings.value("window/state")
        if geometry is not None:
            window.restoreGeometry(geometry)
        layout.watch()
        layout.arrange(window.size())
        if state is not None:
            window.restoreState(state)
            layout.changed()  # the user's layout stays at any size

    def save_layout(self) -> None:
        """Remember the window's size and its panels' places for the next session."""
        window = self.window
        window.settings.setValue("window/geometry", window.saveGeometry())
        window.settings.setValue("window/state", window.saveState())

    def reset_layout(self) -> None:
        """Show every panel in its default place (for the window's size)."""
        self.dock_layout.arrange(self.window.size())
