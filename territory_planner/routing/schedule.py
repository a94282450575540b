"""A rep's visit calendar: every account at its frequency, evenly spaced, short days.

Two parts, as in the periodic vehicle-routing literature:

1. **Which days** (our heuristic). An account visited every ``p`` weeks gets
   a pattern: a first week ``0 <= o < p`` and a weekday, so its visits fall
   on weeks ``o, o + p, ...`` on that weekday, exactly ``p`` weeks apart
   (a biweekly account in weeks 1 and 3, never 1 and 2). Patterns are chosen
   greedily, most valuable account first, by the extra driving they add
   (cheapest insertion into each day's tour) plus a penalty for loading a
   day above the average, so days come out balanced. A local search then
   takes each account out and puts it back in its best pattern while that
   lowers the total. Accounts visited less often than the horizon (e.g.
   quarterly in a 4-week plan) are split into geographic groups, one per
   week of their cycle, and only the groups falling in the horizon are
   planned. A one-week plan is also solved as a whole week by PyVRP (a
   vehicle per day, days capped), and the best week found either way is
   settled by moving and swapping visits between days so that its days stay
   within 15% of each other with the least driving.
2. **Which order** (PyVRP, see `tour.route_day`): each day is routed from
   home and back within working hours.

When visits do not fit (an oversubscribed territory), the most valuable
accounts are planned first and every visit left out is listed with the
reason and the hours missing. Nothing is dropped silently and no day is
planned over its hours without saying so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from territory_planner.formats import plural
from territory_planner.model import Project
from territory_planner.routing.calendar_inputs import NOON, next_monday, rep_problem
from territory_planner.routing.calendar_types import (
    DaySummary,
    LeftOut,
    Problem,
    Schedule,
    Visit,
)
from territory_planner.routing.tour import DayRoute, Stop, route_day, tour_minutes
from territory_planner.routing.travel import TravelTimes
from territory_planner.routing.week_plan import _Days, _fixed_phases, _patterns, plan_days
from territory_planner.tasks import CancelToken, Progress, no_progress
from territory_planner.workdays import DAYS

# ---------------------------------------------------------------- the calendar


def build_schedule(
    project: Project,
    rep_id: str,
    weeks: int | None = None,
    *,
    start: date | None = None,
    allow_overtime: bool = False,
    travel: TravelTimes | None = None,
    lunch: float = 30.0,
    max_drive: float | None = None,
    days_off: Iterable[date] = (),
    priority: str = "potential",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Schedule:
    """Plan a rep's visits over `weeks` weeks (default: the longest visit cycle, at most 13).

    Every day is routed from home and back within the rep's hours (minus
    `lunch` minutes, and with at most `max_drive` minutes of driving if
    given); `days_off` are not planned. Accounts may have ``preferred_days``
    ("Tue,Thu"), ``visit_window`` ("09:00-12:00") and ``appointment``
    ("2026-12-03 10:00", a fixed day and start time) columns. Visits that do
    not fit are listed in `Schedule.left_out` with the reason and the hours
    they need, the most valuable by `priority` (an account column) planned
    first; with `allow_overtime` every visit is planned and the days run
    over instead (`DaySummary.overtime` says by how much).

    Parameters
    ----------
    project
        The project (its reps, territories and accounts).
    rep_id
        The rep to plan (unknown, or without a home: `InputError`).
    weeks
        The plan's length in weeks (1 to 13); None: the longest visit cycle.
    start
        The plan's first day, moved back to its Monday; None: the next Monday.
    allow_overtime
        Plan every visit, running days over, instead of leaving visits out.
    travel
        Where travel times come from; None: the straight-line `TravelModel`.
    lunch
        The daily lunch break, in minutes (taken before the first visit after noon).
    max_drive
        The most driving a day, in minutes; None: no limit.
    days_off
        Dates not worked (those before `start` are ignored).
    priority
        The account column whose value decides which visits are planned first.
    progress
        Told the share done (0 to 1) and what is going on.
    cancel
        Checked between steps; a cancel raises.

    Returns
    -------
    Schedule
        The visits in order with times, each day's summary, what was left out and
        why, the drive of a plan made the simple way (for comparison) and suggestions.
    """
    start = start or next_monday()
    if start.weekday() != 0:
        start -= timedelta(days=start.weekday())
    off = frozenset(((d - start).days // 7, d.weekday()) for d in days_off if (d - start).days >= 0)
    problem, unplaced, rep = rep_problem(
        project, rep_id, weeks, travel=travel, lunch=lunch, value_column=priority,
        max_drive=max_drive, days_off=off, allow_overtime=allow_overtime, start=start,
    )  # fmt: skip
    days, chosen, left = plan_days(problem, progress, cancel)
    fixed = problem.appointments
    schedule = Schedule(rep_id, str(rep["name"]), problem.weeks, start)
    schedule.available_minutes = problem.hours.available * len(days.slots)
    schedule.left_out = unplaced + [_left_out(problem, a, _why_left(problem, a)) for a in left]
    hours = problem.hours
    end_of_day = hours.day_end - hours.lunch
    for s, (week, weekday) in enumerate(days.slots):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(0.7 + 0.3 * s / max(len(days.slots), 1), "Routing each day")
        stops = [_stop(problem, r) for r in days.tours[s]]
        route = route_day(problem.minutes, stops, hours.day_start, end_of_day, seed=s)
        while route.overtime > 0 and not allow_overtime and route.order:
            worst = min(  # the least valuable visit goes, appointments last
                route.order,
                key=lambda r: (fixed[r - 1] is not None, problem.value[r - 1]),
            )
            schedule.left_out.append(
                _left_out(problem, worst - 1, "the day would run over working hours", visits=1)
            )
            stops = [x for x in stops if x.index != worst]
            route = route_day(problem.minutes, stops, hours.day_start, end_of_day, seed=s)
        _add_day(schedule, problem, route, week, weekday)
    schedule.naive_drive_minutes = naive_drive(problem, chosen, days)
    schedule.suggestions = suggestions(project, problem, schedule)
    progress(1.0, "Calendar ready")
    return schedule


def _route_clock(problem: Problem, minute: float) -> float:
    """A time of day as the router sees it.

    The day is routed without the lunch break, which `_add_day` then inserts
    before the first visit starting after noon.
    """
    lunch = problem.hours.lunch
    return minute - lunch if lunch and minute >= NOON + lunch else minute


def _stop(problem: Problem, row: int) -> Stop:
    window = problem.windows[row - 1] if problem.windows else None
    if window is None:
        return Stop(row, float(problem.service[row - 1]), None, None)
    early, late = (_route_clock(problem, t) for t in window)
    return Stop(row, float(problem.service[row - 1]), early, late)


def suggestions(project: Project, problem: Problem, schedule: Schedule) -> list[str]:
    """What would fit the visits left out: overtime, fewer visits, or another rep.

    Parameters
    ----------
    project
        The project (its reps' homes, for the nearest other rep).
    problem
        The rep's calendar problem the schedule was planned from.
    schedule
        The planned schedule (its ``left_out``).

    Returns
    -------
    list[str]
        One sentence per suggestion; empty when no visit was left out.
    """
    missing = [x for x in schedule.left_out if x.visits]
    if not missing:
        return []
    hours = sum(x.hours for x in missing)
    visits = sum(x.visits for x in missing)
    tips = [
        f"Allow overtime: about {hours:.1f} h of visits (plus driving) over "
        f"{plural(problem.weeks, 'week')} would fit "
        + ("the visit left out." if visits == 1 else f"all {visits} visits left out.")
    ]
    index = {a: i for i, a in enumerate(problem.ids)}
    frequent = sorted(
        (a for a in range(len(problem.ids)) if problem.period[a] == 1),
        key=lambda a: problem.value[a],
    )
    freed, lower = 0.0, []
    for account in frequent:
        if freed >= hours:
            break
        freed += problem.service[account] * (problem.weeks - len(range(0, problem.weeks, 2))) / 60
        lower.append(problem.names[account])
    if lower and freed >= hours:
        tips.append(
            f"Visit {len(lower)} of the least valuable weekly accounts every two weeks instead "
            f"(frees {freed:.1f} h), e.g. {', '.join(lower[:3])}."
        )
    others = project.reps[(project.reps["rep_id"] != schedule.rep_id) & project.reps["lon"].notna()]
    if len(others) and missing[0].account_id in index:
        row = index[missing[0].account_id] + 1
        lon, lat = problem.lon[row], problem.lat[row]
        scale = math.cos(math.radians(lat))
        distance = np.hypot((others["lon"] - lon) * scale, others["lat"] - lat)
        nearest = others.iloc[int(np.argmin(distance.to_numpy()))]
        tips.append(
            f"Move accounts on the edge of the territory to a neighbouring rep, e.g. "
            f"{missing[0].name} is nearest to {nearest['name']}'s home among the other reps."
        )
    return tips


def _why_left(problem: Problem, account: int) -> str:
    """Why no day holds the account's visits: too far for a day trip, the drive limit, or full."""
    there, back = float(problem.minutes[0, account + 1]), float(problem.minutes[account + 1, 0])
    hours = problem.hours
    trip = there + float(problem.service[account]) + back
    if trip > hours.available:
        return (
            f"beyond a day trip: {there / 60:.1f} h from home each way, {trip / 60:.1f} h with "
            f"the visit, and a working day has {hours.available / 60:.1f} h"
        )
    if hours.max_drive is not None and there + back > hours.max_drive:
        return (
            f"beyond the driving limit: {(there + back) / 60:.1f} h there and back, the limit "
            f"is {hours.max_drive / 60:.1f} h a day"
        )
    return "no room in any day"


def _left_out(problem: Problem, account: int, reason: str, visits: int | None = None) -> LeftOut:
    p = int(problem.period[account])
    count = visits if visits is not None else max(len(range(0, problem.weeks, p)), 1)
    hours = count * float(problem.service[account]) / 60
    return LeftOut(problem.ids[account], problem.names[account], count, round(hours, 2), reason)


def _add_day(
    schedule: Schedule, problem: Problem, route: DayRoute, week: int, weekday: int
) -> None:
    lunch = problem.hours.lunch
    noon = NOON
    shift = 0.0
    path = np.array([0, *route.order, 0])
    legs = problem.km[path[:-1], path[1:]] if route.order else np.zeros(0)
    km = 0.0
    for number, (row, arrival, departure, drive, leg) in enumerate(
        zip(
            route.order, route.arrival, route.departure, route.drive_before, legs[:-1], strict=True
        ),
        start=1,
    ):
        if shift == 0 and lunch and arrival >= noon:
            shift = lunch  # lunch before the first visit that starts after noon
        km += float(leg)
        schedule.visits.append(
            Visit(
                problem.ids[row - 1], problem.names[row - 1], week, weekday, number,
                arrival + shift, departure + shift, drive, float(leg),
            )
        )  # fmt: skip
    if route.order:
        km += float(legs[-1])  # back home
    end = route.end + (lunch if route.order else 0.0)
    schedule.days.append(
        DaySummary(
            week, weekday, schedule.start_date + timedelta(weeks=week, days=weekday),
            len(route.order), float(sum(problem.service[r - 1] for r in route.order)),
            route.drive_minutes, km, route.start, end,
            max(0.0, end - problem.hours.day_end),
        )
    )  # fmt: skip


def naive_drive(problem: Problem, chosen: dict[int, list[int]], days: _Days) -> float:
    """Driving of a plan made by hand the simple way, for comparison.

    The same accounts, taken in ZIP order, each given the pattern whose days
    are least loaded so far (so the days are as balanced as ours and every
    frequency is met), and each day driven in ZIP order.

    Parameters
    ----------
    problem
        The rep's calendar problem.
    chosen
        The accounts planned (by index; only the keys are used), as `plan_days` gives them.
    days
        The working days of the plan (their slots).

    Returns
    -------
    float
        The total driving minutes of that simple plan.
    """
    tours: list[list[int]] = [[] for _ in days.slots]
    load = np.zeros(len(days.slots))
    phases = _fixed_phases(problem)
    for account in sorted(chosen, key=lambda a: (problem.zips[a], problem.ids[a])):
        patterns = _patterns(problem, account, days, phases[account])
        slots = min(patterns, key=lambda p: (max(load[s] for s in p), p))
        for s in slots:
            tours[s].append(account + 1)
            load[s] += problem.service[account]
    return float(sum(tour_minutes(problem.minutes, t) for t in tours))


def clock(minutes: float) -> str:
    """Minutes from midnight as HH:MM.

    Parameters
    ----------
    minutes
        The time in minutes from midnight (rounded to the nearest minute).

    Returns
    -------
    str
        The time as "HH:MM" (e.g. 510 -> "08:30").
    """
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


#: Account columns copied into each visit of `schedule_record` (when the project has them).
CONTACT_COLUMNS = ("street", "city", "state", "zip", "phone")


def _contacts(accounts: pd.DataFrame | None, ids: set[str]) -> dict[str, dict[str, str]]:
    """The contact columns of the accounts `ids` (not of the whole project: 100,000 dicts)."""
    if accounts is None:
        return {}
    columns = [c for c in CONTACT_COLUMNS if c in accounts.columns]
    mine = accounts["account_id"].astype(str).isin(ids)
    table = accounts.loc[mine, ["account_id", *columns]].set_index("account_id").astype(object)
    table = table.where(table.notna(), "").astype(str)
    return {
        str(k): {str(c): str(x) for c, x in v.items()} for k, v in table.to_dict("index").items()
    }


def schedule_record(schedule: Schedule, accounts: pd.DataFrame | None = None) -> dict[str, object]:
    """A schedule as plain JSON data: totals, each day's ordered visits, what was left out.

    With the project's `accounts`, each visit also carries the account's
    address (street, city, state, ZIP) and phone, for exports.

    Parameters
    ----------
    schedule
        The planned schedule.
    accounts
        The project's accounts, for the `CONTACT_COLUMNS` they have; None: no contacts.

    Returns
    -------
    dict[str, object]
        ``rep_id``, ``rep``, ``weeks``, ``start_date``, ``totals``, ``days`` (each with
        its ``visits``), ``suggestions`` and ``left_out``.
    """
    contacts = _contacts(accounts, {v.account_id for v in schedule.visits})
    visits_by_day: dict[tuple[int, int], list[Visit]] = {}
    for visit in schedule.visits:
        visits_by_day.setdefault((visit.week, visit.weekday), []).append(visit)
    return {
        "rep_id": schedule.rep_id,
        "rep": schedule.rep_name,
        "weeks": schedule.weeks,
        "start_date": schedule.start_date.isoformat(),
        "totals": schedule.totals(),
        "days": [
            {
                "date": day.date.isoformat(),
                "week": day.week + 1,
                "day": DAYS[day.weekday],
                "start": clock(day.start),
                "end": clock(day.end),
                "drive_minutes": round(day.drive_minutes, 1),
                "visit_minutes": round(day.visit_minutes, 1),
                "km": round(day.km, 1),
                "overtime_minutes": round(day.overtime, 1),
                "visits": [
                    {
                        "order": v.order,
                        "account_id": v.account_id,
                        "name": v.name,
                        "arrival": clock(v.arrival),
                        "departure": clock(v.departure),
                        "drive_minutes": round(v.drive_before, 1),
                        "km": round(v.km_before, 1),
                        **contacts.get(v.account_id, {}),
                    }
                    for v in visits_by_day.get((day.week, day.weekday), [])
                ],
            }
            for day in schedule.days
        ],
        "suggestions": schedule.suggestions,
        "left_out": [
            {
                "account_id": x.account_id,
                "name": x.name,
                "visits": x.visits,
                "hours": x.hours,
                "reason": x.reason,
            }
            for x in schedule.left_out
        ],
    }
