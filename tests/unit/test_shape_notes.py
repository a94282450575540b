"""Long and thin territories named in a design's result, with where they reach and why.

The plans are drawn by hand from the county units (no design run): the note is
judged against distances and shapes recomputed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territory_planner.demo import make_demo
from territory_planner.geo.earth import haversine_km
from territory_planner.model import Project
from territory_planner.plan.design_report import territory_compactness
from territory_planner.plan.shape_notes import long_and_thin_notes, nearest_home_labels
from territory_planner.plan.unit_plan import ProjectUnits, project_units, rep_home_units

WEST_COAST = [(-122.3, 47.6), (-122.7, 45.5), (-121.5, 38.6), (-118.25, 34.05), (-117.2, 32.7)]
SPREAD = [(-122.3, 47.6), (-118.25, 34.05), (-87.6, 41.9), (-95.4, 29.8), (-74.0, 40.7)]


@pytest.fixture(scope="module")
def units() -> ProjectUnits:
    return project_units(make_demo(accounts=200, reps=5, seed=2), "county")


def _project(homes: list[tuple[float, float]]) -> tuple[Project, pd.DataFrame]:
    project = make_demo(accounts=200, reps=5, seed=2)
    project.reps["lon"] = [lon for lon, _ in homes]
    project.reps["lat"] = [lat for _, lat in homes]
    names = [f"T{i}" for i in range(len(homes))]
    return project, pd.DataFrame({"name": names, "rep_id": project.reps["rep_id"]})


def _notes(project: Project, units: ProjectUnits, base: pd.DataFrame, labels: np.ndarray):
    geoms = units.units.geometry.to_numpy()
    compactness = territory_compactness(geoms, labels, len(base))
    return compactness, long_and_thin_notes(project, units, labels, base, compactness)


def test_reps_along_one_coast_make_long_territories_and_the_note_says_so(units) -> None:
    # every county to the nearest of five homes on the West Coast: bands across the country
    project, base = _project(WEST_COAST)
    homes = rep_home_units(project, units)
    labels = nearest_home_labels(units, homes)
    compactness, notes = _notes(project, units, base, labels)
    thin = [t for t, pp in enumerate(compactness) if pp < 0.1]
    assert thin  # (the middle bands: Oregon to the East Coast)
    points = units.units.representative_point()
    for t in thin:
        (note,) = [n for n in notes if n.startswith(f"T{t} is long and thin")]
        members = np.flatnonzero(labels == t)
        lon, lat = WEST_COAST[t]
        hlon, hlat = points.x.iloc[homes[t]], points.y.iloc[homes[t]]
        km = haversine_km(points.x.to_numpy()[members], points.y.to_numpy()[members], hlon, hlat)
        assert km.max() > 3000
        assert abs(lon - hlon) < 3
        assert abs(lat - hlat) < 3
        assert f"it reaches {km.max():,.0f} km from its rep's home" in note
        assert f"(roundness {compactness[t]:.2f})" in note
        # the homes alone draw it so: the remedy is a rep nearer its far end
        assert "no rep lives nearer its far end" in note
        assert "Plan > New Hire" in note
    assert len(notes) == len(thin)


def test_a_territory_drawn_out_by_balance_is_told_apart_from_the_homes(units) -> None:
    # homes spread over the country; Seattle's territory, cut back to 300 km around its home,
    # takes a column of counties south to the 36th parallel and a strip along it to North
    # Carolina, as a balance could draw it
    project, base = _project(SPREAD)
    homes = rep_home_units(project, units)
    labels = nearest_home_labels(units, homes)
    nearest, notes = _notes(project, units, base, labels)
    assert nearest[0] >= 0.2  # (Seattle's, around the homes alone: round, no note)
    assert not any(n.startswith("T0 ") for n in notes)
    points = units.units.representative_point()
    x, y = points.x.to_numpy(), points.y.to_numpy()
    labels = labels.copy()
    labels[(labels == 0) & (haversine_km(x, y, *SPREAD[0]) > 300)] = 1
    column = (x > -121.2) & (x < -120.2) & (y > 35.9) & (y < 47.6)
    strip = (y > 35.9) & (y < 36.2) & (x > -121.2)
    labels[column | strip] = 0
    compactness, notes = _notes(project, units, base, labels)
    assert compactness[0] < 0.1
    (note,) = [n for n in notes if n.startswith("T0 is long and thin")]
    assert "the balance draws it out" in note
    assert f"it would be {nearest[0]:.2f}" in note
    assert "to North Carolina" in note or "to Virginia" in note


def test_a_territory_thin_only_by_its_coast_gets_no_note(units) -> None:
    # a rep in Norfolk, Virginia, with the counties within 150 km: the Chesapeake Bay and
    # the Outer Banks make its outline long (Polsby-Popper 0.06), not its reach
    homes = [*SPREAD[:4], (-76.3, 36.85)]
    project, base = _project(homes)
    points = units.units.representative_point()
    labels = nearest_home_labels(units, rep_home_units(project, units))
    near = haversine_km(points.x.to_numpy(), points.y.to_numpy(), -76.3, 36.85) < 150
    labels = np.where(labels == 4, 2, labels)  # Chicago's, except Norfolk's counties
    labels[near] = 4
    compactness, notes = _notes(project, units, base, labels)
    assert compactness[4] < 0.1
    assert not any(n.startswith("T4 ") for n in notes)
