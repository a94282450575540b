"""Import territories from a GeoJSON, GeoPackage or Shapefile of polygons."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely

from territory_planner._errors import InputError
from territory_planner.colors import neighbour_colors
from territory_planner.geo.assign import clean_polygon
from territory_planner.io.gis_files import open_source
from territory_planner.model import CRS, TERRITORY_COLUMNS, conform, new_territory_ids

MAX_LON, MAX_LAT = 180.0, 90.0
NAME_FIELDS = ("name", "territory", "territory_name", "region", "label", "title")


def read_territories(path: str | Path, name_field: str | None = None) -> gpd.GeoDataFrame:
    """Polygons of a file as territories (``T01``, ``T02``...), repaired and in lon/lat.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage (first layer) or Shapefile.
    name_field
        The attribute holding each territory's name (default: the first of
        `NAME_FIELDS` present, any case; else "Territory N").

    Returns
    -------
    geopandas.GeoDataFrame
        The territories (`TERRITORY_COLUMNS`: IDs from T01, no rep, colours that differ
        between neighbours), their outlines repaired, in longitude and latitude.

    Raises
    ------
    InputError
        If the file cannot be read, has no polygons, or lacks `name_field`.
    """
    source = Path(path)
    if not source.exists():
        msg = "file not found; check the path"
        raise InputError(msg, file=str(source))
    data = open_source(source)  # by content: GeoJSON, GeoPackage or Shapefile, nothing else
    try:
        with warnings.catch_warnings():  # GDAL's "Non closed ring detected": reported below
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(data)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, RuntimeError) as exc:
        msg = "cannot read this file as GeoJSON, GeoPackage or Shapefile; export the polygons again"
        raise InputError(msg, file=str(source)) from exc
    except shapely.errors.GEOSException as exc:
        raise InputError(_broken_shape(data, exc), file=str(source)) from exc
    _refuse_projected(frame, source)
    if frame.crs is not None and frame.crs != CRS:
        frame = frame.to_crs(CRS)
    columns = {str(c).lower(): str(c) for c in frame.columns if c != "geometry"}
    if name_field is not None and name_field not in frame.columns:
        msg = f"there is no field '{name_field}'; the fields are: {', '.join(columns.values())}"
        raise InputError(msg, file=str(source))
    field = name_field or next((columns[f] for f in NAME_FIELDS if f in columns), None)
    labels = frame[field].tolist() if field else [None] * len(frame)
    shapes, names = [], []
    for number, (geometry, label) in enumerate(zip(frame.geometry, labels, strict=True), start=1):
        if not isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
            continue
        shape = clean_polygon(geometry)
        if shape.is_empty:
            continue
        text = "" if label is None or label != label else str(label).strip()  # noqa: PLR0124 (NaN)
        shapes.append(shape)
        names.append(text or f"Territory {number}")
    if not shapes:
        msg = "the file holds no polygons; territories need areas, not points or lines"
        raise InputError(msg, file=str(source))
    table = {
        "territory_id": new_territory_ids((), len(shapes)),
        "name": names,
        "rep_id": [None] * len(shapes),
        "color": neighbour_colors(shapes),
    }
    return gpd.GeoDataFrame(
        conform(pd.DataFrame(table), TERRITORY_COLUMNS), geometry=shapes, crs=CRS
    )


def _broken_shape(data: Any, error: Exception) -> str:
    """What is wrong with the first shape GEOS cannot build (e.g. a ring that is not closed)."""
    if isinstance(data, io.IOBase):
        data.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _meta, _fids, shapes, _fields = pyogrio.raw.read(data)
    number, reason = 0, str(error)
    for number, wkb in enumerate(shapes, start=1):  # noqa: B007 (the number is reported)
        try:
            shapely.from_wkb(wkb)
        except shapely.errors.GEOSException as exc:
            reason = str(exc)
            break
    reason = reason.split(": ", 1)[-1]
    where = f"feature {number}: " if number else ""
    return (
        f"{where}its shape is broken ({reason}); each ring of a polygon must end at "
        "its first point. Fix the shape in your GIS (in QGIS: Fix geometries) and export again"
    )


def _refuse_projected(frame: gpd.GeoDataFrame, source: Path) -> None:
    """Refuse coordinates that cannot be degrees in a file with no CRS (or a lon/lat one).

    A file in metres (e.g. EPSG:3857) whose CRS was lost reads as lon/lat far off the map,
    and every account would silently end up unassigned.
    """
    if frame.crs is not None and not frame.crs.is_geographic:
        return
    bounds = frame.geometry.bounds.to_numpy()
    outside = (abs(bounds[:, [0, 2]]) > MAX_LON).any(axis=1) | (
        abs(bounds[:, [1, 3]]) > MAX_LAT
    ).any(axis=1)
    if not outside.any():
        return
    number = int(outside.argmax()) + 1
    x, y = bounds[number - 1, 0], bounds[number - 1, 1]
    msg = (
        f"feature {number} has coordinates ({x:,.0f}, {y:,.0f}) that cannot be longitude and "
        "latitude degrees: the file seems to be in metres or another projection without a "
        "CRS. Export it again as WGS 84 (EPSG:4326), or keep its projection file "
        "(the .prj next to a .shp, or the layer's CRS in a GeoPackage)"
    )
    raise InputError(msg, file=str(source))
