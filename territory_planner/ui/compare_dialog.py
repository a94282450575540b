"""Compare two scenarios: their maps side by side, KPI changes, and the accounts that move."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner.formats import decimal2, integer, money_short
from territory_planner.io.export import write_table_xlsx
from territory_planner.mapping.scenarios import Comparison
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

_SIMPLIFY_DEGREES = 0.02  # outlines drawn at thumbnail size need no more detail


def _signed(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    def show(value: Any) -> str:
        if value is None or pd.isna(value):
            return ""
        sign = "+" if value > 0 else "−" if value < 0 else ""  # noqa: RUF001 (a minus sign)
        return sign + fmt(abs(value))

    return show


def _triple(key: str, title: str, fmt: Callable[[Any], str]) -> list[Column]:
    return [
        Column(f"{key}_a", f"{title} (A)", fmt, numeric=True, width=85),
        Column(f"{key}_b", f"{title} (B)", fmt, numeric=True, width=85),
        Column(f"{key}_change", "Change", _signed(fmt), numeric=True, width=75),
    ]


KPI_COLUMNS = [
    Column("name", "Territory", width=150),
    *_triple("accounts", "Accounts", integer),
    *_triple("potential", "Potential", money_short),
    *_triple("workload_hours", "Workload h", integer),
    *_triple("drive_hours", "Drive h", integer),
    *_triple("compactness", "Compactness", decimal2),
]
MOVE_COLUMNS = [
    Column("account_id", "Account", width=80),
    Column("name", "Name", width=200),
    Column("from_name", "From", width=140),
    Column("to_name", "To", width=140),
    Column("potential", "Potential", money_short, numeric=True, width=80),
    Column("revenue", "Revenue", money_short, numeric=True, width=80),
]


def _view_bounds(accounts: pd.DataFrame) -> tuple[float, float, float, float]:
    """The accounts' extent plus a margin: what both maps show (not far islands)."""
    lon, lat = accounts["lon"].to_numpy(dtype=float), accounts["lat"].to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return (-125.0, 24.0, -66.0, 50.0)
    x0, x1, y0, y1 = lon[ok].min(), lon[ok].max(), lat[ok].min(), lat[ok].max()
    mx, my = max((x1 - x0) * 0.08, 0.2), max((y1 - y0) * 0.08, 0.2)
    return (float(x0 - mx), float(y0 - my), float(x1 + mx), float(y1 + my))


class ScenarioMap(QWidget):
    """A small static map of one scenario's territories, with the moved accounts as dots."""

    def __init__(
        self,
        title: str,
        territories: gpd.GeoDataFrame,
        points: np.ndarray,
        point_colors: list[str],
        *,
        bounds: tuple[float, float, float, float],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.bounds = bounds
        self.shapes = [
            (shapely.simplify(g, _SIMPLIFY_DEGREES), c or "#888888")
            for g, c in zip(territories.geometry, territories["color"], strict=True)
            if g is not None and not g.is_empty
        ]
        self.points = points
        self.point_colors = point_colors
        self.setMinimumSize(360, 260)

    def _project(self, rect: QRectF) -> tuple[float, float, float, float]:
        """Scale and offsets mapping lon/lat to the widget (equal distances across)."""
        x0, y0, x1, y1 = self.bounds
        aspect = np.cos(np.radians((y0 + y1) / 2))
        width, height = max((x1 - x0) * aspect, 1e-9), max(y1 - y0, 1e-9)
        scale = min(rect.width() / width, rect.height() / height)
        left = rect.left() + (rect.width() - width * scale) / 2
        top = rect.top() + (rect.height() - height * scale) / 2
        return scale, aspect, left, top

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Draw the territories, the dots and the title."""
        del event
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#f4f4f1"))
        rect = QRectF(self.rect()).adjusted(8, 26, -8, -8)
        scale, aspect, left, top = self._project(rect)
        x0, _, _, y1 = self.bounds
        painter.setClipRect(rect)

        def point(lon: float, lat: float) -> QPointF:
            return QPointF(left + (lon - x0) * aspect * scale, top + (y1 - lat) * scale)

        for geometry, color in self.shapes:
            path = QPainterPath()
            for polygon in shapely.get_parts(geometry):
                for ring in [polygon.exterior, *polygon.interiors]:
                    coords = np.asarray(ring.coords)
                    path.moveTo(point(*coords[0]))
                    for lon, lat in coords[1:]:
                        path.lineTo(point(lon, lat))
                    path.closeSubpath()
            fill = QColor(color)
            fill.setAlpha(150)
            painter.setPen(QPen(QColor("#333333"), 0.8))
            painter.setBrush(QBrush(fill))
            painter.drawPath(path)
        painter.setPen(QPen(QColor("#111111"), 0.6))
        for (lon, lat), color in zip(self.points, self.point_colors, strict=True):
            painter.setBrush(QBrush(QColor(color)))
            painter.drawEllipse(point(lon, lat), 2.6, 2.6)
        painter.setClipping(False)
        painter.setPen(QColor("#111111"))
        painter.drawText(
            QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, self.title
        )
        painter.end()


class CompareDialog(QDialog):
    """Scenario A (the plan in use) beside scenario B: maps, KPI table, moved accounts."""

    def __init__(
        self,
        comparison: Comparison,
        territories: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
        accounts: pd.DataFrame,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare '{comparison.a}' with '{comparison.b}'")
        self.comparison = comparison
        names = {
            **dict(zip(territories[0]["territory_id"], territories[0]["name"], strict=True)),
            **dict(zip(territories[1]["territory_id"], territories[1]["name"], strict=True)),
        }
        moves = comparison.moves.copy()
        moves["from_name"] = [names.get(t, "(none)") if isinstance(t, str) else "(none)"
                              for t in moves["from"]]  # fmt: skip
        moves["to_name"] = [names.get(t, "(none)") if isinstance(t, str) else "(none)"
                            for t in moves["to"]]  # fmt: skip
        self.moves = moves
        where = accounts.set_index("account_id")[["lon", "lat"]].reindex(moves["account_id"])
        points = where.to_numpy(dtype=float)
        placed = np.isfinite(points).all(axis=1)
        bounds = _view_bounds(accounts)
        maps = QHBoxLayout()
        for label, frame, side in (("A", territories[0], "from"), ("B", territories[1], "to")):
            colors = dict(zip(frame["territory_id"], frame["color"], strict=True))
            dot_colors = [colors.get(t, "#ffffff") for t in moves[side].to_numpy()[placed]]
            name = comparison.a if label == "A" else comparison.b
            maps.addWidget(
                ScenarioMap(
                    f"{label}: {name}",
                    frame,
                    points[placed],
                    dot_colors,
                    bounds=bounds,
                )
            )
        self.summary = QLabel(
            comparison.describe()
            + ". Dots: the accounts that change territory, in the colour of their territory."
        )
        self.summary.setWordWrap(True)
        self.kpi_model = FrameModel(KPI_COLUMNS, self)
        self.kpi_model.set_frame(comparison.table)
        self.move_model = FrameModel(MOVE_COLUMNS, self)
        self.move_model.set_frame(moves)
        tabs = QTabWidget()
        tabs.addTab(make_table(self.kpi_model), "KPIs")
        tabs.addTab(make_table(self.move_model), f"Accounts that move ({len(moves):,})")
        export = QPushButton("Export Moves to Excel…")
        export.clicked.connect(self.export_moves)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(export, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(maps, 3)
        layout.addWidget(tabs, 2)
        layout.addWidget(buttons)
        self.resize(1100, 820)

    def export_moves(self, path: Path | None = None) -> int:
        """Write the moved accounts to an Excel file (asks where when `path` is None)."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Export moves", "moves.xlsx", "Excel workbooks (*.xlsx)"
            )
            if not name:
                return 0
            path = Path(name)
        table = self.moves[["account_id", "name", "from_name", "to_name", "potential", "revenue"]]
        table = table.rename(columns={"from_name": "from", "to_name": "to"})
        return write_table_xlsx(table, path, "Moves")
