"""Spatial assignment of accounts to territories (vectorised, no Python loop per account)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from territory_planner.mapping.point_index import MANY, NONE, PolygonGrid, exact_labels

NO_TERRITORY = NONE
OVERLAP = MANY
#: From this many points on, a grid index beats testing each point against each polygon.
GRID_MIN_POINTS = 20_000


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
        A point exactly on a border is inside neither side.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    shapes = np.asarray(polygons, dtype=object)
    if len(shapes) == 0:
        return np.full(len(lon), NO_TERRITORY, dtype=np.int64)
    if len(lon) >= GRID_MIN_POINTS:
        return PolygonGrid(shapes).label(lon, lat)
    labels = np.full(len(lon), NO_TERRITORY, dtype=np.int64)
    finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    labels[finite] = exact_labels(lon[finite], lat[finite], shapes)
    return labels


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
