"""The Move Areas mode: only while it is on does a click on the map offer to move an area.

Without the mode a click on a territory selects it and nothing else, so a stray
click cannot move a county. The mode is a checkable action (Territory menu and
toolbar, pressed while on) with a note in the status bar; Esc leaves it. The lasso
belongs to the mode: switching the lasso on switches the mode on, leaving the mode
puts the lasso away.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu

from territory_planner.geo.units import UNIT_KINDS

INDICATOR_STYLE = "QLabel { background: #fff3c4; color: #5c4400; padding: 1px 8px; }"


class MoveAreasMode(QObject):
    """The mode's actions (`action`, `lasso`), its status-bar note, and the kind of area moved.

    Parameters
    ----------
    window
        The main window: the actions, the Esc shortcut and the note live in it.
    """

    #: The lasso was switched on (True) or off (False).
    lasso_toggled = Signal(bool)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.unit_kind = "county"  # what a click or lasso moves
        self.action = QAction("&Move Areas", window)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("Ctrl+M"))
        self.action.setStatusTip(
            "While on, a click on the map offers to move the area under it to another territory"
        )
        self.lasso = QAction("&Lasso Areas", window)
        self.lasso.setCheckable(True)
        self.lasso.setShortcut(QKeySequence("Ctrl+L"))
        self.lasso.setStatusTip("While on, a shape drawn on the map picks the areas inside it")
        self.indicator = QLabel()
        self.indicator.setStyleSheet(INDICATOR_STYLE)
        self.indicator.hide()
        window.statusBar().insertPermanentWidget(0, self.indicator)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.escape.setEnabled(False)
        self.escape.activated.connect(self.leave)
        self.action.toggled.connect(self._toggled)
        self.lasso.toggled.connect(self._lasso_toggled)

    @property
    def is_on(self) -> bool:
        """Whether clicks on the map move areas."""
        return self.action.isChecked()

    @property
    def noun(self) -> str:
        """The areas moved, e.g. "counties"."""
        return UNIT_KINDS[self.unit_kind][1]

    def leave(self) -> None:
        """Leave the mode (the lasso too)."""
        self.action.setChecked(False)

    def add_units_menu(self, menu: QMenu) -> QMenu:
        """Add the "Areas Moved" submenu (states, counties, ZIP areas) to `menu`."""
        submenu = menu.addMenu("Areas &Moved")
        group = QActionGroup(submenu)
        for key, (_one, many) in UNIT_KINDS.items():
            action = submenu.addAction(many.capitalize())
            action.setCheckable(True)
            action.setChecked(key == self.unit_kind)
            action.triggered.connect(lambda _c=False, k=key: self.set_unit_kind(k))
            group.addAction(action)
        return submenu

    def set_unit_kind(self, kind: str) -> None:
        """Clicks and lassos pick states, counties or ZIP areas (see `UNIT_KINDS`)."""
        self.unit_kind = kind
        self._show_note()
        self.window.statusBar().showMessage(
            f"Move Areas now moves {self.noun} between territories", 5000
        )

    def _toggled(self, on: bool) -> None:
        self.escape.setEnabled(on)
        self.indicator.setVisible(on)
        self._show_note()
        if not on:
            self.lasso.setChecked(False)

    def _lasso_toggled(self, on: bool) -> None:
        if on:
            self.action.setChecked(True)
        self._show_note()
        self.lasso_toggled.emit(on)

    def _show_note(self) -> None:
        how = "draw round those" if self.lasso.isChecked() else "click one"
        self.indicator.setText(f"Moving {self.noun}: {how} to move · Esc leaves")
