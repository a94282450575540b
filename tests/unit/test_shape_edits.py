"""Drawing and reshaping territories: clipped against neighbours, accounts follow, undo restores."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.edits import add_territory, reshape_territory
from territory_planner.geo.assign import assign_accounts
from territory_planner.model import Project


def brute(project: Project) -> list[str | None]:
    return [
        t if isinstance(t, str) else None
        for t in assign_accounts(project.accounts, project.territories).territory_id
    ]


def current(project: Project) -> list[str | None]:
    return [t if isinstance(t, str) else None for t in project.accounts["territory_id"]]


def carve_out_gap(project: Project) -> shapely.Polygon:
    """Remove a box around Chicago from its territory, leaving accounts unassigned there."""
    box = shapely.box(-88.0, 41.6, -87.5, 42.1)
    row = project.territory_index("T01")
    project.territories.loc[project.territories.index[row], "geometry"] = (
        project.territories.geometry.iloc[row].difference(box)
    )
    project.accounts["territory_id"] = assign_accounts(
        project.accounts, project.territories
    ).territory_id
    return box


def test_drawn_territory_takes_the_gap_and_no_more(fresh_demo: Project) -> None:
    gap = carve_out_gap(fresh_demo)
    before_accounts = fresh_demo.accounts.copy()
    before_territories = fresh_demo.territories.copy()
    drawn = gap.buffer(0.3)  # spills over the neighbouring territory: must be clipped
    edit = add_territory(fresh_demo, drawn, "Chicago Loop")
    edit.apply(fresh_demo)
    new = fresh_demo.territories.iloc[-1]
    assert new["name"] == "Chicago Loop"
    assert new["territory_id"] == "T05"
    expected = drawn.difference(shapely.union_all(before_territories.geometry.to_numpy()))
    assert new.geometry.symmetric_difference(expected).area < 1e-6  # the gap and the open lake
    assert new.geometry.contains(gap.buffer(-0.01))
    for other in fresh_demo.territories.geometry.iloc[:-1]:
        assert other.intersection(new.geometry).area < 1e-9
    assert current(fresh_demo) == brute(fresh_demo)
    inside = sum(
        gap.contains(shapely.Point(x, y))
        for x, y in zip(fresh_demo.accounts["lon"], fresh_demo.accounts["lat"], strict=True)
    )
    assert inside > 0
    assert (fresh_demo.accounts["territory_id"] == "T05").sum() == inside
    assert edit.moved == inside
    assert new["color"] not in set(before_territories["color"])
    edit.revert(fresh_demo)
    pd.testing.assert_frame_equal(fresh_demo.accounts, before_accounts)
    assert len(fresh_demo.territories) == len(before_territories)


def test_reshape_moves_a_vertex_and_only_nearby_accounts(fresh_demo: Project) -> None:
    before = current(fresh_demo)
    old = fresh_demo.territories.set_index("territory_id").loc["T01", "geometry"]
    grown = old.union(shapely.box(-88.5, 41.5, -86.0, 42.5))  # reach into the lake and beyond
    edit = reshape_territory(fresh_demo, "T01", grown)
    edit.apply(fresh_demo)
    assert current(fresh_demo) == brute(fresh_demo)
    changed = [
        i for i, (a, b) in enumerate(zip(before, current(fresh_demo), strict=True)) if a != b
    ]
    assert len(changed) == edit.moved
    for other in fresh_demo.territories.geometry:
        assert other.is_valid
    edit.revert(fresh_demo)
    assert current(fresh_demo) == before


def test_locked_accounts_stay_and_bad_shapes_are_refused(fresh_demo: Project) -> None:
    gap = carve_out_gap(fresh_demo)
    inside = [
        i
        for i, (x, y) in enumerate(
            zip(fresh_demo.accounts["lon"], fresh_demo.accounts["lat"], strict=True)
        )
        if gap.contains(shapely.Point(x, y))
    ]
    fresh_demo.accounts.loc[inside[0], ["territory_id", "locked"]] = ["T02", True]
    add_territory(fresh_demo, gap, "X").apply(fresh_demo)
    assert fresh_demo.accounts.loc[inside[0], "territory_id"] == "T02"
    bowtie = shapely.Polygon([(-90, 30), (-89, 31), (-89, 30), (-90, 31)])  # self-intersecting
    assert not bowtie.is_valid
    edit = add_territory(fresh_demo, bowtie, "Bow tie")  # repaired, not refused
    assert edit.after.geometry.iloc[-1].is_valid
    inner = fresh_demo.territories.geometry.iloc[0].representative_point().buffer(0.01)
    with pytest.raises(InputError, match="lies inside other territories"):
        add_territory(fresh_demo, inner, "Inside")


def test_overlap_allowed_keeps_the_drawn_shape_whole(fresh_demo: Project) -> None:
    t01 = fresh_demo.territories.geometry.iloc[0]
    blob = t01.representative_point().buffer(0.5)
    assert blob.intersection(t01).area > 0.1
    edit = add_territory(fresh_demo, blob, "Overlay", allow_overlap=True)
    edit.apply(fresh_demo)
    drawn = fresh_demo.territories.geometry.iloc[-1]
    assert drawn.symmetric_difference(blob).area < 1e-9
    assert fresh_demo.territories.geometry.iloc[0].intersection(drawn).area > 0
