"""Dialogs to change the plan by moving units (New Hire, Rebalance) and to show the moves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from territory_planner.app.plan_operations import ChangeParams
from territory_planner.formats import money_short
from territory_planner.io.export import write_table_xlsx
from territory_planner.model import Project
from territory_planner.plan.default_balance import default_balance
from territory_planner.plan.unit_plan import BALANCE_TARGETS
from territory_planner.ui.design_dialog import default_note, tolerance_box, unit_choice
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

MOVE_COLUMNS = [
    Column("account_id", "Account", width=80),
    Column("name", "Name", width=200),
    Column("from", "From", width=140),
    Column("to", "To", width=140),
    Column("reason", "Reason", width=330),
    Column("potential", "Potential", money_short, numeric=True, width=80),
]


#: What the user asked for: the operation's own parameters.
ChangeOptions = ChangeParams


class ChangeDialog(QDialog):
    """Options for Rebalance (``split=False``) or New Hire (``split=True``)."""

    def __init__(self, project: Project, *, split: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.split = split
        self.setWindowTitle("New Hire: Carve a Territory" if split else "Rebalance Territories")
        self.units = unit_choice()
        self.balance = QComboBox()
        for key, words in BALANCE_TARGETS.items():
            self.balance.addItem(words.capitalize(), key)
        self.default_note = default_note(project)
        default = default_balance(project, self.default_note.text())
        self.balance.setCurrentIndex(list(BALANCE_TARGETS).index(default))
        self.balance.currentIndexChanged.connect(  # said while the default is chosen
            lambda _i: self.default_note.setVisible(
                bool(self.default_note.text()) and self.balance.currentData() == default
            )
        )
        self.tolerance = tolerance_box(project)
        form = QFormLayout()
        self.minimise = QComboBox()
        self.reach: QCheckBox | None = None  # (rebalance only: a split keeps the rule)
        self.sources = QListWidget()
        self.rep = QComboBox()
        self.name = QLineEdit()
        if split:
            self._split_rows(project, form)
        else:
            self.minimise.addItem("Fewest accounts", "accounts")
            self.minimise.addItem("Least potential", "potential")
            form.addRow("Move:", self.minimise)
            self.reach = QCheckBox("Only to reps who can visit them on a day trip")
            self.reach.setChecked(True)
            self.reach.setToolTip(
                "Never hand an account to a rep who cannot drive there, visit and drive back "
                "in a working day while another rep can (the calendar could not plan its "
                "visits). Untick for a team that travels with nights away."
            )
            form.addRow("Accounts go:", self.reach)
        form.addRow("Move units:", self.units)
        form.addRow("Balance on:", self.balance)
        form.addRow("", self.default_note)
        form.addRow("Tolerance:", self.tolerance)
        self.explain = QLabel(
            "Territories take and give units along their borders; locked territories and "
            "locked accounts stay. The result is a new scenario with a list of the moves."
        )
        self.explain.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Split" if split else "Rebalance")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addWidget(buttons)
        self._update()

    def _split_rows(self, project: Project, form: QFormLayout) -> None:
        """The territories to take from, the new rep and the territory's name."""
        locked = project.territories_locked()
        for row, (tid, name) in enumerate(
            zip(project.territories["territory_id"], project.territories["name"], strict=True)
        ):
            item = QListWidgetItem(f"{name} (locked)" if locked[row] else str(name))
            item.setData(Qt.ItemDataRole.UserRole, tid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            if locked[row]:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.sources.addItem(item)
        self.sources.itemChanged.connect(lambda _item: self._update())
        self.rep.addItem("(no rep yet)", None)
        holding = set(project.territories["rep_id"].dropna())
        for rep_id, name in zip(project.reps["rep_id"], project.reps["name"], strict=True):
            if rep_id not in holding:  # (a rep with a territory is no new hire: refused)
                self.rep.addItem(str(name), rep_id)
        self.name.setPlaceholderText("default: the rep's name")
        form.addRow("Take from:", self.sources)
        form.addRow("New rep:", self.rep)
        form.addRow("Territory name:", self.name)

    def checked_sources(self) -> tuple[str, ...]:
        """The territories ticked to take the new territory from."""
        return tuple(
            str(self.sources.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.sources.count())
            if self.sources.item(i).checkState() == Qt.CheckState.Checked
        )

    def _update(self) -> None:
        self.ok.setEnabled(not self.split or bool(self.checked_sources()))

    def options(self) -> ChangeOptions:
        """The choices made."""
        return ChangeOptions(
            kind=str(self.units.currentData()),
            balance=str(self.balance.currentData()),
            tolerance=self.tolerance.value() / 100,
            minimise=str(self.minimise.currentData() or "accounts"),
            sources=self.checked_sources(),
            rep_id=self.rep.currentData(),
            territory_name=self.name.text().strip() or None,
            reach=self.reach is None or self.reach.isChecked(),
        )


class MovesDialog(QDialog):
    """The accounts a change moves: from, to and why; exportable to Excel."""

    def __init__(self, title: str, summary: str, moves: pd.DataFrame, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.moves = moves
        self.model = FrameModel(MOVE_COLUMNS, self)
        self.model.set_frame(moves)
        label = QLabel(summary)
        label.setWordWrap(True)
        export = QPushButton("Export to Excel…")
        export.clicked.connect(lambda _checked=False: self.export(None))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(export, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(make_table(self.model), 1)
        layout.addWidget(buttons)
        self.resize(1050, 560)

    def export(self, path: Path | None = None) -> int:
        """Write the moves to an Excel file (asks where when `path` is None)."""
        return export_moves(self, self.moves, path)


def export_moves(parent: QWidget, moves: pd.DataFrame, path: Path | None = None) -> int:
    """Write a move list to an Excel file (asks where when `path` is None); rows written."""
    if path is None:
        name, _ = QFileDialog.getSaveFileName(
            parent, "Export moves", "moves.xlsx", "Excel workbooks (*.xlsx)"
        )
        if not name:
            return 0
        path = Path(name)
    return write_table_xlsx(moves, path, "Moves")
