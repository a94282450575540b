"""Decode TopoJSON (as shipped by the ``us-atlas`` and ``world-atlas`` packages).

TopoJSON stores shared borders once, as delta-encoded quantized arcs; a
polygon is a list of rings, each a list of arc indices (``~i`` means arc
``i`` reversed). See https://github.com/topojson/topojson-specification.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)[:, :2]
        if transform:
            points = np.cumsum(points, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(points)
    return arcs


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    parts = []
    for k, index in enumerate(indices):
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(points if k == 0 else points[1:])
    return np.concatenate(parts)


def _polygon(arcs: list[np.ndarray], rings: list[list[int]]) -> shapely.Polygon | None:
    """A polygon, or None when quantization collapsed its outer ring to a sliver."""
    shell, *holes = (_ring(arcs, ring) for ring in rings)
    if len(shell) < 4:  # noqa: PLR2004 (a closed ring needs 4 positions)
        return None
    return shapely.Polygon(shell, [h for h in holes if len(h) >= 4])  # noqa: PLR2004


def _geometry(arcs: list[np.ndarray], geometry: dict[str, Any]) -> BaseGeometry | None:
    kind = geometry.get("type")
    if kind == "Polygon":
        return _polygon(arcs, geometry["arcs"])
    if kind == "MultiPolygon":
        parts = [p for p in (_polygon(arcs, rings) for rings in geometry["arcs"]) if p is not None]
        return shapely.MultiPolygon(parts) if parts else None
    if kind == "LineString":
        return shapely.LineString(_ring(arcs, geometry["arcs"]))
    if kind == "MultiLineString":
        return shapely.MultiLineString([_ring(arcs, line) for line in geometry["arcs"]])
    return None


def read_topojson(path: Path, object_name: str) -> gpd.GeoDataFrame:
    """Read one object of a TopoJSON file as a GeoDataFrame in lon/lat.

    Parameters
    ----------
    path
        The ``.json`` TopoJSON file.
    object_name
        The key under ``objects`` (e.g. ``"states"``, ``"counties"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per geometry with an ``id`` column, the geometry's
        properties as columns, and valid geometries (``make_valid``).
    """
    try:
        topology = json.loads(path.read_text(encoding="utf-8"))
        collection = topology["objects"][object_name]
    except (OSError, ValueError, KeyError) as exc:
        msg = f"cannot read TopoJSON object '{object_name}': {exc}"
        raise InputError(msg, file=str(path)) from exc
    arcs = _decode_arcs(topology)
    members = collection.get("geometries", [collection])
    rows = []
    shapes = []
    for member in members:
        shape = _geometry(arcs, member)
        if shape is None:
            continue
        rows.append({"id": str(member.get("id", "")), **member.get("properties", {})})
        shapes.append(shape)
    geometry = shapely.make_valid(
        np.asarray(shapes, dtype=object), method="structure", keep_collapsed=False
    )
    return gpd.GeoDataFrame(rows, geometry=list(geometry), crs="EPSG:4326")
