"""A colour legend beside a panel's map layer: a title, then a swatch and a text per class."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class Legend(QWidget):
    """A colour legend: a bold title, then a swatch and a text per class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.entries: list[tuple[str, str]] = []

    def set_legend(self, title: str, entries: list[tuple[str, str]]) -> None:
        """Show a title and (colour, text) rows (an empty title hides the legend)."""
        self.title, self.entries = title, list(entries)
        self.setMinimumHeight(24 + 20 * len(self.entries) if title else 0)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """Room for every row."""
        return QSize(320, 24 + 20 * len(self.entries) if self.title else 0)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        """Title, then the swatches."""
        if not self.title:
            return
        painter = QPainter(self)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(0, 0, self.width(), 20), Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setFont(self.font())
        for row, (color, text) in enumerate(self.entries):
            y = 24 + 20 * row
            painter.setPen(QColor("#9e9e9e"))
            painter.setBrush(QColor(color))
            painter.drawRect(QRectF(2, y + 2, 26, 14))
            painter.setPen(QColor("#222222"))
            painter.drawText(
                QRectF(36, y, self.width() - 36, 18), Qt.AlignmentFlag.AlignVCenter, text
            )
        painter.end()
