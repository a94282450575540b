"""Scenarios (copy, rename, delete, use, compare, saved in the file) and auto-design of a project."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from territory_planner import scenario_edits
from territory_planner._errors import InputError
from territory_planner.geo.areas import us_counties
from territory_planner.io.project_file import load_project, save_project
from territory_planner.plan.project_design import design_project
from territory_planner.plan.scenarios import compare_scenarios
from territory_planner.plan.unit_plan import parse_balance, project_units
from tests.conftest import run_cli
from tests.unit.plan_fixtures import spread_accounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("potential", {"potential": 1.0}),
        ("Workload hours", {"workload": 1.0}),
        ("potential=60,workload=40", {"potential": 0.6, "workload": 0.4}),
        ("60% potential, 40% workload", {"potential": 0.6, "workload": 0.4}),
        ("accounts:1 revenue:3", {"accounts": 0.25, "revenue": 0.75}),
    ],
)
def test_balance_targets_read_as_shares(text: str, expected: dict[str, float]) -> None:
    assert parse_balance(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "profit", "potential=0", "60% potential=3", "potential x"])
def test_bad_balance_targets_say_what_to_write(text: str) -> None:
    with pytest.raises(InputError, match="balance target"):
        parse_balance(text)


def _county_graph(polygons: np.ndarray) -> nx.Graph:
    """Counties that share a border (an independent check: shapely only)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(len(polygons)))
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a < b and shapely.length(shapely.intersection(polygons[a], polygons[b])) > 1e-4:
            graph.add_edge(int(a), int(b))
    return graph


def test_cli_design_is_balanced_and_contiguous_by_independent_check(tmp_path) -> None:
    path = tmp_path / "spread.gpkg"
    save_project(spread_accounts(), path)
    result = run_cli(
        "design", str(path), "--units", "county", "--balance", "potential",
        "--territories", "10", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["territories"]) == 10
    project = load_project(path)
    assert project.scenario_name == "Current plan"  # a new scenario, not an overwrite
    assert project.scenario_names() == ["Current plan", report["scenario"]]
    plan = project.scenario(report["scenario"])
    assert len(plan.territories) == 10

    # balance, from the accounts the scenario gives each territory
    held = plan.assignment.set_index("account_id")["territory_id"]
    potential = project.accounts.set_index("account_id")["potential"]
    totals = potential.groupby(held.reindex(potential.index)).sum()
    assert len(totals) == 10
    deviation = (totals / totals.mean() - 1).abs().max()
    assert deviation <= 0.05 + 1e-9
    assert report["max_deviation"] == pytest.approx(deviation, abs=1e-4)
    # every account on land is in a territory (those in Lake Michigan are in no county)
    counties = us_counties()
    acc = project.accounts
    on_land = np.zeros(len(acc), dtype=bool)
    found, _ = shapely.STRtree(counties.geometry.to_numpy()).query(
        shapely.points(acc["lon"], acc["lat"]), predicate="within"
    )
    on_land[found] = True
    assert 0 < (~on_land).sum() < 0.05 * len(acc)
    assert held.reindex(acc["account_id"]).notna().to_numpy().tolist() == on_land.tolist()

    # contiguity: the counties inside each territory form one connected piece
    points = shapely.point_on_surface(counties.geometry.to_numpy())
    for geometry in plan.territories.geometry:
        inside = counties.geometry.to_numpy()[shapely.contains(geometry, points)]
        assert len(inside) > 0
        assert nx.is_connected(_county_graph(inside))
    assert report["contiguous"] is True or all(t["parts"] >= 1 for t in report["territories"])
    reported = {t["territory_id"]: t["potential"] for t in report["territories"]}
    assert reported == pytest.approx(totals.to_dict())


def test_design_seeds_reps_homes_and_keeps_locked_territories(fresh_demo) -> None:
    project = fresh_demo
    project.territories.loc[0, "locked"] = True
    locked_shape = project.territories.geometry.iloc[0]
    outcome = design_project(project, kind="state", balance="accounts", k=len(project.reps))
    designed = outcome.scenario.territories
    assert designed["territory_id"].iloc[0] == project.territories["territory_id"].iloc[0]
    assert designed.geometry.iloc[0].equals(locked_shape)  # its outline exactly
    others = shapely.union_all(designed.geometry.iloc[1:].to_numpy())
    assert shapely.area(shapely.intersection(others, locked_shape)) < 1e-6  # no overlap
    homes = shapely.points(project.reps["lon"], project.reps["lat"])
    for _, territory in designed.iloc[1:].iterrows():
        rep = project.reps.index[project.reps["rep_id"] == territory["rep_id"]][0]
        assert shapely.contains(territory.geometry, homes[rep])
    assert project.scenarios == []  # the project itself is untouched


@pytest.mark.parametrize("balance", ["potential", "workload"])
def test_a_locked_territory_takes_nothing_and_no_account_is_lost(fresh_demo, balance) -> None:
    project = fresh_demo
    project.territories["locked"] = False
    project.territories.loc[1, "locked"] = True
    locked_id = project.territories["territory_id"].iloc[1]
    kept = set(project.accounts.index[project.accounts["territory_id"] == locked_id])
    outcome = design_project(project, kind="county", balance=balance, tolerance=0.05)
    assigned = outcome.scenario.assignment["territory_id"]
    assert assigned.notna().all()  # every account in some territory: none left in a gap
    assert set(assigned.index[assigned == locked_id]) == kept  # the locked one: its own, only
    units = project_units(project, "county")
    row = int(np.flatnonzero(project.territories["territory_id"] == locked_id)[0])
    assert ((outcome.labels == 0) == (units.current == row)).all()  # its units exactly
    # the deviation said is around the mean of all territories, the locked one's included
    weights = outcome.weights
    totals = np.bincount(outcome.labels[outcome.labels >= 0], weights=weights[outcome.labels >= 0])
    deviation = totals / totals.mean() - 1
    assert outcome.result.max_deviation == pytest.approx(np.abs(deviation).max())


def test_scenarios_copy_rename_use_undo_and_delete(fresh_demo, tmp_path) -> None:
    project = fresh_demo
    before_acc = project.accounts.copy()
    before_ids = list(project.territories["territory_id"])
    outcome = design_project(project, kind="state", balance="accounts", k=3, use_homes=False)
    scenario_edits.AddScenario(project, outcome.scenario).apply(project)
    scenario_edits.copy_scenario(project, "Backup").apply(project)
    with pytest.raises(InputError, match="already exists"):
        scenario_edits.copy_scenario(project, "backup")
    rename = scenario_edits.RenameScenario(project, "Current plan", "Plan 2026")
    rename.apply(project)
    assert project.scenario_names() == ["Plan 2026", outcome.scenario.name, "Backup"]

    use = scenario_edits.UseScenario(project, outcome.scenario.name)
    changes = use.apply(project)
    assert changes.territories
    assert changes.assignments
    assert len(project.territories) == 3
    assert project.scenario_name == outcome.scenario.name
    assert project.scenario_names()[1] == "Plan 2026"  # the old plan is kept as a scenario
    designed = outcome.scenario.assignment.set_index("account_id")["territory_id"]
    now = project.accounts.set_index("account_id")["territory_id"]
    assert now.equals(designed.reindex(now.index))

    path = tmp_path / "s.gpkg"
    save_project(project, path)
    reopened = load_project(path)
    assert reopened.scenario_names() == project.scenario_names()
    assert reopened.scenario("Plan 2026").territories["territory_id"].tolist() == before_ids
    assert reopened.scenario("Backup").note == "copy of 'Current plan'"

    use.revert(project)
    assert project.scenario_name == "Plan 2026"
    assert list(project.territories["territory_id"]) == before_ids
    pd.testing.assert_series_equal(
        project.accounts["territory_id"], before_acc["territory_id"], check_names=False
    )
    with pytest.raises(InputError, match="plan in use"):
        scenario_edits.DeleteScenario(project, "Plan 2026")
    delete = scenario_edits.DeleteScenario(project, "Backup")
    delete.apply(project)
    assert "Backup" not in project.scenario_names()
    delete.revert(project)
    assert project.scenario_names()[-1] == "Backup"


def test_compare_lists_moved_accounts_and_kpi_changes(fresh_demo) -> None:
    project = fresh_demo
    outcome = design_project(project, kind="state", balance="accounts", k=3, use_homes=False)
    scenario_edits.AddScenario(project, outcome.scenario).apply(project)
    comparison = compare_scenarios(project, "Current plan", outcome.scenario.name)
    old = project.accounts.set_index("account_id")["territory_id"].fillna("")
    new = outcome.scenario.assignment.set_index("account_id")["territory_id"].fillna("")
    changed = set(old.index[old != new.reindex(old.index)])
    assert set(comparison.moves["account_id"]) == changed
    assert comparison.totals["accounts"][0] == (old != "").sum()
    assert comparison.totals["accounts"][1] == (new != "").sum()
    row = comparison.table.set_index("territory_id").iloc[0]
    assert row["accounts_change"] == row["accounts_b"] - np.nan_to_num(row["accounts_a"])
    assert str(len(changed)) in comparison.describe()


def test_units_cover_the_accounts_region_only(demo_project) -> None:
    units = project_units(demo_project, "state")
    names = set(units.units["name"])
    assert "Alaska" not in names
    assert "Hawaii" not in names
    placed = demo_project.accounts["lon"].notna()
    assert (units.account_unit[placed.to_numpy()] >= 0).mean() > 0.99


def test_cli_design_from_a_file_of_areas(tmp_path) -> None:
    path, areas = tmp_path / "spread.gpkg", tmp_path / "squares.geojson"
    save_project(spread_accounts(), path)
    xs, ys = np.linspace(-97.0, -86.0, 13), np.linspace(36.0, 43.0, 9)  # 12 x 8 squares
    squares = [
        shapely.box(x0, y0, x1, y1)
        for x0, x1 in itertools.pairwise(xs)
        for y0, y1 in itertools.pairwise(ys)
    ]
    gpd.GeoDataFrame(
        {"name": [f"Square {i}" for i in range(len(squares))]}, geometry=squares, crs="EPSG:4326"
    ).to_file(areas)
    result = run_cli(
        "design", str(path), "--units-file", str(areas), "--balance", "potential",
        "--territories", "4", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["units"] == "96 areas"
    plan = load_project(path).scenario(report["scenario"])
    # every square is in exactly one territory, and each territory's squares touch
    centres = shapely.centroid(np.asarray(squares, dtype=object))
    owner = [[i for i, g in enumerate(plan.territories.geometry) if g.contains(c)] for c in centres]
    assert all(len(o) == 1 for o in owner)
    for t in range(4):
        mine = np.asarray([s for s, o in zip(squares, owner, strict=True) if o == [t]])
        assert len(mine) > 0
        assert nx.is_connected(_county_graph(mine))
    held = plan.assignment.set_index("account_id")["territory_id"]
    project = load_project(path)
    totals = project.accounts.set_index("account_id")["potential"].groupby(held).sum()
    assert (totals / totals.mean() - 1).abs().max() <= 0.05 + 1e-9


def test_a_locked_territory_out_of_band_is_named_with_what_the_others_share() -> None:
    from territory_planner.plan.design_report import DesignResult
    from territory_planner.plan.locked_design import locked_advice

    totals = np.array([0.8, 1.05, 1.05, 1.1])  # mean 1.0: the locked first one 20% under it
    result = DesignResult(np.zeros(4, dtype=int), totals, 0.2, [True] * 4, [0.3] * 4)
    names = ["West", "North", "South", "East"]
    advice = locked_advice(result, 1, 0.05, names)
    assert advice.reasons == [
        "Locked as it is, West -20.0% of the mean: the other 3 territories share the rest, "
        "+6.7% each on average (unlock it, or a wider band)"
    ]
    assert [(f.label, f.tolerance) for f in advice.fixes] == [("±20%", 0.2)]
    assert locked_advice(result, 1, 0.25, names).reasons == []  # in its band: nothing to say
    assert locked_advice(result, 0, 0.05, names).reasons == []  # nothing locked
