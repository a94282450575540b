"""Performance against quota, activities, retention, alerts and the upsell list.

Every expected figure is worked out by hand from `tests/unit/actuals_fixture.py`
(as of 2026-03-31: day 90 of 365, so the elapsed share is 90/365).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import territory_planner.analysis.performance as performance_module
from territory_planner._errors import InputError
from territory_planner.analysis.performance import (
    REP_TABLE_COLUMNS,
    TERRITORY_COLUMNS,
    Performance,
    default_as_of,
    elapsed_share,
    performance,
    same_day_last_year,
)
from territory_planner.analysis.performance_alerts import alerts
from territory_planner.analysis.performance_settings import (
    ActivityGoals,
    Thresholds,
    parse_threshold,
)
from territory_planner.analysis.upsell import upsell_list, upsell_summary
from territory_planner.io.actuals_import import actuals_after_import, read_actuals
from territory_planner.model import Project
from territory_planner.tasks import TaskCancelledError
from tests.unit.actuals_fixture import ACTUALS_CSV, make_project
from tests.unit.cancel_after import CancelAfter

AS_OF = dt.date(2026, 3, 31)
ELAPSED = 90 / 365  # 31 + 28 + 31 days of 2026
GOALS = ActivityGoals(
    default={"calls": 100},  # every territory: 100 calls a year
    territories={"T1": {"meetings": 40}},  # North also 40 meetings
    reps={"R2": {"calls": 50}},  # Bob's own goal: 50 calls
)


@pytest.fixture
def project(tmp_path) -> Project:
    p = make_project()
    path = tmp_path / "actuals.csv"
    path.write_text(ACTUALS_CSV, encoding="utf-8")
    p.actuals, _ = actuals_after_import(p, read_actuals(path, p.accounts["account_id"]))
    p.settings.update(GOALS.as_settings())
    return p


@pytest.fixture
def perf(project: Project) -> Performance:
    return performance(project, AS_OF)


def _row(table: pd.DataFrame, key: str, value: str) -> pd.Series:
    return table.set_index(key).loc[value]


def test_sales_quota_and_run_rate_by_hand(perf: Performance) -> None:
    assert perf.as_of == AS_OF
    assert perf.year == 2026
    assert perf.elapsed == pytest.approx(ELAPSED)
    assert list(perf.territories.columns) == TERRITORY_COLUMNS
    north = _row(perf.territories, "territory_id", "T1")
    # 2026 to date: A1 6,000 + 7,000 + (2,000 + 1,000 in March) = 16,000; A2 Q1 9,000; A3 none.
    assert north["sales_to_date"] == 25_000
    # 2025 to 31 March: A1 5,000 x 3 months; A2 Q1 12,000; A3 February 3,000.
    assert north["sales_last_year_to_date"] == 15_000 + 12_000 + 3_000
    # All of 2025: A1 15,000 + 10,000 (June); A2 12,000 + 8,000 (Q3); A3 3,000.
    assert north["sales_last_year"] == 25_000 + 20_000 + 3_000
    assert north["quota"] == 120_000
    assert north["quota_to_date"] == pytest.approx(120_000 * 90 / 365)  # 29,589.04
    assert north["attainment"] == pytest.approx(25_000 / 120_000)  # 20.8%
    assert north["attainment_to_date"] == pytest.approx(25_000 * 365 / (120_000 * 90))  # 84.5%
    assert north["run_rate"] == pytest.approx(25_000 * 365 / 90)  # 101,388.89
    assert north["yoy_change"] == pytest.approx(25_000 / 30_000 - 1)  # -16.7%

    south = _row(perf.territories, "territory_id", "T2")
    # A4 February 5,000; A5 "Mar 2026" 1,500; A6's April 2026 has not begun by 31 March.
    assert south["sales_to_date"] == 6_500
    assert south["sales_last_year_to_date"] == 4_000  # A4 March 2025; A5's November is later
    assert south["sales_last_year"] == 4_000 + 2_000
    assert south["attainment_to_date"] == pytest.approx(6_500 * 365 / (60_000 * 90))  # 43.9%
    assert south["run_rate"] == pytest.approx(6_500 * 365 / 90)
    assert south["yoy_change"] == pytest.approx(6_500 / 4_000 - 1)  # +62.5%
    # A7 is in no territory: its 500 is reported apart, not lost.
    assert perf.unassigned_sales == 500


def test_penetration_and_retention_by_hand(perf: Performance) -> None:
    north = _row(perf.territories, "territory_id", "T1")
    assert north["accounts"] == 3
    assert north["customers"] == 2  # A1, A2
    assert north["penetration"] == pytest.approx(2 / 3)
    assert north["customers_last_year"] == 3  # A1, A2, A3 bought by 31 March 2025
    assert north["retained"] == 2
    assert north["lost"] == 1  # A3
    assert north["retention"] == pytest.approx(2 / 3)
    south = _row(perf.territories, "territory_id", "T2")
    assert south["customers"] == 2  # A4, A5 (A6 only in April)
    assert south["customers_last_year"] == 1  # A4
    assert south["lost"] == 0
    assert south["retention"] == 1.0


def test_activities_against_goals_by_hand(perf: Performance) -> None:
    north = _row(perf.territories, "territory_id", "T1")
    # A1: 10 + 8 + 4 calls in 2026 (its 30 calls of January 2025 do not count); 2 meetings.
    assert north["calls"] == 22
    assert north["meetings"] == 2
    assert north["calls_goal"] == 100
    assert north["calls_goal_to_date"] == pytest.approx(100 * 90 / 365)  # 24.66
    assert north["calls_vs_goal"] == pytest.approx(22 / (100 * 90 / 365))  # 89.2%
    assert north["meetings_goal"] == 40
    assert north["meetings_vs_goal"] == pytest.approx(2 / (40 * 90 / 365))  # 20.3%
    assert np.isnan(north["emails"])  # no emails were imported at all
    assert np.isnan(north["emails_vs_goal"])
    south = _row(perf.territories, "territory_id", "T2")
    assert south["calls"] == 5
    assert south["calls_vs_goal"] == pytest.approx(5 / (100 * 90 / 365))  # 20.3%
    assert np.isnan(south["meetings_goal"])  # no meeting goal for South


def test_rep_table_uses_the_reps_own_goals_and_capacity(perf: Performance) -> None:
    assert list(perf.reps.columns) == REP_TABLE_COLUMNS
    ann = _row(perf.reps, "rep_id", "R1")
    assert ann["rep"] == "Ann"
    assert ann["territories"] == 1
    assert ann["sales_to_date"] == 25_000
    assert ann["calls_goal"] == 100  # no goal of her own: her territory's
    assert ann["capacity_hours"] == 40 * 46
    bob = _row(perf.reps, "rep_id", "R2")
    assert bob["calls_goal"] == 50  # his own
    assert bob["calls_vs_goal"] == pytest.approx(5 / (50 * 90 / 365))  # 40.6%
    assert bob["attainment_to_date"] == pytest.approx(6_500 * 365 / (60_000 * 90))


def test_a_rep_with_two_territories_adds_them_up(project: Project) -> None:
    project.territories.loc[1, "rep_id"] = "R1"
    ann = _row(performance(project, AS_OF).reps, "rep_id", "R1")
    assert ann["territories"] == 2
    assert ann["sales_to_date"] == 25_000 + 6_500
    assert ann["quota"] == 180_000
    assert ann["attainment_to_date"] == pytest.approx(31_500 * 365 / (180_000 * 90))
    assert ann["calls_goal"] == 200  # 100 for each territory
    assert ann["customers_last_year"] == 4
    assert ann["retention"] == pytest.approx(3 / 4)


def test_alerts_in_plain_words(perf: Performance) -> None:
    found = alerts(perf, Thresholds(potential_per_rep_above=150_000))
    by = {(a.level, a.name, a.kind) for a in found}
    assert by == {
        # North: 89% of the call goal, 20% of the meeting goal, -17% on last year, 2 of 3 kept.
        ("territory", "North", "activity_below"),
        ("territory", "North", "yoy_below"),
        ("territory", "North", "retention_below"),
        # South: 44% of the pro-rated quota, 20% of the call goal.
        ("territory", "South", "attainment_below"),
        ("territory", "South", "activity_below"),
        ("rep", "Ann", "activity_below"),
        ("rep", "Ann", "yoy_below"),
        ("rep", "Ann", "retention_below"),
        ("rep", "Ann", "potential_per_rep_above"),  # 180,000 > 150,000
        ("rep", "Bob", "attainment_below"),
        ("rep", "Bob", "activity_below"),
    }
    assert sum(a.kind == "activity_below" and a.name == "North" for a in found) == 2
    texts = [a.text for a in found if a.name == "South"]
    assert (
        "sales to date of $6,500 are 44% of the pro-rated quota of $14,795 (alert below 80%)"
        in texts
    )
    assert "5 calls to date are 20% of the pro-rated goal of 25 (alert below 100%)" in texts
    north = [a.text for a in found if a.name == "North"]
    assert (
        "1 of 3 accounts that had bought by this time last year has not bought this year: "
        "retention 67% (alert below 80%)" in north
    )
    assert any("-17% on the same periods last year ($30,000)" in t for t in north)
    record = found[0].as_dict()
    assert set(record) == {"level", "id", "name", "kind", "value", "threshold", "alert"}


def test_thresholds_switch_alerts_off_and_on(perf: Performance) -> None:
    quiet = Thresholds(
        attainment_below=None, activity_below=None, capacity_above=None, yoy_below=None,
        retention_below=None,
    )  # fmt: skip
    assert alerts(perf, quiet) == []
    reach = alerts(perf, Thresholds(**{**quiet.as_dict(), "penetration_below": 0.7}))
    assert {a.name for a in reach} == {"North", "South", "Ann", "Bob"}  # 2 of 3 is 67%
    assert "2 of 3 accounts have bought this year: penetration 67%" in reach[0].text


def test_capacity_alert(project: Project) -> None:
    project.accounts["visit_frequency"] = "weekly"  # 52 visits x 45 minutes = 39 h per account
    project.reps["weekly_capacity_hours"] = 1.0  # 46 h a year
    found = alerts(performance(project, AS_OF), Thresholds())
    capacity = [a for a in found if a.kind == "capacity_above"]
    assert {a.name for a in capacity} == {"North", "South", "Ann", "Bob"}
    assert "of the rep's capacity (alert above 100%)" in capacity[0].text


def test_thresholds_and_goals_live_in_the_settings() -> None:
    settings: dict[str, str] = {}
    assert Thresholds.from_settings(settings) == Thresholds()
    changed = Thresholds(attainment_below=0.7, yoy_below=None)
    settings.update(changed.as_settings())
    assert settings["alert_attainment_below"] == "0.7"
    assert settings["alert_yoy_below"] == ""
    assert Thresholds.from_settings(settings) == changed
    assert parse_threshold("attainment_below", "75%") == pytest.approx(0.75)
    assert parse_threshold("retention_below", "off") is None
    with pytest.raises(InputError, match="there is no threshold 'speed'"):
        parse_threshold("speed", "1")
    with pytest.raises(InputError, match="'lots' is not a number"):
        Thresholds.from_settings({"alert_capacity_above": "lots"})

    settings.update(GOALS.as_settings())
    assert ActivityGoals.from_settings(settings) == GOALS
    more = GOALS.with_goal("emails", 300).with_goal("meetings", 12, "rep", "R1")
    assert more.default == {"calls": 100, "emails": 300}
    assert more.rep_goal("R1", ["T1"], "meetings") == 12
    assert more.rep_goal("R1", ["T1"], "emails") == 300
    assert np.isnan(ActivityGoals().territory_goal("T1", "calls"))
    # None clears a goal: the territory or rep inherits again, empty entries go
    own = more.with_goal("calls", 60, "territory", "T2")
    assert own.territory_goal("T2", "calls") == 60
    cleared = own.with_goal("calls", None, "territory", "T2").with_goal(
        "meetings", None, "rep", "R1"
    )
    assert cleared.territory_goal("T2", "calls") == 100
    assert "T2" not in cleared.territories
    assert cleared.reps == {"R2": {"calls": 50}}  # R1 had only the meetings goal
    assert cleared.with_goal("emails", None).default == {"calls": 100}
    with pytest.raises(InputError, match="cannot be negative"):
        GOALS.with_goal("calls", -1, "territory", "T1")
    with pytest.raises(InputError, match="no activity 'visits'"):
        GOALS.with_goal("visits", 5)
    with pytest.raises(InputError, match="cannot be read"):
        ActivityGoals.from_settings({"activity_goals": "[1, 2"})


def test_default_as_of_is_the_end_of_the_latest_period(project: Project) -> None:
    # The latest period is A6's April 2026; today is later.
    assert default_as_of(project.actuals, today=dt.date(2027, 1, 5)) == dt.date(2026, 4, 30)
    assert default_as_of(project.actuals, today=dt.date(2026, 4, 10)) == dt.date(2026, 4, 10)
    assert default_as_of(project.actuals.iloc[:0], today=dt.date(2026, 4, 10)) == dt.date(
        2026, 4, 10
    )


def test_calendar_edges() -> None:
    assert elapsed_share(dt.date(2026, 1, 1)) == pytest.approx(1 / 365)
    assert elapsed_share(dt.date(2026, 12, 31)) == 1.0
    assert elapsed_share(dt.date(2028, 12, 31)) == 1.0  # leap year: 366/366
    assert same_day_last_year(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)


def test_quarter_periods_count_once_begun(project: Project) -> None:
    # As of 31 January: A2's 2026Q1 (9,000) has begun and counts in full; A1 January 6,000.
    north = _row(performance(project, dt.date(2026, 1, 31)).territories, "territory_id", "T1")
    assert north["sales_to_date"] == 6_000 + 9_000
    # Last year to 31 January 2025: A1 January 5,000 and A2 2025Q1 12,000.
    assert north["sales_last_year_to_date"] == 5_000 + 12_000
    assert north["quota_to_date"] == pytest.approx(120_000 * 31 / 365)
    # A month counts from its first day: on 1 February, A1's February 7,000 joins.
    february = _row(performance(project, dt.date(2026, 2, 1)).territories, "territory_id", "T1")
    assert february["sales_to_date"] == 6_000 + 7_000 + 9_000


def test_a_project_without_actuals(project: Project) -> None:
    project.actuals = project.actuals.iloc[:0]
    perf = performance(project, AS_OF)
    # no sales imported: unknown, not 0 (and not "attainment 0%")
    for column in ("sales_to_date", "attainment", "run_rate", "penetration", "customers"):
        assert perf.territories[column].isna().all(), column
        assert perf.reps[column].isna().all(), column
    assert perf.territories["yoy_change"].isna().all()
    assert perf.territories["calls"].isna().all()
    assert (perf.territories["accounts"] > 0).all()
    kinds = {a.kind for a in alerts(perf, Thresholds())}
    assert not kinds & {"attainment_below", "activity_below", "retention_below"}


def test_upsell_list_by_hand(project: Project) -> None:
    table = upsell_list(project, min_gap=20_000)
    # Gap = potential - revenue, share = revenue / potential (at most 0.5):
    # A1 100,000 - 20,000 = 80,000 (0.2); A3 30,000 - none = 30,000 (0.0);
    # A4 80,000 - 10,000 = 70,000 (0.125). A2 (0.8) and A5 (0.75) have most of
    # their wallet, A6 has no potential, A7's gap is 9,000.
    assert table[["territory", "rank", "account_id", "gap"]].values.tolist() == [
        ["North", 1, "A1", 80_000.0],
        ["North", 2, "A3", 30_000.0],
        ["South", 1, "A4", 70_000.0],
    ]
    assert table["share_of_wallet"].tolist() == pytest.approx([0.2, 0.0, 0.125])
    assert table["rep"].tolist() == ["Ann", "Ann", "Bob"]
    everything = upsell_list(project)
    assert everything["account_id"].tolist() == ["A1", "A3", "A4", "A7"]
    assert pd.isna(everything["territory"].iloc[-1])  # in no territory: last
    assert upsell_list(project, top=1)["account_id"].tolist() == ["A1", "A4", "A7"]
    assert upsell_list(project, territory_id="T2")["account_id"].tolist() == ["A4"]
    # A2 (share 0.8, gap 10,000) and A5 (0.75, 5,000) join with max_share 0.8.
    wider = upsell_list(project, max_share=0.8)["account_id"].tolist()
    assert wider == ["A1", "A3", "A2", "A4", "A5", "A7"]
    summary = upsell_summary(table)
    assert summary[["territory", "accounts", "gap"]].values.tolist() == [
        ["North", 2, 110_000.0],
        ["South", 1, 70_000.0],
    ]
    assert upsell_summary(table.iloc[:0]).empty


def test_a_cancelled_token_stops_performance_before_the_territory_figures(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    kpi_runs = []
    real_kpis = performance_module.territory_kpis

    def counted_kpis(p: Project) -> pd.DataFrame:
        kpi_runs.append(1)
        return real_kpis(p)

    monkeypatch.setattr(performance_module, "territory_kpis", counted_kpis)
    with pytest.raises(TaskCancelledError):
        performance(project, AS_OF, CancelAfter(0))
    assert kpi_runs == []
    with pytest.raises(TaskCancelledError):  # pressed while the actuals were summed
        performance(project, AS_OF, CancelAfter(3))
    assert kpi_runs == []
    with pytest.raises(TaskCancelledError):  # pressed while the KPIs were computed
        performance(project, AS_OF, CancelAfter(4))
    assert kpi_runs == [1]
    token = CancelAfter(10_000)
    whole = performance(project, AS_OF, token)
    assert token.checks >= 5
    pd.testing.assert_frame_equal(whole.territories, performance(project, AS_OF).territories)


def test_activities_without_sales_leave_sales_unknown(project: Project) -> None:
    project.actuals["sales"] = np.nan  # a file of calls and visits only
    perf = performance(project, AS_OF)
    for column in ("sales_to_date", "attainment", "run_rate", "penetration"):
        assert perf.territories[column].isna().all(), column
    assert "attainment_below" not in {a.kind for a in alerts(perf, Thresholds())}
