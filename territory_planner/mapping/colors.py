"""Territory colours: distinct, and never the same for two neighbours."""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: A qualitative palette readable on a light basemap (Tableau 10 + extras).
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#3b6e8f",
    "#8cd17d",
    "#d37295",
)


def neighbour_colors(geometries: list[BaseGeometry]) -> list[str]:
    """A palette colour per geometry so that touching geometries differ.

    Up to ``len(PALETTE)`` geometries each get their own colour. Beyond
    that, greedy colouring of the adjacency graph (largest degree first)
    reuses colours only between territories that do not touch.
    """
    if len(geometries) <= len(PALETTE):
        return list(PALETTE[: len(geometries)])
    graph = nx.Graph()
    graph.add_nodes_from(range(len(geometries)))
    if geometries:
        tree = shapely.STRtree(np.asarray(geometries, dtype=object))
        left, right = tree.query(np.asarray(geometries, dtype=object), predicate="intersects")
        graph.add_edges_from((int(a), int(b)) for a, b in zip(left, right, strict=True) if a < b)
    coloring = nx.greedy_color(graph, strategy="largest_first")
    return [PALETTE[coloring[i] % len(PALETTE)] for i in range(len(geometries))]


def free_color(geometry: BaseGeometry, geometries: list[BaseGeometry], colors: list[str]) -> str:
    """A colour for a new territory: unused if possible, else not used by a neighbour."""
    touching = {c for g, c in zip(geometries, colors, strict=True) if g.intersects(geometry)}
    for candidates in (
        [c for c in PALETTE if c not in colors],
        [c for c in PALETTE if c not in touching],
    ):
        if candidates:
            return candidates[0]
    return PALETTE[len(colors) % len(PALETTE)]
