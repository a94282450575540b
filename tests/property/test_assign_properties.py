"""Assignment on random points and random (overlapping, gapped, holed) territories.

Every account ends in exactly one of: the one territory that contains it,
unassigned (in none, or without a position), or overlapping (in several,
then also unassigned); locked accounts stay put. The answer is compared
with a brute-force shapely test of every point against every polygon, and
the totals (accounts, revenue) add up over the territories and the
unassigned. Coordinates are small integers half of the time, so many points
lie exactly on borders and corners ("on a border is inside neither side").
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import given, note, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry

from territory_planner.geo.assign import (
    OVERLAP,
    assign_accounts,
    assign_unassigned,
    containing_polygon,
)
from territory_planner.geo.point_index import PolygonGrid, exact_labels
from territory_planner.model import CRS, Project
from tests.property.conftest import examples

SIDE = 10

#: Quarter steps from -1 to SIDE + 1: many points on borders and corners, some outside.
coordinate = st.one_of(
    st.integers(-4, 4 * SIDE + 4).map(lambda v: v / 4),
    st.floats(-1, SIDE + 1, allow_nan=False),
)


@st.composite
def boxes(draw: st.DrawFn) -> BaseGeometry:
    x0, y0 = draw(st.integers(0, SIDE - 1)), draw(st.integers(0, SIDE - 1))
    width, height = draw(st.integers(1, SIDE - x0)), draw(st.integers(1, SIDE - y0))
    return shapely.box(x0, y0, x0 + width, y0 + height)


@st.composite
def triangles(draw: st.DrawFn) -> BaseGeometry:
    points = draw(st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=3))
    triangle = shapely.Polygon(points)
    return triangle if triangle.is_valid and triangle.area > 1e-6 else shapely.box(0, 0, 1, 1)


@st.composite
def holed(draw: st.DrawFn) -> BaseGeometry:
    outer = draw(boxes())
    x0, y0, x1, y1 = outer.bounds
    if x1 - x0 < 2 or y1 - y0 < 2:
        return outer
    return outer.difference(shapely.box(x0 + 0.5, y0 + 0.5, x1 - 0.5, y1 - 0.5))


@st.composite
def hulls(draw: st.DrawFn) -> BaseGeometry:
    points = draw(st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=6))
    hull = shapely.MultiPoint(points).convex_hull
    return hull if isinstance(hull, shapely.Polygon) and hull.area > 1e-6 else draw(boxes())


@st.composite
def two_parts(draw: st.DrawFn) -> BaseGeometry:
    union = shapely.union(draw(boxes()), draw(boxes()))
    return union if not union.is_empty else draw(boxes())


polygons = st.one_of(boxes(), triangles(), holed(), hulls(), two_parts())


def brute_force(lon: np.ndarray, lat: np.ndarray, shapes: list[BaseGeometry]) -> list[list[int]]:
    """For every point, the polygons that contain it (one shapely call per pair)."""
    return [
        [
            k
            for k, g in enumerate(shapes)
            if math.isfinite(x + y) and g.contains(shapely.Point(x, y))
        ]
        for x, y in zip(lon, lat, strict=True)
    ]


def with_shore(
    hits: list[list[int]], lon: np.ndarray, lat: np.ndarray, shapes: list[BaseGeometry]
) -> list[list[int]]:
    """A point in no polygon but within 0.05 degrees of one belongs to the nearest one.

    (Only off US land: these made-up maps lie in the Gulf of Guinea, all water.)
    """
    out = []
    for found, x, y in zip(hits, lon, lat, strict=True):
        if not found and math.isfinite(x + y) and shapes:
            dist = [g.distance(shapely.Point(x, y)) for g in shapes]
            best = int(np.argmin(dist))
            found = [best] if dist[best] <= 0.05 else []  # noqa: PLW2901
        out.append(found)
    return out


@st.composite
def projects(draw: st.DrawFn) -> Project:
    """Territories, accounts (some unplaced, some locked, some in a territory already)."""
    shapes = draw(st.lists(polygons, max_size=5))
    n = draw(st.integers(0, 30))
    point = st.one_of(st.tuples(coordinate, coordinate), st.just((math.nan, math.nan)))
    xy = draw(st.lists(point, min_size=n, max_size=n))
    ids = [f"T{k}" for k in range(len(shapes))]
    current = st.one_of(st.none(), st.sampled_from([*ids, "GONE"])) if ids else st.none()
    revenue = st.one_of(st.floats(0, 1e7), st.just(math.nan))
    # Only the columns assignment and the totals read (conform() costs more than the test).
    accounts = pd.DataFrame(
        {
            "account_id": pd.Series([f"A{i}" for i in range(n)], dtype="str"),
            "lon": pd.Series([p[0] for p in xy], dtype="float64"),
            "lat": pd.Series([p[1] for p in xy], dtype="float64"),
            "annual_revenue": pd.Series(
                draw(st.lists(revenue, min_size=n, max_size=n)), dtype="float64"
            ),
            "potential": pd.Series(0.0, index=range(n), dtype="float64"),
            "geocode": pd.Series("exact", index=range(n), dtype="str"),
            "territory_id": pd.Series(draw(st.lists(current, min_size=n, max_size=n)), dtype="str"),
            "locked": pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        }
    )
    territories = gpd.GeoDataFrame(
        {
            "territory_id": pd.Series(ids, dtype="str"),
            "name": pd.Series(ids, dtype="str"),
            "rep_id": pd.Series([None] * len(ids), dtype="str"),
            "color": pd.Series(["#000000"] * len(ids), dtype="str"),
        },
        geometry=gpd.GeoSeries(shapes, crs=CRS),
        crs=CRS,
    )
    reps = pd.DataFrame({"rep_id": pd.Series([], dtype="str"), "name": pd.Series([], dtype="str")})
    return Project(accounts, reps, territories)


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


@settings(max_examples=examples(100))
@given(project=projects())
def test_every_account_in_one_territory_or_unassigned_or_overlapping(project: Project) -> None:
    acc, territories = project.accounts, project.territories
    shapes = list(territories.geometry)
    ids = list(territories["territory_id"])
    lon, lat = acc["lon"].to_numpy(), acc["lat"].to_numpy()
    hits = with_shore(brute_force(lon, lat, shapes), lon, lat, shapes)
    result = assign_accounts(acc, territories)
    got = [None if missing(v) else v for v in result.territory_id]
    old = [None if missing(v) else v for v in acc["territory_id"]]
    locked = acc["locked"].to_numpy(dtype=bool)
    note(f"hits: {hits}\ngot: {got}")

    inside = outside = overlapping = 0
    for i, found in enumerate(hits):
        if locked[i]:
            assert got[i] == old[i], "a locked account keeps its territory"
            continue
        if len(found) == 1:
            assert got[i] == ids[found[0]]
            inside += 1
        else:
            assert got[i] is None
            overlapping += len(found) > 1
            outside += len(found) == 0
    assert inside + outside + overlapping == (~locked).sum()
    assert result.overlapping == overlapping
    assert result.locked == locked.sum()
    assert result.unassigned == sum(g is None for g in got)
    moved = {m["account"] for m in result.moves}
    assert moved == {acc["account_id"][i] for i in range(len(acc)) if got[i] != old[i]}
    for move in result.moves:
        i = int(str(move["account"])[1:])
        assert (move["from"], move["to"]) == (old[i], got[i])

    # Totals: what the territories hold plus what no territory holds is everything.
    project.accounts["territory_id"] = result.territory_id
    table = project.territory_table()
    summary = project.summary()
    assert table["accounts"].sum() + summary.unassigned == len(acc)
    orphan = ~project.accounts["territory_id"].isin(set(ids))
    orphan_revenue = project.accounts.loc[orphan, "annual_revenue"].sum()
    total = project.accounts["annual_revenue"].sum()
    assert math.isclose(table["revenue"].sum() + orphan_revenue, total, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=examples(50))
@given(project=projects())
def test_assign_unassigned_fills_only_the_gaps(project: Project) -> None:
    acc, territories = project.accounts, project.territories
    ids = set(territories["territory_id"])
    lon, lat, shapes = acc["lon"].to_numpy(), acc["lat"].to_numpy(), list(territories.geometry)
    hits = with_shore(brute_force(lon, lat, shapes), lon, lat, shapes)
    after = assign_unassigned(acc, territories)
    for i, (before, now) in enumerate(zip(acc["territory_id"], after, strict=True)):
        todo = (missing(before) or before not in ids) and not acc["locked"].iloc[i]
        if not todo or not ids:
            assert (missing(before) and missing(now)) or before == now
        elif len(hits[i]) == 1:
            assert now == territories["territory_id"].iloc[hits[i][0]]
        else:
            assert missing(now)


@settings(max_examples=examples(100))
@given(
    shapes=st.lists(polygons, min_size=1, max_size=5),
    xy=st.lists(
        st.one_of(
            st.tuples(coordinate, coordinate),
            st.tuples(st.floats(-50, 50), st.floats(-50, 50)),
            st.just((math.nan, 1.0)),
        ),
        max_size=60,
    ),
    cells=st.integers(1, 40),
)
def test_grid_index_answers_like_testing_every_polygon(
    shapes: list[BaseGeometry], xy: list[tuple[float, float]], cells: int
) -> None:
    """The fast grid (used from 20,000 points on) gives the exact answer, however coarse."""
    x = np.array([p[0] for p in xy], dtype=float)
    y = np.array([p[1] for p in xy], dtype=float)
    polygons_ = np.asarray(shapes, dtype=object)
    fast = PolygonGrid(polygons_, cells=cells).label(x, y)
    finite = np.isfinite(x) & np.isfinite(y)
    exact = np.full(len(x), -1, dtype=np.int64)
    exact[finite] = exact_labels(x[finite], y[finite], polygons_)
    assert fast.tolist() == exact.tolist()
    hits = brute_force(x, y, shapes)
    expected = [h[0] if len(h) == 1 else (OVERLAP if h else -1) for h in hits]
    assert exact.tolist() == expected
    assert containing_polygon(x, y, shapes).tolist() == expected
