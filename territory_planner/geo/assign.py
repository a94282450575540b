"""Spatial assignment of accounts to territories (vectorised, no Python loop per account)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.geo.areas import in_a_county
from territory_planner.geo.point_index import MANY, NONE, PolygonGrid, exact_labels
from territory_planner.model import values_or_none

NO_TERRITORY = NONE
OVERLAP = MANY
#: From this many points on, a grid index beats testing each point against each polygon.
GRID_MIN_POINTS = 20_000
#: ``placed_by`` values a shape edit may change (a rule's or parent's placement it may not).
GEOGRAPHIC_PLACEMENTS = ("geography", "none", "")


def placed_by_geography(placed_by: pd.Series) -> np.ndarray:
    """Which accounts are where geography (or nothing yet) put them.

    Parameters
    ----------
    placed_by
        The accounts' ``placed_by`` column (missing counts as geography).

    Returns
    -------
    numpy.ndarray
        A boolean per account: True where ``placed_by`` is missing or one of
        `GEOGRAPHIC_PLACEMENTS`, False where a rule or a parent company placed it.
    """
    return np.asarray(placed_by.isna() | placed_by.isin(GEOGRAPHIC_PLACEMENTS), dtype=bool)


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


#: An account this close (degrees, about 5 km) to a territory but outside every one (a ZIP
#: centroid in a bay, a lakeshore address) belongs to the nearest territory.
SHORE_REACH_DEGREES = 0.05


def territory_of_points(
    lon: np.ndarray, lat: np.ndarray, polygons: list[BaseGeometry] | np.ndarray
) -> np.ndarray:
    """Index of the territory holding each point: the one containing it, else one on the shore.

    Like `containing_polygon` (-1 for none, -2 for an overlap), except that a
    point in the water (outside every polygon and off US land) but within
    `SHORE_REACH_DEGREES` of a polygon gets the nearest one; so does a point
    on a shore sliver no county outline covers (a beach town). A point in a
    county between territories stays in none: that is a gap.

    Parameters
    ----------
    lon, lat
        Point coordinates in degrees (NaN for unplaced points).
    polygons
        The territories' polygons, in the same coordinate system.

    Returns
    -------
    numpy.ndarray
        Per point, the index into `polygons`, `NO_TERRITORY` (-1) or `OVERLAP` (-2).
    """
    labels = containing_polygon(lon, lat, polygons)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    lost = np.flatnonzero((labels == NO_TERRITORY) & np.isfinite(lon) & np.isfinite(lat))
    if len(lost):
        lost = lost[~in_a_county(lon[lost], lat[lost])]  # in the water, or a shore sliver
        near = nearest_within(lon[lost], lat[lost], polygons, SHORE_REACH_DEGREES)
        labels[lost[near >= 0]] = near[near >= 0]
    return labels


def nearest_within(
    lon: np.ndarray, lat: np.ndarray, polygons: list[BaseGeometry] | np.ndarray, reach: float
) -> np.ndarray:
    """Index of the polygon nearest each point if within `reach` degrees, else -1.

    Points equally near several (on a corner they share) get the first of them.

    Parameters
    ----------
    lon, lat
        Point coordinates in degrees.
    polygons
        The polygons to look for.
    reach
        The greatest distance, in degrees, at which a polygon still counts as near.

    Returns
    -------
    numpy.ndarray
        Per point, the index into `polygons` of the nearest one, or `NO_TERRITORY` (-1).
    """
    found = np.full(len(lon), NO_TERRITORY, dtype=np.int64)
    shapes = np.asarray(polygons, dtype=object)
    if len(found) == 0 or len(shapes) == 0:
        return found
    which, shape = shapely.STRtree(shapes).query_nearest(
        shapely.points(lon, lat), max_distance=reach
    )
    order = np.lexsort((shape, which))
    which, first = np.unique(which[order], return_index=True)
    found[which] = shape[order][first]
    return found


def assign_unassigned(accounts: pd.DataFrame, territories: gpd.GeoDataFrame) -> pd.Series:
    """Territory IDs, with unassigned unlocked accounts put in the territory containing them.

    Accounts already assigned, or locked, keep their territory; accounts in
    no territory or in several stay unassigned.

    Parameters
    ----------
    accounts
        The accounts (``territory_id``, ``locked``, ``lon``, ``lat``).
    territories
        The territories (``territory_id`` and their geometry).

    Returns
    -------
    pandas.Series
        Each account's territory ID (missing where none), on the accounts' index; an
        unlocked account whose territory no longer exists is placed again.
    """
    current = accounts["territory_id"].copy()
    todo = (current.isna() | ~current.isin(set(territories["territory_id"]))) & ~accounts["locked"]
    rows = np.flatnonzero(todo.to_numpy())
    if len(rows) == 0 or len(territories) == 0:
        return current
    owner = territory_of_points(
        accounts["lon"].to_numpy()[rows],
        accounts["lat"].to_numpy()[rows],
        list(territories.geometry),
    )
    ids = territories["territory_id"].to_numpy()
    values = current.to_numpy(dtype=object, copy=True)
    values[rows] = [ids[k] if k >= 0 else None for k in owner]
    return pd.Series(values, index=accounts.index, dtype="str")


@dataclass(frozen=True)
class Assignment:
    """The result of assigning accounts to the territories that contain them."""

    territory_id: pd.Series
    unassigned: int
    overlapping: int
    locked: int
    moves: list[dict[str, str | None]]


def assign_accounts(accounts: pd.DataFrame, territories: gpd.GeoDataFrame) -> Assignment:
    """Put every unlocked account in the one territory containing it (or on its shore).

    Locked accounts keep their territory. Accounts in no territory, in
    several (an overlap), or without a position are unassigned.

    Parameters
    ----------
    accounts
        The accounts (``account_id``, ``territory_id``, ``locked``, ``lon``, ``lat``).
    territories
        The territories (``territory_id`` and their geometry).

    Returns
    -------
    Assignment
        The new territory IDs, the counts of unassigned, overlapping (unlocked)
        and locked accounts, and the moves of the accounts whose territory changed.
    """
    labels = territory_of_points(
        accounts["lon"].to_numpy(), accounts["lat"].to_numpy(), list(territories.geometry)
    )
    ids = territories["territory_id"].to_numpy(dtype=object)
    new = np.full(len(labels), None, dtype=object)  # (no territories at all: all unassigned)
    inside = labels >= 0
    new[inside] = ids[labels[inside]]
    locked = accounts["locked"].to_numpy(dtype=bool)
    old = values_or_none(accounts["territory_id"])
    new[locked] = old[locked]
    changed = np.flatnonzero(
        ~locked & (pd.Series(old).fillna("") != pd.Series(new).fillna("")).to_numpy()
    )
    moves = [
        {"account": str(accounts["account_id"].iloc[i]), "from": old[i], "to": new[i]}
        for i in changed
    ]
    result = pd.Series(new, index=accounts.index, dtype="str")
    return Assignment(
        territory_id=result,
        unassigned=int(result.isna().sum()),
        overlapping=int(((labels == OVERLAP) & ~locked).sum()),
        locked=int(locked.sum()),
        moves=moves,
    )


def clean_polygon(geometry: BaseGeometry) -> BaseGeometry:
    """Repair a drawn or imported shape: valid, polygonal parts only, in 2D.

    Parameters
    ----------
    geometry
        Any shapely geometry (possibly invalid, with Z, or with lines and points).

    Returns
    -------
    BaseGeometry
        The union of its polygonal parts once made valid; an empty polygon if none is left.
    """
    repaired = shapely.make_valid(
        shapely.force_2d(geometry), method="structure", keep_collapsed=False
    )
    parts = [
        p for p in shapely.get_parts(repaired) if isinstance(p, shapely.Polygon) and not p.is_empty
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def clip_to_free_space(
    geometry: BaseGeometry, territories: gpd.GeoDataFrame, exclude: str | None = None
) -> BaseGeometry:
    """`geometry` minus every other territory, so territories never overlap.

    Parameters
    ----------
    geometry
        The new or edited shape.
    territories
        The project's territories (``territory_id`` and their geometry).
    exclude
        The ID of the territory the shape belongs to (not cut away); None cuts all.

    Returns
    -------
    BaseGeometry
        `geometry` as it is when no other territory touches it, else the cleaned difference.
    """
    others = territories[territories["territory_id"] != exclude].geometry.to_numpy()
    tree = shapely.STRtree(others)
    near = others[tree.query(geometry, predicate="intersects")]
    if len(near) == 0:
        return geometry
    return clean_polygon(shapely.difference(geometry, shapely.union_all(near)))


def reassign_near(
    accounts: pd.DataFrame, territories: gpd.GeoDataFrame, region: BaseGeometry
) -> tuple[np.ndarray, pd.Series]:
    """Re-assign the accounts geography placed inside the bounding box of `region`.

    After an edit that changed territory shapes only within `region` (e.g.
    the difference between a polygon before and after a vertex moved), no
    other account can change territory. Locked accounts, and accounts a rule
    or their parent company placed, stay where they are.

    Parameters
    ----------
    accounts
        The accounts (``lon``, ``lat``, ``locked``, ``placed_by``).
    territories
        The territories after the edit (``territory_id`` and their geometry).
    region
        Where the shapes changed; empty: nothing is re-tested.

    Returns
    -------
    (rows, territory_ids)
        Row positions re-tested and their territory IDs now (None if none).
    """
    if region.is_empty:
        return np.zeros(0, dtype=np.int64), pd.Series([], dtype="str")
    minx, miny, maxx, maxy = region.bounds
    lon, lat = accounts["lon"].to_numpy(), accounts["lat"].to_numpy()
    rows = np.flatnonzero(
        (lon >= minx)
        & (lon <= maxx)
        & (lat >= miny)
        & (lat <= maxy)
        & ~accounts["locked"].to_numpy(dtype=bool)
        & placed_by_geography(accounts["placed_by"])
    )
    labels = exact_labels(lon[rows], lat[rows], territories.geometry.to_numpy())
    lost = labels == NO_TERRITORY
    if lost.any():
        labels[lost] = territory_of_points(
            lon[rows][lost], lat[rows][lost], territories.geometry.to_numpy()
        )
    ids = territories["territory_id"].to_numpy(dtype=object)
    values = np.where(labels >= 0, ids[np.maximum(labels, 0)], None)
    return rows, pd.Series(values, dtype="str")
