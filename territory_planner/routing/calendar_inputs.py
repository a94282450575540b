"""A calendar's inputs read from the project: working hours, days, windows, appointments.

`rep_problem` gathers, for one rep, what the planner works on (`Problem`):
the accounts to visit with their frequencies, visit minutes, preferred days
and windows, fixed appointments, and the travel times between them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.model import Project
from territory_planner.routing.calendar_types import LeftOut, Problem, RepHours
from territory_planner.routing.travel import TravelModel, TravelTimes
from territory_planner.routing.workload import MAX_WEEKS, frequency_weeks, visit_minutes
from territory_planner.workdays import DAYS, minutes_of_day, weekdays

# ---------------------------------------------------------------- inputs


def parse_window(text: object) -> tuple[float, float] | None:
    """A visit window such as "09:00-12:00" in minutes (None when empty or unreadable).

    Parameters
    ----------
    text
        The cell as written; not a string, or without "-", counts as none.

    Returns
    -------
    tuple[float, float] | None
        The window's start and end in minutes from midnight; None unless start < end.
    """
    if not isinstance(text, str) or "-" not in text:
        return None
    early, _, late = text.partition("-")
    start, end = minutes_of_day(early.strip(), -1.0), minutes_of_day(late.strip(), -1.0)
    return (start, end) if 0 <= start < end else None


@dataclass(frozen=True)
class DayRules:
    """A rep's day: lunch break and most driving (minutes), and the days off."""

    lunch: float = 30.0
    max_drive: float | None = None
    days_off: tuple[date, ...] | list[date] = ()


def parse_dates(text: str) -> list[date]:
    """Dates typed as "2026-12-24, 2026-12-25" (commas, semicolons or spaces between).

    Parameters
    ----------
    text
        The dates as typed (empty: none).

    Returns
    -------
    list[datetime.date]
        The dates, in the order typed.

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

    Parameters
    ----------
    text
        The ``appointment`` cell (None, NaN or blank: no appointment; "/" may separate
        the date's parts).
    start
        The plan's first day (its first Monday).
    weeks
        The plan's length in weeks.

    Returns
    -------
    tuple[int, int, float] | None
        The week (0 first), the weekday (0 = Monday) and the start in minutes from midnight.

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
    """A rep's working days and hours from the Reps table.

    Parameters
    ----------
    rep
        The rep's row (``work_days`` such as "Mon,Tue", ``day_start``, ``day_end``);
        blank cells mean Monday to Friday, 08:00 to 17:00.
    lunch
        The lunch break, in minutes; 30 by default.
    max_drive
        The most driving a day, in minutes; None: no limit.

    Returns
    -------
    RepHours
        The working weekdays (0 = Monday), the day's start and end in minutes, lunch and
        drive limit.
    """
    days = str(rep.get("work_days") or "Mon,Tue,Wed,Thu,Fri")
    work = tuple(i for i, d in enumerate(DAYS) if d in days.split(","))
    return RepHours(
        work_days=work or (0, 1, 2, 3, 4),
        day_start=minutes_of_day(rep.get("day_start"), 8 * 60),
        day_end=minutes_of_day(rep.get("day_end"), 17 * 60),
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

    Parameters
    ----------
    project
        The project (its reps, territories and accounts).
    rep_id
        The rep to plan; an unknown rep, or one without a home position, raises `InputError`.
    weeks
        The plan's length, 1 to `MAX_WEEKS` weeks; None: the longest visit cycle among
        the rep's accounts (at most `MAX_WEEKS`).
    travel
        Where the travel times come from; None: the straight-line `TravelModel`.
    lunch
        The daily lunch break, in minutes.
    max_drive
        The most driving a day, in minutes; None: no limit.
    value_column
        The accounts' column whose number is a visit's value (missing: 0).
    days_off
        The (week, weekday) pairs the rep does not work.
    allow_overtime
        Plan every visit, running days over if need be.
    start
        The plan's first Monday; None: the next Monday (`next_monday`).

    Returns
    -------
    tuple[Problem, list[LeftOut], pandas.Series]
        The problem (the home is stop 0 of its matrices), the accounts left out, the rep's row.
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
        preferred=[weekdays(v) for v in acc.get("preferred_days", pd.Series(index=acc.index))],
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


def next_monday(today: date | None = None) -> date:
    """The Monday after `today` (the default first day of a plan).

    Parameters
    ----------
    today
        The day to count from; None: today. On a Monday, the Monday a week later.

    Returns
    -------
    datetime.date
        The next Monday.
    """
    today = today or date.today()  # noqa: DTZ011 (a calendar date, not a time)
    return today + timedelta(days=7 - today.weekday())
