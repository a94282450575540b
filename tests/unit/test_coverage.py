"""Gaps and overlaps: found, measured, and their accounts counted."""

from __future__ import annotations

import shapely

from territory_planner.geo.coverage import find_gaps, find_overlaps, nearest_place
from territory_planner.model import Project


def inside(project: Project, shape) -> int:
    return sum(
        shape.contains(shapely.Point(x, y))
        for x, y in zip(project.accounts["lon"], project.accounts["lat"], strict=True)
    )


def test_a_hole_is_a_gap_with_its_accounts(fresh_demo: Project) -> None:
    assert find_gaps(fresh_demo) == []  # the demo covers every county
    hole = shapely.box(-88.0, 41.6, -87.7, 42.0)  # west Chicago, on land
    row = fresh_demo.territory_index("T01")
    fresh_demo.territories.loc[fresh_demo.territories.index[row], "geometry"] = (
        fresh_demo.territories.geometry.iloc[row].difference(hole)
    )
    gaps = find_gaps(fresh_demo)
    assert len(gaps) == 1
    gap = gaps[0]
    assert gap.kind == "gap"
    assert gap.geometry.symmetric_difference(hole).area < 1e-6
    assert 1000 < gap.area_km2 < 1500  # 0.3 x 0.4 degrees at 41.8N is about 1,110 km2
    assert gap.accounts == inside(fresh_demo, hole) > 0
    assert "IL" in gap.where


def test_overlapping_territories(fresh_demo: Project) -> None:
    assert find_overlaps(fresh_demo) == []
    row = fresh_demo.territory_index("T02")
    grown = fresh_demo.territories.geometry.iloc[row].union(shapely.box(-88.0, 41.6, -87.7, 42.0))
    fresh_demo.territories.loc[fresh_demo.territories.index[row], "geometry"] = grown
    overlaps = find_overlaps(fresh_demo)
    assert len(overlaps) == 1
    names = dict(
        zip(fresh_demo.territories["territory_id"], fresh_demo.territories["name"], strict=True)
    )
    assert set(overlaps[0].territories) == {names["T01"], names["T02"]}
    shared = fresh_demo.territories.geometry.iloc[0].intersection(grown)
    assert overlaps[0].accounts == inside(fresh_demo, shared) > 0


def test_nearest_place() -> None:
    assert nearest_place(41.85, -87.72) == "Chicago, IL"  # the big city, not a neighbourhood
    assert nearest_place(39.18, -96.6) == "Manhattan, KS"
    assert nearest_place(40.71, -74.0) == "New York City, NY"
    assert nearest_place(45.5, -73.6) == "Montréal, Canada"  # a country in words, not "CA"


def test_land_nobody_sells_in_is_not_a_gap_until_someone_does(fresh_demo: Project) -> None:
    covered = shapely.union_all(fresh_demo.territories.geometry.to_numpy())
    anchorage = shapely.Point(-149.9, 61.2)
    assert not covered.contains(anchorage)  # the demo covers the lower 48 only
    assert find_gaps(fresh_demo) == []  # Alaska, Hawaii, Puerto Rico: nobody's to cover
    row = fresh_demo.accounts.index[0]
    fresh_demo.accounts.loc[row, ["lon", "lat"]] = [anchorage.x, anchorage.y]
    gaps = find_gaps(fresh_demo)  # an account in Alaska: now Alaska is a gap, with it
    assert [g.accounts for g in gaps if g.geometry.contains(anchorage)] == [1]
