"""What a calendar is made of: a rep's hours, the problem the planner solves, and the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from territory_planner.routing.travel import Kilometres


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
