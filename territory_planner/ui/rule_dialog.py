"""The dialog that adds or edits one assignment rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner._errors import PlannerError
from territory_planner.analysis.conditions import OPERATORS, SEGMENT_FIELD, Condition
from territory_planner.analysis.market import segment_names
from territory_planner.formats import plural
from territory_planner.io.fields import parse_number
from territory_planner.model import ACCOUNT_COLUMNS, Project
from territory_planner.plan.rules import Rule

#: Account fields a rule can test, before any custom columns of the project.
RULE_FIELDS = (
    "industry", "size_band", "employees", "product_line", "lead_source", "annual_revenue",
    "potential", "last_year_sales", "visit_frequency", "state", "city", "zip", "parent_name",
)  # fmt: skip
NUMERIC_OPERATORS = {">", ">=", "<", "<="}
MAX_SUGGESTIONS = 60


def rule_fields(project: Project) -> list[str]:
    """The standard rule fields, the project's own (imported) columns, then saved segments."""
    custom = [c for c in project.accounts.columns if c not in ACCOUNT_COLUMNS]
    return [*RULE_FIELDS, *custom, *([SEGMENT_FIELD] if segment_names(project) else [])]


def parse_value(op: str, text: str) -> Any:
    """The value of a condition as typed: a number, a list (for ``in``) or text.

    Raises
    ------
    ValueError
        With what to type, when a comparison is not given a number.
    """
    text = text.strip()
    if op in NUMERIC_OPERATORS:
        number = parse_number(text)
        if number is None or np.isnan(number):
            msg = f"'{text}' is not a number; '{op}' compares numbers"
            raise ValueError(msg)
        return number
    if op == "in":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def value_text(value: Any) -> str:
    """A condition's value as the dialog shows it."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class RuleDialog(QDialog):
    """Name, conditions ("industry = Healthcare", "employees > 500"), an area and a territory."""

    def __init__(self, project: Project, rule: Rule | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit rule" if rule else "New rule")
        self.project = project
        self.name = QLineEdit(rule.name if rule else "")
        self.name.setPlaceholderText("e.g. Healthcare enterprise")
        self.target = QComboBox()
        self.within = QComboBox()
        self.within.addItem("Anywhere", None)
        for tid, name in zip(
            project.territories["territory_id"], project.territories["name"], strict=True
        ):
            self.target.addItem(str(name), str(tid))
            self.within.addItem(f"Inside {name}", str(tid))
        if rule:
            self.target.setCurrentIndex(self.target.findData(rule.territory_id))
            self.within.setCurrentIndex(max(self.within.findData(rule.within), 0))
        self.conditions = QTableWidget(0, 3)
        self.preview = QLabel()
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Accounts go to:", self.target)
        form.addRow("Where:", self.within)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("When every condition holds (no condition: every account):"))
        layout.addWidget(self.conditions, 1)
        layout.addLayout(self._condition_buttons())
        layout.addWidget(self.preview)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.within.currentIndexChanged.connect(self.update_preview)
        for condition in rule.conditions if rule else ():
            self.add_condition(condition)
        self.resize(620, 420)
        self.result_rule: Rule | None = None
        self.update_preview()

    def _condition_buttons(self) -> QHBoxLayout:
        self.conditions.setHorizontalHeaderLabels(["Field", "Test", "Value"])
        self.conditions.horizontalHeader().setStretchLastSection(True)
        self.conditions.verticalHeader().setVisible(False)
        self.conditions.setColumnWidth(0, 150)
        self.conditions.setColumnWidth(1, 80)
        add = QPushButton("Add condition")
        add.clicked.connect(lambda: self.add_condition(None))
        remove = QPushButton("Remove condition")
        remove.clicked.connect(self.remove_condition)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        return row

    def add_condition(self, condition: Condition | None) -> None:
        """A new row: field, operator and value (values of the field are suggested)."""
        row = self.conditions.rowCount()
        self.conditions.insertRow(row)
        field = QComboBox()
        field.addItems(rule_fields(self.project))
        op = QComboBox()
        op.addItems(list(OPERATORS))
        value = QComboBox()
        value.setEditable(True)
        self.conditions.setCellWidget(row, 0, field)
        self.conditions.setCellWidget(row, 1, op)
        self.conditions.setCellWidget(row, 2, value)
        field.currentTextChanged.connect(lambda name: self._suggest(value, name))
        if condition is not None:
            field.setCurrentText(condition.field)
            op.setCurrentText(condition.op)
        self._suggest(value, field.currentText())
        value.setCurrentText(value_text(condition.value) if condition else "")
        for widget in (field, op):
            widget.currentIndexChanged.connect(self.update_preview)
        value.currentTextChanged.connect(self.update_preview)
        self.update_preview()

    def _suggest(self, box: QComboBox, field: str) -> None:
        text = box.currentText()
        box.blockSignals(True)
        box.clear()
        if field == SEGMENT_FIELD:
            box.addItems(segment_names(self.project))
        elif field in self.project.accounts.columns:
            common = self.project.accounts[field].dropna().astype(str).value_counts()
            box.addItems(common.index[:MAX_SUGGESTIONS].tolist())
        box.setCurrentText(text)
        box.blockSignals(False)

    def remove_condition(self) -> None:
        """Remove the selected condition (or the last one)."""
        row = self.conditions.currentRow()
        self.conditions.removeRow(row if row >= 0 else self.conditions.rowCount() - 1)
        self.update_preview()

    def _widget(self, row: int, column: int) -> QComboBox:
        widget = self.conditions.cellWidget(row, column)
        assert isinstance(widget, QComboBox)  # noqa: S101 (set in add_condition)
        return widget

    def rule(self) -> Rule:
        """The rule as entered; raises ValueError or PlannerError explaining what is wrong."""
        conditions = []
        for row in range(self.conditions.rowCount()):
            field, op = self._widget(row, 0).currentText(), self._widget(row, 1).currentText()
            text = self._widget(row, 2).currentText()
            if not text.strip():
                msg = f"condition {row + 1}: type a value for {field}"
                raise ValueError(msg)
            conditions.append(Condition(field, op, parse_value(op, text)))
        name = self.name.text().strip() or f"Rule to {self.target.currentText()}"
        within = self.within.currentData()
        return Rule(name, str(self.target.currentData()), tuple(conditions), within)

    def update_preview(self) -> None:
        """Say how many accounts the rule matches now, or what is wrong."""
        try:
            rule = self.rule()
            count = int(rule.mask(self.project.accounts, self.project).sum())
        except (ValueError, PlannerError) as exc:
            self.error.setText(str(exc))
            self.preview.setText("")
            return
        self.error.setText("")
        self.preview.setText(
            f"Matches {count:,} of {plural(len(self.project.accounts), 'account')} now"
        )

    def try_accept(self) -> None:
        """Accept if the rule is complete."""
        try:
            self.result_rule = self.rule()
        except (ValueError, PlannerError) as exc:
            self.error.setText(str(exc))
            return
        self.accept()
