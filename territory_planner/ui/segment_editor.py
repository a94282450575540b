"""The Market panel's segment editor: pick, build, save and delete a market segment.

A segment is a list of conditions on account attributes (see
`territory_planner.analysis.market`). The editor never changes the project:
saving or deleting comes out as an undoable edit (`segment_saved`,
`segment_deleted`), and a change of the conditions shown as `changed`, with
the mask of the accounts they select.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner import segment_edits
from territory_planner._errors import PlannerError
from territory_planner.analysis import market
from territory_planner.analysis.conditions import OPERATORS, SEGMENT_FIELD, Condition
from territory_planner.analysis.market import Segment
from territory_planner.model import Project
from territory_planner.ui.rule_dialog import parse_value, value_text

ALL_ACCOUNTS = "All accounts"
MAX_SUGGESTIONS = 60
DRAFT = "(not saved)"


class SegmentEditor(QWidget):
    """The saved segments, the conditions of the one shown, its name and its account count."""

    #: A segment was saved (or changed): the undoable `ChangeSettings` edit to push.
    segment_saved = Signal(object)
    #: A segment was deleted: the undoable edit to push.
    segment_deleted = Signal(object)
    #: The conditions shown changed and are valid: the saved segment's name ("" for all
    #: accounts or an unsaved filter) and the mask of the accounts in it (None: every account).
    changed = Signal(str, object)
    #: A saved segment cannot be read (a `PlannerError`): the window shows it.
    failed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = Project.empty()
        self._loading = False
        self._loaded: Segment | None = None  # the saved segment as last shown
        self.saved = QComboBox()
        self.saved.setToolTip("Pick a saved segment (its conditions are shown below)")
        self.saved.currentIndexChanged.connect(self._pick_saved)
        self.conditions = QTableWidget(0, 3)
        self.conditions.setHorizontalHeaderLabels(["Attribute", "Test", "Value"])
        self.conditions.horizontalHeader().setStretchLastSection(True)
        self.conditions.verticalHeader().setVisible(False)
        self.conditions.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conditions.setColumnWidth(0, 140)
        self.conditions.setColumnWidth(1, 80)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Healthcare enterprise")
        self.save_button = QPushButton("Save segment")
        self.save_button.setToolTip("Keep these conditions under this name (one undo step)")
        self.save_button.clicked.connect(self.save_segment)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the saved segment picked above (one undo step)")
        self.delete_button.clicked.connect(self.delete_segment)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self._lay_out()

    def _lay_out(self) -> None:
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Segment:"))
        pick.addWidget(self.saved, 1)
        pick.addWidget(self.delete_button)
        add = QPushButton("Add condition")
        add.clicked.connect(lambda: self.add_condition(None))
        remove = QPushButton("Remove condition")
        remove.clicked.connect(self.remove_condition)
        clear = QPushButton("Clear")
        clear.setToolTip("Back to every account")
        clear.clicked.connect(lambda: self.saved.setCurrentIndex(0))
        edit = QHBoxLayout()
        edit.addWidget(add)
        edit.addWidget(remove)
        edit.addWidget(clear)
        edit.addStretch(1)
        save = QHBoxLayout()
        save.addWidget(QLabel("Name:"))
        save.addWidget(self.name, 1)
        save.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addLayout(pick)
        layout.addWidget(QLabel("Accounts meeting every condition (none: every account):"))
        layout.addWidget(self.conditions, 1)
        layout.addLayout(edit)
        layout.addLayout(save)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)

    def show_project(self, project: Project) -> None:
        """Show `project`'s saved segments, keeping the one picked if it is still there."""
        self.project = project
        try:
            names = market.segment_names(project)
        except PlannerError as exc:
            self.failed.emit(exc)
            names = []
        current = self.saved.currentText()
        self._loading = True
        self.saved.clear()
        self.saved.addItem(ALL_ACCOUNTS)
        self.saved.addItems(names)
        self.saved.setCurrentText(current if current in names else ALL_ACCOUNTS)
        self._loading = False
        if current in names:
            saved = market.find_segment(project, current)
            if saved != self._loaded:  # changed by an undo: show it as saved now
                self._load_segment(saved)
        elif current != ALL_ACCOUNTS and self.saved.currentText() == ALL_ACCOUNTS and current:
            self._load_segment(None)  # the segment shown was deleted (or undone)
        for row in range(self.conditions.rowCount()):
            self._suggest(row)
        self._filter_changed()

    def add_condition(self, condition: Condition | None) -> None:
        """A new row: attribute, test and value (the attribute's common values are suggested)."""
        row = self.conditions.rowCount()
        self.conditions.insertRow(row)
        field = QComboBox()
        field.addItems(market.segment_fields(self.project))
        op = QComboBox()
        op.addItems(list(OPERATORS))
        value = QComboBox()
        value.setEditable(True)
        self.conditions.setCellWidget(row, 0, field)
        self.conditions.setCellWidget(row, 1, op)
        self.conditions.setCellWidget(row, 2, value)
        if condition is not None:
            if field.findText(condition.field) < 0:
                field.addItem(condition.field)
            field.setCurrentText(condition.field)
            op.setCurrentText(condition.op)
        self._suggest(row)
        value.setCurrentText(value_text(condition.value) if condition else "")
        field.currentTextChanged.connect(lambda _t, w=value: self._suggest_for(w))
        field.currentIndexChanged.connect(lambda _i: self._filter_changed())
        op.currentIndexChanged.connect(lambda _i: self._filter_changed())
        value.currentTextChanged.connect(lambda _t: self._filter_changed())
        self._filter_changed()

    def remove_condition(self) -> None:
        """Remove the selected condition (or the last one)."""
        row = self.conditions.currentRow()
        self.conditions.removeRow(row if row >= 0 else self.conditions.rowCount() - 1)
        self._filter_changed()

    def _widget(self, row: int, column: int) -> QComboBox:
        widget = self.conditions.cellWidget(row, column)
        assert isinstance(widget, QComboBox)  # noqa: S101 (set in add_condition)
        return widget

    def _suggest(self, row: int) -> None:
        self._suggest_for(self._widget(row, 2))

    def _suggest_for(self, box: QComboBox) -> None:
        row = next(
            (r for r in range(self.conditions.rowCount()) if self._widget(r, 2) is box), None
        )
        if row is None:
            return
        field = self._widget(row, 0).currentText()
        text = box.currentText()
        box.blockSignals(True)
        box.clear()
        accounts = self.project.accounts
        if field == SEGMENT_FIELD:
            box.addItems(market.segment_names(self.project))
        elif field in accounts.columns:
            common = accounts[field].dropna().astype(str).value_counts()
            box.addItems(common.index[:MAX_SUGGESTIONS].tolist())
        box.setCurrentText(text)
        box.blockSignals(False)

    def draft(self) -> Segment | None:
        """The segment the conditions shown make (None: every account).

        Raises
        ------
        ValueError
            When a condition has no value, or a comparison is not given a number.
        """
        conditions = []
        for row in range(self.conditions.rowCount()):
            field, op = self._widget(row, 0).currentText(), self._widget(row, 1).currentText()
            text = self._widget(row, 2).currentText()
            if not text.strip():
                msg = f"condition {row + 1}: type a value for {field}"
                raise ValueError(msg)
            conditions.append(Condition(field, op, parse_value(op, text)))
        if not conditions:
            return None
        return Segment(self.name.text().strip() or DRAFT, tuple(conditions))

    def segment(self) -> Segment | None:
        """The segment the lists and the map are for (None: every account, or a bad filter)."""
        try:
            return self.draft()
        except ValueError:
            return None

    def segment_accounts(self) -> np.ndarray | None:
        """The project's accounts in the segment shown (None: every account)."""
        segment = self.segment()
        return None if segment is None else market.segment_mask(self.project, segment)

    def _pick_saved(self) -> None:
        if self._loading:
            return
        name = self.saved.currentText()
        if name == ALL_ACCOUNTS or not name:
            self._load_segment(None)
        else:
            try:
                self._load_segment(market.find_segment(self.project, name))
            except PlannerError as exc:
                self.failed.emit(exc)
                return
        self._filter_changed()

    def _load_segment(self, segment: Segment | None) -> None:
        self._loading = True
        self.conditions.setRowCount(0)
        for condition in segment.conditions if segment else ():
            self.add_condition(condition)
        self.name.setText(segment.name if segment else "")
        self._loaded = segment
        self._loading = False

    def _filter_changed(self) -> None:
        """Count the segment's accounts and tell the panel (which redoes what depends on it)."""
        if self._loading:
            return
        self.delete_button.setEnabled(self.saved.currentText() != ALL_ACCOUNTS)
        try:
            segment = self.draft()
            mask = None if segment is None else market.segment_mask(self.project, segment)
        except (ValueError, PlannerError) as exc:
            self.error.setText(str(exc))
            self.summary.setText("")
            return
        self.error.setText("")
        shown = np.ones(len(self.project.accounts), dtype=bool) if mask is None else mask
        self.summary.setText(market.summarize(self.project, shown).describe())
        saved = self.saved.currentText()
        name = saved if saved != ALL_ACCOUNTS and segment is not None else ""
        self.changed.emit(name, mask)

    def save_segment(self) -> None:
        """Emit the edit that saves the conditions shown under the name typed."""
        try:
            draft = self.draft()
            name = self.name.text().strip()
            if not name:
                msg = "type a name for the segment"
                raise ValueError(msg)
            edit = segment_edits.save_segment(
                self.project, Segment(name, draft.conditions if draft else ())
            )
        except (ValueError, PlannerError) as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self._loading = True  # show the segment as picked: the window's refresh keeps it
        if self.saved.findText(name) < 0:
            self.saved.addItem(name)
        self.saved.setCurrentText(name)
        self._loading = False
        self._loaded = Segment(name, draft.conditions if draft else ())
        self.delete_button.setEnabled(True)
        self.segment_saved.emit(edit)

    def delete_segment(self) -> None:
        """Emit the edit that deletes the saved segment picked."""
        name = self.saved.currentText()
        if name == ALL_ACCOUNTS:
            return
        try:
            edit = segment_edits.delete_segment(self.project, name)
        except PlannerError as exc:
            self.error.setText(str(exc))
            return
        self.saved.setCurrentIndex(0)
        self.segment_deleted.emit(edit)
