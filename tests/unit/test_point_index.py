"""The grid index gives exactly the answer of testing every point."""

from __future__ import annotations

import numpy as np
import shapely

from territory_planner.geo.areas import us_counties
from territory_planner.geo.assign import containing_polygon
from territory_planner.geo.point_index import MANY, NONE, PolygonGrid, exact_labels


def brute_force(x, y, polygons) -> np.ndarray:
    out = []
    for px, py in zip(x, y, strict=True):
        point = shapely.Point(px, py)
        hits = [k for k, poly in enumerate(polygons) if poly.contains(point)]
        out.append(hits[0] if len(hits) == 1 else (NONE if not hits else MANY))
    return np.array(out)


def test_grid_matches_brute_force_with_holes_overlaps_and_borders() -> None:
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (7, 3), (7, 7), (3, 7)]])
    island = shapely.box(4, 4, 6, 6)  # in the hole
    overlapping = shapely.box(8, 8, 12, 12)  # overlaps the ring's corner
    polygons = [ring, island, overlapping]
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-1, 13, 3000), [0, 5, 10, 3, 9, 5.0], [np.nan]])
    y = np.concatenate([rng.uniform(-1, 13, 3000), [5, 0, 5, 5, 9, 5.0], [1.0]])
    grid = PolygonGrid(polygons, cells=64)
    labels = grid.label(x, y)
    assert (labels[:-1] == brute_force(x[:-1], y[:-1], polygons)).all()
    assert labels[-1] == NONE  # NaN coordinates
    assert labels[3000] == NONE  # exactly on the outer border
    assert labels[3004] == MANY  # inside the overlap
    assert labels[3005] == 1  # in the island inside the hole
    assert (grid.labels == -3).mean() < 0.5  # most cells are answered by lookup


def test_counties_many_points_same_as_exact() -> None:
    counties = us_counties()
    colorado = counties[counties["state_fips"] == "08"].geometry.to_numpy()
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-109.5, -101.5, 40_000), rng.uniform(36.5, 41.5, 40_000)
    fast = containing_polygon(x, y, colorado)  # uses the grid (>= 20,000 points)
    slow = exact_labels(x, y, colorado)
    assert (fast == slow).all()
    inside = fast >= 0
    assert 0.6 < inside.mean() < 0.9  # most of the box is Colorado
    sample = rng.choice(np.flatnonzero(inside), 200, replace=False)
    for i in sample:
        assert colorado[fast[i]].contains(shapely.Point(x[i], y[i]))
