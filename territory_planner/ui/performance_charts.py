"""The Performance panel's charts (QPainter): attainment against pace, and the sales trend."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from territory_planner.formats import money_short
from territory_planner.ui.chart_names import PADDING, elided, name_tooltip, names_width

ON_PACE = QColor("#4caf50")
BELOW_PACE = QColor("#f0ad4e")
ALERT = QColor("#d9534f")
NO_QUOTA = QColor("#9e9e9e")
PACE_MARK = QColor("#263238")
GRID = QColor("#e0e0e0")
ROW_HEIGHT = 24
LABEL_SHARE = 0.35  # of the chart's width, at most, for the names beside the bars
LEGEND_SHARE = 0.3  # of the trend chart's width, at most, for its legend
CLICK_HINT = "Click a bar to select its territory"
MARGIN = 10
TITLE_HEIGHT = 24
LEGEND_HEIGHT = 22


@dataclass
class AttainmentData:
    """One row per territory (or rep): sales to date, the pro-rated and full-year quota."""

    title: str = ""
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    sales: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pace: np.ndarray = field(default_factory=lambda: np.zeros(0))  # pro-rated quota
    quota: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the year's quota
    alert_below: float | None = 0.8  # share of the pro-rated quota that raises an alert


def pace_color(sales: float, pace: float, alert_below: float | None) -> QColor:
    """Green on pace, amber behind it, red below the alert threshold, grey without a quota."""
    if not np.isfinite(pace) or pace <= 0:
        return NO_QUOTA
    share = sales / pace
    if share >= 1:
        return ON_PACE
    if alert_below is not None and share < alert_below:
        return ALERT
    return BELOW_PACE


def legend_positions(
    metrics: QFontMetrics, entries: list[tuple[str, QColor]], width: float
) -> list[tuple[float, float]]:
    """Where each legend entry goes (x, y from the legend's top left), wrapped to `width`."""
    x, y, out = 0.0, 0.0, []
    for entry, _color in entries:
        advance = 16 + metrics.horizontalAdvance(entry.removeprefix("|")) + 16
        if x > 0 and x + advance - 16 > width:
            x, y = 0.0, y + LEGEND_HEIGHT
        out.append((x, y))
        x += advance
    return out


def _draw_legend(
    painter: QPainter, origin: QPointF, entries: list[tuple[str, QColor]], width: float
) -> None:
    """Swatches and texts in rows from `origin`; "|" entries are drawn as a tick."""
    positions = legend_positions(painter.fontMetrics(), entries, width)
    for (entry, color), (dx, dy) in zip(entries, positions, strict=True):
        x, y = origin.x() + dx, origin.y() + dy
        if entry.startswith("|"):
            painter.setPen(QPen(color, 2))
            painter.drawLine(QPointF(x + 5, y + 2), QPointF(x + 5, y + 14))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRect(QRectF(x, y + 3, 12, 10))
        painter.setPen(QColor("#333333"))
        text = entry.removeprefix("|")
        painter.drawText(QRectF(x + 16, y, 400, 16), Qt.AlignmentFlag.AlignVCenter, text)


class AttainmentChart(QWidget):
    """Horizontal bars of sales to date as a share of the pro-rated quota (the pace).

    Every territory is drawn on one percentage scale, with lines at 100%
    (on pace) and at the alert threshold. A bar is green on pace, amber
    behind it and red below the threshold; territories without a quota show
    their sales in words. Clicking a row emits `territory_clicked`.
    """

    territory_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = AttainmentData()
        self.selected: str | None = None
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def event(self, event: QEvent) -> bool:
        """A tooltip over a row shows its whole name (and how to select it)."""
        return name_tooltip(self, event, self.name_at, CLICK_HINT) or super().event(event)

    def set_data(self, data: AttainmentData) -> None:
        """Show new figures."""
        self.data = data
        self.updateGeometry()
        self.update()

    def select(self, key: str | None) -> None:
        """Outline one row's bar."""
        self.selected = key
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """Tall enough for every bar, the title, the legend and the axis."""
        rows = max(len(self.data.ids), 3)
        return QSize(620, TITLE_HEIGHT + 2 * LEGEND_HEIGHT + ROW_HEIGHT * rows + 2 * MARGIN + 24)

    def shares(self) -> np.ndarray:
        """Sales to date / pro-rated quota per row (NaN without a quota)."""
        d = self.data
        pace = np.where(np.isfinite(d.pace) & (d.pace > 0), d.pace, np.nan)
        return np.asarray(d.sales / pace, dtype=float)

    def colors(self) -> list[QColor]:
        """Each bar's colour (see `pace_color`)."""
        d = self.data
        return [
            pace_color(float(s), float(p), d.alert_below)
            for s, p in zip(d.sales, d.pace, strict=True)
        ]

    def texts(self) -> list[str]:
        """The words beside each bar: "84% · $45.0K of $53.6K", or the sales without a quota."""
        d = self.data
        out = []
        for share, sales, pace in zip(self.shares(), d.sales, d.pace, strict=True):
            if np.isfinite(share):
                out.append(f"{share:.0%} · {money_short(sales)} of {money_short(pace)}")
            else:
                out.append(f"{money_short(sales)} sold · no quota")
        return out

    def _value_width(self) -> int:
        metrics = self.fontMetrics()
        return max((metrics.horizontalAdvance(t) for t in self.texts()), default=80) + 16

    def legend(self) -> list[tuple[str, QColor]]:
        """The legend's entries ("|" marks a line, not a swatch)."""
        threshold = self.data.alert_below
        entries = [
            ("on pace (100% or more)", ON_PACE),
            ("behind pace", BELOW_PACE),
            (f"below {threshold:.0%} of pace (alert)" if threshold is not None else "", ALERT),
            ("no quota", NO_QUOTA),
            ("|100% = the pro-rated quota", PACE_MARK),
        ]
        return [e for e in entries if e[0]]

    def _legend_height(self) -> float:
        width = self.width() - 2 * MARGIN
        positions = legend_positions(self.fontMetrics(), self.legend(), width)
        return max(y for _x, y in positions) + LEGEND_HEIGHT

    def _label_width(self) -> int:
        return names_width(self.fontMetrics(), self.data.names, self.width(), LABEL_SHARE)

    def names_shown(self) -> list[str]:
        """The names as drawn beside the bars (elided in the middle when too long)."""
        width = self._label_width() - PADDING
        return [elided(self.fontMetrics(), name, width) for name in self.data.names]

    def _plot(self) -> QRectF:
        top = TITLE_HEIGHT + self._legend_height() + 6
        label = self._label_width()
        width = self.width() - label - self._value_width() - 2 * MARGIN
        return QRectF(label + MARGIN, top, max(width, 60), ROW_HEIGHT * len(self.data.ids))

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        """Title, legend, one row per territory, the 100% and threshold lines and the axis."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(MARGIN, 4, self.width() - 2 * MARGIN, 18), self.data.title)
        painter.setFont(self.font())
        _draw_legend(
            painter, QPointF(MARGIN, TITLE_HEIGHT), self.legend(), self.width() - 2 * MARGIN
        )
        plot = self._plot()
        if not self.data.ids:
            painter.setPen(QColor("#555555"))
            painter.drawText(plot.adjusted(0, 0, 0, 40), "No territories yet")
            painter.end()
            return
        shares = self.shares()
        known = shares[np.isfinite(shares)]
        top = max(1.2, float(known.max()) * 1.05 if len(known) else 0.0)
        scale = plot.width() / top
        rows = zip(self.colors(), self.texts(), self.names_shown(), strict=True)
        for row, (color, text, name) in enumerate(rows):
            self._draw_row(painter, row, float(shares[row]), scale=scale, color=color, text=text)
            label = QRectF(
                MARGIN, plot.top() + row * ROW_HEIGHT, plot.left() - MARGIN - PADDING, ROW_HEIGHT
            )
            painter.setPen(QColor("#222222"))
            painter.drawText(
                label, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, name
            )
        self._marks(painter, plot, scale, top)
        painter.end()

    def _marks(self, painter: QPainter, plot: QRectF, scale: float, top: float) -> None:
        """Lines at 100% (pace) and the alert threshold, and the percentage axis."""
        lines = [(1.0, PACE_MARK, Qt.PenStyle.SolidLine)]
        if self.data.alert_below is not None:
            lines.append((self.data.alert_below, ALERT, Qt.PenStyle.DashLine))
        for share, color, style in lines:
            x = plot.left() + share * scale
            painter.setPen(QPen(color, 1.5, style))
            painter.drawLine(QPointF(x, plot.top() - 4), QPointF(x, plot.bottom() + 2))
        painter.setPen(QColor("#555555"))
        step = 0.25 if top <= 1.6 else 0.5  # noqa: PLR2004
        tick = 0.0
        while tick <= top + 1e-9:
            x = plot.left() + tick * scale
            painter.drawLine(QPointF(x, plot.bottom() + 2), QPointF(x, plot.bottom() + 6))
            painter.drawText(
                QRectF(x - 30, plot.bottom() + 6, 60, 16),
                Qt.AlignmentFlag.AlignHCenter,
                f"{tick:.0%}",
            )
            tick += step

    def _draw_row(
        self, painter: QPainter, row: int, share: float, *, scale: float, color: QColor, text: str
    ) -> None:
        d, plot = self.data, self._plot()
        y = plot.top() + row * ROW_HEIGHT
        if row % 2:
            painter.fillRect(
                QRectF(MARGIN, y, self.width() - 2 * MARGIN, ROW_HEIGHT), GRID.lighter(110)
            )
        selected = d.ids[row] == self.selected
        if np.isfinite(share):
            painter.setPen(QPen(QColor("#222222"), 2) if selected else Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRect(QRectF(plot.left(), y + 5, max(share, 0.0) * scale, ROW_HEIGHT - 10))
        painter.setPen(ALERT.darker(130) if color == ALERT else QColor("#222222"))
        right = QRectF(plot.right() + 10, y, self._value_width(), ROW_HEIGHT)
        painter.drawText(right, Qt.AlignmentFlag.AlignVCenter, text)

    def row_at(self, y: float) -> str | None:
        """The ID of the row at height `y`."""
        plot = self._plot()
        row = int((y - plot.top()) // ROW_HEIGHT)
        return self.data.ids[row] if y >= plot.top() and 0 <= row < len(self.data.ids) else None

    def name_at(self, point: QPoint) -> str | None:
        """The whole name of the row at `point`."""
        key = self.row_at(point.y())
        return None if key is None else self.data.names[self.data.ids.index(key)]

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        """Select the clicked row's territory."""
        key = self.row_at(event.position().y())
        if key is not None:
            self.territory_clicked.emit(key)


@dataclass
class TrendData:
    """Sales per period: one line per territory (or rep)."""

    title: str = ""
    periods: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # rows: ids


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round axis values from 0 up to at least `top` (about `count` steps)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [float(step * i) for i in range(int(np.ceil(top / step)) + 1)]


class TrendChart(QWidget):
    """Sales per period as one line per territory, with a value axis and a legend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = TrendData()
        self.selected: str | None = None
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, data: TrendData) -> None:
        """Show new figures."""
        self.data = data
        self.update()

    def select(self, key: str | None) -> None:
        """Draw one line thicker and the others fainter."""
        self.selected = key
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """A readable default."""
        return QSize(620, 300)

    def event(self, event: QEvent) -> bool:
        """A tooltip over a legend entry shows its whole name."""
        return name_tooltip(self, event, self.name_at, "Sales per period") or super().event(event)

    def _legend_width(self) -> int:
        """The legend's width: a line sample (22 px) and the names."""
        return 22 + names_width(self.fontMetrics(), self.data.names, self.width(), LEGEND_SHARE)

    def names_shown(self) -> list[str]:
        """The names as drawn in the legend (elided in the middle when too long)."""
        width = self._legend_width() - 22 - PADDING
        return [elided(self.fontMetrics(), name, width) for name in self.data.names]

    def name_at(self, point: QPoint) -> str | None:
        """The whole name of the legend entry at `point`."""
        left = self.width() - MARGIN - self._legend_width()
        row = int((point.y() - TITLE_HEIGHT - 8) // 18)
        inside = point.x() >= left and point.y() >= TITLE_HEIGHT + 8
        return self.data.names[row] if inside and 0 <= row < len(self.data.names) else None

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        """Title, axis and grid, one line per territory, the legend at the right."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        d = self.data
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(MARGIN, 4, self.width() - 2 * MARGIN, 18), d.title)
        painter.setFont(self.font())
        if not d.periods or not d.ids:
            painter.drawText(QRectF(MARGIN, 30, self.width(), 20), "No sales to show yet")
            painter.end()
            return
        metrics = painter.fontMetrics()
        ticks = nice_ticks(float(np.nanmax(d.values)) if d.values.size else 0.0)
        axis_width = max(metrics.horizontalAdvance(money_short(t)) for t in ticks) + 8
        plot = QRectF(
            MARGIN + axis_width,
            TITLE_HEIGHT + 8,
            max(self.width() - 2 * MARGIN - axis_width - self._legend_width() - 10, 80),
            max(self.height() - TITLE_HEIGHT - 8 - 34, 60),
        )
        top = ticks[-1] or 1.0
        for tick in ticks:
            y = plot.bottom() - tick / top * plot.height()
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor("#555555"))
            painter.drawText(
                QRectF(MARGIN, y - 8, axis_width - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                money_short(tick),
            )
        xs = self._xs(plot)
        self._period_labels(painter, plot, xs)
        for row in range(len(d.ids)):
            if d.ids[row] != self.selected:
                self._line(painter, row, xs, plot, top)
        if self.selected in d.ids:
            self._line(painter, d.ids.index(self.selected), xs, plot, top)
        self._legend(painter, plot)
        painter.end()

    def _xs(self, plot: QRectF) -> list[float]:
        n = len(self.data.periods)
        if n == 1:
            return [plot.center().x()]
        return [plot.left() + 12 + i * (plot.width() - 24) / (n - 1) for i in range(n)]

    def _period_labels(self, painter: QPainter, plot: QRectF, xs: list[float]) -> None:
        metrics = painter.fontMetrics()
        widest = max(metrics.horizontalAdvance(p) for p in self.data.periods) + 8
        gap = (xs[1] - xs[0]) if len(xs) > 1 else widest
        every = max(1, int(np.ceil(widest / max(gap, 1))))
        painter.setPen(QColor("#555555"))
        last = len(xs) - 1
        for i, (x, period) in enumerate(zip(xs, self.data.periods, strict=True)):
            if (last - i) % every:
                continue  # keep the latest period's label
            painter.drawText(
                QRectF(x - widest / 2, plot.bottom() + 4, widest, 16),
                Qt.AlignmentFlag.AlignHCenter,
                period,
            )

    def _line(self, painter: QPainter, row: int, xs: list[float], plot: QRectF, top: float) -> None:
        d = self.data
        color = QColor(d.colors[row] or "#8a8f98")
        faded = self.selected is not None and d.ids[row] != self.selected
        if faded:
            color.setAlpha(90)
        width = 3.0 if d.ids[row] == self.selected else 2.0
        points = [
            QPointF(x, plot.bottom() - float(v) / top * plot.height())
            for x, v in zip(xs, d.values[row], strict=True)
        ]
        painter.setPen(QPen(color, width))
        for a, b in itertools.pairwise(points):
            painter.drawLine(a, b)
        painter.setBrush(color)
        for point in points:
            painter.drawEllipse(point, 2.5, 2.5)

    def _legend(self, painter: QPainter, plot: QRectF) -> None:
        d = self.data
        x = plot.right() + 14
        for row, name in enumerate(self.names_shown()):
            y = plot.top() + row * 18
            if y + 16 > self.height():
                painter.drawText(QRectF(x, y, 200, 16), f"… {len(d.names) - row} more")
                break
            painter.setPen(QPen(QColor(d.colors[row] or "#8a8f98"), 3))
            painter.drawLine(QPointF(x, y + 8), QPointF(x + 16, y + 8))
            painter.setPen(QColor("#222222"))
            painter.drawText(
                QRectF(x + 22, y, self._legend_width(), 16), Qt.AlignmentFlag.AlignVCenter, name
            )
