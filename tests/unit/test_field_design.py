"""Design helpers for users' data: homes in the water, parts with islands, fresh names, reasons."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import balance_alerts, territory_kpis, territory_parts
from territory_planner.geo.unit_graph import unit_graph
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import Project
from territory_planner.plan import balance_reasons as reasons
from territory_planner.plan.allocation import balance_bound
from territory_planner.plan.balance_reasons import _finer_fix, balance_reasons
from territory_planner.plan.project_design import design_project
from territory_planner.plan.unit_plan import (
    account_weights,
    parse_balance,
    project_units,
    rep_home_units,
    unit_weights,
)
from territory_planner.sample_data import LAKE_HOME, field_project
from tests.conftest import run_cli
from tests.unit.plan_fixtures import touching, two_homes_beside_each_other


def test_a_home_in_the_lake_belongs_to_the_nearest_county() -> None:
    project = field_project(0, accounts=200, reps=3, region="midwest")
    chicago = int(np.flatnonzero(project.reps["home_city"] == "Chicago")[0])
    assert (project.reps["lat"].iloc[chicago], project.reps["lon"].iloc[chicago]) == LAKE_HOME
    units = project_units(project, "county")
    geoms = units.units.geometry.to_numpy()
    home = shapely.Point(LAKE_HOME[1], LAKE_HOME[0])
    assert not shapely.contains(geoms, home).any()  # in the water, outside every county
    found = rep_home_units(project, units)
    nearest = int(np.argmin(shapely.distance(geoms, home)))
    assert found[chicago] == nearest
    assert units.units["name"].iloc[nearest] == "Cook"
    assert (found >= 0).all()


def test_islands_off_the_shore_are_not_separate_parts() -> None:
    land = shapely.box(0, 0, 4, 4)
    islands = [shapely.box(4.3 + i * 0.05, 1, 4.32 + i * 0.05, 1.02) for i in range(3)]
    assert territory_parts(shapely.union_all([land, *islands])) == 1
    far_island = shapely.box(10, 10, 10.1, 10.1)  # 6 degrees away: a part of its own
    assert territory_parts(shapely.union_all([land, far_island])) == 2
    second_land = shapely.box(5, 0, 9, 4)  # a big piece 1 degree away: separate
    assert territory_parts(shapely.union_all([land, second_land])) == 2
    assert territory_parts(None) == 0


def test_a_repeated_design_gets_a_fresh_name_and_reasons_name_the_lumps() -> None:
    project = field_project(4, accounts=600, reps=7, region="midwest")
    first = design_project(project, kind="county", balance="accounts", tolerance=0.01)
    project.scenarios.append(first.scenario)
    again = design_project(project, kind="county", balance="accounts", tolerance=0.01)
    assert again.scenario.name == f"{first.scenario.name} (2)"
    text = "\n".join(first.result.violations)
    cook = "Cook County alone is"
    assert cook in text  # Chicago's county is heavier than a territory
    assert "Cook alone is" not in text  # said once, not again in the design's own words
    assert "needs ZIP areas instead of county units" in text
    assert "territory 1" not in text  # territories are named, never numbered
    rep_names = set(project.reps["name"])
    assert any(name in text for name in rep_names)


def test_every_rep_gets_a_territory_on_field_data() -> None:
    project: Project = field_project(2, accounts=500, reps=6, region="national")
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.05)
    assert sorted(outcome.scenario.territories["rep_id"]) == sorted(project.reps["rep_id"])


def test_missing_columns_are_unknown_not_zero() -> None:
    project = field_project(1, accounts=300, reps=4, potential=False, frequencies=False)
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.05)
    project.territories = outcome.scenario.territories
    project.accounts["territory_id"] = outcome.scenario.assignment["territory_id"].to_numpy()
    kpis = territory_kpis(project)
    for key in ("potential", "potential_vs_mean", "workload_hours", "workload_hours_vs_mean"):
        assert kpis[key].isna().all(), key
    assert kpis["accounts"].sum() == project.accounts["territory_id"].notna().sum()
    assert "no account has a potential" in kpis.attrs["missing"]["potential"]
    assert "visit frequency" in kpis.attrs["missing"]["workload_hours"]
    texts = " ".join(a.text for a in balance_alerts(kpis, 0.05))
    assert "potential" not in texts
    assert "workload" not in texts
    for target in ("potential", "workload"):
        with pytest.raises(InputError, match="no account has"):
            design_project(project, kind="county", balance=target)


def test_reps_left_without_a_territory_are_named() -> None:
    project = field_project(3, accounts=300, reps=4, region="south")
    fewer = design_project(project, kind="county", balance="accounts", k=3, tolerance=0.1)
    idle = [v for v in fewer.result.violations if "1 rep has no territory" in v]
    assert len(idle) == 1
    staffed = set(fewer.scenario.territories["rep_id"].dropna())
    missing = [n for r, n in zip(project.reps["rep_id"], project.reps["name"], strict=True)
               if r not in staffed]  # fmt: skip
    assert missing
    assert all(name in idle[0] for name in missing)
    unseeded = design_project(project, kind="county", balance="accounts", use_homes=False)
    assert any("without the reps' homes" in v for v in unseeded.result.violations)


def test_dropping_one_reps_home_rule_is_offered_and_balances(tmp_path: Path) -> None:
    project = two_homes_beside_each_other()
    first = design_project(project, kind="county", balance="accounts", tolerance=0.05)
    assert first.result.max_deviation == pytest.approx(0.5)  # each home holds half of one
    offered = [fix for fix in first.fixes if fix.free_home is not None]
    assert len(offered) == 1
    freed = offered[0].free_home
    name = str(project.reps.loc[project.reps["rep_id"] == freed, "name"].iloc[0])
    assert offered[0].label == f"Without {name}'s home"
    assert f"designing {name}'s territory without their home" in "\n".join(first.result.violations)

    path = tmp_path / "two.gpkg"
    save_project(project, path)
    done = run_cli(
        "design", str(path), "--units", "county", "--balance", "accounts",
        "--free-home", str(freed), "--use",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    saved = load_project(path)
    counts = saved.accounts["territory_id"].value_counts()
    assert sorted(counts.tolist()) == [100, 100]  # recomputed from the saved plan
    terr = saved.territories.set_index("rep_id")
    assert set(terr.index) == set(project.reps["rep_id"])  # both reps staffed
    for rep in saved.reps.itertuples():
        home = shapely.Point(rep.lon, rep.lat)
        assert terr.geometry[rep.rep_id].contains(home) == (rep.rep_id != freed)
    assert "without the home rule" in done.stdout

    unknown = run_cli("design", str(path), "--free-home", "NOBODY")
    assert unknown.returncode == 1
    assert "no rep has the ID NOBODY" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_zip_areas_where_the_lumps_are_reach_the_band_the_counties_miss(tmp_path: Path) -> None:
    """Seed 1's New York lumps sit on Long Island, where no county plan in one piece is within
    ±1% (2.1% was the best found): the fix offered makes the heaviest counties of their ZIP
    areas, and the design from those units reaches the band."""
    project = field_project(1, accounts=3000, reps=8)
    counties = project_units(project, "county")
    share = unit_weights(counties, account_weights(project, {"potential": 1.0}))
    fix = _finer_fix(counties, share / share.sum() * 8)
    assert fix.zip_in is not None
    assert "36061" in fix.zip_in  # New York County, the heaviest lump
    assert fix.label.startswith("ZIP areas in New York, ")

    outcome = design_project(
        project, kind="county", balance="potential", tolerance=0.01, zip_in=fix.zip_in
    )
    units = outcome.units.units
    assert not units["county_fips"].isin(["36061"]).all()
    assert units["name"].str.startswith("ZIP ").sum() > 100  # the lumps in ZIP areas
    assert "ZIP areas of 12 more" in outcome.units.describe()
    accounts = outcome.scenario.assignment.merge(project.accounts[["account_id", "potential"]])
    totals = accounts.groupby("territory_id")["potential"].sum().to_numpy()
    assert len(totals) == 8
    assert np.abs(totals / totals.mean() - 1).max() <= 0.01 + 1e-9
    assert all(outcome.result.contiguous)

    path = tmp_path / "p.gpkg"
    save_project(field_project(2, accounts=200, reps=3, region="south"), path)
    before = path.read_bytes()
    done = run_cli("design", str(path), "--zip-in", "99999")
    assert done.returncode == 1
    assert "no county with the FIPS code 99999" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before


def test_units_from_a_file_are_never_told_to_try_zip_areas() -> None:
    project = field_project(2, accounts=300, reps=3, region="south")
    counties = project_units(project, "county")
    weights = unit_weights(counties, account_weights(project, {"accounts": 1.0}))
    pinned = np.full(len(weights), -1)
    for kind in ("county", "file"):
        units = replace(counties, kind=kind)
        advice = balance_reasons(
            project, units, weights, pinned=pinned, tolerance=0.05, holders={}, k=3, reached=0.2
        )
        assert "reachable with these units" in advice.reasons[0]
        zip_words = ["ZIP areas" in reason for reason in advice.reasons]
        assert any(zip_words) == (kind == "county")
        assert any(fix.zip_in or fix.kind == "zip" for fix in advice.fixes) == (kind == "county")
        assert any(fix.tolerance == 0.2 for fix in advice.fixes)  # the wider band, always


def test_freeing_a_home_is_not_solved_for_when_the_heaviest_unit_alone_sets_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weights = np.array([1.3, 0.2, 0.5, 0.5, 0.5])  # mean 1.0 over 3: unit 0 alone is +30%
    pinned = np.array([0, -1, 1, -1, -1])
    lower = balance_bound(weights, 3, pinned).lower
    freed = pinned.copy()
    freed[0] = -1
    assert balance_bound(weights, 3, freed).lower == pytest.approx(lower)  # no gain to find

    def no_solve(*_args: object, **_kwargs: object) -> None:
        msg = "the bound cannot fall below the heaviest unit's excess"
        raise AssertionError(msg)

    monkeypatch.setattr(reasons, "balance_bound", no_solve)
    homes = {0: ("Ann", "R1"), 2: ("Bob", "R2")}
    assert reasons._free_home_fix(weights, 3, pinned, homes, lower) is None


def _field_case(seed: int, accounts: int, reps: int, balance: str) -> tuple[Any, ...]:
    """A field project's counties, weights, pinned homes and their holders (name, ID)."""
    project = field_project(seed, accounts=accounts, reps=reps)
    units = project_units(project, "county")
    weights = unit_weights(units, account_weights(project, parse_balance(balance)))
    homes = rep_home_units(project, units)
    pinned = np.full(len(weights), -1)
    pinned[homes] = np.arange(len(homes))
    table = project.reps.reset_index(drop=True)
    holders = {
        int(u): (str(table["name"][i]), str(table["rep_id"][i])) for i, u in enumerate(homes)
    }
    return project, units, weights, homes, pinned, holders


def test_a_heavy_county_far_from_every_home_is_named_with_the_distance() -> None:
    # Miami-Dade heavy, no rep in Florida
    project, units, weights, _, pinned, holders = _field_case(15, 1600, 7, "revenue")
    reps = project.reps.reset_index(drop=True)
    advice = balance_reasons(
        project, units, weights, pinned=pinned, tolerance=0.01, holders=holders, k=7, reached=0.05
    )
    far = [r for r in advice.reasons if "the nearest rep" in r]
    assert len(far) == 1
    assert far[0].startswith("Miami-Dade County alone is 0.8")
    miami = units.units.geometry[units.units["name"] == "Miami-Dade"].iloc[0].centroid
    geod = pyproj.Geod(ellps="WGS84")
    km = [
        geod.inv(miami.x, miami.y, lon, lat)[2] / 1000
        for lon, lat in zip(reps["lon"], reps["lat"], strict=True)
    ]
    nearest = int(np.argmin(km))
    assert f"the nearest rep, {reps['name'][nearest]}, lives " in far[0]
    said = float(far[0].split(" lives ")[1].split(" km")[0].replace(",", ""))
    assert said == pytest.approx(km[nearest], rel=0.03)
    assert km[nearest] > 500


def test_a_home_nearly_a_territory_that_nothing_near_tops_up_is_named() -> None:
    # Los Angeles 0.95 of a territory
    project, units, weights, homes, pinned, holders = _field_case(103, 2900, 10, "potential")

    def said(w: np.ndarray) -> list[str]:
        advice = balance_reasons(
            project, units, w, pinned=pinned, tolerance=0.01, holders=holders, k=10,
            reached=0.05, graph=unit_graph(units.units),
        )  # fmt: skip
        return [r for r in advice.reasons if r.endswith("adds that")]

    told = said(weights)
    assert len(told) == 1
    assert told[0].startswith("Los Angeles County holds James Carter's home and is 0.95 of a")
    assert "needs another 0.04-0.06 of a territory" in told[0]
    # recomputed from shared borders: every mix of the weighted counties up to two steps away
    home = int(np.flatnonzero(units.units["name"] == "Los Angeles")[0])
    steps = nx.single_source_shortest_path_length(touching(units.units), home, cutoff=2)
    near = [u for u in steps if u != home and weights[u] > 0 and u not in holders]
    mean = weights.sum() / 10
    low, high = 0.99 - weights[home] / mean, 1.01 - weights[home] / mean
    mixes = [
        sum(weights[list(mix)]) / mean
        for size in range(len(near) + 1)
        for mix in itertools.combinations(near, size)
    ]
    assert 4 <= len(near) <= 14
    assert not any(low <= m <= high for m in mixes)
    # a neighbour that weighs just enough (the weight taken from a county far away): silent
    lightest = min(near, key=lambda u: weights[u])
    far = int(np.argmax(np.where(np.isin(np.arange(len(weights)), [*near, *homes]), 0, weights)))
    moved = weights.copy()
    moved[lightest] += (low + high) / 2 * mean - weights[lightest]
    moved[far] -= moved[lightest] - weights[lightest]
    assert moved.min() >= 0
    assert said(moved) == []


def test_counties_are_named_as_their_states_call_them() -> None:
    units = project_units(field_project(15, accounts=1600, reps=7), "county")
    fips = units.units["county_fips"].astype(str)
    said = {f: reasons.unit_words(units, int(np.flatnonzero(fips == f)[0])) for f in
            ("11001", "22071", "17031")}  # fmt: skip
    assert said == {
        "11001": "District of Columbia",
        "22071": "Orleans Parish",
        "17031": "Cook County",
    }


def test_a_lump_only_reached_by_way_of_heavy_counties_proves_the_band_out_of_reach() -> None:
    # Queens, Nassau and Suffolk: 0.97 of a territory, reached through Kings or the Bronx
    project, units, weights, _, pinned, holders = _field_case(100, 3600, 11, "revenue")
    advice = balance_reasons(
        project, units, weights, pinned=pinned, tolerance=0.01, holders=holders, k=11,
        reached=0.14, graph=unit_graph(units.units),
    )  # fmt: skip
    first = advice.reasons[0]
    assert first.startswith(
        "No plan with every territory in one piece can be within ±1.0%: Nassau County with "
        "Suffolk County behind it (0.27 of a mean territory) lies beyond every home: the "
        "lightest way to it passes Queens County (0.70)"
    )
    assert "from Kevin O'Brien's home (District of Columbia), weighs at least 1.13" in first
    assert first.endswith("(+13.3%)")
    assert not any("need not be in one piece" in r for r in advice.reasons)
    assert [f.tolerance for f in advice.fixes if f.tolerance] == [0.14]
    assert any(f.zip_in for f in advice.fixes)


def test_out_of_band_no_single_border_move_lowers_the_peak() -> None:
    """Sixteen reps and a lump twice a territory (a helper's case): the plan stood at
    +128.7% where moving Kings County next door gave 108.7% (the summed excess tied)."""
    from territory_planner.sample_data import field_project

    project = field_project(303, accounts=3000, reps=16, lump=2.0, homes="mixed")
    outcome = design_project(project, kind="county", balance="potential", tolerance=0.01)
    labels, w = outcome.labels, outcome.weights
    k = len(outcome.result.totals)
    totals = np.bincount(labels, weights=w, minlength=k)
    mean = totals.mean()
    peak = float(np.abs(totals / mean - 1).max())
    assert peak > 0.01  # (out of band: Manhattan alone is 1.7 mean territories)
    homes = set(rep_home_units(project, outcome.units).tolist())
    graph = unit_graph(outcome.units.units)
    worst = int(np.argmax(np.abs(totals / mean - 1)))
    giving = totals[worst] > mean
    for v, u in graph.edges:
        for x, y in ((v, u), (u, v)):  # x moves into y's territory
            a, b = labels[x], labels[y]
            if a == b or x in homes or (a == worst) != giving or (b == worst) == giving:
                continue
            rest = [n for n in np.flatnonzero(labels == a) if n != x]
            if not rest or not nx.is_connected(graph.subgraph(rest)):
                continue
            after = max(abs((totals[a] - w[x]) / mean - 1), abs((totals[b] + w[x]) / mean - 1))
            assert after >= peak - 1e-9, (x, a, b, after, peak)
