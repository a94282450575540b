"""Land the plan in use covers beyond a redesign's units (`unit_plan.outer_units`)."""

from __future__ import annotations

import shapely

from territory_planner.demo import make_demo
from territory_planner.geo.areas import us_counties
from territory_planner.model import Project
from territory_planner.plan.unit_plan import outer_units, project_units


def test_outer_land_is_the_territories_counties_beside_the_units_and_not_among_them() -> None:
    # the demo's territories span the country; its accounts and reps cut to Texas and around
    demo = make_demo()
    accounts, reps = demo.accounts, demo.reps
    keep = accounts["lon"].between(-107, -93) & accounts["lat"].between(25, 37)
    home = reps["lon"].between(-107, -93) & reps["lat"].between(25, 37)
    project = Project(
        accounts=accounts[keep].reset_index(drop=True),
        reps=reps[home].reset_index(drop=True),
        territories=demo.territories,
        name=demo.name,
        settings=demo.settings,
    )
    plan_units = project_units(project, "county")
    pieces = outer_units(project, plan_units)

    # recomputed from the whole county map: a county whose inner point lies in a
    # territory of the plan but in none of the units, within a degree of the units
    counties = us_counties().geometry.to_numpy()
    points = shapely.point_on_surface(counties)
    units = shapely.union_all(plan_units.units.geometry.to_numpy())
    planned = shapely.union_all(demo.territories.geometry.to_numpy())
    expected = {
        shapely.to_wkb(c)
        for c, p in zip(counties, points, strict=True)
        if shapely.contains(planned, p)
        and not shapely.contains(units, p)
        and shapely.dwithin(c, units, 1.0)
    }
    found = {shapely.to_wkb(g) for g in pieces.geometry}
    assert 50 < len(found) < len(counties) / 10  # a ring round the region, not the country
    assert found == expected
