"""Import territories from a GeoJSON, GeoPackage or Shapefile of polygons."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from territory_planner._errors import InputError
from territory_planner.io.gis_files import open_source
from territory_planner.mapping.assign import clean_polygon
from territory_planner.mapping.colors import neighbour_colors
from territory_planner.model import CRS, TERRITORY_COLUMNS, conform

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
        frame = pyogrio.read_dataframe(data)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, RuntimeError) as exc:
        msg = "cannot read this file as GeoJSON, GeoPackage or Shapefile; export the polygons again"
        raise InputError(msg, file=str(source)) from exc
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
        "territory_id": [f"T{i:02d}" for i in range(1, len(shapes) + 1)],
        "name": names,
        "rep_id": [None] * len(shapes),
        "color": neighbour_colors(shapes),
    }
    return gpd.GeoDataFrame(
        conform(pd.DataFrame(table), TERRITORY_COLUMNS), geometry=shapes, crs=CRS
    )
