"""The Help menu: the keyboard shortcuts (read from the menus themselves) and the About box."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox

from territory_planner.bundle import version_text
from territory_planner.resources import credits as bundled_credits

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


class HelpActions(QObject):
    """The Help menu and the text of its boxes."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def add_menu(self, bar: QMenuBar) -> None:
        """The Help menu."""
        help_menu = bar.addMenu("&Help")
        self.window.add_action(help_menu, "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self.window.add_action(help_menu, "&About Territory Planner", self.about)

    def about_text(self) -> str:
        """The About box: version, and credits for every bundled component and data set."""
        rows = "".join(
            f"<li><b>{html.escape(c['name'])}</b> {html.escape(c['version'])} — "
            f"{html.escape(c['what'])} ({html.escape(c['license'])})</li>"
            for c in bundled_credits()
        )
        return (
            f"<h3>Territory Planner {html.escape(version_text())}</h3>"
            "<p>Plan sales territories and routes on your laptop, fully offline.</p>"
            f"<p>Bundled software and data:</p><ul>{rows}</ul>"
            "<p>Built with Qt for Python (PySide6, LGPL), folium, geopandas, shapely.</p>"
        )

    def shortcuts_text(self) -> str:
        """Every menu command that has a keyboard shortcut, by menu, as HTML."""
        sections = []
        for menu_action in self.window.menuBar().actions():
            menu = menu_action.menu()
            if not isinstance(menu, QMenu):
                continue
            rows = []
            stack = list(menu.actions())
            while stack:
                action = stack.pop(0)
                submenu = action.menu()
                if isinstance(submenu, QMenu):
                    stack[:0] = submenu.actions()
                elif not action.shortcut().isEmpty():
                    key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    name = action.text().replace("&", "").rstrip("…")
                    rows.append(f"<tr><td>{html.escape(name)}</td><td><b>{key}</b></td></tr>")
            if rows:
                title = menu_action.text().replace("&", "")
                sections.append(f"<h4>{title}</h4><table>{''.join(rows)}</table>")
        return "".join(sections)

    def show_shortcuts(self) -> None:
        """List the keyboard shortcuts."""
        QMessageBox.information(self.window, "Keyboard shortcuts", self.shortcuts_text())

    def about(self) -> None:
        """Show the About box."""
        QMessageBox.about(self.window, "About Territory Planner", self.about_text())
