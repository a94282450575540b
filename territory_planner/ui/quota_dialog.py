"""The Quotas dialog: split the team target by a blend of potential and history."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from territory_planner.analysis.metrics import QuotaPlan, quotas
from territory_planner.formats import money, money_short, percent
from territory_planner.io.fields import parse_number
from territory_planner.model import Project
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

PREVIEW_COLUMNS = [
    Column("name", "Territory", width=150),
    Column("potential", "Potential", money_short, numeric=True, width=80),
    Column("last_year_sales", "Last year", money_short, numeric=True, width=80),
    Column("quota", "Quota", money, numeric=True, width=110),
    Column("growth", "vs last year", percent, numeric=True, width=80),
    Column("how", "", width=90),
]


class QuotaDialog(QDialog):
    """Pick the team target, the potential/history blend and growth; preview every quota."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quotas")
        self.project = project
        plan = QuotaPlan.from_settings(project.settings)
        self.target = QLineEdit("" if plan.team_target is None else f"{plan.team_target:,.0f}")
        self.target.setPlaceholderText("empty: last year's sales plus growth")
        self.target.textChanged.connect(self.update_preview)
        self.blend = QSlider(Qt.Orientation.Horizontal)
        self.blend.setRange(0, 100)
        self.blend.setValue(round(plan.potential_weight * 100))
        self.blend.valueChanged.connect(self.update_preview)
        self.blend_label = QLabel()
        self.growth = QDoubleSpinBox()
        self.growth.setRange(-50.0, 200.0)
        self.growth.setSuffix(" %")
        self.growth.setValue(plan.growth * 100)
        self.growth.valueChanged.connect(self.update_preview)
        blend_row = QHBoxLayout()
        blend_row.addWidget(QLabel("History"))
        blend_row.addWidget(self.blend, 1)
        blend_row.addWidget(QLabel("Potential"))
        form = QFormLayout()
        form.addRow("Team target ($):", self.target)
        form.addRow("Growth over last year:", self.growth)
        form.addRow("Split by:", blend_row)
        form.addRow("", self.blend_label)
        self.model = FrameModel(PREVIEW_COLUMNS, self)
        self.table = make_table(self.model)
        self.total = QLabel()
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.error)
        note = QLabel("Quotas typed by hand in the KPI table are kept; the rest is shared out.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(640, 480)
        self.update_preview()

    def plan(self) -> QuotaPlan | None:
        """The plan as entered, or None if the target is not a number."""
        text = self.target.text().strip()
        target = parse_number(text) if text else None
        if text and (target is None or np.isnan(target) or target < 0):
            return None
        return QuotaPlan(
            team_target=target,
            potential_weight=self.blend.value() / 100,
            growth=round(self.growth.value() / 100, 6),
        )

    def update_preview(self) -> None:
        """Recompute every territory's quota with the plan as entered."""
        weight = self.blend.value()
        self.blend_label.setText(f"{weight}% by potential, {100 - weight}% by last year's sales")
        plan = self.plan()
        self.ok.setEnabled(plan is not None)
        self.error.setText("" if plan else "Type the team target as an amount, e.g. 12,500,000")
        if plan is None:
            return
        acc, territories = self.project.accounts, self.project.territories
        ids = territories["territory_id"]
        by = acc.groupby("territory_id")
        frame = pd.DataFrame(
            {
                "name": territories["name"].to_numpy(),
                "potential": by["potential"].sum().reindex(ids).fillna(0).to_numpy(),
                "last_year_sales": by["last_year_sales"].sum().reindex(ids).fillna(0).to_numpy(),
                "quota": quotas(self.project, plan).to_numpy(),
                "how": np.where(territories["quota"].notna(), "set by hand", ""),
            }
        )
        frame["growth"] = np.where(
            frame["last_year_sales"] > 0,
            frame["quota"] / frame["last_year_sales"].where(frame["last_year_sales"] > 0, 1) - 1,
            np.nan,
        )
        self.model.set_frame(frame)
        self.total.setText(
            f"Team target {money(plan.target(acc))} = sum of the quotas "
            f"{money(frame['quota'].sum())}"
        )
