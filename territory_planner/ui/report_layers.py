"""The layers a printed map shows: chosen for the report, not whatever is on screen.

A day route or a heat map shown while working should not end up in the workshop
printout unless the user asks for it. The plan's own layers are printed by
default; the working overlays only when ticked.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

#: The map's layer groups (names in ``tp/map.js``), their labels, and whether a report
#: shows them unless told otherwise.
REPORT_LAYERS: tuple[tuple[str, str, bool], ...] = (
    ("territories", "Territories", True),
    ("labels", "Territory names", True),
    ("accounts", "Accounts", True),
    ("reps", "Rep homes", True),
    ("coverage", "Gaps and overlaps", True),
    ("alerts", "Performance alerts", False),
    ("heat", "Heat map", False),
    ("clusters", "Clusters and whitespace", False),
    ("route", "Day route", False),
)
DEFAULT_REPORT_LAYERS: tuple[str, ...] = tuple(key for key, _label, on in REPORT_LAYERS if on)


class ReportLayersDialog(QDialog):
    """A checkbox per map layer; `chosen` lists the ticked ones."""

    def __init__(self, chosen: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Layers in the report")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The printed map shows these layers:"))
        self.boxes: dict[str, QCheckBox] = {}
        for key, label, _default in REPORT_LAYERS:
            box = QCheckBox(label)
            box.setChecked(key in chosen)
            self.boxes[key] = box
            layout.addWidget(box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        """The layers ticked, in the map's order."""
        return [key for key, box in self.boxes.items() if box.isChecked()]


def ask_report_layers(chosen: Sequence[str], parent: QWidget | None = None) -> list[str] | None:
    """Ask which layers the report shows, starting from `chosen`; None if cancelled."""
    dialog = ReportLayersDialog(chosen, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen()
