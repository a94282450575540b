"""Fast point-in-polygon for many points: a grid that answers most points by lookup.

The polygons' extent is cut into a grid. Cells that no polygon border
crosses lie wholly inside one polygon (or none), so a point there takes
that cell's label. Only points in the few cells a border crosses are tested
exactly (shapely ``contains_xy``, per candidate polygon). The answer is the
same as testing every point ("within": a point on a border is inside none).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

NONE = -1
MANY = -2  # inside several polygons (an overlap)
UNKNOWN = -3  # a border crosses the cell: test exactly


def exact_labels(x: np.ndarray, y: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Label of each point by testing it against every polygon whose box holds it.

    Parameters
    ----------
    x, y
        Point coordinates (in the polygons' system).
    polygons
        The polygons, an array of shapely geometries.

    Returns
    -------
    numpy.ndarray
        Per point, the index of the one polygon containing it, `NONE` (-1) or
        `MANY` (-2) when several do.
    """
    labels = np.full(len(x), NONE, dtype=np.int64)
    hits = np.zeros(len(x), dtype=np.int64)
    for k, polygon in enumerate(polygons):
        minx, miny, maxx, maxy = shapely.bounds(polygon)
        near = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        if len(near) == 0:
            continue
        inside = near[shapely.contains_xy(polygon, x[near], y[near])]
        labels[inside] = k
        hits[inside] += 1
    labels[hits > 1] = MANY
    return labels


class PolygonGrid:
    """A grid over `polygons` that labels most points without a geometric test.

    Parameters
    ----------
    polygons
        The polygons (any valid shapely polygonal geometries).
    cells
        Number of grid cells along the longer side of the extent.
    """

    def __init__(self, polygons: list[BaseGeometry] | np.ndarray, cells: int = 768) -> None:
        self.polygons = np.asarray(polygons, dtype=object)
        for polygon in self.polygons:
            shapely.prepare(polygon)
        minx, miny, maxx, maxy = shapely.total_bounds(self.polygons)
        span = max(maxx - minx, maxy - miny) or 1.0
        self.size = span / cells
        self.x0, self.y0 = minx - self.size, miny - self.size
        self.nx = int(np.ceil((maxx - self.x0) / self.size)) + 2
        self.ny = int(np.ceil((maxy - self.y0) / self.size)) + 2
        self.labels = self._cell_labels()

    def _border_cells(self) -> np.ndarray:
        """Cells that a polygon border may cross (conservatively: one cell of margin)."""
        border = np.zeros((self.ny, self.nx), dtype=bool)
        rings = shapely.get_rings(shapely.get_parts(self.polygons))
        coords, index = shapely.get_coordinates(rings, return_index=True)
        same_ring = index[1:] == index[:-1]
        start, end = coords[:-1][same_ring], coords[1:][same_ring]
        length = np.hypot(*(end - start).T)
        steps = np.maximum(1, np.ceil(length / (self.size / 2)).astype(np.int64))
        segment = np.repeat(np.arange(len(start)), steps)
        offset = np.arange(len(segment)) - np.repeat(np.cumsum(steps) - steps, steps)
        t = (offset / steps[segment])[:, None]
        points = start[segment] + t * (end[segment] - start[segment])
        ix, iy = self._cell(points[:, 0], points[:, 1])
        border[iy, ix] = True
        grown = border.copy()  # a border point is within half a step of a sample: grow by one cell
        grown[1:, :] |= border[:-1, :]
        grown[:-1, :] |= border[1:, :]
        grown[:, 1:] |= grown[:, :-1].copy()
        grown[:, :-1] |= grown[:, 1:].copy()
        return grown

    def _cell(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ix = np.clip(((x - self.x0) / self.size).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(((y - self.y0) / self.size).astype(np.int64), 0, self.ny - 1)
        return ix, iy

    def _cell_labels(self) -> np.ndarray:
        border = self._border_cells()
        labels = np.full((self.ny, self.nx), UNKNOWN, dtype=np.int64)
        iy, ix = np.nonzero(~border)
        cx = self.x0 + (ix + 0.5) * self.size
        cy = self.y0 + (iy + 0.5) * self.size
        center = exact_labels(cx, cy, self.polygons)
        center[center == MANY] = UNKNOWN  # overlaps: test their points exactly
        labels[iy, ix] = center
        return labels

    def label(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the one polygon containing each point, `NONE` (-1) or `MANY` (-2).

        NaN coordinates give `NONE`.

        Parameters
        ----------
        x, y
            Point coordinates (in the polygons' system).

        Returns
        -------
        numpy.ndarray
            One label per point (int64).
        """
        result = np.full(len(x), NONE, dtype=np.int64)
        finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        fx, fy = x[finite], y[finite]
        ix = ((fx - self.x0) / self.size).astype(np.int64)
        iy = ((fy - self.y0) / self.size).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        cell = np.full(len(fx), NONE, dtype=np.int64)
        cell[inside] = self.labels[iy[inside], ix[inside]]
        unknown = np.flatnonzero(cell == UNKNOWN)
        if len(unknown):
            cell[unknown] = exact_labels(fx[unknown], fy[unknown], self.polygons)
        result[finite] = cell
        return result
