"""A printable map report: the map with title, legend, north arrow and date; then the KPI table.

Page 1 is the map as the window shows it (with Leaflet's scale bar) framed
by a title, the date, a legend of territories and reps, and a north arrow.
Page 2 lists every territory's KPIs. Written as PDF (two pages) or PNG
(page 1), through a temporary file so a failed export leaves nothing half
written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from territory_planner._errors import InputError
from territory_planner.files import FolderNotWritableError, write_atomically
from territory_planner.formats import (
    decimal2,
    integer,
    money_short,
    percent,
    plural,
    signed_percent,
)

DPI = 150
PNG_SIZE = (3300, 2550)  # 11 x 8.5 inches at 300 dpi
KPI_COLUMNS: tuple[tuple[str, str, float, Callable[[Any], str]], ...] = (
    ("name", "Territory", 0.16, str),
    ("rep", "Rep", 0.13, str),
    ("accounts", "Accounts", 0.07, integer),
    ("revenue", "Revenue", 0.08, money_short),
    ("potential", "Potential", 0.08, money_short),
    ("workload_hours", "Workload h", 0.08, integer),
    ("workload_hours_vs_mean", "vs mean", 0.07, signed_percent),
    ("capacity_use", "Capacity", 0.07, percent),
    ("quota", "Quota", 0.08, money_short),
    ("attainment", "Attainment", 0.08, percent),
    ("compactness", "Compactness", 0.1, decimal2),
)


def report_fonts(scale: float) -> dict[str, QFont]:
    """The report's fonts, sized for a page `scale` times 1,100 pixels wide."""

    def font(points: float, *, bold: bool = False) -> QFont:
        f = QFont("DejaVu Sans")
        f.setPixelSize(max(1, round(points * scale)))
        f.setBold(bold)
        return f

    return {
        "title": font(26, bold=True),
        "subtitle": font(13),
        "legend_title": font(13, bold=True),
        "body": font(11),
        "bold": font(11, bold=True),
        "small": font(9),
    }


def _north_arrow(painter: QPainter, centre: QPointF, size: float) -> None:
    """A simple north arrow: a split triangle and an N above it."""
    half = size / 2
    left, right = QPainterPath(), QPainterPath()
    top, bottom = QPointF(centre.x(), centre.y() - half), QPointF(centre.x(), centre.y() + half)
    left.moveTo(top)
    left.lineTo(QPointF(centre.x() - half * 0.55, bottom.y()))
    left.lineTo(QPointF(centre.x(), centre.y() + half * 0.45))
    left.closeSubpath()
    right.moveTo(top)
    right.lineTo(QPointF(centre.x() + half * 0.55, bottom.y()))
    right.lineTo(QPointF(centre.x(), centre.y() + half * 0.45))
    right.closeSubpath()
    painter.setPen(QPen(QColor("#222222"), max(1.0, size / 40)))
    painter.fillPath(left, QColor("#222222"))
    painter.fillPath(right, QColor("#ffffff"))
    painter.drawPath(left)
    painter.drawPath(right)
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(1, round(size * 0.45)))
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(
        QRectF(centre.x() - size, top.y() - size * 0.6, 2 * size, size * 0.55),
        Qt.AlignmentFlag.AlignCenter,
        "N",
    )


def paint_map_page(
    painter: QPainter, page: QRectF, title: str, map_image: QImage, kpis: pd.DataFrame
) -> None:
    """Title and date, the map image, the legend and a north arrow, within `page`."""
    scale = page.width() / 1100
    fonts = report_fonts(scale)
    margin = 0.0
    painter.setFont(fonts["title"])
    painter.setPen(QColor("#1c2430"))
    title_box = QRectF(page.left(), page.top(), page.width(), 40 * scale)
    painter.drawText(title_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    painter.setFont(fonts["subtitle"])
    painter.setPen(QColor("#59616d"))
    stamp = datetime.now().astimezone().strftime("%d %B %Y")
    summary = stamp
    if len(kpis):
        accounts = int(kpis["accounts"].sum())
        summary = (
            f"{plural(len(kpis), 'territory')} · {plural(accounts, 'account')} in territories "
            f"· {stamp}"
        )
    painter.drawText(
        QRectF(page.left(), title_box.bottom(), page.width(), 22 * scale),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        summary,
    )
    legend_width = 230 * scale
    top = title_box.bottom() + 30 * scale
    map_box = QRectF(
        page.left() + margin, top, page.width() - legend_width - 16 * scale, page.bottom() - top
    )
    if not map_image.isNull():
        fitted = map_image.scaled(
            map_box.size().toSize(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        target = QRectF(map_box.topLeft(), QSizeF(fitted.width(), fitted.height()))
        painter.drawImage(target, fitted)
        painter.setPen(QPen(QColor("#9aa3ad"), max(1.0, scale)))
        painter.drawRect(target)
        _north_arrow(
            painter, QPointF(target.right() - 40 * scale, target.top() + 55 * scale), 44 * scale
        )
    legend = QRectF(map_box.right() + 16 * scale, top, legend_width, map_box.height())
    painter.setFont(fonts["legend_title"])
    painter.setPen(QColor("#1c2430"))
    painter.drawText(QRectF(legend.left(), legend.top(), legend.width(), 24 * scale), "Territories")
    y = legend.top() + 30 * scale
    for row in kpis.to_dict("records"):
        if y + 36 * scale > legend.bottom():
            break
        swatch = QRectF(legend.left(), y + 3 * scale, 16 * scale, 16 * scale)
        painter.fillRect(swatch, QColor(str(row.get("color") or "#8a8f98")))
        painter.setPen(QPen(QColor("#555555"), max(1.0, scale / 2)))
        painter.drawRect(swatch)
        painter.setPen(QColor("#1c2430"))
        painter.setFont(fonts["bold"])
        text_left = swatch.right() + 8 * scale
        painter.drawText(
            QRectF(text_left, y, legend.right() - text_left, 18 * scale), str(row["name"])
        )
        painter.setFont(fonts["small"])
        painter.setPen(QColor("#59616d"))
        rep = str(row.get("rep") or "no rep")
        painter.drawText(
            QRectF(text_left, y + 17 * scale, legend.right() - text_left, 16 * scale),
            f"{rep} · {plural(int(row['accounts']), 'account')}",
        )
        y += 40 * scale


def paint_kpi_page(painter: QPainter, page: QRectF, title: str, kpis: pd.DataFrame) -> None:
    """The KPI table of every territory, with a totals row."""
    scale = page.width() / 1100
    fonts = report_fonts(scale)
    painter.setFont(fonts["title"])
    painter.setPen(QColor("#1c2430"))
    painter.drawText(QRectF(page.left(), page.top(), page.width(), 40 * scale), f"{title}: KPIs")
    row_height = 26 * scale
    y = page.top() + 60 * scale
    x_positions = []
    x = page.left()
    for _key, _header, share, _fmt in KPI_COLUMNS:
        x_positions.append(x)
        x += share * page.width()
    painter.fillRect(QRectF(page.left(), y, page.width(), row_height), QColor("#dde5f0"))
    painter.setFont(fonts["bold"])
    for (key, header, share, _fmt), left in zip(KPI_COLUMNS, x_positions, strict=True):
        align = (
            Qt.AlignmentFlag.AlignLeft if key in {"name", "rep"} else Qt.AlignmentFlag.AlignRight
        )
        painter.drawText(
            QRectF(left + 6 * scale, y, share * page.width() - 12 * scale, row_height),
            align | Qt.AlignmentFlag.AlignVCenter,
            header,
        )
    y += row_height
    painter.setFont(fonts["body"])
    rows: list[dict[str, Any]] = kpis.to_dict("records")  # type: ignore[assignment]
    summed = ("accounts", "revenue", "potential", "workload_hours", "quota")
    totals: dict[str, Any] = {"name": "All territories", "rep": ""}
    totals.update({key: kpis[key].sum() for key in summed})
    for number, row in enumerate([*rows, totals]):
        if y + row_height > page.bottom():
            break
        if number % 2:
            painter.fillRect(QRectF(page.left(), y, page.width(), row_height), QColor("#f3f6fa"))
        if row is totals:
            painter.setFont(fonts["bold"])
            painter.setPen(QPen(QColor("#1c2430"), max(1.0, scale)))
            painter.drawLine(QPointF(page.left(), y), QPointF(page.right(), y))
        for (key, _header, share, fmt), left in zip(KPI_COLUMNS, x_positions, strict=True):
            value = row.get(key)
            text = (
                "" if value is None or (isinstance(value, float) and pd.isna(value)) else fmt(value)
            )
            if key == "name" and row is not totals:
                painter.fillRect(
                    QRectF(left + 4 * scale, y + 7 * scale, 12 * scale, 12 * scale),
                    QColor(str(row.get("color") or "#8a8f98")),
                )
                text_left = left + 22 * scale
            else:
                text_left = left + 6 * scale
            align = (
                Qt.AlignmentFlag.AlignLeft
                if key in {"name", "rep"}
                else Qt.AlignmentFlag.AlignRight
            )
            painter.setPen(QColor("#1c2430"))
            painter.drawText(
                QRectF(
                    text_left, y, left + share * page.width() - 6 * scale - text_left, row_height
                ),
                align | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        y += row_height


def pdf_writer(path: Path, title: str, orientation: QPageLayout.Orientation) -> QPdfWriter:
    """A PDF on US Letter with 12 mm margins at `DPI`, titled and signed by the app."""
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setTitle(title)
    writer.setCreator("Territory Planner")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter),
            orientation,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    return writer


def write_report_file(path: Path, write: Callable[[Path], object], what: str) -> Path:
    """Write a report file whole or not at all, with the user's normal permissions.

    `write` creates the file at the name it is given (see `files.write_atomically`).

    Raises
    ------
    InputError
        If the folder or the file cannot be written (`what` names the file in the message).
    """
    try:
        write_atomically(Path(path), write)
    except FolderNotWritableError as exc:
        msg = f"cannot write in this folder ({exc}); choose another folder"
        raise InputError(msg, file=str(path)) from exc
    except OSError as exc:
        msg = f"cannot write {what} ({exc}); check the disk and the folder"
        raise InputError(msg, file=str(path)) from exc
    return Path(path)


def write_map_report(path: Path, title: str, map_image: QImage, kpis: pd.DataFrame) -> Path:
    """Write the report as PDF (map page and KPI page) or PNG (map page), by the suffix."""

    def write(tmp: Path) -> None:
        if Path(path).suffix.lower() == ".png":
            image = QImage(*PNG_SIZE, QImage.Format.Format_RGB32)
            image.fill(QColor("#ffffff"))
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            page = QRectF(0, 0, PNG_SIZE[0], PNG_SIZE[1]).adjusted(120, 100, -120, -100)
            paint_map_page(painter, page, title, map_image, kpis)
            painter.end()
            if not image.save(str(tmp)):  # PNG, from the suffix
                msg = "the image could not be written"
                raise OSError(msg)
            return
        writer = pdf_writer(tmp, title, QPageLayout.Orientation.Landscape)
        painter = QPainter(writer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        page = QRectF(painter.viewport())
        paint_map_page(painter, page, title, map_image, kpis)
        writer.newPage()
        paint_kpi_page(painter, page, title, kpis)
        painter.end()

    return write_report_file(path, write, "the report")
