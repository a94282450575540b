"""A printable map report: the map with title, legend, north arrow and date; the KPIs; the changes.

Page 1 is the map with the layers chosen for the report (with Leaflet's scale
bar) framed by a title, the date, a legend of those layers (territories with
their reps, then a symbol for each other layer) and a north arrow. Page 2 lists
every territory's KPIs; page 3 (and more if needed) the changes made in this
session, from the project's change log. Written as PDF or PNG (page 1),
through a temporary file so a failed export leaves nothing half written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    log_time,
    money_short,
    percent,
    plural,
    signed_percent,
)
from territory_planner.ui.report_layers import DEFAULT_REPORT_LAYERS, REPORT_LAYERS

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


#: The legend's key to the layers other than the territories: (symbol, text) rows per layer.
LAYER_KEY: dict[str, tuple[tuple[str, str], ...]] = {
    "labels": (("label", "Territory name and rep"),),
    "accounts": (("account", "Account, in its territory's colour"),),
    "reps": (("home", "Rep's home"),),
    "coverage": (("gap", "Gap: in no territory"), ("overlap", "Overlap of territories")),
    "alerts": (("alert", "Performance alert"),),
    "heat": (("heat", "Heat map (key on the map)"),),
    "clusters": (("cluster", "Cluster or whitespace"),),
    "route": (("route", "Day route, stops in order"),),
}


def _symbol(painter: QPainter, kind: str, box: QRectF, scale: float) -> None:
    """Draw the legend symbol `kind` (see `LAYER_KEY`) in `box`."""
    outline = QPen(QColor("#555555"), max(1.0, scale / 2))
    centre = box.center()
    if kind == "label":
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(11 * scale)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#23272e"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "Ab")
    elif kind in {"account", "home"}:
        painter.setPen(QPen(QColor("#ffffff" if kind == "home" else "#555555"), 1.5 * scale))
        painter.setBrush(QColor("#5b7fb5"))
        if kind == "account":
            painter.drawEllipse(centre, 4.5 * scale, 4.5 * scale)
        else:
            square = QRectF(centre.x() - 7 * scale, centre.y() - 7 * scale, 14 * scale, 14 * scale)
            painter.drawRect(square)
            painter.setPen(QPen(QColor("#222222"), max(1.0, scale)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(square.adjusted(-scale, -scale, scale, scale))
    elif kind in {"gap", "overlap", "cluster"}:
        colour = {"gap": "#5f6670", "overlap": "#c0392b", "cluster": "#7b3294"}[kind]
        pen = QPen(QColor(colour), 1.5 * scale)
        if kind != "overlap":
            pen.setStyle(Qt.PenStyle.DashLine)
        fill = QColor({"gap": "#ffffff", "overlap": "#e74c3c", "cluster": colour}[kind])
        fill.setAlphaF({"gap": 1.0, "overlap": 0.5, "cluster": 0.12}[kind])
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRect(box.adjusted(scale, 2 * scale, -scale, -2 * scale))
    elif kind == "heat":
        third = box.width() / 3
        for n, colour in enumerate(("#fee8c8", "#fdbb84", "#e34a33")):
            painter.fillRect(
                QRectF(
                    box.left() + n * third, box.top() + 2 * scale, third, box.height() - 4 * scale
                ),
                QColor(colour),
            )
        painter.setPen(outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box.adjusted(0, 2 * scale, 0, -2 * scale))
    elif kind in {"alert", "route"}:
        if kind == "route":
            painter.setPen(QPen(QColor("#1f3a93"), 3 * scale))
            painter.drawLine(QPointF(box.left(), centre.y()), QPointF(box.right(), centre.y()))
        painter.setPen(QPen(QColor("#ffffff"), 1.5 * scale))
        painter.setBrush(QColor("#c62828" if kind == "alert" else "#1f3a93"))
        painter.drawEllipse(centre, 8 * scale, 8 * scale)
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(10 * scale)))
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "!" if kind == "alert" else "1")
    painter.setBrush(Qt.BrushStyle.NoBrush)


def _paint_legend(
    painter: QPainter, legend: QRectF, kpis: pd.DataFrame, layers: Sequence[str], scale: float
) -> None:
    """The territories (when their shapes or accounts are shown), then a key to the other layers."""
    fonts = report_fonts(scale)
    ordered = [key for key, _label, _default in REPORT_LAYERS if key in layers]
    rows = [row for key in ordered for row in LAYER_KEY.get(key, ())]
    key_top = legend.bottom() - (30 + 24 * len(rows)) * scale if rows else legend.bottom()
    if rows:
        painter.setFont(fonts["legend_title"])
        painter.setPen(QColor("#1c2430"))
        painter.drawText(QRectF(legend.left(), key_top, legend.width(), 24 * scale), "On the map")
        y = key_top + 30 * scale
        for kind, text in rows:
            _symbol(painter, kind, QRectF(legend.left(), y, 24 * scale, 18 * scale), scale)
            painter.setFont(fonts["body"])
            painter.setPen(QColor("#1c2430"))
            left = legend.left() + 32 * scale
            painter.drawText(
                QRectF(left, y, legend.right() - left, 18 * scale),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            y += 24 * scale
    if not {"territories", "accounts"} & set(layers):
        return
    painter.setFont(fonts["legend_title"])
    painter.setPen(QColor("#1c2430"))
    painter.drawText(QRectF(legend.left(), legend.top(), legend.width(), 24 * scale), "Territories")
    y = legend.top() + 30 * scale
    records = kpis.to_dict("records")
    for number, row in enumerate(records):
        if y + 40 * scale + (24 * scale if number < len(records) - 1 else 0) > key_top:
            painter.setFont(fonts["small"])
            painter.setPen(QColor("#59616d"))
            painter.drawText(
                QRectF(legend.left(), y, legend.width(), 16 * scale),
                f"and {plural(len(records) - number, 'more territory')} (see the KPIs)",
            )
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


def paint_map_page(
    painter: QPainter,
    page: QRectF,
    title: str,
    map_image: QImage,
    kpis: pd.DataFrame,
    *,
    layers: Sequence[str] = DEFAULT_REPORT_LAYERS,
) -> None:
    """Title and date, the map image, the legend of its `layers` and a north arrow, in `page`."""
    scale = page.width() / 1100
    fonts = report_fonts(scale)
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
        page.left(), top, page.width() - legend_width - 16 * scale, page.bottom() - top
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
    _paint_legend(painter, legend, kpis, layers, scale)


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


def paint_change_log(
    painter: QPainter,
    page: QRectF,
    title: str,
    changes: Sequence[tuple[str, str]],
    new_page: Callable[[], object],
) -> int:
    """The session's changes (ISO time, text), oldest first, on as many pages as they need.

    `new_page` starts another page; returns the number of pages painted.
    """
    scale = page.width() / 1100
    fonts = report_fonts(scale)
    wrap = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
    time_width = 170 * scale

    def heading(more: bool) -> float:
        painter.setFont(fonts["title"])
        painter.setPen(QColor("#1c2430"))
        painter.drawText(
            QRectF(page.left(), page.top(), page.width(), 40 * scale),
            f"{title}: changes in this session" + (" (continued)" if more else ""),
        )
        return page.top() + 60 * scale

    y = heading(False)
    painter.setFont(fonts["subtitle"])
    painter.setPen(QColor("#59616d"))
    painter.drawText(
        QRectF(page.left(), y - 14 * scale, page.width(), 22 * scale),
        f"{plural(len(changes), 'change')}, oldest first (the project's change log keeps them all)"
        if changes
        else "No changes were made in this session.",
    )
    y += 22 * scale
    pages = 1
    for when, text in changes:
        painter.setFont(fonts["body"])
        box = QRectF(page.left() + time_width, y, page.width() - time_width, page.height())
        height = max(painter.boundingRect(box, wrap, text).height(), 18 * scale) + 8 * scale
        if y + height > page.bottom():
            new_page()
            pages += 1
            y = heading(True)
            box.moveTop(y)
        painter.setPen(QColor("#59616d"))
        painter.drawText(QRectF(page.left(), y, time_width, height), wrap, log_time(when))
        painter.setPen(QColor("#1c2430"))
        painter.drawText(box, wrap, text)
        y += height
    return pages


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


def write_map_report(
    path: Path,
    title: str,
    map_image: QImage,
    kpis: pd.DataFrame,
    *,
    layers: Sequence[str] = DEFAULT_REPORT_LAYERS,
    changes: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write the report as PDF (map, KPIs, changes) or PNG (the map page), by the suffix.

    Parameters
    ----------
    layers
        The layers the map image shows (keys of `REPORT_LAYERS`): the legend's entries.
    changes
        The session's entries of the change log: (ISO time, what changed), oldest first.
    """

    def write(tmp: Path) -> None:
        if Path(path).suffix.lower() == ".png":
            image = QImage(*PNG_SIZE, QImage.Format.Format_RGB32)
            image.fill(QColor("#ffffff"))
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            page = QRectF(0, 0, PNG_SIZE[0], PNG_SIZE[1]).adjusted(120, 100, -120, -100)
            paint_map_page(painter, page, title, map_image, kpis, layers=layers)
            painter.end()
            if not image.save(str(tmp)):  # PNG, from the suffix
                msg = "the image could not be written"
                raise OSError(msg)
            return
        writer = pdf_writer(tmp, title, QPageLayout.Orientation.Landscape)
        painter = QPainter(writer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        page = QRectF(painter.viewport())
        paint_map_page(painter, page, title, map_image, kpis, layers=layers)
        writer.newPage()
        paint_kpi_page(painter, page, title, kpis)
        writer.newPage()
        paint_change_log(painter, page, title, changes, writer.newPage)
        painter.end()

    return write_report_file(path, write, "the report")
