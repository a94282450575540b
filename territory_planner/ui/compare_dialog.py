"""Compare two scenarios: their maps side by side, KPI changes, and the accounts that move."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner.formats import decimal2, integer, money_short, plural
from territory_planner.plan.scenarios import Comparison
from territory_planner.ui.change_dialog import export_moves
from territory_planner.ui.shape_painter import Bounds, Shape, paint_map, points_bounds
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table


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


class ScenarioMap(QWidget):
    """A small static map of one scenario's territories, with the moved accounts as dots."""

    def __init__(
        self,
        territories: gpd.GeoDataFrame,
        points: np.ndarray,
        point_colors: list[str],
        *,
        bounds: Bounds,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bounds = bounds
        self.shapes = [
            Shape(g, c or "#888888")
            for g, c in zip(territories.geometry, territories["color"], strict=True)
            if g is not None and not g.is_empty
        ]
        self.points = points
        self.point_colors = point_colors
        self.setMinimumSize(360, 260)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Draw the territories and the dots."""
        del event
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#f4f4f1"))
        rect = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        paint_map(
            painter, rect, self.bounds, self.shapes,
            points=self.points, point_colors=self.point_colors,
        )  # fmt: skip
        painter.end()


def map_title(side: str, name: str, territories: int, *, in_use: bool) -> QLabel:
    """The heading over one side's map: "A: <scenario> (in use)" and its territory count."""
    label = QLabel(
        f"<b>{side}: {html.escape(name)}</b>{' (the plan in use)' if in_use else ''}"
        f" · {plural(territories, 'territory')}"
    )
    label.setTextFormat(Qt.TextFormat.RichText)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.2)
    label.setFont(font)
    return label


class CompareDialog(QDialog):
    """Scenario A (the plan in use) beside scenario B: maps, KPI table, moved accounts."""

    def __init__(
        self,
        comparison: Comparison,
        territories: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
        accounts: pd.DataFrame,
        parent: QWidget | None = None,
        *,
        in_use: str | None = None,
    ) -> None:
        """`in_use`: the name of the plan in use, said over its map."""
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
        bounds = points_bounds(
            accounts["lon"].to_numpy(dtype=float), accounts["lat"].to_numpy(dtype=float)
        )
        maps = QHBoxLayout()
        self.map_titles: list[QLabel] = []
        sides = (
            ("A", comparison.a, territories[0], "from"),
            ("B", comparison.b, territories[1], "to"),
        )
        for letter, name, frame, side in sides:
            colors = dict(zip(frame["territory_id"], frame["color"], strict=True))
            dot_colors = [colors.get(t, "#ffffff") for t in moves[side].to_numpy()[placed]]
            title = map_title(letter, name, len(frame), in_use=name == in_use)
            self.map_titles.append(title)
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(ScenarioMap(frame, points[placed], dot_colors, bounds=bounds), 1)
            maps.addLayout(column)
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
        table = self.moves[["account_id", "name", "from_name", "to_name", "potential", "revenue"]]
        table = table.rename(columns={"from_name": "from", "to_name": "to"})
        return export_moves(self, table, path)
