"""Approximate ZIP areas, bundled for offline use: Voronoi cells of ZIP centroids, cut by county.

There is no offline ZIP boundary data, only ZIP centroids (`geocode.zip_centroids`).
A ZIP's area is approximated by the part of its county nearer to its centroid than
to any other ZIP centroid of the same county: the Voronoi cell of the centroid among
the county's centroids, clipped to the county. The cells of a county therefore tile it
exactly (their union is the county, they do not overlap), so the units always tile
whatever counties are asked for.

* ZIPs sharing one centroid (often PO-box ZIPs at their town's centre) become one
  unit, ``zip`` "60601/60602".
* A county with no centroid inside stays one unit: ``zip`` "", name
  "County 51595 (no ZIP)". So does, trivially, a county with a single centroid.
* A centroid inside no county (military APO/FPO ZIPs, a few coastal ZIPs whose
  centroid falls just offshore of the simplified 1:10m coastline) makes no unit; its
  area belongs to the neighbouring units. A centroid exactly on a county border is
  inside no county, as for `point_index`.
* Units of different counties only overlap where the bundled counties themselves do
  (three slivers in the 1:10m atlas, e.g. between Louisiana parishes).

Why per county, in local equirectangular coordinates: a unit must only compete with
the centroids of its own county, or the parts of the county nearest to a neighbouring
county's centroid would be left uncovered, so the diagram is one per county anyway;
each can then have its own planar frame. Degrees of longitude shrink with cos(latitude)
(0.71 of a degree of latitude at 45° N), so a diagram in raw degrees would stretch cells
north-south. In each county's frame x = (lon - lon0) * cos(lat0), y = lat - lat0, with
(lon0, lat0) the centre of the county's bounding box, distances are true to about
tan(lat) * (the county's latitude span in radians): under 2 % for a typical county of
about 1°, a few tens of percent only for the largest Alaskan boroughs. That is well
within the approximation a Voronoi cell makes of a ZIP anyway, and much simpler than
a geodesic (spherical) diagram. The cells are mapped back to degrees and intersected
with the county's own outline, so unit borders on a county border are the county's
vertices unchanged. A county that crosses the antimeridian (Aleutians West) is
handled in longitudes shifted to 0..360 and its cells cut back at 180°.

Everything is vectorised: one ``shapely.voronoi_polygons`` call on an array of
multipoints (one per county) and one ``shapely.intersection`` on the arrays of cells
and their counties. The whole US (~38,000 units) is built once per process and cached;
asking for a few counties only computes those counties.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.geo.areas import us_counties
from territory_planner.geo.geocode import zip_centroids
from territory_planner.geo.point_index import PolygonGrid, exact_labels

COLUMNS = ["zip", "state_fips", "county_fips", "name", "geometry"]
CRS = "EPSG:4326"
#: Above this many counties the grid index places the ZIP centroids faster.
GRID_ABOVE = 64
#: Share of a county's extent (plus a fixed 0.001) added around the Voronoi extent.
MARGIN = 0.1

_POLYGON = 3  # shapely type ids
_MULTIPOLYGON = 6


@cache
def _county_table() -> gpd.GeoDataFrame:
    """The counties, indexed by fips; their geometries prepared for point tests."""
    counties = us_counties().set_index("fips", drop=False)
    shapely.prepare(counties.geometry.to_numpy())
    return counties


@cache
def _county_bounds() -> np.ndarray:
    return np.asarray(shapely.bounds(_county_table().geometry.to_numpy()))


@cache
def _sites() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ZIP centroids: longitudes, latitudes and ZIP labels ("z1/z2" when shared)."""
    by_point: dict[tuple[float, float], list[str]] = {}
    for code, (lat, lon) in sorted(zip_centroids().items()):
        by_point.setdefault((lon, lat), []).append(code)
    points = np.array(list(by_point), dtype=float).reshape(-1, 2)
    labels = np.array(["/".join(codes) for codes in by_point.values()], dtype=object)
    return points[:, 0].copy(), points[:, 1].copy(), labels


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Valid, polygonal-only geometries: invalid ones repaired, line and point pieces dropped."""
    out = np.array(geoms, dtype=object)
    invalid = ~shapely.is_valid(out)
    if invalid.any():
        out[invalid] = shapely.make_valid(out[invalid], method="structure", keep_collapsed=False)
    types = shapely.get_type_id(out)
    for i in np.flatnonzero((types != _POLYGON) & (types != _MULTIPOLYGON)):
        parts = shapely.get_parts(shapely.get_parts(out[i]))  # collections may hold multi-parts
        polygons = parts[shapely.get_type_id(parts) == _POLYGON]
        polygons = polygons[~shapely.is_empty(polygons)]
        if len(polygons) == 1:
            out[i] = polygons[0]
        else:
            out[i] = shapely.multipolygons(polygons) if len(polygons) else shapely.Polygon()
    return out


def _east(coords: np.ndarray) -> np.ndarray:
    """Longitudes west of 0 moved to 180..360."""
    return np.column_stack(
        [np.where(coords[:, 0] < 0, coords[:, 0] + 360.0, coords[:, 0]), coords[:, 1]]
    )


def _unwrap(cell: BaseGeometry) -> BaseGeometry:
    """A cell in longitudes shifted to 0..360, cut at 180° and its east part moved back."""
    west = shapely.intersection(cell, shapely.box(-1e9, -90, 180, 90))
    east = shapely.intersection(cell, shapely.box(180, -90, 1e9, 90))
    east = shapely.transform(east, lambda c: c - np.array([360.0, 0.0]))
    return shapely.union(west, east)


def _voronoi_cells(
    x: np.ndarray, y: np.ndarray, group: np.ndarray, counties: np.ndarray
) -> np.ndarray:
    """Each site's Voronoi cell among the sites of its group, in degrees.

    Parameters
    ----------
    x, y
        Site longitudes and latitudes, sorted by `group`.
    group
        Index into `counties` of each site's county; every county has at least two sites.
    counties
        The county outlines.
    """
    bounds = np.asarray(shapely.bounds(counties))
    wrap = np.flatnonzero(bounds[:, 2] - bounds[:, 0] > 180)  # noqa: PLR2004
    x = x.copy()
    for g in wrap:  # antimeridian: work in 0..360
        shifted = shapely.transform(counties[g], _east)
        bounds[g] = shapely.bounds(shifted)
        x[(group == g) & (x < 0)] += 360.0
    lon0, lat0 = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    k = np.cos(np.radians(lat0))
    half_w, half_h = (bounds[:, 2] - bounds[:, 0]) / 2 * k, (bounds[:, 3] - bounds[:, 1]) / 2
    margin = MARGIN * np.maximum(half_w, half_h) + 1e-3
    extent = shapely.box(-half_w - margin, -half_h - margin, half_w + margin, half_h + margin)

    local = np.column_stack([(x - lon0[group]) * k[group], y - lat0[group]])
    sites = shapely.multipoints(local, indices=group)
    diagrams = shapely.voronoi_polygons(sites, extend_to=extent, ordered=True)
    cells, cell_group = shapely.get_parts(diagrams, return_index=True)
    if not np.array_equal(cell_group, group):
        msg = "Voronoi diagram has not one cell per ZIP centroid"
        raise RuntimeError(msg)

    coords, owner = shapely.get_coordinates(cells, return_index=True)
    site_of = cell_group[owner]
    coords[:, 0] = coords[:, 0] / k[site_of] + lon0[site_of]
    coords[:, 1] += lat0[site_of]
    cells = shapely.set_coordinates(cells, coords)
    for i in np.flatnonzero(np.isin(cell_group, wrap)):
        cells[i] = _unwrap(cells[i])
    return np.asarray(cells)


def _build(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ZIP units tiling `counties` (rows of `_county_table`)."""
    outlines = counties.geometry.to_numpy()
    lon, lat, labels = _sites()
    if len(counties) > GRID_ABOVE:
        county_of = PolygonGrid(outlines).label(lon, lat)
    else:
        county_of = exact_labels(lon, lat, outlines)
    inside = np.flatnonzero(county_of >= 0)
    inside = inside[np.argsort(county_of[inside], kind="stable")]
    site_county = county_of[inside]
    counts = np.bincount(site_county, minlength=len(counties))

    # counties with two or more sites: Voronoi cells clipped to the county
    several = counts[site_county] >= 2  # noqa: PLR2004
    split = np.flatnonzero(counts >= 2)  # noqa: PLR2004
    group = np.searchsorted(split, site_county[several])
    cells = np.empty(0, dtype=object)
    if len(split):
        cells = _voronoi_cells(lon[inside][several], lat[inside][several], group, outlines[split])
        cells = _polygonal(shapely.intersection(cells, outlines[split][group]))

    # counties with one site or none: the county itself
    single = inside[~several]
    zips = np.concatenate(
        [
            labels[inside][several],
            labels[single],
            np.full(int((counts == 0).sum()), "", dtype=object),
        ]
    )
    county = np.concatenate([site_county[several], county_of[single], np.flatnonzero(counts == 0)])
    geometry = np.concatenate([cells, outlines[county_of[single]], outlines[counts == 0]])

    fips = counties["fips"].to_numpy()[county]
    units = pd.DataFrame(
        {
            "zip": zips.astype(str),
            "state_fips": counties["state_fips"].to_numpy()[county],
            "county_fips": fips,
        }
    )
    units["name"] = np.where(
        units["zip"] != "", "ZIP " + units["zip"], "County " + fips + " (no ZIP)"
    )
    frame = gpd.GeoDataFrame(units, geometry=geometry, crs=CRS)
    return frame.sort_values(["county_fips", "zip"], ignore_index=True)[COLUMNS]


@cache
def _all_units() -> gpd.GeoDataFrame:
    """ZIP units of every county (the whole US and its territories), once per process."""
    return _build(_county_table())


@lru_cache(maxsize=256)
def _county_units(fips: str) -> gpd.GeoDataFrame:
    return _select([fips])


def _select(fips: list[str]) -> gpd.GeoDataFrame:
    table = _county_table()
    if _all_units.cache_info().currsize:  # the whole US is built: just take the rows
        units = _all_units()
        return units[units["county_fips"].isin(fips)].reset_index(drop=True)
    return _build(table.loc[fips])


def zip_areas(counties_fips: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Approximate ZIP areas tiling the given counties (all US counties when None).

    Parameters
    ----------
    counties_fips
        5-digit county FIPS codes, e.g. ["17031"]; None for every county in
        `areas.us_counties` (built once per process, then cached).

    Returns
    -------
    GeoDataFrame
        ``zip`` ("60614", "60601/60602" for ZIPs sharing a centroid, "" for a county
        without ZIP), ``state_fips``, ``county_fips``, ``name`` ("ZIP 60614" or
        "County 51595 (no ZIP)") and ``geometry`` (EPSG:4326, valid polygons and
        multipolygons), sorted by county and ZIP. The units of a county tile it.

    Raises
    ------
    ValueError
        If a FIPS code is not a county of `areas.us_counties`.
    """
    if counties_fips is None:
        return _all_units().copy()
    fips = list(dict.fromkeys(counties_fips))
    unknown = [f for f in fips if f not in _county_table().index]
    if unknown:
        msg = f"Unknown county FIPS codes: {', '.join(unknown[:10])}"
        raise ValueError(msg)
    if not fips:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=str) for c in COLUMNS[:-1]}, geometry=[], crs=CRS
        )
    if len(fips) == 1:
        return _county_units(fips[0]).copy()
    return _select(fips).copy()


def zip_area_at(lon: float, lat: float) -> tuple[str, BaseGeometry] | None:
    """The ZIP unit containing a point: ("ZIP 60614", its outline), or None outside every county.

    Only the point's county is computed (then cached), unless the whole US already is.

    Parameters
    ----------
    lon, lat
        The point, in degrees.

    Returns
    -------
    tuple[str, BaseGeometry] | None
        The ZIP unit's name and outline; None outside every county or every ZIP unit of it.
    """
    minx, miny, maxx, maxy = _county_bounds().T
    near = np.flatnonzero((minx <= lon) & (lon <= maxx) & (miny <= lat) & (lat <= maxy))
    counties = _county_table()
    inside = near[shapely.contains_xy(counties.geometry.to_numpy()[near], lon, lat)]
    if len(inside) != 1:
        return None
    units = _county_units(str(counties["fips"].iloc[inside[0]]))
    hit = np.flatnonzero(shapely.intersects_xy(units.geometry.to_numpy(), lon, lat))
    if len(hit) == 0:
        return None
    return str(units["name"].iloc[hit[0]]), units.geometry.iloc[hit[0]]
