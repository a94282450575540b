"""Area units a territory is built from: US states, counties or (approximate) ZIP areas.

The user picks a unit kind, then clicks a unit or draws a lasso around
several; `unit_at` and `units_in` find them, and `edits.move_area` gives
their union to a territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.geo.areas import county_at, us_counties, us_states
from territory_planner.geo.zip_areas import zip_area_at, zip_areas

#: Unit kinds: key -> (one, many) for sentences such as "Moved 3 counties".
UNIT_KINDS = {
    "state": ("state", "states"),
    "county": ("county", "counties"),
    "zip": ("ZIP area", "ZIP areas"),
}


@dataclass(frozen=True)
class Units:
    """Some units of one kind: their names and the union of their outlines."""

    kind: str
    names: list[str]
    geometry: BaseGeometry

    def describe(self) -> str:
        """In words: the unit's name, or e.g. "12 counties" for several."""
        if len(self.names) == 1:
            return self.names[0]
        return f"{len(self.names)} {UNIT_KINDS[self.kind][1]}"


def _check(kind: str) -> None:
    if kind not in UNIT_KINDS:
        msg = f"unknown unit kind '{kind}'; use one of {', '.join(UNIT_KINDS)}"
        raise ValueError(msg)


def _state_names() -> dict[str, str]:
    states = us_states()
    return dict(zip(states["fips"], states["abbr"], strict=True))


def unit_at(kind: str, lon: float, lat: float) -> Units | None:
    """The unit of `kind` under a point, or None (e.g. at sea).

    Parameters
    ----------
    kind
        "state", "county" or "zip" (one of `UNIT_KINDS`; another raises ValueError).
    lon, lat
        The point, in degrees.

    Returns
    -------
    Units | None
        The one unit (its name and outline), or None when no unit of `kind` holds the point.
    """
    _check(kind)
    if kind == "county":
        found = county_at(lon, lat)
    elif kind == "zip":
        found = zip_area_at(lon, lat)
    else:
        states = us_states()
        hit = np.flatnonzero(shapely.intersects_xy(states.geometry.to_numpy(), lon, lat))
        found = (
            (str(states["name"].iloc[hit[0]]), states.geometry.iloc[hit[0]]) if len(hit) else None
        )
    if found is None:
        return None
    name, geometry = found
    return Units(kind, [name], geometry)


def _candidates(kind: str, lasso: BaseGeometry) -> gpd.GeoDataFrame:
    """Every unit of `kind` that may lie in the lasso, with a ``label`` column."""
    if kind == "state":
        states = us_states()
        states["label"] = states["name"]
        return states
    counties = us_counties()
    abbr = _state_names()
    near = counties[counties.geometry.intersects(lasso)]
    if kind == "county":
        near = near.copy()
        near["label"] = near["name"] + " County, " + near["state_fips"].map(abbr).fillna("")
        return near
    units = zip_areas(near["fips"].tolist())
    units["label"] = units["name"]
    return units


def units_in(kind: str, lasso: BaseGeometry) -> Units:
    """The units of `kind` whose inner point lies inside a lasso drawn on the map.

    A unit counts when a point inside it (``point_on_surface``) is within
    the lasso, so a roughly drawn lasso takes the units it mostly covers and
    not the neighbours it grazes.

    Parameters
    ----------
    kind
        "state", "county" or "zip" (one of `UNIT_KINDS`; another raises ValueError).
    lasso
        The drawn shape, in degrees (repaired with ``make_valid`` first).

    Returns
    -------
    Units
        The names of the units taken and the union of their outlines (empty if none).
    """
    _check(kind)
    lasso = shapely.make_valid(lasso)
    candidates = _candidates(kind, lasso)
    inner = shapely.point_on_surface(candidates.geometry.to_numpy())
    hit = shapely.contains(lasso, inner)
    chosen = candidates[hit]
    union = shapely.union_all(chosen.geometry.to_numpy()) if len(chosen) else shapely.Polygon()
    return Units(kind, chosen["label"].astype(str).tolist(), union)
