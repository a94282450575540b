"""Territory one-pagers: a printable page per rep with their map, KPIs, calendar and accounts.

Each page shows the rep's territories (neighbours in grey, accounts as dots,
home as a square), the territory KPIs, a calendar summary (the calendar built
in the Calendar panel, or the visits a year their accounts' frequencies ask
for), and their accounts by potential. Written as one PDF through a
temporary file, like the map report.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPageLayout, QPainter, QPen

from territory_planner._errors import InputError
from territory_planner.formats import decimal2, integer, money_short, percent, plural
from territory_planner.model import VISIT_FREQUENCIES, Project
from territory_planner.routing.workload import DEFAULT_FREQUENCY, visits_per_year
from territory_planner.ui.map_report import pdf_writer, report_fonts, write_report_file
from territory_planner.ui.shape_painter import Shape, paint_map, points_bounds

ACCOUNT_ROWS = 24  # accounts listed on a page, by potential
INK = QColor("#1c2430")
KPI_ROWS: tuple[tuple[str, str, Any], ...] = (
    ("accounts", "Accounts", integer),
    ("revenue", "Revenue", money_short),
    ("potential", "Potential", money_short),
    ("last_year_sales", "Last-year sales", money_short),
    ("quota", "Quota", money_short),
    ("attainment", "Attainment", percent),
    ("workload_hours", "Workload hours / year", integer),
    ("capacity_use", "Capacity use", percent),
    ("area_km2", "Area (km²)", integer),
    ("compactness", "Compactness", decimal2),
)


ACCOUNT_COLUMNS: tuple[tuple[str, str, float, Any], ...] = (
    ("name", "Account", 0.36, str),
    ("city", "City", 0.2, str),
    ("visit_frequency", "Visits", 0.14, str),
    ("annual_revenue", "Revenue", 0.15, money_short),
    ("potential", "Potential", 0.15, money_short),
)


def _text(value: Any, fmt: Any) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else fmt(value)


def _calendar_lines(accounts: pd.DataFrame, plan: dict[str, Any] | None) -> list[str]:
    """The built calendar's totals, or what the visit frequencies ask for in a year."""
    if plan is not None:
        t = plan["totals"]
        return [
            f"Calendar of {plural(plan['weeks'], 'week')} from {plan['start_date']}:",
            f"{plural(t['visits'], 'visit')}, {t['visit_hours']:.1f} h visiting, "
            f"{t['drive_hours']:.1f} h driving, {t['km']:,.0f} km",
            f"Utilisation {t['utilisation']:.0%}; "
            + (
                f"{plural(t['left_out_visits'], 'visit')} left out"
                if t["left_out_visits"]
                else "all fit"
            ),
        ]
    counts = accounts["visit_frequency"].value_counts()
    parts = [f"{counts[f]} {f}" for f in VISIT_FREQUENCIES if f in counts]
    yearly = visits_per_year(accounts).sum()
    unset = int(accounts["visit_frequency"].isna().sum())
    if unset:
        parts.append(f"{unset} not set (visited {DEFAULT_FREQUENCY})")
    return [
        "Visit frequencies: " + ", ".join(parts),
        f"{plural(round(float(yearly)), 'visit')} a year (build the calendar for days and routes)",
    ]


class RepPage:
    """Paints one rep's page within `page` (portrait), top to bottom."""

    def __init__(self, painter: QPainter, page: QRectF, project: Project, rep_id: str) -> None:
        self.painter, self.page, self.project = painter, page, project
        self.scale = page.width() / 800
        self.fonts = report_fonts(self.scale)
        self.rep: pd.Series = project.reps[project.reps["rep_id"] == rep_id].iloc[0]
        terr = project.territories
        self.mine = terr[terr["rep_id"] == rep_id]
        self.ids = set(self.mine["territory_id"])
        self.accounts = project.accounts[project.accounts["territory_id"].isin(self.ids)]

    def paint(self, kpis: pd.DataFrame, plan: dict[str, Any] | None) -> None:
        """The whole page."""
        self.header()
        box = self.map()
        bottom = self.kpis(kpis, box)
        y = self.lines(max(bottom, box.bottom()) + 34 * self.scale, "Calendar",
                       _calendar_lines(self.accounts, plan))  # fmt: skip
        self.account_table(y + 36 * self.scale)

    def _section(self, x: float, y: float, text: str) -> None:
        self.painter.setFont(self.fonts["legend_title"])
        self.painter.setPen(INK)
        self.painter.drawText(QPointF(x, y), text)

    def header(self) -> None:
        """Name, territories, home and date."""
        painter, page, scale, rep = self.painter, self.page, self.scale, self.rep
        painter.setPen(INK)
        painter.setFont(self.fonts["title"])
        painter.drawText(
            QRectF(page.left(), page.top(), page.width(), 36 * scale), str(rep["name"])
        )
        painter.setFont(self.fonts["subtitle"])
        home = ", ".join(
            str(v) for v in (rep["home_city"], rep["home_state"]) if isinstance(v, str)
        )
        painter.drawText(
            QRectF(page.left(), page.top() + 38 * scale, page.width(), 22 * scale),
            f"{', '.join(self.mine['name'].astype(str))} · home {home or 'not set'} · "
            f"{datetime.now().astimezone():%d %B %Y}",
        )

    def map(self) -> QRectF:
        """The rep's territories over their neighbours, accounts as dots, home as a square."""
        painter, page, scale, rep = self.painter, self.page, self.scale, self.rep
        terr, acc = self.project.territories, self.accounts
        box = QRectF(page.left(), page.top() + 70 * scale, page.width() * 0.6, page.height() * 0.42)
        painter.fillRect(box, QColor("#f4f4f1"))
        home_lon, home_lat = (float(v) for v in rep[["lon", "lat"]].to_numpy(dtype=float))
        lon = np.append(acc["lon"].to_numpy(dtype=float), home_lon)
        lat = np.append(acc["lat"].to_numpy(dtype=float), home_lat)
        if len(self.mine):
            x0, y0, x1, y1 = self.mine.total_bounds
            lon, lat = np.append(lon, [x0, x1]), np.append(lat, [y0, y1])
        shapes = [
            Shape(g, str(c), 170, 1.2 * scale) if t in self.ids else Shape(g, "#d9d9d9", 110, scale)
            for g, c, t in zip(terr.geometry, terr["color"], terr["territory_id"], strict=True)
            if g is not None
        ]
        colors = dict(zip(terr["territory_id"], terr["color"], strict=True))
        projection = paint_map(
            painter, box, points_bounds(lon, lat, margin=0.04), shapes,
            points=acc[["lon", "lat"]].to_numpy(dtype=float),
            point_colors=[str(colors.get(t, "#888888")) for t in acc["territory_id"]],
            dot=2.2 * scale,
        )  # fmt: skip
        if np.isfinite(home_lon) and np.isfinite(home_lat):
            where = projection.point(home_lon, home_lat)
            size = 9 * scale
            painter.setPen(QPen(QColor("#ffffff"), 2 * scale))
            painter.setBrush(INK)
            painter.drawRect(QRectF(where.x() - size / 2, where.y() - size / 2, size, size))
        painter.setPen(QPen(QColor("#9aa3ad"), scale))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box)
        painter.setFont(self.fonts["small"])
        painter.setPen(INK)
        painter.drawText(
            QPointF(box.left(), box.bottom() + 14 * scale),
            "■ home   ● account   grey: other territories",
        )
        return box.adjusted(0, 0, 0, 14 * scale)

    def kpis(self, kpis: pd.DataFrame, box: QRectF) -> float:
        """The KPIs of the rep's territories (added up) beside the map; returns the bottom."""
        painter, scale = self.painter, self.scale
        x = box.right() + 20 * scale
        width = self.page.right() - x
        self._section(x, box.top() + 14 * scale, "Territory KPIs")
        table = kpis[kpis["territory_id"].isin(self.ids)]
        summed = ("accounts", "revenue", "potential", "last_year_sales", "quota",
                  "workload_hours", "area_km2")  # fmt: skip
        values: dict[str, Any] = {key: table[key].sum() for key in summed}
        values["attainment"] = values["revenue"] / values["quota"] if values["quota"] else np.nan
        for key in ("capacity_use", "compactness"):
            values[key] = table[key].mean() if len(table) else np.nan
        y = box.top() + 26 * scale
        row = 21 * scale
        for number, (key, title, fmt) in enumerate(KPI_ROWS):
            if number % 2 == 0:
                painter.fillRect(QRectF(x, y, width, row), QColor("#f3f6fa"))
            painter.setFont(self.fonts["body"])
            painter.setPen(INK)
            painter.drawText(QRectF(x + 6 * scale, y, width * 0.6, row),
                             Qt.AlignmentFlag.AlignVCenter, title)  # fmt: skip
            painter.setFont(self.fonts["bold"])
            painter.drawText(
                QRectF(x, y, width - 6 * scale, row),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                _text(values.get(key), fmt),
            )
            y += row
        return y

    def lines(self, y: float, title: str, lines: list[str]) -> float:
        """A titled block of text lines; returns where it ends."""
        self._section(self.page.left(), y, title)
        self.painter.setFont(self.fonts["body"])
        for line in lines:
            y += 20 * self.scale
            self.painter.drawText(QPointF(self.page.left(), y), line)
        return y

    def account_table(self, y: float) -> None:
        """The rep's accounts by potential, as many as fit (at most `ACCOUNT_ROWS`)."""
        painter, page, scale, acc = self.painter, self.page, self.scale, self.accounts
        self._section(page.left(), y, f"Accounts by potential ({len(acc):,})")
        y += 10 * scale
        row = 19 * scale
        painter.fillRect(QRectF(page.left(), y, page.width(), row), QColor("#dde5f0"))
        top = acc.sort_values("potential", ascending=False).head(ACCOUNT_ROWS)
        shown = 0
        for number, record in enumerate([None, *top.to_dict("records")]):
            if y + row > page.bottom() - 20 * scale:
                break
            if number and number % 2 == 0:
                painter.fillRect(QRectF(page.left(), y, page.width(), row), QColor("#f3f6fa"))
            left = page.left()
            painter.setFont(self.fonts["bold"] if record is None else self.fonts["body"])
            painter.setPen(INK)
            for key, title, share, fmt in ACCOUNT_COLUMNS:
                text = title if record is None else _text(record.get(key), fmt)
                align = (
                    Qt.AlignmentFlag.AlignRight
                    if fmt is money_short
                    else Qt.AlignmentFlag.AlignLeft
                )
                painter.drawText(
                    QRectF(left + 6 * scale, y, share * page.width() - 12 * scale, row),
                    align | Qt.AlignmentFlag.AlignVCenter,
                    text,
                )
                left += share * page.width()
            shown += record is not None
            y += row
        if len(acc) > shown:
            painter.setFont(self.fonts["small"])
            more = f"… and {len(acc) - shown:,} more (see the Accounts panel or export them)"
            painter.drawText(QPointF(page.left(), y + 16 * scale), more)


def write_rep_pages(
    path: Path,
    project: Project,
    kpis: pd.DataFrame,
    rep_ids: list[str],
    plans: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """A PDF with one page per rep in `rep_ids` (see `RepPage`)."""
    if not rep_ids:
        msg = "no rep has a territory yet: give territories reps first"
        raise InputError(msg, file=str(path))
    plans = plans or {}

    def write(tmp: Path) -> None:
        title = f"{project.name}: territory one-pagers"
        writer = pdf_writer(tmp, title, QPageLayout.Orientation.Portrait)
        painter = QPainter(writer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        page = QRectF(painter.viewport())
        for number, rep_id in enumerate(rep_ids):
            if number:
                writer.newPage()
            RepPage(painter, page, project, rep_id).paint(kpis, plans.get(rep_id))
        painter.end()

    return write_report_file(Path(path), write, "the one-pagers")
