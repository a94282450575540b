"""A bar chart of one metric per territory, against the team mean and its tolerance band."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from territory_planner.formats import band
from territory_planner.ui.chart_names import PADDING, elided, name_tooltip, names_width

BAND_COLOR = QColor(46, 139, 87, 40)
MEAN_COLOR = QColor("#2e7d32")
OFF_BAND = QColor("#c0392b")
ROW_HEIGHT = 20
LABEL_SHARE = 0.35  # of the chart's width, at most, for the names beside the bars
VALUE_WIDTH = 118
MARGIN = 8
TITLE_HEIGHT = 26


@dataclass
class ChartData:
    """What the chart shows: one bar per territory."""

    title: str = ""
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fmt: Callable[[Any], str] = str
    tolerance: float | None = None  # a band around the mean, for balanced metrics
    empty: str = "No territories yet"  # what to say when there are no bars


class BalanceChart(QWidget):
    """Horizontal bars (one per territory, in its colour), the mean line and the ±band.

    Bars outside the band get a red value label. Clicking a bar emits
    `territory_clicked` with the territory's ID.
    """

    territory_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = ChartData()
        self.selected: str | None = None
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def event(self, event: QEvent) -> bool:
        """A tooltip over a bar's row shows the territory's whole name (and how to select it)."""
        hint = "Click a bar to select its territory"
        return name_tooltip(self, event, self.name_at, hint) or super().event(event)

    def set_data(self, data: ChartData) -> None:
        """Show new values."""
        self.data = data
        self.updateGeometry()
        self.update()

    def select(self, territory_id: str | None) -> None:
        """Outline one territory's bar."""
        self.selected = territory_id
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """Tall enough for every bar."""
        return QSize(420, 40 + ROW_HEIGHT * max(len(self.data.ids), 3))

    def mean(self) -> float:
        """The team mean of the values shown (NaN ignored)."""
        values = self.data.values[np.isfinite(self.data.values)]
        return float(values.mean()) if len(values) else 0.0

    def off_band(self) -> list[bool]:
        """Whether each bar lies outside the tolerance band (all False without a band)."""
        mean, band = self.mean(), self.data.tolerance
        if band is None or mean == 0:
            return [False] * len(self.data.ids)
        return [bool(np.isfinite(v) and abs(v / mean - 1) > band) for v in self.data.values]

    def _label_width(self) -> int:
        return names_width(self.fontMetrics(), self.data.names, self.width(), LABEL_SHARE)

    def names_shown(self) -> list[str]:
        """The names as drawn beside the bars (elided in the middle when too long)."""
        width = self._label_width() - PADDING
        return [elided(self.fontMetrics(), name, width) for name in self.data.names]

    def _plot_rect(self) -> QRectF:
        label = self._label_width()
        width = self.width() - label - VALUE_WIDTH - 2 * MARGIN
        return QRectF(label + MARGIN, TITLE_HEIGHT, max(width, 40), ROW_HEIGHT * len(self.data.ids))

    def _scale(self) -> float:
        values = self.data.values[np.isfinite(self.data.values)]
        top = max(float(values.max()) if len(values) else 0.0, 1e-9)
        if self.data.tolerance is not None:
            top = max(top, self.mean() * (1 + self.data.tolerance))
        return self._plot_rect().width() / (top * 1.02)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        """Draw title, band, bars, labels and the mean line."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        data, plot = self.data, self._plot_rect()
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(self.palette().text().color())
        painter.drawText(QRectF(MARGIN, 4, self.width() - 2 * MARGIN, 20), data.title)
        if not data.ids:
            painter.setFont(self.font())
            painter.drawText(plot.adjusted(0, 0, 0, 40), int(Qt.TextFlag.TextWordWrap), data.empty)
            return
        scale, mean = self._scale(), self.mean()
        if data.tolerance is not None and mean > 0:
            low, high = mean * (1 - data.tolerance), mean * (1 + data.tolerance)
            strip = QRectF(
                plot.left() + low * scale, plot.top(), (high - low) * scale, plot.height()
            )
            painter.fillRect(strip, BAND_COLOR)
        painter.setFont(self.font())
        for row, (off, name) in enumerate(zip(self.off_band(), self.names_shown(), strict=True)):
            self._draw_bar(painter, row, scale, off=off, name=name)
        if mean > 0:
            x = plot.left() + mean * scale
            painter.setPen(QPen(MEAN_COLOR, 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, plot.top() - 4), QPointF(x, plot.bottom() + 2))
            painter.drawText(
                QRectF(x - 90, plot.bottom() + 2, 180, 16),
                Qt.AlignmentFlag.AlignHCenter,
                f"mean {data.fmt(mean)}"
                + (f" {band(data.tolerance)}" if data.tolerance is not None else ""),
            )
        painter.end()

    def _draw_bar(self, painter: QPainter, row: int, scale: float, *, off: bool, name: str) -> None:
        data, plot = self.data, self._plot_rect()
        top = plot.top() + row * ROW_HEIGHT
        value = float(data.values[row])
        text_color = self.palette().text().color()
        painter.setPen(text_color)
        label = QRectF(MARGIN, top, plot.left() - MARGIN - PADDING, ROW_HEIGHT)
        painter.drawText(label, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, name)
        length = value * scale if np.isfinite(value) and value > 0 else 0.0
        bar = QRectF(plot.left(), top + 4, length, ROW_HEIGHT - 8)
        selected = data.ids[row] == self.selected
        painter.setPen(QPen(QColor("#222222"), 2) if selected else Qt.PenStyle.NoPen)
        painter.setBrush(QColor(data.colors[row] or "#8a8f98"))
        painter.drawRect(bar)
        painter.setPen(OFF_BAND if off else text_color)
        deviation = ""
        mean = self.mean()
        if data.tolerance is not None and mean and np.isfinite(value):
            deviation = f"  {value / mean - 1:+.0%}"
        painter.drawText(
            QRectF(bar.right() + 6, top, VALUE_WIDTH + plot.width() - length, ROW_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter,
            data.fmt(value) + deviation,
        )

    def bar_at(self, y: float) -> str | None:
        """The territory whose bar row is at height `y`."""
        row = int((y - self._plot_rect().top()) // ROW_HEIGHT)
        return self.data.ids[row] if 0 <= row < len(self.data.ids) and y >= TITLE_HEIGHT else None

    def name_at(self, point: QPoint) -> str | None:
        """The whole name of the territory whose bar row is at `point`."""
        key = self.bar_at(point.y())
        return None if key is None else self.data.names[self.data.ids.index(key)]

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        """Select the clicked bar's territory."""
        territory_id = self.bar_at(event.position().y())
        if territory_id is not None:
            self.territory_clicked.emit(territory_id)
