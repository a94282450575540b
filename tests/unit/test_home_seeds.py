"""Reps' homes as seeds: two homes in one county, a home far from every unit (issue 14)."""

from __future__ import annotations

import json

import numpy as np
import shapely

from territory_planner.cli import main
from territory_planner.geo.zip_areas import zip_area_at
from territory_planner.io.project_file import save_project
from territory_planner.plan.balance_reasons import unit_words
from territory_planner.plan.project_design import design_project
from territory_planner.plan.unit_plan import project_units, rep_home_units
from territory_planner.sample_data import LAKE_HOME, field_project


def _owner(outcome, rep_id: str) -> int:
    """Label of the territory `rep_id` holds in the designed plan."""
    rows = outcome.scenario.territories["rep_id"].to_numpy()
    return int(np.flatnonzero(rows == rep_id)[0])


def test_two_reps_living_in_one_county_each_get_a_territory_and_are_told_why() -> None:
    project = field_project(0, accounts=300, reps=3, region="midwest")
    reps = project.reps
    chicago = int(np.flatnonzero(reps["home_city"] == "Chicago")[0])
    other = (chicago + 1) % len(reps)
    reps.loc[other, ["lat", "lon"]] = (41.95, -87.70)  # the North Side: Cook County too
    units = project_units(project, "county")
    homes = rep_home_units(project, units)
    assert homes[chicago] == homes[other]
    assert units.units["name"].iloc[homes[other]] == "Cook"

    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.1)

    staffed = outcome.scenario.territories["rep_id"].dropna()
    assert sorted(staffed) == sorted(reps["rep_id"])  # nobody left without a territory
    first, second = reps["rep_id"].iloc[chicago], reps["rep_id"].iloc[other]
    if reps.index[chicago] > reps.index[other]:
        first, second = second, first
    labels = outcome.labels
    assert labels[homes[chicago]] == _owner(outcome, first)  # the first keeps the home county
    # the second's territory holds the county nearest their home, Cook aside
    geoms = units.units.geometry.to_numpy()
    row = int(np.flatnonzero(reps["rep_id"] == second)[0])
    far = shapely.distance(geoms, shapely.Point(reps["lon"].iloc[row], reps["lat"].iloc[row]))
    far[homes[chicago]] = np.inf
    assert labels[int(np.argmin(far))] == _owner(outcome, second)
    names = dict(zip(reps["rep_id"], reps["name"], strict=True))
    said = [v for v in outcome.result.violations if "lives in Cook County" in v]
    assert len(said) == 1
    assert names[first] in said[0]
    assert names[second] in said[0]
    assert "ZIP areas in Cook County" in said[0]
    assert any(fix.zip_in == ("17031",) for fix in outcome.fixes)
    assert not any("no territory" in v for v in outcome.result.violations)


def test_a_rep_without_a_home_takes_an_open_territory() -> None:
    project = field_project(1, accounts=300, reps=3, region="south")
    project.reps.loc[1, ["lat", "lon"]] = (np.nan, np.nan)
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.1)
    staffed = outcome.scenario.territories["rep_id"].dropna()
    assert sorted(staffed) == sorted(project.reps["rep_id"])
    name = project.reps["name"].iloc[1]
    assert any(f"{name}'s home is not near any unit" in v for v in outcome.result.violations)
    assert not any("no territory" in v for v in outcome.result.violations)
    assert LAKE_HOME  # (the lake home is the other test's Chicago rep)


def test_the_command_line_gives_the_fix_as_flags_and_they_work(tmp_path, capsys) -> None:
    project = field_project(0, accounts=300, reps=3, region="midwest")
    reps = project.reps
    chicago = int(np.flatnonzero(reps["home_city"] == "Chicago")[0])
    reps.loc[(chicago + 1) % len(reps), ["lat", "lon"]] = (41.95, -87.70)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    args = ["design", str(path), "--balance", "accounts", "--tolerance", "0.1", "--json"]
    assert main([*args, "--dry-run"]) == 0
    first = json.loads(capsys.readouterr().out)
    offered = [t for t in first["try"] if t.startswith("ZIP areas in Cook County:")]
    assert offered == ["ZIP areas in Cook County: --zip-in 17031"]
    assert main([*args, "--dry-run", *offered[0].split(": ")[1].split()]) == 0
    again = json.loads(capsys.readouterr().out)
    assert "ZIP areas of" in again["units"]  # Cook County as its ZIP areas
    assert not any("lives in Cook County" in v for v in again["violations"])
    reps_staffed = {t["rep"] for t in again["territories"]}
    assert reps_staffed == set(reps["name"])


def test_a_displaced_start_never_takes_a_later_reps_own_home() -> None:
    """Cara and Zed live in Cook County; Lake County, Indiana is the county nearest Zed's
    lakeshore home, and Ida lives there, later in the roster: Ida keeps her home county
    and Zed starts at another."""
    project = field_project(0, accounts=300, reps=4, region="midwest")
    reps = project.reps
    chicago = int(np.flatnonzero(reps["home_city"] == "Chicago")[0])
    zed, ida = [r for r in range(len(reps)) if r != chicago][:2]
    if zed < chicago:  # Zed after Cara, Ida after Zed
        reps.iloc[[zed, chicago]] = reps.iloc[[chicago, zed]].to_numpy()
        chicago, zed = zed, chicago
    ida = max(ida, zed + 1) if zed + 1 < len(reps) else ida
    reps.loc[reps.index[zed], ["lat", "lon"]] = (41.886, -87.617)  # the lakeshore, Cook
    reps.loc[reps.index[ida], ["lat", "lon"]] = (41.47, -87.37)  # Crown Point, Lake County IN
    units = project_units(project, "county")
    homes = rep_home_units(project, units)
    assert homes[zed] == homes[chicago]
    assert ida > zed
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.1)
    labels = outcome.labels
    rows = outcome.scenario.territories["rep_id"].to_numpy()
    own = {r: int(np.flatnonzero(rows == reps["rep_id"].iloc[r])[0]) for r in (chicago, zed, ida)}
    assert labels[homes[chicago]] == own[chicago]
    assert labels[homes[ida]] == own[ida]  # Ida keeps her own home county
    assert labels[homes[ida]] != own[zed]
    said = " ".join(outcome.result.violations)
    assert "locked territory" not in said
    assert f"{reps['name'].iloc[zed]} lives in Cook County" in said


def test_two_reps_at_one_address_are_offered_the_home_rule_off_not_zip_areas() -> None:
    project = field_project(0, accounts=300, reps=3, region="midwest")
    reps = project.reps
    chicago = int(np.flatnonzero(reps["home_city"] == "Chicago")[0])
    other = (chicago + 1) % len(reps)
    reps.loc[other, ["lat", "lon"]] = (41.8853, -87.6222)  # both downtown, in one ZIP area
    reps.loc[chicago, ["lat", "lon"]] = (41.8853, -87.6222)
    zip_code = zip_area_at(-87.6222, 41.8853)[0].removeprefix("ZIP ")
    later = max(chicago, other)
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.1)
    said = [v for v in outcome.result.violations if "a unit can start one territory" in v]
    assert len(said) == 1
    assert f"both live in ZIP area {zip_code}, which finer units cannot split" in said[0]
    assert not any(fix.zip_in for fix in outcome.fixes)
    assert [fix.free_home for fix in outcome.fixes if fix.free_home] == [reps["rep_id"][later]]
    # two homes at one point in the lake (in no ZIP area) cannot be parted by ZIP areas either
    reps.loc[[chicago, other], ["lat", "lon"]] = LAKE_HOME
    wet = design_project(project, kind="county", balance="accounts", tolerance=0.1)
    said_wet = [v for v in wet.result.violations if "a unit can start one territory" in v]
    assert "both live at one address, which finer units cannot split" in said_wet[0]
    assert not any(fix.zip_in for fix in wet.fixes)
    reps.loc[[chicago, other], ["lat", "lon"]] = (41.8853, -87.6222)
    # and in a county made of its ZIP areas the home is said as one: "ZIP area 60601"
    again = design_project(
        project, kind="county", balance="accounts", tolerance=0.1, zip_in=("17031",)
    )
    said = [v for v in again.result.violations if "a unit can start one territory" in v]
    assert f"lives in ZIP area {zip_code}," in said[0]


def test_a_home_off_the_coast_is_said_to_count_in_the_nearest_county() -> None:
    project = field_project(1, accounts=300, reps=3, region="south")
    project.reps.loc[0, ["lat", "lon"]] = (26.7, -79.6)  # 40-odd km off Palm Beach, at sea
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.1)
    name = project.reps["name"].iloc[0]
    said = [v for v in outcome.result.violations if v.startswith(f"{name}'s home lies outside")]
    assert len(said) == 1
    km = int(said[0].split("every county, ")[1].split(" km")[0])
    assert 35 <= km <= 50
    assert "Palm Beach County, Florida, the nearest: it counts as in it" in said[0]
    units = project_units(project, "county")
    home = rep_home_units(project, units)[0]
    assert units.units["name"].iloc[home] == "Palm Beach"
    assert outcome.labels[home] == _owner(outcome, project.reps["rep_id"].iloc[0])
    # a lakeshore ZIP a kilometre or two in the water is not worth a word
    lake = field_project(0, accounts=300, reps=3, region="midwest")
    assert LAKE_HOME in set(zip(lake.reps["lat"], lake.reps["lon"], strict=True))
    lakeside = design_project(lake, kind="county", balance="accounts", tolerance=0.1)
    assert not any("lies outside" in v for v in lakeside.result.violations)


def test_territories_without_a_rep_are_named_after_their_heaviest_county() -> None:
    project = field_project(1, accounts=300, reps=3, region="south")
    outcome = design_project(project, kind="county", balance="accounts", tolerance=0.1, k=5)
    territories = outcome.scenario.territories
    open_ones = territories[territories["rep_id"].isna()]
    assert len(open_ones) == 2
    units = project_units(project, "county")
    assignment = outcome.scenario.assignment.set_index("account_id")["territory_id"]
    in_territory = project.accounts["account_id"].map(assignment).to_numpy()
    for _, row in open_ones.iterrows():
        mine = units.account_unit[(in_territory == row["territory_id"]) & (units.account_unit >= 0)]
        heaviest = np.bincount(mine).argmax()  # the county holding most of its accounts
        assert row["name"] == f"{unit_words(units, int(heaviest))} area"  # "Harris County area"
    assert territories["name"].is_unique
    staffed = territories[territories["rep_id"].notna()]  # reps' territories keep their names
    names = dict(zip(project.reps["rep_id"], project.reps["name"], strict=True))
    assert all(
        n == f"{names[r]}'s territory"
        for n, r in zip(staffed["name"], staffed["rep_id"], strict=True)
    )
    assert not any("Territory " in v for v in outcome.result.violations)
    assert any("have no rep yet: " in v and " County area" in v for v in outcome.result.violations)
