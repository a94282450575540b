"""Rebalance and split a project's plan: balance reached, few moves, locks kept, a move list."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from territory_planner import scenario_edits
from territory_planner._errors import InputError
from territory_planner.analysis.account_workload import beyond_day_trip
from territory_planner.analysis.metrics import polsby_popper, territory_kpis
from territory_planner.demo import make_demo
from territory_planner.formats import plural
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import Project
from territory_planner.plan.allocation import moves_bound
from territory_planner.plan.plan_changes import rebalance_project
from territory_planner.plan.project_design import design_project
from territory_planner.plan.split_project import _split_bound, split_project
from tests.conftest import run_cli
from tests.unit.plan_fixtures import spread_accounts


@pytest.fixture(scope="module")
def loose_plan() -> Project:
    """Six territories designed within ±5% on potential, then the first one's accounts worth
    25% more: a plan that needs rebalancing, whatever the design found."""
    project = spread_accounts(900, seed=5)
    outcome = design_project(project, kind="county", balance="potential", k=6, tolerance=0.05)
    scenario_edits.AddScenario(project, outcome.scenario).apply(project)
    scenario_edits.UseScenario(project, outcome.scenario.name).apply(project)
    project.scenarios.clear()
    first = project.accounts["territory_id"] == project.territories["territory_id"].iloc[0]
    project.accounts.loc[first, "potential"] *= 1.25
    return project


def _copy(project: Project) -> Project:
    return Project(
        project.accounts.copy(), project.reps.copy(), project.territories.copy(), project.name,
        dict(project.settings),
    )  # fmt: skip


def _potential_by_territory(project: Project, assignment: pd.DataFrame) -> pd.Series:
    held = assignment.set_index("account_id")["territory_id"]
    potential = project.accounts.set_index("account_id")["potential"]
    return potential.groupby(held.reindex(potential.index)).sum()


def _moved(project: Project, assignment: pd.DataFrame) -> set[str]:
    before = project.accounts.set_index("account_id")["territory_id"].fillna("")
    after = assignment.set_index("account_id")["territory_id"].fillna("").reindex(before.index)
    return set(before.index[before != after])


def test_rebalance_reaches_tolerance_and_lists_every_move(loose_plan) -> None:
    project = _copy(loose_plan)
    start = _potential_by_territory(project, project.accounts)
    assert (start / start.mean() - 1).abs().max() > 0.05  # it needs rebalancing
    pinned = project.accounts["account_id"].iloc[:40].tolist()
    project.accounts.loc[:39, "locked"] = True
    change = rebalance_project(project, kind="county", balance="potential", tolerance=0.05)
    totals = _potential_by_territory(project, change.scenario.assignment)
    assert (totals / totals.mean() - 1).abs().max() <= 0.05 + 1e-9
    moved = _moved(project, change.scenario.assignment)
    assert set(change.moves["account_id"]) == moved
    assert not moved & set(pinned)  # locked accounts never move
    assert len(moved) < 0.5 * len(project.accounts)
    names = dict(zip(project.territories["territory_id"], project.territories["name"], strict=True))
    row = change.moves.iloc[0]
    account = project.accounts.set_index("account_id").loc[row["account_id"]]
    assert row["from"] == names[account["territory_id"]]
    assert "to balance potential" in row["reason"]
    # territories that neither give nor take keep their outline exactly
    touched = set(change.moves["from"]) | set(change.moves["to"])
    for old, new in zip(project.territories.itertuples(), change.scenario.territories.itertuples(),
                        strict=True):  # fmt: skip
        if old.name not in touched:
            assert old.geometry.equals(new.geometry)


def test_rebalance_keeps_locked_territories(loose_plan) -> None:
    project = _copy(loose_plan)
    project.territories.loc[0, "locked"] = True
    change = rebalance_project(project, kind="county", balance="potential", tolerance=0.05)
    first = project.territories["territory_id"].iloc[0]
    held = project.accounts["territory_id"] == first
    assert not set(change.moves["account_id"]) & set(project.accounts["account_id"][held])
    assert change.scenario.territories.geometry.iloc[0].equals(project.territories.geometry.iloc[0])


def test_rebalance_moves_nothing_into_a_locked_territory(loose_plan) -> None:
    """A locked territory short of the band takes nothing either (a helper saw one gain 38
    empty counties, its outline growing by half)."""
    project = _copy(loose_plan)
    totals = _potential_by_territory(project, project.accounts[["account_id", "territory_id"]])
    lightest = str(totals.idxmin())
    row = int(np.flatnonzero(project.territories["territory_id"] == lightest)[0])
    project.territories.loc[project.territories.index[row], "locked"] = True
    change = rebalance_project(project, kind="county", balance="potential", tolerance=0.05)
    assert not (change.moves["to"] == project.territories["name"].iloc[row]).any()
    after = change.scenario.territories.set_index("territory_id").geometry[lightest]
    assert after.equals(project.territories.geometry.iloc[row])
    assert change.units_moved > 0  # (the others did rebalance)


def test_split_takes_only_from_its_sources(loose_plan) -> None:
    project = _copy(loose_plan)
    shapes, ids = project.territories.geometry, project.territories["territory_id"]
    pairs = [(a, b) for a in range(len(ids)) for b in range(a + 1, len(ids))]
    a, b = next(p for p in pairs if shapes.iloc[p[0]].intersection(shapes.iloc[p[1]]).length > 0.5)
    sources = [ids.iloc[a], ids.iloc[b]]  # two neighbours: the new territory borders both
    change = split_project(
        project, sources, territory_name="New hire", kind="county", balance="potential"
    )
    new = change.scenario.territories
    assert len(new) == len(project.territories) + 1
    new_id = new["territory_id"].iloc[-1]
    assert new["name"].iloc[-1] == "New hire"
    moves = change.moves
    assert set(moves["to"]) == {"New hire"}
    names = set(project.territories.set_index("territory_id").loc[sources, "name"])
    assert set(moves["from"]) <= names
    assert set(moves["account_id"]) == _moved(project, change.scenario.assignment)
    # the sources' potential is shared by them and the new territory (nothing else changes)
    totals = _potential_by_territory(project, change.scenario.assignment)
    share = totals[[*sources, new_id]].sum() / 3
    assert totals[[*sources, new_id]].to_numpy() == pytest.approx([share] * 3, rel=0.05)
    for row in set(range(len(ids))) - {a, b}:
        assert project.territories.geometry.iloc[row].equals(new.geometry.iloc[row])
    bound = change.bound  # the fewest accounts any split within the band moves, shapes aside
    assert bound is not None
    assert bound.optimal
    assert 0 < bound.lower <= len(moves)
    assert f"at least {plural(round(bound.lower), 'account')}, shapes aside" in change.describe()


def test_the_split_bound_is_the_fewest_moves_of_any_split_in_band() -> None:
    rng = np.random.default_rng(4)
    for _ in range(5):
        w = rng.integers(1, 6, 7).astype(float)
        cost = rng.integers(1, 4, 7).astype(float)
        current = np.array([0, 0, 0, 2, 2, 2, 1])  # sources: territories 0 and 2
        locked = np.zeros(7, dtype=bool)
        locked[1] = True
        target = w[current != 1].sum() / 3
        home = 4
        found = _split_bound(
            w, cost, current, [0, 2], home=home, locked=locked, target=target, tolerance=0.2
        )
        best = np.inf  # every way to give the sources' units to 0, 2 or the new one (9)
        movable = [u for u in range(7) if current[u] != 1 and u not in (1, home)]
        for to in itertools.product((0, 2, 9), repeat=len(movable)):
            labels = current.copy()
            labels[movable] = to
            labels[home] = 9
            totals = [w[labels == t].sum() for t in (0, 2, 9)]
            if all(abs(total / target - 1) <= 0.2 + 1e-9 for total in totals):
                best = min(best, cost[labels != current].sum())
        if np.isfinite(best):
            assert found.lower == pytest.approx(best)
        else:
            assert not np.isfinite(found.found)


def test_rebalance_and_split_name_the_territories_they_explain(loose_plan) -> None:
    project = _copy(loose_plan)
    project.territories["name"] = ["North", "South", "East", "West", "Coast", "Hills"]
    project.territories.loc[0, "locked"] = True  # 25% over and locked: it cannot be balanced
    change = rebalance_project(project, kind="county", balance="potential", tolerance=0.05)
    said = "\n".join(change.result.violations)
    assert "outside ±5.0% of the mean: North +" in said
    assert "North is locked: nothing may move into or out of it" in said
    assert re.search(r"territor(y|ies) \d", said, re.IGNORECASE) is None  # never numbered

    project.territories.loc[0, "locked"] = False
    source = project.territories["territory_id"].iloc[1]
    tight = split_project(
        project, [source], territory_name="New hire", kind="county", tolerance=0.0001
    )
    said = "\n".join(tight.result.violations)
    assert "New hire (new) " in said  # the ±0.01% the units cannot meet
    assert "South " in said
    assert re.search(r"territor(y|ies) \d", said, re.IGNORECASE) is None


def test_split_refuses_locked_or_unknown_sources(loose_plan) -> None:
    project = _copy(loose_plan)
    with pytest.raises(InputError, match="no territory 'nope'"):
        split_project(project, ["nope"])
    project.territories.loc[0, "locked"] = True
    with pytest.raises(InputError, match="is locked"):
        split_project(project, [project.territories["territory_id"].iloc[0]])


def test_cli_rebalance_writes_scenario_and_move_list(tmp_path, loose_plan) -> None:
    path, xlsx = tmp_path / "p.gpkg", tmp_path / "moves.xlsx"
    save_project(loose_plan, path)
    result = run_cli(
        "rebalance", str(path), "--balance", "potential", "--xlsx", str(xlsx), "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    project = load_project(path)
    plan = project.scenario(report["scenario"])
    totals = _potential_by_territory(project, plan.assignment)
    assert (totals / totals.mean() - 1).abs().max() <= 0.05 + 1e-9
    assert report["accounts_moved"] == len(_moved(project, plan.assignment))
    rows = list(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("account_id", "name", "from", "to", "reason")
    assert len(rows) - 1 == report["accounts_moved"]
    assert np.isclose(report["max_deviation"], (totals / totals.mean() - 1).abs().max(), atol=1e-4)


@pytest.fixture(scope="module")
def metro_clusters() -> Project:
    """The demo: accounts around eight metros, empty counties along the territories' borders."""
    return make_demo()


def _kpi_deviation(project: Project, change) -> np.ndarray:
    """The KPI panel's workload deviations with the changed plan in use (rows as the plan's)."""
    after = _copy(project)
    scenario_edits.AddScenario(after, change.scenario).apply(after)
    scenario_edits.UseScenario(after, change.scenario.name).apply(after)
    kpis = territory_kpis(after).set_index("territory_id")
    order = change.scenario.territories["territory_id"]
    return kpis["workload_hours_vs_mean"].reindex(order).to_numpy(dtype=float)


def test_rebalance_and_split_on_workload_say_what_the_kpi_panel_shows(metro_clusters) -> None:
    """Workload is driven from each territory's rep's home: a rebalance or split reports the
    totals the KPI panel then shows (issue 14: it once reported ±4.8% for a plan at ±77%).
    Moves never hand an account to a rep who cannot reach it in a day where another rep can:
    here the Upper Midwest's rep lives in Milwaukee, within a day trip of Chicago's accounts."""
    project = _copy(metro_clusters)
    mke = project.reps.index[project.reps["name"] == "Marcus Reed"][0]
    project.reps.loc[mke, ["lon", "lat"]] = [-87.95, 43.04]
    names = project.territories["name"].tolist()
    before = territory_kpis(project)["workload_hours_vs_mean"].abs().max()
    change = rebalance_project(project, kind="county", balance="workload", tolerance=0.1)
    result = change.result
    assert result.contiguous == [True] * len(names)
    deviation = result.totals / result.totals.mean() - 1
    assert np.allclose(deviation, _kpi_deviation(project, change), atol=1e-3)
    assert np.abs(deviation).max() < before / 3  # 1.38 before
    off = [names[t] for t in np.flatnonzero(np.abs(deviation) > 0.1 + 1e-9)]
    assert not off or all(name in " ".join(result.violations) for name in off)
    assert 0 < len(change.moves) < 0.15 * len(project.accounts)
    assert set(change.moves["account_id"]) == _moved(project, change.scenario.assignment)
    # every moved account is within a day trip of its new rep, or of no rep at all
    moved = project.accounts["account_id"].isin(change.moves["account_id"]).to_numpy()
    rep_of = dict(zip(project.territories["name"], project.territories["rep_id"], strict=True))
    row = {r: i for i, r in enumerate(project.reps["rep_id"])}
    to = change.moves.set_index("account_id")["to"]
    new_rep = np.array([row[rep_of[to[a]]] if m else -1 for a, m in
                        zip(project.accounts["account_id"], moved, strict=True)])  # fmt: skip
    anyone = np.zeros(len(moved), dtype=bool)
    for r in range(len(project.reps)):
        anyone |= ~beyond_day_trip(project, np.full(len(moved), r))
    far = beyond_day_trip(project, new_rep)
    assert not (far & anyone).any()  # (Minneapolis' accounts, which no rep reaches, may go)
    # Splitting the Great Lakes in two (the new half without a rep, so no drive from a home)
    split = split_project(project, ["T01"], kind="county", balance="workload", tolerance=0.1)
    totals = split.result.totals
    assert np.allclose(totals / totals.mean() - 1, _kpi_deviation(project, split), atol=1e-3)
    assert split.result.contiguous == [True] * (len(names) + 1)
    halves = totals[[0, len(names)]]
    if np.abs(halves / halves.mean() - 1).max() > 0.1 + 1e-9:
        assert any("Cook alone is" in v for v in split.result.violations)
    # the new half has no rep: it is named after its heaviest county, never "Territory 9"
    new_name = split.scenario.territories["name"].iloc[-1]
    assert re.fullmatch(r"[A-Z][\w. '-]+ County area", new_name)
    assert not any(re.search(r"Territory \d", v) for v in split.result.violations)


def test_rebalance_on_workload_hands_no_account_out_of_reach(metro_clusters) -> None:
    """The demo's reps live in eight metros far apart: no other rep reaches a metro's
    accounts in a day, so a rebalance on workload moves none, leaves the map as it was and
    says why (it once gave Denver's rep accounts in Connecticut, 2,600 km away)."""
    project = metro_clusters
    change = rebalance_project(project, kind="county", balance="workload", tolerance=0.1)
    assert change.units_moved == 0
    assert (change.moves["from"] == "(none)").all()  # only accounts in no territory placed
    said = " ".join(change.result.violations)
    note = next(v for v in change.result.violations if v.startswith("Within a day trip"))
    assert "no unit of these territories may change hands" in note
    for name, value in territory_kpis(project).set_index("name")["workload_hours_vs_mean"].items():
        assert (name in note) == (abs(value) > 0.1)  # each territory out of band named
    assert "Plan > New Hire" in note
    assert change.fixes == ()  # (finer units would not help: the day trips hold it)
    assert "no border move" not in said  # (the day trips hold every territory, not the moves)
    outlines = change.scenario.territories.geometry.reset_index(drop=True)
    assert outlines.geom_equals(project.territories.geometry.reset_index(drop=True)).all()


def test_rebalance_where_border_moves_are_stuck_recombines_into_the_band(tmp_path) -> None:
    """The 3,000-account demo at seed 11 (issue 14): border moves and shifts alone ended 14%
    off after moving 640 accounts; recombining neighbouring territories reaches ±5%. (Its
    eight metros lie beyond each other's day trips: any rep may take an account here.)"""
    project = make_demo(accounts=3000, reps=8, seed=11)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    done = run_cli(
        "rebalance", str(path), "--balance", "potential", "--tolerance", "0.05", "--use", "--json",
        "--allow-far",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    saved = load_project(path)  # recomputed from the saved plan in use
    totals = saved.accounts.groupby("territory_id")["potential"].sum()
    assert len(totals) == len(project.territories)
    assert (totals / totals.mean() - 1).abs().max() <= 0.05 + 1e-9
    moved = _moved(project, saved.accounts)
    assert report["accounts_moved"] == len(moved)
    assert report["moved_lower_bound"] <= len(moved) < 0.2 * len(project.accounts)
    assert report["contiguous"]  # every territory one piece
    before = project.territories.set_index("name").geometry.map(polsby_popper)
    after = saved.territories.set_index("name").geometry.map(polsby_popper)
    for stringy in report["stretched"]:  # named where the outlines say so
        name = stringy["territory"]
        assert after[name] < 0.12
        assert after[name] < 0.6 * before[name]
    assert report["scenario"] == "Rebalanced (potential, nights away)"


@pytest.mark.parametrize("balance", ["workload", "potential"])
def test_rebalance_with_an_empty_territory_last(balance: str) -> None:
    """A territory without units (drawn empty, no rep) is not one the units are labelled
    with: the weights per territory leave it out, and so does the day-trip rule (on
    potential the rule's table once lacked its column: the bound raised an IndexError)."""
    project = make_demo(accounts=400, reps=4)
    row = project.territories.iloc[[-1]].copy()
    row["territory_id"], row["name"], row["rep_id"] = "T99", "Empty", None
    row["geometry"] = [shapely.Polygon()]
    project.territories = pd.concat([project.territories, row], ignore_index=True)
    change = rebalance_project(project, kind="county", balance=balance, tolerance=0.1)
    totals = change.result.totals
    assert len(totals) == 4
    assert change.bound is not None
    said = " ".join(change.result.violations)
    assert not re.search(r"territory \d", said)  # each territory called by its name
    if balance != "workload":
        return
    hours = _kpi_deviation(project, change)[:4] + 1  # (against the mean of all five)
    assert np.allclose(totals / totals.sum(), hours / hours.sum(), atol=1e-3)


def test_a_band_no_plan_reaches_has_no_moves_bound(tmp_path) -> None:
    """One unit weighs 10 of 12: no two territories of these units are within ±5% of each
    other, so the bound is 'none', not 0 moves (a helper read 0 as 'nothing to move')."""
    bound = moves_bound(np.array([10.0, 1, 1]), np.ones(3), np.array([0, 1, 1]), 2, 0.05)
    assert bound.lower == bound.found == float("inf")
    loose = moves_bound(np.array([10.0, 1, 1]), np.ones(3), np.array([0, 1, 1]), 2, 10.0)
    assert loose.lower == 0  # (a band wide enough: nothing needs to move)
    project = make_demo(accounts=200, reps=3, seed=1)
    project.accounts.loc[project.accounts.index[0], "potential"] = 1e12  # one account is it all
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    done = run_cli("rebalance", str(path), "--balance", "potential", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["moved_lower_bound"] is None
    assert report["moved_bound_note"].startswith(
        "no plan of these units is within the band, even in pieces"
    )


def test_rebalance_says_which_accounts_it_puts_beyond_a_day_trip(metro_clusters) -> None:
    """Balance on potential, any rep allowed to take any account, hands metro accounts to
    reps far away; the result says how many land beyond a day trip of their new rep's home,
    as the calendar then counts them."""
    project = metro_clusters
    change = rebalance_project(
        project, kind="county", balance="potential", tolerance=0.05, reach=False
    )
    territories = change.scenario.territories.set_index("territory_id")
    held = change.scenario.assignment.set_index("account_id")["territory_id"]
    rep_row = {r: i for i, r in enumerate(project.reps["rep_id"])}
    tid = project.accounts["account_id"].map(held)
    server = np.array([rep_row.get(territories["rep_id"].get(t), -1) for t in tid])
    beyond = beyond_day_trip(project, server)
    counts = tid[beyond].value_counts()
    assert len(counts)  # (the demo's metros lie beyond each other's day trips)
    said = {v.split(":")[0]: v for v in change.result.violations if "beyond a day trip" in v}
    assert set(said) == {territories["name"][t] for t in counts.index}
    for t, n in counts.items():
        assert (
            said[territories["name"][t]]
            .split(": ")[1]
            .startswith(f"{plural(int(n), 'account')} beyond")
        )


def test_a_rebalance_counties_hold_back_offers_zip_areas_where_they_are_lumps(tmp_path) -> None:
    """Six metros, ±2%, any rep may take any account: moving whole counties ends 26% off
    (Los Angeles, Cook ... are lumps); the rebalance offers ZIP areas in the heaviest
    counties, and that rebalance, run from the command line as offered, reaches the band
    (recomputed from the saved plan)."""
    project = make_demo(accounts=600, reps=6, seed=3)
    coarse = rebalance_project(project, balance="potential", tolerance=0.02, reach=False)
    assert coarse.result.max_deviation > 0.1
    (fix,) = coarse.fixes
    assert fix.label.startswith("ZIP areas in Los Angeles")
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    argv = ["rebalance", str(path), "--balance", "potential", "--tolerance", "0.02",
            "--allow-far", "--json"]  # fmt: skip
    offered = json.loads(run_cli(*argv, "--dry-run").stdout)["try"]
    assert offered == [f"{fix.label}: " + " ".join(f"--zip-in {f}" for f in fix.zip_in or ())]
    zips = [a for f in fix.zip_in or () for a in ("--zip-in", f)]
    done = run_cli(*argv, *zips, "--use")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scenario"] == "Rebalanced (potential, nights away, ZIP areas in 12 counties)"
    saved = load_project(path)
    totals = _potential_by_territory(saved, saved.accounts)
    assert len(totals) == len(project.territories)
    assert (totals / totals.mean() - 1).abs().max() <= 0.02 + 1e-9
    assert report["try"] == []  # (within the band: nothing more to offer)


def test_a_split_counties_hold_back_offers_zip_areas(tmp_path) -> None:
    """A new hire in Southern California (1.35 mean territories of potential, Los Angeles
    County alone 1.7 halves): with counties the two halves end 73% apart; with the ZIP areas
    offered (on the command line, as `try` gives them) both are within ±5% of their equal
    share, recomputed from the saved plan."""
    project = make_demo()
    source = str(project.territories.set_index("name").loc["Southern California", "territory_id"])
    coarse = split_project(project, [source], balance="potential", tolerance=0.05)
    assert coarse.missed_band()
    # the report gives the halves' own deviation beside the one from the mean territory
    share = coarse.result.share_deviation
    assert share is not None
    assert share < coarse.result.max_deviation
    assert f"{share:.1%} from their equal share" in coarse.describe()
    (fix,) = coarse.fixes
    assert fix.label == "ZIP areas in Los Angeles and Orange counties"  # (the source's only)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    argv = ["split", str(path), "--from", source, "--balance", "potential", "--json"]
    offered = json.loads(run_cli(*argv, "--dry-run").stdout)["try"]
    assert offered == [f"{fix.label}: " + " ".join(f"--zip-in {f}" for f in fix.zip_in or ())]
    zips = [a for f in fix.zip_in or () for a in ("--zip-in", f)]
    done = run_cli(*argv, *zips, "--use")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["try"] == []
    saved = load_project(path)
    totals = _potential_by_territory(saved, saved.accounts)
    new = str(saved.territories["territory_id"].iloc[-1])
    halves = totals[[source, new]]
    apart = float((halves / halves.mean() - 1).abs().max())
    assert apart <= 0.05 + 1e-9
    assert report["share_deviation"] == pytest.approx(apart, abs=1e-4)
    assert report["max_deviation"] > 0.2  # (against the mean territory: 0.67 of it each)
    # no rep yet: named after the county that weighs most in it, not one of its ZIP areas
    assert re.fullmatch(r"[A-Z][\w. '-]+ County area", saved.territories["name"].iloc[-1])


def test_the_zip_areas_offered_are_of_counties_the_rebalance_may_move(tmp_path) -> None:
    """Southern California locked: Los Angeles County may not move, so it is not offered;
    a county given twice counts once; --zip-in needs county units."""
    project = make_demo(accounts=600, reps=6, seed=3)
    socal = project.territories["name"] == "Southern California"
    project.territories.loc[socal, "locked"] = True
    change = rebalance_project(project, balance="potential", tolerance=0.02, reach=False)
    offered = [f for fix in change.fixes for f in fix.zip_in or ()]
    assert "06037" not in offered
    twice = rebalance_project(
        project, balance="potential", tolerance=0.5, reach=False, zip_in=("17031", "17031")
    )
    assert twice.scenario.name == "Rebalanced (potential, nights away, ZIP areas in 1 county)"
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    done = run_cli("rebalance", str(path), "--units", "state", "--zip-in", "17031", "--json")
    assert done.returncode == 2
    assert "use it with --units county" in done.stderr
