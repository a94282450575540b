"""Visit calendars for small random territories: frequencies met, hours kept, nothing lost.

A rep with a handful of accounts (random places, frequencies and visit
lengths, some with no position) gets a plan over 1-4 weeks. For every
account, its visits fall every `period` weeks on one weekday, and the visits
planned plus the visits reported as left out are what its frequency asks for
in the horizon; no day runs past the working hours unless overtime is
allowed, and with overtime allowed nothing placed is left out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd
import shapely
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from territory_planner.model import (
    ACCOUNT_COLUMNS,
    CRS,
    REP_COLUMNS,
    TERRITORY_COLUMNS,
    Project,
    conform,
)
from territory_planner.routing.calendar_types import Schedule, Visit
from territory_planner.routing.schedule import build_schedule, schedule_record
from territory_planner.routing.workload import frequency_weeks
from tests.property.conftest import examples

HOME = (-71.06, 42.36)
START = date(2027, 1, 4)  # a Monday
DAY_START, DAY_END = 8 * 60, 17 * 60
SECOND = 1 / 60  # the router works in whole seconds: legs are rounded to one
FREQUENCIES = ("weekly", "biweekly", "monthly", "quarterly", "every 3 weeks", None)

account = st.fixed_dictionaries(
    {
        "dx": st.floats(-0.4, 0.4),
        "dy": st.floats(-0.3, 0.3),
        "placed": st.sampled_from([True, True, True, True, False]),
        "frequency": st.sampled_from(FREQUENCIES),
        "minutes": st.one_of(
            st.sampled_from([None, 30, 45, 60, 90]), st.integers(5, 240), st.just(500)
        ),
        "potential": st.floats(0, 1e6),
    }
)


def project_of(accounts: list[dict[str, object]]) -> Project:
    n = len(accounts)
    lon = [HOME[0] + float(str(a["dx"])) if a["placed"] else math.nan for a in accounts]
    lat = [HOME[1] + float(str(a["dy"])) if a["placed"] else math.nan for a in accounts]
    frame = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "name": [f"Account {i}" for i in range(n)],
            "zip": [f"{2100 + i:05d}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "visit_frequency": [a["frequency"] for a in accounts],
            "visit_minutes": pd.array([a["minutes"] for a in accounts], dtype="Int64"),
            "potential": [a["potential"] for a in accounts],
            "territory_id": ["T1"] * n,
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["R1"],
            "name": ["Rep One"],
            "lon": [HOME[0]],
            "lat": [HOME[1]],
            "work_days": ["Mon,Tue,Wed,Thu,Fri"],
            "day_start": ["08:00"],
            "day_end": ["17:00"],
        }
    )
    territories = gpd.GeoDataFrame(
        conform(pd.DataFrame({"territory_id": ["T1"], "name": ["North"], "rep_id": ["R1"]}),
                TERRITORY_COLUMNS),
        geometry=gpd.GeoSeries([shapely.box(-72, 41.5, -70, 43)], crs=CRS),
        crs=CRS,
    )  # fmt: skip
    return Project(conform(frame, ACCOUNT_COLUMNS), conform(reps, REP_COLUMNS), territories)


def asked(period: int, weeks: int, first_week: int) -> int:
    """Visits a frequency asks for in the horizon, from its first week on."""
    return len(range(first_week, weeks, period))


def check_days(schedule: Schedule, allow_overtime: bool) -> None:
    """Every working day of the horizon once, in hours unless overtime is allowed."""
    assert [(d.week, d.weekday) for d in schedule.days] == [
        (w, d) for w in range(schedule.weeks) for d in range(5)
    ]
    for day in schedule.days:
        assert day.date == START + timedelta(weeks=day.week, days=day.weekday)
        assert day.start >= DAY_START - 1e-6
        if not allow_overtime:
            assert day.overtime == 0, f"day {day.date} runs over"
            assert day.end <= DAY_END + SECOND
        else:
            assert day.overtime == max(0.0, day.end - DAY_END)


def check_visits(schedule: Schedule, service: dict[str, int], allow_overtime: bool) -> None:
    """On working days, one per account and day, in order, times that add up."""
    by_day: dict[tuple[int, int], list[Visit]] = defaultdict(list)
    for visit in schedule.visits:
        by_day[(visit.week, visit.weekday)].append(visit)
    for (week, weekday), visits in by_day.items():
        assert 0 <= week < schedule.weeks
        assert 0 <= weekday < 5
        assert len({v.account_id for v in visits}) == len(visits), "an account twice a day"
        assert [v.order for v in visits] == list(range(1, len(visits) + 1))
        clock = DAY_START
        for v in visits:
            assert v.arrival >= clock + v.drive_before - SECOND
            assert math.isclose(v.departure - v.arrival, service[v.account_id], abs_tol=1e-6)
            clock = v.departure
            if not allow_overtime:
                assert v.departure <= DAY_END + SECOND


def check_frequency(
    account_id: str, period: int, got: list[tuple[int, int]], missing: int, horizon: int
) -> None:
    """Visits every `period` weeks on one weekday; planned + left out = what is asked."""
    if period > horizon:  # at most one visit in this horizon (the others in later ones)
        assert len(got) + missing <= 1
        return
    assert len({d for _w, d in got}) <= 1, f"{account_id} moves between weekdays"
    weeks_seen = {w for w, _d in got}
    phases = [o for o in range(period) if weeks_seen <= set(range(o, horizon, period))]
    assert any(len(got) + missing == asked(period, horizon, o) for o in phases), (
        f"{account_id}: {len(got)} planned + {missing} left out"
    )
    if horizon % period == 0:
        assert len(got) + missing == horizon // period


@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.too_slow])
@given(
    accounts=st.lists(account, min_size=1, max_size=9),
    weeks=st.sampled_from([None, 1, 2, 3, 4]),
    allow_overtime=st.booleans(),
    lunch=st.sampled_from([0.0, 30.0]),
)
def test_frequencies_met_or_reported_and_hours_kept(
    accounts: list[dict[str, object]], weeks: int | None, allow_overtime: bool, lunch: float
) -> None:
    project = project_of(accounts)
    schedule = build_schedule(
        project, "R1", weeks, start=START, allow_overtime=allow_overtime, lunch=lunch
    )
    note(
        f"weeks {schedule.weeks}; visits {[(v.account_id, v.week, v.weekday) for v in schedule.visits]}"
    )
    note(f"left out {schedule.left_out}")
    service = {
        f"A{i}": 45 if a["minutes"] is None else int(str(a["minutes"]))
        for i, a in enumerate(accounts)
    }
    check_days(schedule, allow_overtime)
    check_visits(schedule, service, allow_overtime)

    planned: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for visit in schedule.visits:
        planned[visit.account_id].append((visit.week, visit.weekday))
    missing: dict[str, int] = defaultdict(int)
    reasons: dict[str, list[str]] = defaultdict(list)
    for item in schedule.left_out:
        missing[item.account_id] += item.visits
        reasons[item.account_id].append(item.reason)
    for i, a in enumerate(accounts):
        account_id = f"A{i}"
        if not a["placed"]:
            assert not planned[account_id]
            assert reasons[account_id], f"{account_id} has no position and is not listed"
            assert "no position" in reasons[account_id][0]
            continue
        period = frequency_weeks(a["frequency"])
        check_frequency(
            account_id, period, planned[account_id], missing[account_id], schedule.weeks
        )
        if allow_overtime:
            assert missing[account_id] == 0, "with overtime allowed every visit is planned"

    event(f"visits left out: {any(x.visits for x in schedule.left_out)}")
    event(f"days over their hours: {any(d.overtime > 0 for d in schedule.days)}")
    totals = schedule.totals()
    assert totals["visits"] == len(schedule.visits)
    assert totals["left_out_visits"] == sum(x.visits for x in schedule.left_out)
    record = schedule_record(schedule, project.accounts)
    days = record["days"]
    assert isinstance(days, list)
    assert sum(len(d["visits"]) for d in days) == len(schedule.visits)
