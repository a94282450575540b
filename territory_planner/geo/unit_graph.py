"""Area units as a graph: an edge joins two units that share a border, with its length in km.

`unit_graph` builds it (islands joined to their nearest unit), and the
helpers measure units on the sphere: their middles in km, areas and
perimeters (what Polsby-Popper needs).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from territory_planner.geo.earth import KM_PER_DEGREE as EARTH_KM_PER_DEGREE
from territory_planner.geo.earth import sphere_xyz_km

_SNAP_DECIMALS = 7  # of a degree: about 1 cm
_MIN_BORDER = 1e-6  # of the shorter perimeter
_EPS = 1e-12

# --------------------------------------------------------------------------- geometry


def _lonlat(units: gpd.GeoDataFrame) -> np.ndarray:
    """The units' geometries in longitude/latitude degrees."""
    crs = units.crs
    if crs is not None and not crs.is_geographic:
        units = units.to_crs(4326)
    return np.asarray(units.geometry.to_numpy(), dtype=object)


def _flat_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The single-part pieces of `geoms` and, per piece, the index of its geometry."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    for _ in range(4):  # collections of multi-parts: flatten until single parts
        multi = shapely.get_type_id(parts) >= 4  # noqa: PLR2004 (Multi*, GeometryCollection)
        if not multi.any():
            break
        inner, inner_index = shapely.get_parts(parts[multi], return_index=True)
        index = np.concatenate([index[~multi], index[multi][inner_index]])
        parts = np.concatenate([parts[~multi], inner])
    return parts, index


def _lines_km(lines: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Total length (km) of line pieces per owner, segment by segment in local kilometres."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) < 2:  # noqa: PLR2004
        return np.zeros(count)
    same = index[1:] == index[:-1]
    dlon = (coords[1:, 0] - coords[:-1, 0] + 180.0) % 360.0 - 180.0
    mid_lat = np.radians((coords[1:, 1] + coords[:-1, 1]) / 2)
    seg = EARTH_KM_PER_DEGREE * np.hypot(dlon * np.cos(mid_lat), coords[1:, 1] - coords[:-1, 1])
    per_line = np.bincount(index[:-1][same], weights=seg[same], minlength=len(lines))
    return np.bincount(owner, weights=per_line, minlength=count)


def _length_km(geoms: np.ndarray, polygon_factor: float = 1.0) -> np.ndarray:
    """Length (km) of each geometry's lines; polygon pieces count `polygon_factor` x perimeter."""
    parts, owner = _flat_parts(geoms)
    kind = shapely.get_dimensions(parts)
    lines = kind == 1
    result = _lines_km(parts[lines], owner[lines], len(geoms))
    polygons = kind == 2  # noqa: PLR2004
    if polygons.any():
        rings, ring_owner = shapely.get_rings(parts[polygons], return_index=True)
        result += polygon_factor * _lines_km(rings, owner[polygons][ring_owner], len(geoms))
    return result


def _area_km2(geoms: np.ndarray) -> np.ndarray:
    """Area (km²) of each geometry, in a sinusoidal (equal-area) projection about itself."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if not len(coords):
        return np.zeros(len(geoms))
    first = np.searchsorted(index, np.arange(len(geoms))).clip(max=len(index) - 1)
    lon0 = coords[first, 0][index]
    x = (coords[:, 0] - lon0 + 180.0) % 360.0 - 180.0
    projected = (
        np.column_stack([x * np.cos(np.radians(coords[:, 1])), coords[:, 1]]) * EARTH_KM_PER_DEGREE
    )
    copy = np.array(geoms, dtype=object, copy=True)
    shapely.set_coordinates(copy, projected)
    return np.asarray(shapely.area(copy), dtype=float)


def _sphere_km(geoms: np.ndarray) -> np.ndarray:
    """3-D positions (km) of the geometries' centroids on a sphere; chords rank like distances."""
    centroids = shapely.centroid(geoms)
    return sphere_xyz_km(shapely.get_x(centroids), shapely.get_y(centroids))


def unit_graph(units: gpd.GeoDataFrame) -> nx.Graph:
    """The adjacency graph of area units: an edge where two units share a border.

    Nodes are the units' positions (0 .. n-1) with attributes ``area_km2``
    and ``perimeter_km``; edges join units whose shared border has a
    positive length (rook adjacency: touching at a corner is not enough),
    with attribute ``border_km``. Parts of the map that share no border
    with the rest (islands, Alaska, Hawaii) are tied to the nearest unit
    of another part by an edge with ``border_km`` 0 and ``bridge`` True,
    so the graph is connected. Lengths and areas are planar
    approximations: local kilometres per segment, an equal-area projection
    per unit.

    Parameters
    ----------
    units
        Area units (polygons); a projected CRS is converted to degrees.

    Returns
    -------
    nx.Graph
        The connected unit graph.
    """
    geoms = _lonlat(units)
    n = len(geoms)
    graph = nx.Graph()
    if n == 0:
        return graph
    area = _area_km2(geoms)
    perimeter = _length_km(shapely.boundary(geoms))
    graph.add_nodes_from(
        (i, {"area_km2": float(a), "perimeter_km": float(p)})
        for i, (a, p) in enumerate(zip(area, perimeter, strict=True))
    )
    # Rounded to ~1 cm so borders that differ by rounding noise still coincide.
    snapped = shapely.transform(geoms, lambda xy: np.round(xy, _SNAP_DECIMALS))
    broken = ~shapely.is_valid(snapped)
    snapped[broken] = shapely.set_precision(geoms[broken], 10.0**-_SNAP_DECIMALS)
    left, right = shapely.STRtree(snapped).query(snapped, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Shared lines count in full; overlaps of untidy data as half their outline.
    border = _length_km(shapely.intersection(snapped[left], snapped[right]), polygon_factor=0.5)
    # Rook adjacency: a shared line, not a corner or a sliver of noise.
    touching = border > _MIN_BORDER * np.minimum(perimeter[left], perimeter[right])
    left, right, border = left[touching], right[touching], border[touching]
    graph.add_edges_from(
        (int(a), int(b), {"border_km": float(km), "bridge": False})
        for a, b, km in zip(left, right, border, strict=True)
    )
    _bridge_components(graph, geoms)
    return graph


def _measures(graph: nx.Graph, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's area (km²) and perimeter (km): from the graph's nodes, else measured."""
    n = len(geoms)
    area = np.array([graph.nodes[i].get("area_km2", np.nan) for i in range(n)], dtype=float)
    perimeter = np.array(
        [graph.nodes[i].get("perimeter_km", np.nan) for i in range(n)], dtype=float
    )
    if not (np.isfinite(area).all() and np.isfinite(perimeter).all()):
        area, perimeter = _area_km2(geoms), _length_km(shapely.boundary(geoms))
    return area, perimeter


def _bridge_components(graph: nx.Graph, geoms: np.ndarray) -> None:
    """Tie every component to the nearest unit of another one until the graph is connected."""
    comp = np.zeros(len(geoms), dtype=int)
    for c, members in enumerate(nx.connected_components(graph)):
        comp[list(members)] = c
    while True:
        roots, sizes = np.unique(comp, return_counts=True)
        if len(roots) <= 1:
            return
        smallest = roots[np.argmin(sizes)]  # first of the smallest: deterministic
        inside = np.flatnonzero(comp == smallest)
        outside = np.flatnonzero(comp != smallest)
        (src, dst), dist = shapely.STRtree(geoms[outside]).query_nearest(
            geoms[inside], return_distance=True, all_matches=False
        )
        best = int(np.argmin(dist))
        a, b = int(inside[src[best]]), int(outside[dst[best]])
        graph.add_edge(min(a, b), max(a, b), border_km=0.0, bridge=True)
        comp[inside] = comp[b]
