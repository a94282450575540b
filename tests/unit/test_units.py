"""Area units under a click or inside a lasso: states, counties, ZIP areas."""

from __future__ import annotations

import pytest
import shapely

from territory_planner.edits import move_area
from territory_planner.geo.areas import us_counties
from territory_planner.geo.units import unit_at, units_in
from territory_planner.geo.zip_areas import zip_areas
from territory_planner.model import Project


def test_unit_at_each_kind() -> None:
    state = unit_at("state", -87.7, 41.9)
    county = unit_at("county", -87.7, 41.9)
    zip_area = unit_at("zip", -87.65, 41.92)
    assert state is not None
    assert state.names == ["Illinois"]
    assert county is not None
    assert county.names == ["Cook County, IL"]
    assert zip_area is not None
    assert zip_area.names[0].startswith("ZIP 606")
    assert state.geometry.contains(county.geometry.buffer(-0.01))
    assert county.geometry.buffer(1e-9).contains(zip_area.geometry)
    assert unit_at("county", -40.0, 30.0) is None  # the Atlantic
    with pytest.raises(ValueError, match="unknown unit kind"):
        unit_at("parish", -87.7, 41.9)


def test_lasso_takes_the_units_it_mostly_covers() -> None:
    counties = us_counties()
    cook = counties[counties["fips"] == "17031"].geometry.iloc[0]
    lasso = cook.buffer(0.02)  # a little larger than Cook: grazes the neighbours
    picked = units_in("county", lasso)
    assert picked.names == ["Cook County, IL"]
    assert picked.describe() == "Cook County, IL"
    zips = units_in("zip", cook)  # small ZIP areas next door have inner points near the edge
    expected = zip_areas(["17031"])
    assert sorted(zips.names) == sorted(expected["name"])
    assert zips.describe() == f"{len(expected)} ZIP areas"
    assert abs(zips.geometry.area - cook.area) < 1e-6 * cook.area
    states = units_in("state", shapely.box(-92, 36.5, -87, 43))
    assert "Illinois" in states.names
    assert "Indiana" not in states.names  # its inner point lies east of -87
    assert units_in("county", shapely.box(-40, 30, -39, 31)).names == []


def test_moving_zip_areas_names_where_they_came_from(fresh_demo: Project) -> None:
    zip_area = unit_at("zip", -87.65, 41.92)
    assert zip_area is not None
    owner = fresh_demo.territories[fresh_demo.territories.intersects(zip_area.geometry)]
    source = owner["name"].iloc[0]
    target_id, target = (
        fresh_demo.territories.loc[
            fresh_demo.territories["name"] != source, ["territory_id", "name"]
        ]
        .iloc[0]
        .tolist()
    )
    edit = move_area(fresh_demo, zip_area.geometry, target_id, zip_area.describe())
    assert edit.description.startswith(f"Moved {zip_area.names[0]} from '{source}' to '{target}' (")
    edit.apply(fresh_demo)
    moved = fresh_demo.territories.set_index("territory_id").loc[target_id, "geometry"]
    assert moved.contains(zip_area.geometry.buffer(-0.001))
