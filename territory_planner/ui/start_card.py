"""The next steps, shown over the map while a project has no accounts or no territories.

A new project is a blank map and empty tables; the card says what to do first
(import accounts, import reps, draw or design territories) with a button for
each, ticks the steps done, and goes once there are accounts and territories.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from territory_planner.formats import plural
from territory_planner.model import Project

CARD_STYLE = """
#start_card { background: #ffffff; border: 1px solid #b9b2a6; border-radius: 8px; }
#start_card QLabel#start_title { font-size: 15pt; font-weight: bold; }
#start_card QLabel[done="true"] { color: #2e7d32; }
"""


class StartCard(QFrame):
    """The steps to a first plan, each with its button(s); `show_for` keeps it current."""

    #: The user asked for the demo project.
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("start_card")
        self.setStyleSheet(CARD_STYLE)
        self.setMinimumWidth(480)
        self.setMaximumWidth(560)
        self.dismissed = False
        self.project = Project.empty()  # the one last shown for
        title = QLabel("Start your territory plan")
        title.setObjectName("start_title")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide these steps (they come back with the next new project)")
        close.clicked.connect(self.dismiss)
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(close)

        self.steps = QGridLayout()
        self.steps.setHorizontalSpacing(12)
        self.steps.setColumnStretch(2, 1)
        self.import_accounts = QPushButton("Import Accounts…")
        self.import_reps = QPushButton("Import Reps…")
        self.draw_territory = QPushButton("Draw a Territory")
        self.design_territories = QPushButton("Design Territories…")
        self.import_territories = QPushButton("Import Territories…")
        self.numbers = [
            self._step(0, [self.import_accounts], "Your account list from the CRM (CSV or Excel)."),
            self._step(1, [self.import_reps], "The sales reps, with their home ZIP codes."),
            self._step(
                2,
                [self.draw_territory, self.design_territories, self.import_territories],
                "Draw them on the map, let the optimizer design balanced ones from the "
                "accounts, or take them from a GIS file.",
            ),
        ]
        demo = QLabel('Or <a href="demo">open the demo project</a> to look around first.')
        demo.linkActivated.connect(lambda _link: self.demo_requested.emit())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 14, 16)
        layout.addLayout(header)
        layout.addLayout(self.steps)
        layout.addWidget(demo)

    def _step(self, row: int, buttons: list[QPushButton], text: str) -> QLabel:
        """A numbered step: its number (a tick once done), buttons and note; returns the number."""
        number = QLabel(f"{row + 1}.")
        box = QVBoxLayout()
        for button in buttons:
            box.addWidget(button)
        note = QLabel(text)
        note.setWordWrap(True)
        self.steps.addWidget(number, row, 0, Qt.AlignmentFlag.AlignTop)
        self.steps.addLayout(box, row, 1)
        self.steps.addWidget(note, row, 2, Qt.AlignmentFlag.AlignTop)
        return number

    def dismiss(self) -> None:
        """Hide the card until the next project."""
        self.dismissed = True
        self.hide()

    def show_for(self, project: Project, *, new: bool = False) -> None:
        """Tick the steps `project` has done; show the card while accounts or territories lack.

        `new`: a project just opened or created (a dismissed card may show again).
        """
        if new:
            self.dismissed = False
        self.project = project
        counts = [len(project.accounts), len(project.reps), len(project.territories)]
        for row, (number, count, noun) in enumerate(
            zip(self.numbers, counts, ("account", "rep", "territory"), strict=True)
        ):
            number.setText("✓" if count else f"{row + 1}.")
            number.setProperty("done", bool(count))
            number.setToolTip(f"{plural(count, noun)} in the project" if count else "")
            number.style().polish(number)
        accounts, _reps, territories = counts
        self.design_territories.setEnabled(accounts > 0)
        self.design_territories.setToolTip("" if accounts else "Import accounts first")
        self.setVisible(not self.dismissed and not (accounts and territories))

    def refresh(self) -> None:
        """Show or hide for the project last shown for (it may have changed since)."""
        self.show_for(self.project)

    def hide_while(self, task: QObject) -> None:
        """Stay hidden while `task` (opening a project) runs; then show if the project needs it.

        Opening the last project at start-up would otherwise flash the steps over the map.
        """
        self.hide()
        task.destroyed.connect(self.refresh)


def over(base: QWidget, card: QWidget) -> QWidget:
    """`base` with `card` laid over its top centre (e.g. the map with the start card)."""
    holder = QWidget()
    grid = QGridLayout(holder)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(0)
    grid.addWidget(base, 0, 0, 3, 1)
    grid.setRowMinimumHeight(0, 48)  # clear of the map's own controls
    grid.addWidget(card, 1, 0, Qt.AlignmentFlag.AlignHCenter)
    grid.setRowStretch(2, 1)
    card.raise_()
    return holder
