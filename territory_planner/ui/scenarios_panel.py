"""The Scenarios panel: the plans a project holds, and what to do with them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from territory_planner.model import Project


class ScenariosPanel(QWidget):
    """A list of scenarios (the one in use in bold) with buttons acting on the selected one."""

    design_requested = Signal()
    split_requested = Signal()
    rebalance_requested = Signal()
    copy_requested = Signal()
    use_requested = Signal(str)
    rename_requested = Signal(str)
    delete_requested = Signal(str)
    compare_requested = Signal(str, str)  # a (the plan in use), b (the selected one)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.in_use = ""
        self.list = QListWidget()
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.list.itemDoubleClicked.connect(lambda item: self.use_requested.emit(self._name(item)))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid)")
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        specs = (
            ("design", "Design…", "Let the optimizer design balanced, compact territories"),
            ("split", "New Hire…", "Carve a territory for a new rep out of existing ones"),
            ("rebalance", "Rebalance…", "Bring territories within tolerance, fewest moves"),
            ("copy", "Copy", "Keep a copy of the plan in use as a new scenario"),
            ("use", "Use", "Make the selected scenario the plan in use"),
            ("compare", "Compare…", "Compare the selected scenario with the plan in use"),
            ("rename", "Rename…", "Rename the selected scenario"),
            ("delete", "Delete", "Delete the selected scenario"),
        )
        for number, (key, text, tip) in enumerate(specs):
            button = QPushButton(text)
            button.setToolTip(tip)
            grid.addWidget(button, number // 3, number % 3)
            self.buttons[key] = button
        self.buttons["design"].clicked.connect(self.design_requested)
        self.buttons["split"].clicked.connect(self.split_requested)
        self.buttons["rebalance"].clicked.connect(self.rebalance_requested)
        self.buttons["copy"].clicked.connect(self.copy_requested)
        self.buttons["use"].clicked.connect(lambda: self.use_requested.emit(self.selected()))
        self.buttons["rename"].clicked.connect(lambda: self.rename_requested.emit(self.selected()))
        self.buttons["delete"].clicked.connect(lambda: self.delete_requested.emit(self.selected()))
        self.buttons["compare"].clicked.connect(
            lambda: self.compare_requested.emit(self.in_use, self.selected())
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        layout.addLayout(grid)
        self._enable()

    @staticmethod
    def _name(item: QListWidgetItem) -> str:
        return str(item.data(Qt.ItemDataRole.UserRole))

    def selected(self) -> str:
        """Name of the selected scenario ("" if none)."""
        row = self.list.currentRow()
        return self._name(self.list.item(row)) if row >= 0 else ""

    def refresh(self, project: Project) -> None:
        """Show the project's scenarios, keeping the selection."""
        keep = self.selected()
        self.in_use = project.scenario_name
        self.list.clear()
        for name in project.scenario_names():
            note = project.scenario(name).note if name != self.in_use else project.scenario_note
            item = QListWidgetItem(f"{name}   (in use)" if name == self.in_use else name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(note or "")
            if name == self.in_use:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if name == keep:
                self.list.setCurrentItem(item)
        self._enable()

    def _enable(self) -> None:
        name = self.selected()
        stored = bool(name) and name != self.in_use
        for key in ("use", "delete", "compare"):
            self.buttons[key].setEnabled(stored)
        self.buttons["rename"].setEnabled(bool(name))
        row = self.list.currentRow()
        self.note.setText(self.list.item(row).toolTip() if row >= 0 else "")
