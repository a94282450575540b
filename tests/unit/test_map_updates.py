"""Map updates carry only what changed since the page was last sent."""

from __future__ import annotations

import copy

import numpy as np
import shapely

from territory_planner.edits import MoveAccounts, RenameTerritory, edit_rep
from territory_planner.mapview.map_page import layers_payload
from territory_planner.mapview.map_updates import SentLayers
from territory_planner.model import Project


def test_payload_is_the_full_layer_set(demo_project: Project) -> None:
    sent = SentLayers()
    assert sent.payload(demo_project) == layers_payload(demo_project)
    assert sent.changes(demo_project) == {}  # nothing changed: nothing to send


def test_moving_accounts_sends_their_colours_by_position(demo_project: Project) -> None:
    project = copy.deepcopy(demo_project)
    sent = SentLayers()
    page = sent.payload(project)
    ids = page["accounts"]["id"]
    current = project.accounts["territory_id"].iloc[:3].tolist()
    other = next(t for t in project.territories["territory_id"] if t not in current)
    moving = project.accounts["account_id"].iloc[:3].tolist()
    MoveAccounts(project, moving, other).apply(project)

    update = sent.changes(project)
    assert "accounts" not in update  # the points are the same: no resend of 100k points
    color = project.territories.set_index("territory_id").loc[other, "color"]
    recolor = update["recolor"]
    assert sorted(ids[i] for i in recolor["index"]) == sorted(moving)
    assert recolor["color"] == [color] * 3
    # the territories' account counts changed, so they go too; the reps did not
    assert "territories" in update
    assert "reps" not in update
    # applied to what the page held, the update gives the new layer exactly
    colors = list(page["accounts"]["color"])
    for i, c in zip(recolor["index"], recolor["color"], strict=True):
        colors[i] = c
    assert colors == layers_payload(project)["accounts"]["color"]
    assert sent.changes(project) == {}


def test_changed_outline_or_points_are_sent_again(demo_project: Project) -> None:
    project = copy.deepcopy(demo_project)
    sent = SentLayers()
    sent.payload(project)
    first = project.territories["territory_id"].iloc[0]
    RenameTerritory(project, first, "North & <East>").apply(project)
    update = sent.changes(project)
    assert set(update) == {"territories"}
    names = [f["properties"]["name"] for f in update["territories"]["features"]]
    assert "North & <East>" in names

    geometry = project.territories.geometry.iloc[1]
    project.territories.loc[project.territories.index[1], "geometry"] = shapely.buffer(
        geometry, 0.1
    )
    update = sent.changes(project)
    shape = shapely.geometry.shape(update["territories"]["features"][1]["geometry"])
    assert abs(shape.area - shapely.buffer(geometry, 0.1).area) < 1e-3

    project.accounts.loc[project.accounts.index[0], "lat"] += 0.5  # a point moved: resend all
    update = sent.changes(project)
    assert len(update["accounts"]["id"]) == np.isfinite(project.accounts["lat"]).sum()
    assert "recolor" not in update

    rep = project.reps["rep_id"].iloc[0]
    edit_rep(project, rep, "name", "Pat <b>").apply(project)
    update = sent.changes(project)
    assert "Pat <b>" in [r["name"] for r in update["reps"]]
