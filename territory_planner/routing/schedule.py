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
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.formats import plural
from territory_planner.model import Project
from territory_planner.routing.tour import DayRoute, Stop, quick_tour, route_day, tour_minutes
from territory_planner.routing.travel import Kilometres, TravelModel, TravelTimes
from territory_planner.routing.workload import MAX_WEEKS, frequency_weeks, visit_minutes
from territory_planner.tasks import CancelToken, Progress, no_progress

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Weeks between visits for each visit-frequency code.
BALANCE_WEIGHT = 0.5  # minutes of penalty per minute of load above the average day
SECTOR_WEIGHT = 15.0  # minutes of penalty per weekday sector away from the account's own


@dataclass(frozen=True)
class RepHours:
    """When a rep works: weekdays (0 = Monday), start and end (minutes), lunch, drive limit."""

    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    day_start: float = 8 * 60
    day_end: float = 17 * 60
    lunch: float = 30.0
    max_drive: float | None = None  # minutes per day
    days_off: frozenset[tuple[int, int]] = frozenset()  # (week, weekday)

    @property
    def available(self) -> float:
        """Minutes of a working day for visits and driving."""
        return self.day_end - self.day_start - self.lunch


@dataclass
class Visit:
    """One planned visit."""

    account_id: str
    name: str
    week: int  # 0-based
    weekday: int  # 0 = Monday
    order: int  # 1-based within the day
    arrival: float  # minutes from midnight
    departure: float
    drive_before: float  # minutes from the previous stop (or home)
    km_before: float


@dataclass
class LeftOut:
    """A visit that is not in the plan, and why."""

    account_id: str
    name: str
    visits: int  # how many visits of the horizon are missing
    hours: float  # visit hours they need
    reason: str


@dataclass
class DaySummary:
    """One working day of the plan."""

    week: int
    weekday: int
    date: date
    visits: int
    visit_minutes: float
    drive_minutes: float
    km: float
    start: float
    end: float
    overtime: float


@dataclass
class Schedule:
    """A rep's calendar over the horizon, with totals and what was left out."""

    rep_id: str
    rep_name: str
    weeks: int
    start_date: date
    visits: list[Visit] = field(default_factory=list)
    days: list[DaySummary] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    available_minutes: float = 0.0
    naive_drive_minutes: float = 0.0  # the same visits in ZIP order, for comparison
    suggestions: list[str] = field(default_factory=list)  # ways to fit what was left out

    @property
    def drive_minutes(self) -> float:
        """Driving over the horizon."""
        return float(sum(d.drive_minutes for d in self.days))

    @property
    def visit_minutes(self) -> float:
        """Time at customers over the horizon."""
        return float(sum(d.visit_minutes for d in self.days))

    def totals(self) -> dict[str, float | int]:
        """Visits, hours, km, utilisation, overtime, and the saving over the naive plan."""
        km = float(sum(d.km for d in self.days))
        used = self.visit_minutes + self.drive_minutes
        return {
            "visits": len(self.visits),
            "visit_hours": round(self.visit_minutes / 60, 2),
            "drive_hours": round(self.drive_minutes / 60, 2),
            "km": round(km, 1),
            "utilisation": round(used / self.available_minutes, 4) if self.available_minutes else 0,
            "overtime_hours": round(sum(d.overtime for d in self.days) / 60, 2),
            "left_out_visits": sum(x.visits for x in self.left_out),
            "naive_drive_hours": round(self.naive_drive_minutes / 60, 2),
            "drive_saving": round(1 - self.drive_minutes / self.naive_drive_minutes, 4)
            if self.naive_drive_minutes
            else 0.0,
        }


@dataclass
class Problem:
    """What the calendar heuristic works on (index 0 of the matrices is home)."""

    ids: list[str]
    names: list[str]
    period: np.ndarray  # weeks between visits
    service: np.ndarray  # minutes per visit
    value: np.ndarray  # priority: higher is planned first
    minutes: np.ndarray  # (n + 1) x (n + 1) driving minutes
    km: Kilometres  # road km of a leg: ``km[origins, destinations]`` (a matrix, or computed)
    zips: list[str]
    lon: np.ndarray  # index 0 is home
    lat: np.ndarray
    hours: RepHours
    weeks: int
    #: weekdays each account may be visited on (None: any working day)
    preferred: list[frozenset[int] | None] = field(default_factory=list)
    #: the time of day each visit must start in, (earliest, latest) minutes (None: any)
    windows: list[tuple[float, float] | None] = field(default_factory=list)
    #: a fixed appointment: (week, weekday, start minute) of the horizon (None: none)
    appointments: list[tuple[int, int, float] | None] = field(default_factory=list)
    allow_overtime: bool = False  # plan every visit, running days over if need be


# ---------------------------------------------------------------- inputs


def parse_time(text: object, default: float) -> float:
    """Minutes from midnight of a time such as 08:30 (510); `default` when unreadable."""
    if not isinstance(text, str) or ":" not in text:
        return default
    hours, _, minutes = text.partition(":")
    try:
        return int(hours) * 60 + int(minutes)
    except ValueError:
        return default


def parse_days(text: object) -> frozenset[int] | None:
    """Weekdays from "Tue,Thu" or "Mon-Wed" (None when empty or unreadable)."""
    if not isinstance(text, str) or not text.strip():
        return None
    found: set[int] = set()
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        bounds = [b[:3].capitalize() for b in part.split("-") if b]
        if not bounds or any(b not in DAYS for b in bounds):
            continue
        first, last = DAYS.index(bounds[0]), DAYS.index(bounds[-1])
        found.update(range(first, last + 1))
    return frozenset(found) or None


def parse_window(text: object) -> tuple[float, float] | None:
    """A visit window such as "09:00-12:00" in minutes (None when empty or unreadable)."""
    if not isinstance(text, str) or "-" not in text:
        return None
    early, _, late = text.partition("-")
    start, end = parse_time(early.strip(), -1.0), parse_time(late.strip(), -1.0)
    return (start, end) if 0 <= start < end else None


@dataclass(frozen=True)
class DayRules:
    """A rep's day: lunch break and most driving (minutes), and the days off."""

    lunch: float = 30.0
    max_drive: float | None = None
    days_off: tuple[date, ...] | list[date] = ()


def parse_dates(text: str) -> list[date]:
    """Dates typed as "2026-12-24, 2026-12-25" (commas, semicolons or spaces between).

    Raises
    ------
    ValueError
        Naming the first piece that is not a YYYY-MM-DD date.
    """
    days = []
    for piece in re.split(r"[,;\s]+", text.strip()):
        if not piece:
            continue
        try:
            days.append(date.fromisoformat(piece))
        except ValueError:
            msg = f"'{piece}' is not a date: write dates as YYYY-MM-DD, separated by commas"
            raise ValueError(msg) from None
    return days


NOON = 12 * 60  # the lunch break starts before the first visit after noon


def parse_appointment(text: object, start: date, weeks: int) -> tuple[int, int, float] | None:
    """A fixed appointment ("2026-12-03 10:00") as (week, weekday, minute) of a plan.

    None when the cell is empty or the date falls outside the plan's weeks.

    Raises
    ------
    ValueError
        If the text is not a date and time.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return None
    when = datetime.fromisoformat(str(text).strip().replace("/", "-"))
    days = (when.date() - start).days
    if not 0 <= days < 7 * weeks:
        return None
    return days // 7, when.weekday(), when.hour * 60.0 + when.minute


def rep_hours(rep: pd.Series, lunch: float = 30.0, max_drive: float | None = None) -> RepHours:
    """A rep's working days and hours from the Reps table."""
    days = str(rep.get("work_days") or "Mon,Tue,Wed,Thu,Fri")
    work = tuple(i for i, d in enumerate(DAYS) if d in days.split(","))
    return RepHours(
        work_days=work or (0, 1, 2, 3, 4),
        day_start=parse_time(rep.get("day_start"), 8 * 60),
        day_end=parse_time(rep.get("day_end"), 17 * 60),
        lunch=lunch,
        max_drive=max_drive,
    )


def rep_problem(
    project: Project,
    rep_id: str,
    weeks: int | None = None,
    *,
    travel: TravelTimes | None = None,
    lunch: float = 30.0,
    value_column: str = "potential",
    max_drive: float | None = None,
    days_off: frozenset[tuple[int, int]] = frozenset(),
    allow_overtime: bool = False,
    start: date | None = None,
) -> tuple[Problem, list[LeftOut], pd.Series]:
    """The accounts of a rep's territories as a calendar problem.

    An ``appointment`` column ("2026-12-03 10:00") fixes a visit's day and
    start time (its other visits, if any, fall on the same weekday and time
    every cycle); `start` is the plan's first Monday. Returns the problem,
    the accounts that cannot be planned at all (no position, an unreadable
    appointment), and the rep's row.
    """
    hits = project.reps[project.reps["rep_id"] == rep_id]
    if hits.empty:
        known = ", ".join(project.reps["rep_id"].astype(str).head(20))
        msg = f"there is no rep '{rep_id}'; the reps are: {known}"
        raise InputError(msg)
    rep = hits.iloc[0]
    if not (np.isfinite(rep["lon"]) and np.isfinite(rep["lat"])):
        msg = f"rep {rep['name']} has no home position; set a home ZIP in the Reps panel"
        raise InputError(msg)
    territories = project.territories.loc[project.territories["rep_id"] == rep_id, "territory_id"]
    acc = project.accounts[project.accounts["territory_id"].isin(set(territories))]
    placed = np.isfinite(acc["lon"].to_numpy()) & np.isfinite(acc["lat"].to_numpy())
    unplaced = [
        LeftOut(str(a), str(n), 0, 0.0, "no position on the map: place it first")
        for a, n in zip(acc.loc[~placed, "account_id"], acc.loc[~placed, "name"], strict=True)
    ]
    acc = acc[placed]
    period = np.array([frequency_weeks(f) for f in acc["visit_frequency"]], dtype=int)
    horizon = int(weeks or min(max(int(period.max(initial=1)), 1), MAX_WEEKS))
    if not 1 <= horizon <= MAX_WEEKS:
        msg = f"the plan covers 1 to {MAX_WEEKS} weeks, not {horizon}"
        raise InputError(msg)
    by_account, unreadable = _appointments(acc, start or next_monday(), horizon)
    unplaced += unreadable
    acc = acc[~acc["account_id"].isin({u.account_id for u in unreadable})]
    appointments = [by_account[str(a)] for a in acc["account_id"]]
    period = np.array([frequency_weeks(f) for f in acc["visit_frequency"]], dtype=int)
    lon = np.append(rep["lon"], acc["lon"].to_numpy(dtype=float))
    lat = np.append(rep["lat"], acc["lat"].to_numpy(dtype=float))
    km, minutes = (travel or TravelModel()).planning_tables(lon, lat)
    service = visit_minutes(acc)
    value = (
        pd.to_numeric(acc[value_column], errors="coerce").fillna(0).to_numpy(dtype=float)
        if value_column in acc.columns
        else np.zeros(len(acc))
    )
    problem = Problem(
        ids=acc["account_id"].astype(str).tolist(),
        names=acc["name"].fillna("").astype(str).tolist(),
        period=period,
        service=service,
        value=value,
        minutes=minutes,
        km=km,
        zips=acc["zip"].fillna("").astype(str).tolist(),
        lon=lon,
        lat=lat,
        hours=replace(rep_hours(rep, lunch, max_drive), days_off=days_off),
        weeks=horizon,
        preferred=[parse_days(v) for v in acc.get("preferred_days", pd.Series(index=acc.index))],
        windows=_windows(acc, appointments),
        appointments=appointments,
        allow_overtime=allow_overtime,
    )
    return problem, unplaced, rep


def _windows(
    acc: pd.DataFrame, appointments: list[tuple[int, int, float] | None]
) -> list[tuple[float, float] | None]:
    """Start windows: an appointment's time, else the ``visit_window`` column's."""
    cells = acc.get("visit_window", pd.Series(index=acc.index, dtype=object))
    return [
        (fixed[2], fixed[2]) if fixed is not None else parse_window(cell)
        for cell, fixed in zip(cells, appointments, strict=True)
    ]


def _appointments(
    acc: pd.DataFrame, start: date, weeks: int
) -> tuple[dict[str, tuple[int, int, float] | None], list[LeftOut]]:
    """Each account's appointment in the plan (by ID), and the accounts whose cell is unreadable."""
    found: dict[str, tuple[int, int, float] | None] = {}
    bad: list[LeftOut] = []
    cells = acc.get("appointment", pd.Series(index=acc.index, dtype=object))
    for account_id, name, cell in zip(acc["account_id"], acc["name"], cells, strict=True):
        try:
            found[str(account_id)] = parse_appointment(cell, start, weeks)
        except ValueError:
            found[str(account_id)] = None
            reason = f"appointment '{cell}' is not a date and time such as 2026-12-03 10:00"
            bad.append(LeftOut(str(account_id), str(name), 0, 0.0, reason))
    return found, bad


# ---------------------------------------------------------------- patterns


@dataclass
class _Days:
    """The working days of the horizon, each with its visits (matrix rows) in tour order."""

    slots: list[tuple[int, int]]  # (week, weekday)
    tours: list[list[int]]
    load: np.ndarray  # service + driving minutes per day
    drive: np.ndarray

    @classmethod
    def empty(cls, problem: Problem) -> _Days:
        hours = problem.hours
        slots = [
            (w, d)
            for w in range(problem.weeks)
            for d in hours.work_days
            if (w, d) not in hours.days_off
        ]
        return cls(slots, [[] for _ in slots], np.zeros(len(slots)), np.zeros(len(slots)))


def _patterns(problem: Problem, account: int, days: _Days, phase: int | None) -> list[list[int]]:
    """Day-slot lists an account could be visited on (all its visits in the horizon)."""
    p = int(problem.period[account])
    index = {slot: i for i, slot in enumerate(days.slots)}
    phases = [phase] if phase is not None else list(range(min(p, problem.weeks)))
    result = []
    allowed = problem.preferred[account] if problem.preferred else None
    fixed = problem.appointments[account] if problem.appointments else None
    if fixed is not None:
        phases, allowed = [fixed[0] % p], frozenset({fixed[1]})
    weekdays = [d for d in problem.hours.work_days if allowed is None or d in allowed]
    for o in phases:
        weeks = list(range(o, problem.weeks, p))
        if not weeks:
            continue
        for weekday in weekdays or problem.hours.work_days:
            slots = [index.get((w, weekday)) for w in weeks]
            if all(s is not None for s in slots):
                result.append([s for s in slots if s is not None])
    if fixed is not None:  # the appointment's own day must exist (not off, a working day)
        return result if (fixed[0], fixed[1]) in index else []
    return result


def _insertion(problem: Problem, tour: list[int], row: int) -> tuple[float, int]:
    """Cheapest extra driving to add `row` to a day's tour, and where."""
    m = problem.minutes
    path = [0, *tour, 0]
    extra = m[path[:-1], row] + m[row, path[1:]] - m[path[:-1], path[1:]]
    k = int(np.argmin(extra))
    return float(extra[k]), k


def _fixed_phases(problem: Problem) -> dict[int, int | None]:
    """Phases of accounts visited less often than the horizon: geographic groups per week.

    Such an account has one visit per cycle; sorting them by bearing from
    home and cutting the sequence into `period` runs gives each week of the
    cycle a compact group. Groups whose week lies beyond the horizon are
    planned in a later horizon (phase >= weeks).
    """
    phases: dict[int, int | None] = {}
    east = (problem.lon[1:] - problem.lon[0]) * np.cos(np.radians(problem.lat[0]))
    north = problem.lat[1:] - problem.lat[0]
    bearing = np.arctan2(north, east)
    for p in sorted(set(problem.period.tolist())):
        members = np.flatnonzero(problem.period == p)
        if p <= problem.weeks:
            phases.update(dict.fromkeys(members.tolist()))
            continue
        order = members[np.argsort(bearing[members], kind="stable")]
        for rank, account in enumerate(order):
            phases[int(account)] = int(rank * p // len(order))
    for account, fixed in enumerate(problem.appointments):
        if fixed is not None:
            phases[account] = fixed[0] % int(problem.period[account])
    return phases


def _ring(a: int, b: int, size: int) -> int:
    """Steps between two positions on a ring of `size`."""
    step = abs(a - b) % size
    return min(step, size - step)


def _sectors(problem: Problem) -> np.ndarray:
    """A sector around home per account, one per working weekday, of equal weekly work.

    Accounts are sorted by bearing from home, starting after the widest
    empty angle (so no sector straddles it), and cut where the cumulative
    weekly visit time passes each share. Giving each weekday its own sector
    makes the calendar's days geographic from the start; the cost of leaving
    one's sector is small, so balance and frequency still come first.
    """
    n = len(problem.ids)
    days = max(len(problem.hours.work_days), 1)
    if n == 0:
        return np.zeros(0, dtype=int)
    east = (problem.lon[1:] - problem.lon[0]) * np.cos(np.radians(problem.lat[0]))
    bearing = np.arctan2(problem.lat[1:] - problem.lat[0], east)
    order = np.argsort(bearing, kind="stable")
    ordered = bearing[order]
    gaps = np.diff(np.append(ordered, ordered[0] + 2 * np.pi))
    start = (int(np.argmax(gaps)) + 1) % n
    order = np.roll(order, -start)
    weekly = problem.service / np.maximum(problem.period, 1)
    cumulative = np.cumsum(weekly[order]) - weekly[order] / 2
    share = cumulative / max(float(weekly.sum()), 1e-9)
    sector = np.zeros(n, dtype=int)
    sector[order] = np.minimum((share * days).astype(int), days - 1)
    return sector


class _Planner:
    """Chooses the visit pattern of every account (see the module docstring)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.days = _Days.empty(problem)
        self.phases = _fixed_phases(problem)
        self.chosen: dict[int, list[int]] = {}
        weeks = problem.weeks
        self.accounts = [
            a for a in range(len(problem.ids)) if (self.phases[a] or 0) < weeks
        ]  # the others are visited in a later horizon
        expected = sum(
            problem.service[a] * len(range(0, weeks, int(problem.period[a])))
            if self.phases[a] is None
            else problem.service[a]
            for a in self.accounts
        )
        self.target = expected * 1.25 / max(len(self.days.slots), 1)  # visits + typical driving
        self.sector = _sectors(problem)
        self.slot_sector = [
            problem.hours.work_days.index(weekday) for _week, weekday in self.days.slots
        ]

    def best_pattern(self, account: int) -> list[int] | None:
        """The cheapest pattern that fits the days' hours (None if none fits)."""
        problem, days = self.problem, self.days
        capacity = math.inf if problem.allow_overtime else problem.hours.available
        max_drive = problem.hours.max_drive
        best: tuple[float, list[int]] | None = None
        sectors = len(problem.hours.work_days)
        for slots in _patterns(problem, account, days, self.phases[account]):
            cost = 0.0
            for s in slots:
                extra, _k = _insertion(problem, days.tours[s], account + 1)
                load = days.load[s] + extra + problem.service[account]
                if load > capacity or (max_drive is not None and days.drive[s] + extra > max_drive):
                    break
                cost += extra + BALANCE_WEIGHT * max(0.0, load - self.target)
                cost += SECTOR_WEIGHT * _ring(self.sector[account], self.slot_sector[s], sectors)
            else:
                if best is None or cost < best[0]:
                    best = (cost, slots)
        return best[1] if best else None

    def put(self, account: int, slots: list[int]) -> None:
        """Insert the account's visits into its days at their cheapest places."""
        days = self.days
        for s in slots:
            extra, k = _insertion(self.problem, days.tours[s], account + 1)
            days.tours[s].insert(k, account + 1)
            days.load[s] += extra + self.problem.service[account]
            days.drive[s] += extra
        self.chosen[account] = slots

    def take(self, account: int) -> list[int]:
        """Remove the account's visits; returns the days they were on."""
        slots = self.chosen.pop(account)
        for s in slots:
            self.days.tours[s].remove(account + 1)
            _recount(self.problem, self.days, s)
        return slots

    def total(self) -> float:
        """Driving plus the imbalance penalty."""
        days = self.days
        return float(
            days.drive.sum() + BALANCE_WEIGHT * np.maximum(days.load - self.target, 0).sum()
        )

    def improve(self, order: list[int]) -> bool:
        """One pass: re-place every account in its best pattern; True if anything got better."""
        improved = False
        for account in order:
            if account not in self.chosen:
                found = self.best_pattern(account)
                if found is not None:
                    self.put(account, found)
                    improved = True
                continue
            before = self.total()
            old = self.take(account)
            self.put(account, self.best_pattern(account) or old)
            improved |= self.total() < before - 1e-6
        for s, tour in enumerate(self.days.tours):
            self.days.tours[s] = quick_tour(self.problem.minutes, tour) if tour else []
            _recount(self.problem, self.days, s)
        return improved


def plan_days(
    problem: Problem,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    passes: int = 6,
) -> tuple[_Days, dict[int, list[int]], list[int]]:
    """Choose each account's visit days. Returns the days, account -> slots, accounts left out."""
    planner = _Planner(problem)
    fixed = problem.appointments or [None] * len(problem.ids)
    order = sorted(
        planner.accounts,  # appointments first: their day is not negotiable
        key=lambda a: (fixed[a] is None, -problem.value[a], problem.service[a] / problem.period[a]),
    )
    for step, account in enumerate(order):
        if cancel is not None and step % 50 == 0:
            cancel.raise_if_cancelled()
        found = planner.best_pattern(account)
        if found is not None:
            planner.put(account, found)
        progress(0.3 * step / max(len(order), 1), "Choosing visit days")
    for number in range(passes):
        if cancel is not None:
            cancel.raise_if_cancelled()
        improved = planner.improve(order)
        progress(0.3 + 0.4 * (number + 1) / passes, "Improving the calendar")
        if not improved:
            break
    left = [a for a in order if a not in planner.chosen]
    constrained = (  # what the whole-week routing cannot see: weekdays, driving limits
        any(problem.preferred)
        or any(a is not None for a in problem.appointments)
        or problem.hours.max_drive is not None
    )
    if problem.weeks == 1 and len(order) > 1 and not constrained:
        progress(0.7, "Comparing with a whole-week routing")
        _whole_week(problem, planner, left, order)
        left = [a for a in order if a not in planner.chosen]
    return planner.days, planner.chosen, left


def _whole_week(problem: Problem, planner: _Planner, left: list[int], order: list[int]) -> None:
    """For a one-week plan, let PyVRP route the whole week at once; keep what is best.

    In one week every visit may go to any day, so the week is a vehicle
    routing problem with one vehicle per day. When not everything fits,
    visits are optional with a prize (value first, then as many as
    possible), and the answer replaces ours if it plans more visits, or as
    many with less driving.

    When everything fits (ours, or PyVRP's week with every visit), the days
    must also stay within 15% of each other (`BAND`), which PyVRP cannot be
    told (it has no shortest day): each day is capped a little above the
    average day, tightened until the days come out balanced, and every week
    so found, ours included, is then settled by `_settle_week` (visits moved
    and swapped between days, into the band, then to drive less). The
    balanced week that drives least is kept.
    """
    days = planner.days
    average = (float(days.load.sum()) + float(problem.service[left].sum())) / len(days.slots)
    candidates = [] if left else [[t[:] for t in days.tours]]
    tried: set[int] = set()  # day caps given to PyVRP
    if left and not problem.allow_overtime:  # visits left out: as many as fit, then less driving
        best = _week_vrp(problem, order, len(days.slots), problem.hours.available, optional=True)
        if best is None:
            return
        visited = sum(len(t) for t in best)
        drive = sum(tour_minutes(problem.minutes, t) for t in best)
        ours = sum(len(t) for t in days.tours)
        if visited < len(order):  # still not everything: keep the better, balance aside
            if visited > ours or (visited == ours and drive < float(days.drive.sum()) - 1e-6):
                _take_week(problem, planner, best)
            return
        candidates.append(best)  # everything fits after all: a week to balance like any other
        tried.add(round(problem.hours.available))
        average = sum(_load(problem, t) for t in best) / len(days.slots)
    for slack in (1.12, 1.09, 1.06, 1.03):  # caps from loose to tight, until balanced
        cap = min(problem.hours.available, average * slack)
        if round(cap) in tried:  # the same cap gives the same week
            continue
        tried.add(round(cap))
        tours = _week_vrp(problem, order, len(days.slots), cap, optional=False)
        if tours is None:
            break
        candidates.append(tours)
        loads = [_load(problem, t) for t in tours]
        if min(loads) > 0 and max(loads) <= BAND_AIM * min(loads):
            break
        average = sum(loads) / len(days.slots)
    capacity = math.inf if problem.allow_overtime else problem.hours.available
    if not candidates:
        return
    settled = [
        _settle_week(problem, t, capacity, time.perf_counter() + SETTLE_SECONDS / len(candidates))
        for t in candidates
    ]
    best = min(candidates + settled, key=lambda t: _week_key(problem, t, capacity))
    if left or _week_key(problem, best, capacity) < _week_key(problem, days.tours, capacity):
        _take_week(problem, planner, best)


BAND = 1.15  # a one-week plan's longest day at most this times its shortest
BAND_AIM = 1.145  # what the planner aims at: the router may still shorten a day a little
OVERTIME_WEIGHT = 100.0  # a minute over the working day counts as this many out of the band
SETTLE_SECONDS = 1.5  # for settling the candidate weeks of a one-week plan, shared


def _take_week(problem: Problem, planner: _Planner, tours: list[list[int]]) -> None:
    days = planner.days
    planner.chosen.clear()
    for s, tour in enumerate(tours):
        days.tours[s] = tour
        _recount(problem, days, s)
        for row in tour:
            planner.chosen[row - 1] = [s]


def _excess(loads: list[float], capacity: float) -> float:
    """Minutes by which days leave the band, plus overtime weighted heavily (0: neither)."""
    if not loads:
        return 0.0
    low, high = min(loads), max(loads)
    over = sum(max(0.0, x - capacity) for x in loads)
    return max(0.0, high - BAND_AIM * low) + OVERTIME_WEIGHT * over


def _week_key(problem: Problem, tours: list[list[int]], capacity: float) -> tuple[float, float]:
    """How a week compares: out of the band or hours first, then driving."""
    loads = [_load(problem, t) for t in tours]
    drive = sum(tour_minutes(problem.minutes, t) for t in tours)
    return round(_excess(loads, capacity), 6), drive


def _settle_week(
    problem: Problem, tours: list[list[int]], capacity: float, deadline: float
) -> list[list[int]]:
    """Move and swap visits between the days of a week: into the band and hours, driving little.

    Each minute out of the band or over the hours first costs a few minutes
    of driving (`SETTLE_WEIGHTS`), so the week is pulled into the band by the
    cheapest changes rather than the first ones; the last round puts the
    band and hours strictly first.
    """
    settler = _Settler(problem, tours, capacity)
    for weight in SETTLE_WEIGHTS:
        settler.weight = weight
        while time.perf_counter() < deadline and settler.sweep():
            pass
    return settler.tours


SETTLE_WEIGHTS = (2.0, 8.0, math.inf)  # driving minutes per minute out of the band, by round


class _Settler:
    """A week's days and their loads, changed one visit move or swap at a time."""

    def __init__(self, problem: Problem, tours: list[list[int]], capacity: float) -> None:
        self.problem, self.capacity, self.weight = problem, capacity, math.inf
        self.tours = [quick_tour(problem.minutes, t) if t else [] for t in tours]
        self.drive = [tour_minutes(problem.minutes, t) for t in self.tours]
        self.load = [d + self._service(t) for d, t in zip(self.drive, self.tours, strict=True)]

    def _service(self, tour: list[int]) -> float:
        return float(sum(self.problem.service[r - 1] for r in tour))

    def key(self, loads: list[float], drives: list[float]) -> tuple[float, float]:
        """Lower is better: driving plus the weighted excess, or the excess first."""
        excess, drive = round(_excess(loads, self.capacity), 6), round(sum(drives), 6)
        if math.isinf(self.weight):
            return excess, drive
        return round(drive + self.weight * excess, 6), 0.0

    def _without(self, s: int, row: int) -> float:
        """Driving saved by taking `row` out of day `s`."""
        m, tour = self.problem.minutes, self.tours[s]
        k = tour.index(row)
        before = tour[k - 1] if k else 0
        after = tour[k + 1] if k + 1 < len(tour) else 0
        return float(m[before, row] + m[row, after] - m[before, after])

    def _try(self, changes: dict[int, tuple[list[int], float]]) -> bool:
        """Apply new tours if their estimate improves the week and re-ordered they still do.

        `changes` maps a day to its new visits (in insertion order) and the
        estimated change of its driving.
        """
        service = self.problem.service
        loads, drives = self.load[:], self.drive[:]
        for s, (tour, delta) in changes.items():
            drives[s] += delta
            loads[s] = drives[s] + float(sum(service[r - 1] for r in tour))
        current = self.key(self.load, self.drive)
        if self.key(loads, drives) >= current:
            return False
        trial = {
            s: quick_tour(self.problem.minutes, t) if t else [] for s, (t, _) in changes.items()
        }
        for s, tour in trial.items():
            drives[s] = tour_minutes(self.problem.minutes, tour)
            loads[s] = drives[s] + self._service(tour)
        if self.key(loads, drives) >= current:
            return False
        for s, tour in trial.items():
            self.tours[s] = tour
        self.load, self.drive = loads, drives
        return True

    def sweep(self) -> bool:
        """Every move of a visit to another day and swap of two visits once; True if any helped."""
        improved = False
        days = range(len(self.tours))
        for a, b in ((a, b) for a in days for b in days if a != b):
            for row in list(self.tours[a]):
                if row in self.tours[a]:
                    improved |= self._move(a, b, row) or (a < b and self._swap(a, b, row))
        return improved

    def _move(self, a: int, b: int, row: int) -> bool:
        saving = self._without(a, row)
        extra, k = _insertion(self.problem, self.tours[b], row)
        rest = [r for r in self.tours[a] if r != row]
        into = [*self.tours[b][:k], row, *self.tours[b][k:]]
        return self._try({a: (rest, -saving), b: (into, extra)})

    def _swap(self, a: int, b: int, row: int) -> bool:
        saving = self._without(a, row)
        rest = [r for r in self.tours[a] if r != row]
        for other in list(self.tours[b]):
            out = self._without(b, other)
            rest_b = [r for r in self.tours[b] if r != other]
            in_a, ka = _insertion(self.problem, rest, other)
            in_b, kb = _insertion(self.problem, rest_b, row)
            if self._try({
                a: ([*rest[:ka], other, *rest[ka:]], in_a - saving),
                b: ([*rest_b[:kb], row, *rest_b[kb:]], in_b - out),
            }):  # fmt: skip
                return True
        return False


def _load(problem: Problem, tour: list[int]) -> float:
    return tour_minutes(problem.minutes, tour) + float(sum(problem.service[r - 1] for r in tour))


def _week_vrp(
    problem: Problem, order: list[int], vehicles: int, cap: float, *, optional: bool
) -> list[list[int]] | None:
    """PyVRP on one week: a vehicle per day, each day at most `cap` minutes (None: infeasible)."""
    import pyvrp  # noqa: PLC0415
    from pyvrp.stop import MaxIterations, MultipleCriteria, NoImprovement  # noqa: PLC0415

    model = pyvrp.Model()
    rows = [0, *[a + 1 for a in order]]
    places = [model.add_location(x=float(i), y=0.0) for i in range(len(rows))]
    depot = model.add_depot(places[0])
    overtime = 24 * 3600 if problem.allow_overtime else 0
    model.add_vehicle_type(
        vehicles, start_depot=depot, end_depot=depot, shift_duration=int(cap * 60),
        max_overtime=overtime, unit_overtime_cost=100,
    )  # fmt: skip
    top = max(float(problem.value[order].max()), 1.0)
    for place, account in zip(places[1:], order, strict=True):
        model.add_client(
            place,
            service_duration=round(problem.service[account] * 60),
            prize=int(10 * 3600 + 3600 * problem.value[account] / top) if optional else 0,
            required=not optional,
        )
    seconds = np.rint(problem.minutes[np.ix_(rows, rows)] * 60).astype(np.int64)
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            if i != j:
                model.add_edge(a, b, distance=int(seconds[i, j]), duration=int(seconds[i, j]))
    stop = MultipleCriteria([MaxIterations(3000), NoImprovement(800)])
    solution = model.solve(stop=stop, seed=0, display=False, collect_stats=False).best
    if not solution.is_feasible():
        return None
    tours = [
        [rows[1 + int(a.idx)] for a in route.schedule() if a.is_client()]
        for route in solution.routes()
    ]
    return tours + [[] for _ in range(vehicles - len(tours))]


def _recount(problem: Problem, days: _Days, s: int) -> None:
    tour = days.tours[s]
    drive = tour_minutes(problem.minutes, tour)
    days.drive[s] = drive
    days.load[s] = drive + float(sum(problem.service[r - 1] for r in tour))


# ---------------------------------------------------------------- the calendar


def next_monday(today: date | None = None) -> date:
    """The Monday after `today` (the default first day of a plan)."""
    today = today or date.today()  # noqa: DTZ011 (a calendar date, not a time)
    return today + timedelta(days=7 - today.weekday())


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
    schedule.left_out = unplaced + [_left_out(problem, a, "no room in any day") for a in left]
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
    """What would fit the visits left out: overtime, fewer visits, or another rep."""
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
    """Minutes from midnight as HH:MM."""
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
