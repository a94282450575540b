"""Which days: the calendar heuristic that gives each account its visit pattern.

See `territory_planner.routing.schedule` for the method: patterns chosen
greedily by the driving they add and the day loads, a local search, and for
one-week plans a whole-week PyVRP solve and a settling of the days' loads.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from territory_planner.routing.calendar_types import Problem
from territory_planner.routing.tour import quick_tour, tour_minutes
from territory_planner.tasks import CancelToken, Progress, no_progress

BALANCE_WEIGHT = 0.5  # minutes of penalty per minute of load above the average day
SECTOR_WEIGHT = 15.0  # minutes of penalty per weekday sector away from the account's own


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
    """Choose each account's visit days. Returns the days, account -> slots, accounts left out.

    Parameters
    ----------
    problem
        The rep's calendar problem (accounts by index; matrix row = index + 1).
    progress
        Told the share done (0 to 0.7 of the whole calendar) and what is going on.
    cancel
        Checked between steps; a cancel raises.
    passes
        The most improvement passes over all accounts; 6 by default.

    Returns
    -------
    tuple[_Days, dict[int, list[int]], list[int]]
        The working days with their tours, each planned account's day slots (indices
        into the days), and the accounts left out (no room in any day).
    """
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
