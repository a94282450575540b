"""The Rules panel: ordered assignment rules, the parent-company policy, and split parents."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from territory_planner.formats import integer, money_short
from territory_planner.model import Project
from territory_planner.plan.parents import FOLLOW_PARENT, GEOGRAPHIC
from territory_planner.plan.rules import Rule, describe
from territory_planner.ui.rule_dialog import RuleDialog
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

POLICIES = (
    (GEOGRAPHIC, "stay where rules and geography put them; the parent's rep leads"),
    (FOLLOW_PARENT, "follow the parent company's territory"),
)
PARENT_COLUMNS = [
    Column("parent_name", "Parent company", width=170),
    Column("divisions", "Divisions", integer, numeric=True, width=65),
    Column("territories", "Territories", integer, numeric=True, width=70),
    Column("territory_names", "Spread over", width=220),
    Column("lead_territory", "Lead territory", width=120),
    Column("lead_rep", "Relationship lead", width=120),
    Column("revenue", "Revenue", money_short, numeric=True, width=70),
]


class RulesPanel(QWidget):
    """Shows the project's rules in order; edits come out as `rules_edited` signals.

    The window turns each into one undoable edit (and re-assigns the
    accounts), so the panel never changes the project itself.
    """

    #: (the new list of rules, a sentence for the change log)
    rules_edited = Signal(list, str)
    policy_changed = Signal(str)
    assign_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = Project.empty()
        self.rules: list[Rule] = []
        self.dialog: RuleDialog | None = None
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Rule", "When", "Goes to", "Accounts"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate((150, 230, 130, 70)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.edit_rule())
        self.policy = QComboBox()
        self.policy.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.policy.setMinimumContentsLength(16)
        for key, text in POLICIES:
            self.policy.addItem(text, key)
        self.policy.activated.connect(
            lambda _index: self.policy_changed.emit(str(self.policy.currentData()))
        )
        self.placed = QLabel()
        self.placed.setWordWrap(True)
        self.parent_model = FrameModel(PARENT_COLUMNS, self)
        self.parent_table = make_table(self.parent_model)
        self.parent_label = QLabel()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._rules_box())
        split.addWidget(self._parents_box())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def _rules_box(self) -> QWidget:
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add…", self.add_rule),
            ("Edit…", self.edit_rule),
            ("Remove", self.remove_rule),
            ("↑", lambda: self.move_rule(-1)),
            ("↓", lambda: self.move_rule(1)),
        ):
            button = QPushButton(text)
            if len(text) == 1:
                button.setToolTip("Move the selected rule up" if text == "↑" else "Move it down")
                button.setFixedWidth(32)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        assign = QPushButton("Assign")
        assign.setToolTip("Re-assign every unlocked account: rules first, then geography")
        assign.clicked.connect(self.assign_requested.emit)
        buttons.addWidget(assign)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "Rules are tried in order; the first that matches places the account. "
            "Locked accounts never move."
        )
        intro.setWordWrap(True)
        top_layout.addWidget(intro)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.placed)
        return top

    def _parents_box(self) -> QWidget:
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        policy_row = QHBoxLayout()
        policy_row.addWidget(QLabel("Divisions of a parent company:"))
        policy_row.addWidget(self.policy, 1)
        bottom_layout.addLayout(policy_row)
        bottom_layout.addWidget(self.parent_label)
        bottom_layout.addWidget(self.parent_table, 1)
        return bottom

    def show_rules(
        self,
        project: Project,
        rules: list[Rule],
        policy: str,
        parents: pd.DataFrame,
        placed: pd.Series,
    ) -> None:
        """Show the project's rules, how many accounts each placed, and split parents.

        `placed`: accounts per ``placed_by`` value (a rule's name, geography, …).
        """
        self.project, self.rules = project, rules
        names = dict(
            zip(project.territories["territory_id"], project.territories["name"], strict=True)
        )
        self.table.setRowCount(len(rules))
        for row, rule in enumerate(rules):
            cells = (
                rule.name,
                describe(rule, names),
                names.get(rule.territory_id, rule.territory_id),
                f"{int(placed.get(rule.name, 0)):,}",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == len(cells) - 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        counts = ", ".join(f"{k}: {v:,}" for k, v in placed.items())
        self.placed.setText(f"Accounts placed by — {counts}" if counts else "")
        self.policy.setCurrentIndex(max(self.policy.findData(policy), 0))
        self.parent_model.set_frame(parents)
        self.parent_label.setText(
            f"{len(parents)} parent companies have divisions in several territories:"
            if len(parents)
            else "No parent company has divisions in several territories."
        )

    def _selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _open(self, rule: Rule | None, done: Callable[[Rule], None]) -> None:
        dialog = RuleDialog(self.project, rule, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            if dialog.result_rule is not None:
                done(dialog.result_rule)

        dialog.accepted.connect(accepted)
        self.dialog = dialog
        dialog.open()

    def add_rule(self) -> None:
        """Ask for a new rule, added at the end."""
        if self.project.territories.empty:
            return
        self._open(
            None,
            lambda rule: self.rules_edited.emit([*self.rules, rule], f"Added rule '{rule.name}'"),
        )

    def edit_rule(self) -> None:
        """Edit the selected rule."""
        row = self._selected()
        if row is None:
            return

        def done(rule: Rule) -> None:
            rules = list(self.rules)
            rules[row] = rule
            self.rules_edited.emit(rules, f"Changed rule '{rule.name}'")

        self._open(self.rules[row], done)

    def remove_rule(self) -> None:
        """Remove the selected rule."""
        row = self._selected()
        if row is not None:
            rules = list(self.rules)
            gone = rules.pop(row)
            self.rules_edited.emit(rules, f"Removed rule '{gone.name}'")

    def move_rule(self, step: int) -> None:
        """Move the selected rule up (-1) or down (+1) in the order."""
        row = self._selected()
        if row is None or not 0 <= row + step < len(self.rules):
            return
        rules = list(self.rules)
        rules[row], rules[row + step] = rules[row + step], rules[row]
        self.rules_edited.emit(
            rules, f"Moved rule '{rules[row + step].name}' {'up' if step < 0 else 'down'}"
        )
        self.table.selectRow(row + step)
