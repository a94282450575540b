"""Spatial assignment of accounts to territories (vectorised, no Python loop per account)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
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


def assign_unassigned(accounts: pd.DataFrame, territories: gpd.GeoDataFrame) -> pd.Series:
    """Territory IDs, with unassigned unlocked accounts put in the territory containing them.

    Accounts already assigned, or locked, keep their territory; accounts in
    no territory or in several stay unassigned.
    """
    current = accounts["territory_id"].copy()
    todo = (current.isna() | ~current.isin(set(territories["territory_id"]))) & ~accounts["locked"]
    rows = np.flatnonzero(todo.to_numpy())
    if len(rows) == 0 or len(territories) == 0:
        return current
    owner = containing_polygon(
        accounts["lon"].to_numpy()[rows],
        accounts["lat"].to_numpy()[rows],
        list(territories.geometry),
    )
    ids = territories["territory_id"].to_numpy()
    values = current.to_numpy(dtype=object, copy=True)
    values[rows] = [ids[k] if k >= 0 else None for k in owner]
    return pd.Series(values, index=accounts.index, dtype="str")
