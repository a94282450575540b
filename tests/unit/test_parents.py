"""Parent companies: groups, parent territories, the follow-parent policy and the split report."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.model import (
    ACCOUNT_COLUMNS,
    CRS,
    REP_COLUMNS,
    TERRITORY_COLUMNS,
    Project,
    conform,
)
from territory_planner.plan.parents import (
    FOLLOW_PARENT,
    GEOGRAPHIC,
    REPORT_COLUMNS,
    apply_parent_policy,
    check_policy,
    parent_groups,
    parent_policy,
    parent_territories,
    policy_setting,
    split_parents_report,
)
from territory_planner.plan.rules import assign_with_rules

COLUMNS = ["account_id", "parent_id", "parent_name", "annual_revenue", "territory_id", "locked"]


def make_project(rows: list[tuple], territories: int = 3) -> Project:
    """A project with the given accounts and territories T1..Tn (rep Rn, except no rep for T3)."""
    project = Project.empty("parents")
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["name"] = "Account " + frame["account_id"]
    frame["placed_by"] = np.where(frame["locked"], "locked", "geography")
    project.accounts = conform(frame, ACCOUNT_COLUMNS)
    ids = [f"T{i}" for i in range(1, territories + 1)]
    table = conform(
        pd.DataFrame(
            {
                "territory_id": ids,
                "name": [f"Region {i}" for i in range(1, territories + 1)],
                "rep_id": [None if t == "T3" else f"R{t[1:]}" for t in ids],
                "color": ["#000000"] * territories,
            }
        ),
        TERRITORY_COLUMNS,
    )
    shapes = [shapely.box(i, 0, i + 1, 1) for i in range(territories)]
    project.territories = gpd.GeoDataFrame(table, geometry=shapes, crs=CRS)
    project.reps = conform(
        pd.DataFrame(
            {
                "rep_id": [f"R{i}" for i in range(1, territories + 1)],
                "name": [f"Rep {i}" for i in range(1, territories + 1)],
            }
        ),
        REP_COLUMNS,
    )
    return project


def territories_of(project: Project) -> dict[str, str | None]:
    lead = parent_territories(project.accounts, project.accounts["territory_id"])
    return {
        a: (t if isinstance(t, str) else None)
        for a, t in zip(project.accounts["account_id"], lead, strict=True)
    }


def as_dict(series: pd.Series, project: Project) -> dict[str, str]:
    return dict(zip(project.accounts["account_id"], series.astype(object), strict=True))


# -- parent territory ---------------------------------------------------------------------


def test_parent_account_decides_even_against_revenue() -> None:
    project = make_project(
        [
            ("P1", None, None, 10.0, "T3", False),  # the parent itself: small, in T3
            ("A1", "P1", "Acme", 1000.0, "T1", False),
            ("A2", "P1", "Acme", 900.0, "T1", False),
            ("A3", "P1", "Acme", 50.0, "T2", False),
            ("X1", None, None, 5000.0, "T2", False),  # in no group
        ]
    )
    assert territories_of(project) == {"P1": "T3", "A1": "T3", "A2": "T3", "A3": "T3", "X1": None}
    groups = parent_groups(project.accounts)
    assert groups.tolist()[:4] == ["id:P1"] * 4
    assert pd.isna(groups.iloc[4])


def test_without_parent_account_the_largest_revenue_leads() -> None:
    project = make_project(
        [
            ("A1", "P9", "Acme", 100.0, "T1", False),
            ("A2", "P9", "Acme", 100.0, "T1", False),
            ("A3", "P9", "Acme", 250.0, "T2", False),
            ("A4", "P9", "Acme", 1e6, None, False),  # no territory: ignored for the choice
        ]
    )
    assert set(territories_of(project).values()) == {"T2"}


def test_parent_account_without_territory_falls_back_to_revenue() -> None:
    project = make_project(
        [
            ("P1", None, None, 1e6, None, False),
            ("A1", "P1", None, 10.0, "T1", False),
            ("A2", "P1", None, 20.0, "T2", False),
        ]
    )
    assert set(territories_of(project).values()) == {"T2"}


def test_revenue_tie_goes_to_most_members_then_smallest_id() -> None:
    project = make_project(
        [
            ("A1", "P1", None, 100.0, "T3", False),
            ("A2", "P1", None, 50.0, "T2", False),
            ("A3", "P1", None, 50.0, "T2", False),
            ("B1", "P2", None, 70.0, "T3", False),
            ("B2", "P2", None, 70.0, "T2", False),
            ("C1", "P3", None, np.nan, "T2", False),  # missing revenue counts as 0
            ("C2", "P3", None, 0.0, "T1", False),
        ]
    )
    lead = territories_of(project)
    assert [lead[a] for a in ("A1", "A2", "A3")] == ["T2"] * 3  # 100 = 50 + 50: two members win
    assert [lead[a] for a in ("B1", "B2")] == ["T2", "T2"]  # full tie: T2 < T3
    assert [lead[a] for a in ("C1", "C2")] == ["T1", "T1"]


def test_group_with_no_territory_has_no_parent_territory() -> None:
    project = make_project(
        [
            ("A1", "P1", None, 100.0, None, False),
            ("A2", "P1", None, 100.0, "", False),
            ("B1", "P2", None, 100.0, "T1", False),
        ]
    )
    assert territories_of(project) == {"A1": None, "A2": None, "B1": "T1"}


def test_grouping_by_parent_name_when_parent_id_is_missing() -> None:
    project = make_project(
        [
            ("A1", None, "Acme Corp", 10.0, "T1", False),
            ("A2", "", " acme corp ", 20.0, "T2", False),
            ("A3", None, "ACME CORP", 5.0, "T2", False),
            ("B1", " P7 ", "Beta", 10.0, "T1", False),  # the ID is stripped...
            ("B2", "P7", "Other spelling", 1.0, "T3", False),  # ...and decides over the name
            ("C1", None, "Beta", 99.0, "T3", False),  # a name group, not P7's
        ]
    )
    groups = parent_groups(project.accounts).tolist()
    assert groups == ["name:acme corp"] * 3 + ["id:P7"] * 2 + ["name:beta"]
    lead = territories_of(project)
    assert lead == {"A1": "T2", "A2": "T2", "A3": "T2", "B1": "T1", "B2": "T1", "C1": "T3"}


def test_territory_argument_is_used_not_the_stored_one() -> None:
    project = make_project(
        [("A1", "P1", None, 10.0, "T1", False), ("A2", "P1", None, 20.0, "T1", False)]
    )
    other = pd.Series(["T1", "T2"], index=project.accounts.index, dtype="str")
    assert parent_territories(project.accounts, other).tolist() == ["T2", "T2"]


# -- policy -------------------------------------------------------------------------------


def follow_project() -> Project:
    return make_project(
        [
            ("P1", None, None, 5.0, "T2", False),  # parent account in T2
            ("A1", "P1", "Acme", 100.0, "T1", False),
            ("A2", "P1", "Acme", 100.0, "T1", True),  # locked: stays in T1
            ("A3", "P1", "Acme", 100.0, "T2", False),  # already with the parent
            ("A4", "P1", "Acme", 100.0, None, False),  # no territory yet: follows
            ("B1", "Q5", None, 300.0, "T3", False),  # no parent name: labelled by ID
            ("B2", "Q5", None, 10.0, "T1", False),
            ("X1", None, None, 1.0, "T1", False),
        ]
    )


def test_follow_parent_moves_unlocked_divisions() -> None:
    project = follow_project()
    acc = project.accounts
    territory, placed_by = apply_parent_policy(
        project, acc["territory_id"], acc["placed_by"], FOLLOW_PARENT
    )
    assert as_dict(territory, project) == {
        "P1": "T2",
        "A1": "T2",
        "A2": "T1",
        "A3": "T2",
        "A4": "T2",
        "B1": "T3",
        "B2": "T3",
        "X1": "T1",
    }
    assert as_dict(placed_by, project) == {
        "P1": "geography",
        "A1": "parent: Acme",
        "A2": "locked",
        "A3": "geography",
        "A4": "parent: Acme",
        "B1": "geography",
        "B2": "parent: Q5",
        "X1": "geography",
    }
    assert territory.index.equals(acc.index)
    assert placed_by.index.equals(acc.index)


def test_follow_parent_judges_by_the_given_territories() -> None:
    project = follow_project()
    acc = project.accounts
    # the rules put everything in T3 except the locked A2: the parent now leads from T3
    territory = pd.Series(np.where(acc["locked"], "T1", "T3"), index=acc.index, dtype="str")
    placed_by = pd.Series("Everything", index=acc.index, dtype="str")
    new_territory, new_placed = apply_parent_policy(project, territory, placed_by, FOLLOW_PARENT)
    assert new_territory.tolist() == territory.tolist()
    assert new_placed.tolist() == placed_by.tolist()


def test_inputs_are_not_changed() -> None:
    project = follow_project()
    acc = project.accounts
    before = acc.copy()
    territory, placed_by = acc["territory_id"].copy(), acc["placed_by"].copy()
    kept_territory, kept_placed = territory.copy(), placed_by.copy()
    for policy in (FOLLOW_PARENT, GEOGRAPHIC):
        new_territory, new_placed = apply_parent_policy(project, territory, placed_by, policy)
        assert new_territory is not territory
        assert new_placed is not placed_by
        pd.testing.assert_series_equal(territory, kept_territory)
        pd.testing.assert_series_equal(placed_by, kept_placed)
        pd.testing.assert_frame_equal(project.accounts, before)


def test_geographic_returns_equal_copies() -> None:
    project = follow_project()
    acc = project.accounts
    territory, placed_by = apply_parent_policy(
        project, acc["territory_id"], acc["placed_by"], GEOGRAPHIC
    )
    pd.testing.assert_series_equal(territory, acc["territory_id"])
    pd.testing.assert_series_equal(placed_by, acc["placed_by"])
    territory.iloc[0] = "T3"
    assert acc["territory_id"].iloc[0] == "T2"


def test_policy_setting_default_and_unknown_values() -> None:
    project = make_project([("A1", None, None, 1.0, "T1", False)])
    assert parent_policy(project) == GEOGRAPHIC
    project.settings.update(policy_setting(FOLLOW_PARENT))
    assert project.settings["parent_policy"] == FOLLOW_PARENT
    assert parent_policy(project) == FOLLOW_PARENT
    assert check_policy(GEOGRAPHIC) == GEOGRAPHIC
    message = "there is no parent policy 'nearest'; use one of 'geographic', 'follow_parent'"
    with pytest.raises(InputError, match=message):
        check_policy("nearest")
    with pytest.raises(InputError, match="no parent policy 'nearest'"):
        policy_setting("nearest")
    acc = project.accounts
    with pytest.raises(InputError, match="no parent policy 'nearest'"):
        apply_parent_policy(project, acc["territory_id"], acc["placed_by"], "nearest")
    project.settings["parent_policy"] = "Follow Parent"
    with pytest.raises(InputError, match="no parent policy 'Follow Parent'"):
        parent_policy(project)


# -- split report -------------------------------------------------------------------------


def test_split_report_rows_and_values() -> None:
    project = make_project(
        [
            # Acme: parent account in T3 (no rep), divisions in T1 x2, T2 x1, T3 x1, one unplaced
            ("P1", None, None, 1.0, "T3", False),
            ("A1", "P1", "Acme", 10.0, "T1", False),
            ("A2", "P1", "Acme", 10.0, "T1", False),
            ("A3", "P1", "Acme", 10.0, "T2", False),
            ("A4", "P1", "Acme", 10.0, None, False),
            # Beta (by name): T1 and T2, the T2 side has more revenue
            ("B1", None, "Beta", 100.0, "T1", False),
            ("B2", None, "beta", 500.0, "T2", False),
            # Gamma: two territories, less revenue than Beta
            ("C1", "P3", "Gamma", 1.0, "T1", False),
            ("C2", "P3", "Gamma", 2.0, "T2", False),
            # Delta: all in one territory, not split
            ("D1", "P4", "Delta", 1e6, "T1", False),
            ("D2", "P4", "Delta", 1e6, "T1", False),
        ]
    )
    report = split_parents_report(project)
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert report.to_dict("records") == [
        {
            "parent_id": "P1",
            "parent_name": "Acme",
            "divisions": 5,
            "territories": 3,
            "territory_names": "Region 1, Region 2, Region 3",
            "lead_territory": "Region 3",
            "lead_rep": "",
            "revenue": 41.0,
        },
        {
            "parent_id": "",
            "parent_name": "Beta",
            "divisions": 2,
            "territories": 2,
            "territory_names": "Region 1, Region 2",
            "lead_territory": "Region 2",
            "lead_rep": "Rep 2",
            "revenue": 600.0,
        },
        {
            "parent_id": "P3",
            "parent_name": "Gamma",
            "divisions": 2,
            "territories": 2,
            "territory_names": "Region 1, Region 2",
            "lead_territory": "Region 2",
            "lead_rep": "Rep 2",
            "revenue": 3.0,
        },
    ]


def test_split_report_names_sorted_by_member_count() -> None:
    project = make_project(
        [
            ("A1", "P1", None, 1000.0, "T1", False),
            ("A2", "P1", None, 1.0, "T2", False),
            ("A3", "P1", None, 1.0, "T2", False),
        ]
    )
    [row] = split_parents_report(project).to_dict("records")
    assert row["territory_names"] == "Region 2, Region 1"
    assert (row["parent_id"], row["parent_name"]) == ("P1", "")
    assert (row["lead_territory"], row["lead_rep"]) == ("Region 1", "Rep 1")


def test_split_report_uses_the_given_territories_and_can_be_empty() -> None:
    project = make_project(
        [("A1", "P1", "Acme", 1.0, "T1", False), ("A2", "P1", "Acme", 1.0, "T1", False)]
    )
    empty = split_parents_report(project)
    assert empty.empty
    assert list(empty.columns) == list(REPORT_COLUMNS)
    moved = pd.Series(["T1", "T2"], index=project.accounts.index, dtype="str")
    assert split_parents_report(project, moved)["territories"].tolist() == [2]
    assert list(split_parents_report(Project.empty()).columns) == list(REPORT_COLUMNS)


def test_demo_report_matches_a_brute_force_count(demo_project: Project) -> None:
    acc = demo_project.accounts
    report = split_parents_report(demo_project)
    members = acc[acc["parent_id"].notna()]
    brute = members.groupby("parent_id").agg(
        territories=("territory_id", "nunique"),
        divisions=("account_id", "size"),
        revenue=("annual_revenue", "sum"),
    )
    split = brute[brute["territories"] >= 2]
    assert len(split) > 0
    assert set(report["parent_id"]) == set(split.index)
    for row in report.itertuples():
        assert row.territories == split.loc[row.parent_id, "territories"]
        assert row.divisions == split.loc[row.parent_id, "divisions"]
        assert row.revenue == pytest.approx(split.loc[row.parent_id, "revenue"])
        assert len(row.territory_names.split(", ")) == row.territories
    pairs = list(zip(-report["territories"], -report["revenue"], strict=True))
    assert pairs == sorted(pairs)


def test_demo_follow_parent_after_rules_leaves_no_group_split(fresh_demo: Project) -> None:
    territory, placed_by = assign_with_rules(fresh_demo, [])
    assert len(split_parents_report(fresh_demo, territory)) > 0
    new_territory, new_placed = apply_parent_policy(fresh_demo, territory, placed_by, FOLLOW_PARENT)
    assert split_parents_report(fresh_demo, new_territory).empty
    moved = new_territory.fillna("") != territory.fillna("")
    assert moved.sum() > 0
    assert new_placed[moved].str.startswith("parent: ").all()
    assert (new_placed[~moved] == placed_by[~moved]).all()
