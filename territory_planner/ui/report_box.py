"""The box a design, split or rebalance reports in, with the fixes it offers listed.

A message box lays its buttons out in one row, squeezed to its width: four fixes
beside "Use It Now" and "Keep for Later" came out as "Becker without the ho"
and "Hennepin, Wayne and 1". Here the fixes stand under the report, one
full-width button each ("Try ZIP areas in ...").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from PySide6.QtWidgets import (
    QAbstractButton,
    QDialogButtonBox,
    QGridLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ReportBox(QMessageBox):
    """A result box: the report, the fixes offered (one per line), then its buttons.

    Parameters
    ----------
    title, text
        The window's title and the report.
    parent
        The window it belongs to.
    """

    def __init__(self, title: str, text: str, parent: QWidget) -> None:
        super().__init__(QMessageBox.Icon.Information, title, text, parent=parent)
        self._fixes: list[QPushButton] = []

    def add_fixes(self, tries: Sequence[tuple[str, Callable[[], object]]]) -> None:
        """List the fixes under the report: clicking one closes the box and runs it.

        Parameters
        ----------
        tries
            Each fix's label and what it runs.
        """
        grid = self.layout()
        bar = self.findChild(QDialogButtonBox)
        if not tries or not isinstance(grid, QGridLayout) or bar is None:
            return
        panel = QWidget(self)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 6, 0, 6)
        for label, run in tries:
            button = QPushButton(label, panel)
            button.setToolTip(label)
            button.clicked.connect(lambda _checked=False, run=run: self._run(run))
            column.addWidget(button)
            self._fixes.append(button)
        position = cast(tuple[int, int, int, int], grid.getItemPosition(grid.indexOf(bar)))
        row, col, _rows, cols = position
        grid.removeWidget(bar)
        grid.addWidget(panel, row, col, 1, cols)
        grid.addWidget(bar, row + 1, col, 1, cols)

    def _run(self, run: Callable[[], object]) -> None:
        self.close()
        run()

    def buttons(self) -> list[QAbstractButton]:
        """The box's buttons, then the fixes' (so that a test can find any by its text).

        Returns
        -------
        list of QAbstractButton
            Every button the box shows.
        """
        return [*super().buttons(), *self._fixes]
