"""Split a territory with a line, merge two, delete one: outlines, accounts, undo."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.edits import delete_territory, merge_territories, split_territory
from territory_planner.geo.assign import assign_accounts
from territory_planner.model import Project
from territory_planner.plan.split import split_by_line


def snapshot(project: Project) -> tuple[list[str], list[str | None], list[bool]]:
    acc = project.accounts
    return (
        project.territories["territory_id"].tolist(),
        [t if isinstance(t, str) else None for t in acc["territory_id"]],
        acc["locked"].tolist(),
    )


def test_split_by_line_two_sides_cover_the_polygon() -> None:
    square = shapely.box(0, 0, 10, 10)
    a, b = split_by_line(square, shapely.LineString([(5, 1), (5, 9)]))  # stops short of the edges
    assert {round(a.area), round(b.area)} == {50}
    assert shapely.union(a, b).symmetric_difference(square).area < 1e-9
    two_parts = shapely.MultiPolygon([shapely.box(0, 0, 4, 4), shapely.box(6, 0, 10, 4)])
    left, right = split_by_line(two_parts, shapely.LineString([(5, -1), (5, 5)]))
    assert sorted([left.area, right.area]) == [16, 16]  # each part to its own side
    with pytest.raises(InputError, match="does not cross"):
        split_by_line(square, shapely.LineString([(20, 0), (20, 10)]))
    with pytest.raises(InputError, match="draw a line"):
        split_by_line(square, shapely.Point(1, 1))


def test_split_creates_a_territory_and_moves_only_its_accounts(fresh_demo: Project) -> None:
    project = fresh_demo
    before = snapshot(project)
    row = project.territory_index("T01")
    outline = project.territories.geometry.iloc[row]
    _minx, miny, _maxx, maxy = outline.bounds
    mine = project.accounts["territory_id"] == "T01"
    middle = float(project.accounts.loc[mine, "lon"].median())  # through the accounts
    line = shapely.LineString([(middle, miny - 1), (middle, maxy + 1)])
    edit = split_territory(project, "T01", line, "New hire")
    edit.apply(project)
    territories = project.territories.set_index("territory_id")
    new_id = territories.index[-1]
    assert territories.loc[new_id, "name"] == "New hire"
    assert pd.isna(territories.loc[new_id, "rep_id"])
    union = shapely.union(territories.loc["T01", "geometry"], territories.loc[new_id, "geometry"])
    assert union.symmetric_difference(outline).area < 1e-6
    assert (
        territories.loc["T01", "geometry"].intersection(territories.loc[new_id, "geometry"]).area
        < 1e-9
    )
    # the rep's home stays in the territory that keeps the rep
    rep = project.reps.set_index("rep_id").loc[territories.loc["T01", "rep_id"]]
    assert territories.loc["T01", "geometry"].intersects(shapely.Point(rep["lon"], rep["lat"]))
    expected = assign_accounts(project.accounts, project.territories).territory_id
    acc = project.accounts
    moved = acc["territory_id"] == new_id
    assert moved.sum() > 0
    assert (expected[moved.to_numpy()] == new_id).all()
    assert (acc.loc[moved, "placed_by"] == "geography").all()
    edit.revert(project)
    assert snapshot(project) == before


def test_merge_keeps_locks_and_undo_restores(fresh_demo: Project) -> None:
    project = fresh_demo
    acc = project.accounts
    t2 = acc.index[acc["territory_id"] == "T02"]
    acc.loc[t2[0], "locked"] = True
    before = snapshot(project)
    area = project.territories.geometry.iloc[0].area + project.territories.geometry.iloc[1].area
    edit = merge_territories(project, "T01", "T02")
    assert edit.description.endswith(f"({len(t2):,} accounts)")
    edit.apply(project)
    assert "T02" not in set(project.territories["territory_id"])
    assert (project.accounts.loc[t2, "territory_id"] == "T01").all()
    assert bool(project.accounts.loc[t2[0], "locked"])
    assert project.territories.geometry.iloc[0].area == pytest.approx(area, rel=1e-6)
    edit.revert(project)
    assert snapshot(project) == before
    with pytest.raises(InputError, match="two different"):
        merge_territories(project, "T01", "T01")


def test_delete_unassigns_and_refuses_ruled_territories(fresh_demo: Project) -> None:
    project = fresh_demo
    acc = project.accounts
    t3 = acc.index[acc["territory_id"] == "T03"]
    acc.loc[t3[0], "locked"] = True
    before = snapshot(project)
    edit = delete_territory(project, "T03")
    edit.apply(project)
    assert project.accounts.loc[t3, "territory_id"].isna().all()
    assert not project.accounts.loc[t3, "locked"].any()
    assert (project.accounts.loc[t3, "placed_by"] == "none").all()
    assert project.summary().unassigned >= len(t3)
    edit.revert(project)
    assert snapshot(project) == before
    project.settings["rules"] = json.dumps([{"name": "Retail", "territory": "T03", "when": []}])
    with pytest.raises(InputError, match="the rule 'Retail' uses it"):
        delete_territory(project, "T03")
    with pytest.raises(InputError, match="the rule 'Retail' uses it"):
        merge_territories(project, "T01", "T03")


def test_locked_territories_keep_their_outline(fresh_demo: Project) -> None:
    from territory_planner.edits import move_area, reshape_territory, set_territory_lock
    from territory_planner.mapview.map_page import territories_layer

    project = fresh_demo
    lock = set_territory_lock(project, "T01", locked=True)
    lock.apply(project)
    assert bool(project.territories["locked"].iloc[0])
    t01 = project.territories.geometry.iloc[0]
    with pytest.raises(InputError, match=r"'.*' is locked; unlock first"):
        reshape_territory(project, "T01", t01.buffer(0.1))
    with pytest.raises(InputError, match="is locked"):
        move_area(project, t01.representative_point().buffer(0.05), "T02", "a blob")
    with pytest.raises(InputError, match="is locked"):
        merge_territories(project, "T02", "T01")
    with pytest.raises(InputError, match="is locked"):
        delete_territory(project, "T01")
    with pytest.raises(InputError, match="is locked"):
        split_territory(project, "T01", shapely.LineString([(-90, 30), (-90, 50)]), "x")
    features = {
        f["properties"]["id"]: f["properties"] for f in territories_layer(project)["features"]
    }
    assert features["T01"]["locked"] is True
    assert features["T02"]["locked"] is False
    lock.revert(project)
    reshape_territory(project, "T01", t01.buffer(0.01))  # unlocked again: allowed
