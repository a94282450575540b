"""Spatial assignment of accounts to territories (vectorised, no Python loop per account)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

NO_TERRITORY = -1
OVERLAP = -2


def containing_polygon(
    lon: np.ndarray, lat: np.ndarray, polygons: list[BaseGeometry] | np.ndarray
) -> np.ndarray:
    """Index of the polygon that contains each point.

    Parameters
    ----------
    lon, lat
        Point coordinates (NaN for unplaced points).
    polygons
        Polygons in the same coordinate system.

    Returns
    -------
    numpy.ndarray
        For each point, the index of the one polygon containing it,
        `NO_TERRITORY` (-1) if none does, or `OVERLAP` (-2) if several do.
    """
    result = np.full(len(lon), NO_TERRITORY, dtype=np.int64)
    placed = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if len(placed) == 0 or len(polygons) == 0:
        return result
    points = shapely.points(lon[placed], lat[placed])
    tree = shapely.STRtree(np.asarray(polygons, dtype=object))
    point_idx, poly_idx = tree.query(points, predicate="within")
    hits = np.bincount(point_idx, minlength=len(placed))
    first = np.full(len(placed), NO_TERRITORY, dtype=np.int64)
    first[point_idx[::-1]] = poly_idx[::-1]
    first[hits > 1] = OVERLAP
    result[placed] = first
    return result
