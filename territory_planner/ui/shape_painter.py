"""Draw territories and accounts with QPainter: small static maps for dialogs and printed pages.

Longitude and latitude are drawn equirectangular, scaled by the cosine of the
middle latitude so that distances across look right; enough for a region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from shapely.geometry.base import BaseGeometry

Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Shape:
    """A polygon to fill: its colour, opacity (0-255) and outline width."""

    geometry: BaseGeometry
    color: str
    alpha: int = 150
    outline: float = 0.8


def points_bounds(lon: np.ndarray, lat: np.ndarray, margin: float = 0.08) -> Bounds:
    """The points' extent plus a margin (a share of it; at least 0.2 degrees)."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return (-125.0, 24.0, -66.0, 50.0)
    x0, x1, y0, y1 = lon[ok].min(), lon[ok].max(), lat[ok].min(), lat[ok].max()
    mx, my = max((x1 - x0) * margin, 0.2), max((y1 - y0) * margin, 0.2)
    return (float(x0 - mx), float(y0 - my), float(x1 + mx), float(y1 + my))


class Projection:
    """Maps lon/lat inside `bounds` into `rect`, keeping proportions."""

    def __init__(self, bounds: Bounds, rect: QRectF) -> None:
        x0, y0, x1, y1 = bounds
        self.x0, self.y1 = x0, y1
        self.aspect = float(np.cos(np.radians((y0 + y1) / 2)))
        width, height = max((x1 - x0) * self.aspect, 1e-9), max(y1 - y0, 1e-9)
        self.scale = min(rect.width() / width, rect.height() / height)
        self.left = rect.left() + (rect.width() - width * self.scale) / 2
        self.top = rect.top() + (rect.height() - height * self.scale) / 2

    def point(self, lon: float, lat: float) -> QPointF:
        """Where a position is drawn."""
        return QPointF(
            self.left + (lon - self.x0) * self.aspect * self.scale,
            self.top + (self.y1 - lat) * self.scale,
        )

    def path(self, geometry: BaseGeometry) -> QPainterPath:
        """A polygon (or multipolygon) as a painter path, holes included."""
        path = QPainterPath()
        for polygon in shapely.get_parts(geometry):
            if not isinstance(polygon, shapely.Polygon):
                continue
            for ring in [polygon.exterior, *polygon.interiors]:
                coords = np.asarray(ring.coords)
                path.moveTo(self.point(*coords[0]))
                for lon, lat in coords[1:]:
                    path.lineTo(self.point(lon, lat))
                path.closeSubpath()
        return path


def paint_map(
    painter: QPainter,
    rect: QRectF,
    bounds: Bounds,
    shapes: Sequence[Shape],
    *,
    points: np.ndarray | None = None,
    point_colors: Sequence[str] = (),
    dot: float = 2.6,
) -> Projection:
    """Fill `shapes` and draw `points` (lon, lat rows) as dots, clipped to `rect`."""
    projection = Projection(bounds, rect)
    tolerance = 0.6 / max(projection.scale, 1e-9)  # about half a pixel, in degrees
    painter.save()
    painter.setClipRect(rect)
    for shape in shapes:
        if shape.geometry.is_empty:
            continue
        fill = QColor(shape.color)
        fill.setAlpha(shape.alpha)
        painter.setPen(QPen(QColor("#333333"), shape.outline))
        painter.setBrush(QBrush(fill))
        painter.drawPath(projection.path(shapely.simplify(shape.geometry, tolerance)))
    if points is not None:
        painter.setPen(QPen(QColor("#111111"), max(dot / 4, 0.5)))
        for (lon, lat), color in zip(points, point_colors, strict=True):
            if np.isfinite(lon) and np.isfinite(lat):
                painter.setBrush(QBrush(QColor(color)))
                painter.drawEllipse(projection.point(lon, lat), dot, dot)
    painter.restore()
    return projection
