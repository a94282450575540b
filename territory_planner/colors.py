"""Territory colours: distinct (never the same for two neighbours), or shaded by a metric."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.formats import band

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

    Parameters
    ----------
    geometries
        The territories' outlines.

    Returns
    -------
    list[str]
        One colour of `PALETTE` per geometry, in order.
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
    """A colour for a new territory: unused if possible, else not used by a neighbour.

    Parameters
    ----------
    geometry
        The new territory's outline.
    geometries, colors
        The other territories' outlines and colours.

    Returns
    -------
    str
        The first such colour of `PALETTE`; when every colour touches, the next in turn.
    """
    touching = {c for g, c in zip(geometries, colors, strict=True) if g.intersects(geometry)}
    for candidates in (
        [c for c in PALETTE if c not in colors],
        [c for c in PALETTE if c not in touching],
    ):
        if candidates:
            return candidates[0]
    return PALETTE[len(colors) % len(PALETTE)]


#: Territories far below, below, within, above and far above the balance band.
BALANCE_SHADES = ("#2c7bb6", "#abd9e9", "#a6d96a", "#fdae61", "#d7191c")
#: Low to high values of a metric without a balance band.
SEQUENTIAL_SHADES = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")


@dataclass(frozen=True)
class Shading:
    """A fill colour per territory and the legend that explains them."""

    title: str
    colors: dict[str, str]
    legend: list[tuple[str, str]]  # (colour, text), low to high

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the map page."""
        return {"title": self.title, "colors": self.colors, "legend": self.legend}


def balance_shading(title: str, deviations: pd.Series, tolerance: float) -> Shading:
    """Colour territories by deviation from the team mean (index: territory IDs).

    Five classes: more than twice the band below, below, within the band
    (e.g. ±5%), above, more than twice above.

    Parameters
    ----------
    title
        The metric's name (the legend's title adds "vs team mean").
    deviations
        Each territory's deviation from the mean, as a fraction (missing counts as 0).
    tolerance
        The balance band, as a fraction (0.05: ±5%).

    Returns
    -------
    Shading
        A colour of `BALANCE_SHADES` per territory ID, and the five classes' legend.
    """
    t = tolerance
    edges = np.array([-2 * t, -t, t, 2 * t])
    classes = np.searchsorted(edges, deviations.fillna(0).to_numpy(dtype=float), side="left")
    # a deviation exactly on the band's edge counts as inside it
    on_upper = np.isclose(deviations.fillna(0).to_numpy(dtype=float), t)
    classes[on_upper] = 2
    colors = {str(k): BALANCE_SHADES[c] for k, c in zip(deviations.index, classes, strict=True)}
    legend = [
        (BALANCE_SHADES[0], f"below {-2 * t:+.0%}"),
        (BALANCE_SHADES[1], f"{-2 * t:+.0%} to {-t:+.0%}"),
        (BALANCE_SHADES[2], f"within {band(t)} of the mean"),
        (BALANCE_SHADES[3], f"{t:+.0%} to {2 * t:+.0%}"),
        (BALANCE_SHADES[4], f"above {2 * t:+.0%}"),
    ]
    return Shading(f"{title} vs team mean", colors, legend)


def value_shading(title: str, values: pd.Series, fmt: Callable[[Any], str]) -> Shading:
    """Colour territories in five equal steps from the lowest to the highest value.

    Parameters
    ----------
    title
        The legend's title.
    values
        Each territory's value, indexed by territory ID (NaN: grey).
    fmt
        How a step's edge is written in the legend.

    Returns
    -------
    Shading
        A colour of `SEQUENTIAL_SHADES` per territory ID, and the legend (one entry
        when every value is the same).
    """
    numbers = values.to_numpy(dtype=float)
    known = numbers[np.isfinite(numbers)]
    low, high = (float(known.min()), float(known.max())) if len(known) else (0.0, 0.0)
    steps = len(SEQUENTIAL_SHADES)
    edges = np.linspace(low, high, steps + 1)
    classes = np.clip(np.searchsorted(edges[1:-1], numbers, side="right"), 0, steps - 1)
    colors = {
        str(k): SEQUENTIAL_SHADES[c] if np.isfinite(v) else "#d0d0d0"
        for k, c, v in zip(values.index, classes, numbers, strict=True)
    }
    legend = [
        (SEQUENTIAL_SHADES[i], f"{fmt(edges[i])} to {fmt(edges[i + 1])}") for i in range(steps)
    ]
    if high == low:
        legend = [(SEQUENTIAL_SHADES[0], fmt(low))]
    return Shading(title, colors, legend)
