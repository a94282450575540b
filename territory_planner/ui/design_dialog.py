"""The Design Territories dialog: units, what to balance (or a blend), K, tolerance, seeds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from territory_planner.analysis.metrics import balance_tolerance
from territory_planner.app.plan_operations import DesignParams
from territory_planner.geo.units import UNIT_KINDS
from territory_planner.model import Project
from territory_planner.plan.default_balance import default_balance, workload_passed_over
from territory_planner.plan.unit_plan import BALANCE_TARGETS, FILE_KIND

#: What the user asked for: the operation's own parameters.
DesignOptions = DesignParams


def unit_choice() -> QComboBox:
    """States, counties or ZIP areas; counties chosen."""
    box = QComboBox()
    for key, (_one, many) in UNIT_KINDS.items():
        box.addItem(many.capitalize(), key)
    box.setCurrentIndex(list(UNIT_KINDS).index("county"))
    return box


def tolerance_box(project: Project) -> QDoubleSpinBox:
    """The allowed deviation in percent, starting at the project's balance band."""
    box = QDoubleSpinBox()
    box.setRange(0.1, 50.0)
    box.setDecimals(1)
    box.setPrefix("± ")
    box.setSuffix(" %")
    box.setValue(balance_tolerance(project) * 100)
    return box


def default_note(project: Project) -> QLabel:
    """Why the balance preselected is not workload hours; hidden where it is (or unknown)."""
    label = QLabel(workload_passed_over(project))
    label.setWordWrap(True)
    label.setVisible(bool(label.text()))
    return label


class DesignDialog(QDialog):
    """Ask how to design the territories; the result becomes a new scenario."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Design Territories")
        self.units = unit_choice()
        self.units.addItem("Areas from a file…", FILE_KIND)
        self.areas_file: Path | None = None
        self.units.activated.connect(lambda _i: self._choose_file())
        self.shares: dict[str, QSpinBox] = {}
        self.default_note = default_note(project)
        self._default = default_balance(project, self.default_note.text())
        grid = self._share_grid(self._default)
        self.count = QSpinBox()
        self.count.setRange(1, 500)
        self.count.setValue(max(len(project.reps), 1))
        self.tolerance = tolerance_box(project)
        self.homes = QCheckBox("Each rep's territory contains their home")
        self.homes.setChecked(bool(project.reps["lon"].notna().any()))
        self.name = QLineEdit()
        self.name.setPlaceholderText("say how it was made")
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Build from:", self.units)
        form.addRow("Balance on:", grid)
        form.addRow("", self.default_note)
        form.addRow("Territories:", self.count)
        form.addRow("Tolerance:", self.tolerance)
        form.addRow("", self.homes)
        form.addRow("Scenario name:", self.name)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Design")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addWidget(buttons)
        self._update()

    def _share_grid(self, default: str) -> QGridLayout:
        """A weight (0-100%) for each balance target, `default` at 100%."""
        grid = QGridLayout()
        for row, (key, words) in enumerate(BALANCE_TARGETS.items()):
            box = QSpinBox()
            box.setRange(0, 100)
            box.setSingleStep(10)
            box.setSuffix(" %")
            box.setValue(100 if key == default else 0)
            box.setToolTip(f"Weight of {words} in the balance")
            box.valueChanged.connect(self._update)
            grid.addWidget(QLabel(words.capitalize()), row // 2, 2 * (row % 2))
            grid.addWidget(box, row // 2, 2 * (row % 2) + 1)
            self.shares[key] = box
        return grid

    def _choose_file(self) -> None:
        """Ask for the polygons when "Areas from a file…" is picked."""
        if self.units.currentData() != FILE_KIND:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Areas to build territories from", "",
            "GIS polygons (*.geojson *.json *.gpkg *.shp);;All files (*)",
        )  # fmt: skip
        if name:
            self.set_areas_file(Path(name))
        elif self.areas_file is None:
            self.units.setCurrentIndex(list(UNIT_KINDS).index("county"))

    def set_areas_file(self, path: Path) -> None:
        """Build from the polygons of `path`."""
        self.areas_file = path
        self.units.setCurrentIndex(self.units.findData(FILE_KIND))
        self.units.setItemText(self.units.currentIndex(), f"Areas from {path.name}")

    def balance(self) -> str:
        """The balance target as text, e.g. "potential=60,workload=40"."""
        return ",".join(f"{key}={box.value()}" for key, box in self.shares.items() if box.value())

    def _update(self) -> None:
        chosen = {key: box.value() for key, box in self.shares.items() if box.value()}
        self.ok.setEnabled(bool(chosen))
        # why the default is not workload: said while the default is what is chosen
        is_default = set(chosen) == {self._default}
        self.default_note.setVisible(bool(self.default_note.text()) and is_default)
        total = sum(chosen.values())
        if not chosen:
            self.explain.setText("Give at least one of the balance targets a weight.")
            return
        words = ", ".join(
            f"{value / total:.0%} {BALANCE_TARGETS[key]}" for key, value in chosen.items()
        )
        self.explain.setText(
            f"Territories get equal shares of: {words}. Contiguous and compact; locked "
            "territories stay as they are. The result is a new scenario: your current plan "
            "is not changed."
        )

    def options(self) -> DesignOptions:
        """The choices made."""
        return DesignOptions(
            kind=str(self.units.currentData()),
            balance=self.balance(),
            k=self.count.value(),
            tolerance=self.tolerance.value() / 100,
            use_homes=self.homes.isChecked(),
            name=self.name.text().strip() or None,
            areas_file=self.areas_file if self.units.currentData() == FILE_KIND else None,
        )
