"""Rule-based and hybrid assignment, checked account by account."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import territory_planner.plan.rules as rules_module
from territory_planner._errors import InputError
from territory_planner.geo.assign import assign_accounts
from territory_planner.io.project_file import load_project
from territory_planner.model import Project
from territory_planner.plan.rules import assign_with_rules, parse_rules, reassign
from territory_planner.tasks import TaskCancelledError
from tests.conftest import run_cli
from tests.unit.cancel_after import CancelAfter

HEALTHCARE = [{"name": "Healthcare enterprise", "territory": "Healthcare Team",
               "when": [["industry", "=", "Healthcare"], ["employees", ">", 500]], "within": "T01"}]  # fmt: skip


def with_team(project: Project) -> Project:
    """Add an overlay team territory with no area of its own."""
    team = gpd.GeoDataFrame(
        {"territory_id": ["T09"], "name": ["Healthcare Team"], "rep_id": [None], "color": ["#000000"]},
        geometry=[shapely.Polygon()], crs=project.territories.crs,
    )  # fmt: skip
    project.territories = pd.concat([project.territories, team], ignore_index=True)
    return project


def test_hybrid_rule_then_geography(fresh_demo: Project) -> None:
    project = with_team(fresh_demo)
    acc = project.accounts
    acc.loc[3, "locked"] = True
    territory, placed_by = assign_with_rules(project, parse_rules(HEALTHCARE, project))
    geography = assign_accounts(acc, project.territories).territory_id
    t01 = project.territories.geometry.iloc[0]
    for i, row in acc.iterrows():
        inside = t01.contains(shapely.Point(row["lon"], row["lat"]))
        rule = row["industry"] == "Healthcare" and row["employees"] > 500 and inside
        if row["locked"]:
            assert (territory[i], placed_by[i]) == (row["territory_id"], "locked")
        elif rule:
            assert (territory[i], placed_by[i]) == ("T09", "Healthcare enterprise")
        else:
            expected = geography[i] if isinstance(geography[i], str) else None
            got = territory[i] if isinstance(territory[i], str) else None
            assert got == expected
            assert placed_by[i] == ("geography" if expected else "none")
    assert (placed_by == "Healthcare enterprise").sum() > 0


@pytest.mark.parametrize(
    ("clause", "check"),
    [
        (
            ["industry", "in", ["Retail", "Logistics"]],
            lambda r: r["industry"] in {"Retail", "Logistics"},
        ),
        (["size_band", "!=", "Small"], lambda r: r["size_band"] != "Small"),
        (["potential", ">=", 100000], lambda r: r["potential"] >= 100000),
        (["name", "contains", "health"], lambda r: "health" in r["name"].lower()),
    ],
)
def test_operators(fresh_demo: Project, clause, check) -> None:
    rules = parse_rules([{"name": "r", "territory": "T02", "when": [clause]}], fresh_demo)
    territory, _ = assign_with_rules(fresh_demo, rules)
    for i, row in fresh_demo.accounts.iterrows():
        if check(row):
            assert territory[i] == "T02"


def test_bad_rules_are_explained(fresh_demo: Project) -> None:
    with pytest.raises(InputError, match="there is no territory 'Nowhere'"):
        parse_rules([{"territory": "Nowhere"}], fresh_demo)
    with pytest.raises(InputError, match="a condition is \\[field, operator, value\\]"):
        parse_rules([{"territory": "T01", "when": [["industry", "~", "x"]]}], fresh_demo)
    rules = parse_rules([{"territory": "T01", "when": [["colour", "=", "red"]]}], fresh_demo)
    with pytest.raises(InputError, match="the field 'colour'"):
        assign_with_rules(fresh_demo, rules)


def test_cli_rules_are_saved_and_reported(tmp_path, demo_file) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            [
                {
                    "name": "Big retail",
                    "territory": "T02",
                    "when": [["industry", "=", "Retail"], ["employees", ">=", 200]],
                }
            ]
        )
    )
    done = run_cli("assign", str(project), "--rules", str(rules), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    saved = load_project(project)
    big_retail = (saved.accounts["industry"] == "Retail") & (saved.accounts["employees"] >= 200)
    assert data["placed_by"]["Big retail"] == int(big_retail.sum()) > 0
    assert (saved.accounts.loc[big_retail, "territory_id"] == "T02").all()
    assert (saved.accounts.loc[big_retail, "placed_by"] == "Big retail").all()
    again = json.loads(run_cli("assign", str(project), "--json").stdout)  # the rules were kept
    assert again["placed_by"]["Big retail"] == data["placed_by"]["Big retail"]
    assert again["moved"] == 0


def test_rules_round_trip_and_words(fresh_demo: Project) -> None:
    from territory_planner.plan.rules import describe, rules_as_data, rules_setting

    project = with_team(fresh_demo)
    rules = parse_rules(HEALTHCARE, project)
    assert parse_rules(rules_as_data(rules), project) == rules
    assert json.loads(rules_setting(rules)["rules"])[0]["territory"] == "T09"
    names = dict(zip(project.territories["territory_id"], project.territories["name"], strict=True))
    assert describe(rules[0], names) == (
        f"industry = Healthcare and employees > 500, inside {names['T01']}"
    )


def test_shape_edits_leave_rule_placements_alone(fresh_demo: Project) -> None:
    from territory_planner.edits import reshape_territory

    project = with_team(fresh_demo)
    rules = parse_rules(HEALTHCARE, project)
    territory, placed_by = assign_with_rules(project, rules)
    project.accounts["territory_id"], project.accounts["placed_by"] = territory, placed_by
    by_rule = placed_by == "Healthcare enterprise"
    assert by_rule.sum() > 0
    # shrink T01 to a sliver: its geographic accounts leave, the rule's accounts stay in T09
    row = project.territory_index("T01")
    old = project.territories.geometry.iloc[row]
    edit = reshape_territory(project, "T01", old.centroid.buffer(0.05))
    edit.apply(project)
    acc = project.accounts
    assert (acc.loc[by_rule, "territory_id"] == "T09").all()
    moved = (acc["territory_id"] != territory) & ~by_rule
    assert moved.sum() > 0
    assert (acc.loc[moved, "placed_by"].isin(["geography", "none"])).all()
    edit.revert(project)
    assert (project.accounts["territory_id"].fillna("") == territory.fillna("")).all()
    assert (project.accounts["placed_by"] == placed_by).all()


def test_cli_parent_policy_and_split_parents(demo_file, tmp_path) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    first = json.loads(run_cli("assign", str(project), "--json").stdout)
    saved = load_project(project)
    groups = saved.accounts.dropna(subset=["parent_id"]).groupby("parent_id")["territory_id"]
    split = int((groups.nunique() > 1).sum())
    assert len(first["split_parents"]) == split > 0
    assert all(row["territories"] >= 2 for row in first["split_parents"])
    done = run_cli("assign", str(project), "--parent-policy", "follow_parent", "--json")
    data = json.loads(done.stdout)
    assert data["split_parents"] == []
    saved = load_project(project)
    assert saved.settings["parent_policy"] == "follow_parent"
    moved = saved.accounts["placed_by"].str.startswith("parent: ").fillna(value=False)
    assert int(moved.sum()) == sum(
        v for k, v in data["placed_by"].items() if k.startswith("parent")
    )
    assert data["moved"] == int(moved.sum()) > 0
    bad = run_cli("assign", str(project), "--parent-policy", "nearest")
    assert bad.returncode == 2


def test_a_cancelled_token_stops_reassign_before_the_rest_of_the_work(
    fresh_demo: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = with_team(fresh_demo)
    rules = parse_rules(HEALTHCARE, project)
    calls = {"geography": 0, "parents": 0}
    real_geography, real_parents = rules_module.assign_accounts, rules_module.apply_parent_policy

    def geography(*args, **kwargs):
        calls["geography"] += 1
        return real_geography(*args, **kwargs)

    def parents(*args, **kwargs):
        calls["parents"] += 1
        return real_parents(*args, **kwargs)

    monkeypatch.setattr(rules_module, "assign_accounts", geography)
    monkeypatch.setattr(rules_module, "apply_parent_policy", parents)
    with pytest.raises(TaskCancelledError):
        reassign(project, rules, cancel=CancelAfter(0))
    assert calls == {"geography": 0, "parents": 0}
    with pytest.raises(TaskCancelledError):  # pressed while the geography was computed
        reassign(project, rules, cancel=CancelAfter(2))  # stops before the first rule
    assert calls == {"geography": 1, "parents": 0}
    token = CancelAfter(10_000)
    whole = reassign(project, rules, cancel=token)
    assert calls == {"geography": 2, "parents": 1}
    assert token.checks == 2 + len(rules) + 1
    pd.testing.assert_frame_equal(whole.accounts, reassign(project, rules).accounts)
    assert (whole.accounts["placed_by"] == "Healthcare enterprise").sum() > 0
