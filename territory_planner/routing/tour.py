"""One day's route: visit order and times from home and back, with working hours.

`route_day` hands the day to PyVRP (a proven vehicle-routing solver) with
the rep's hours as the vehicle's shift and appointment windows as the
clients' time windows. `quick_tour` is our own cheap estimate (cheapest
insertion then 2-opt and Or-opt), used by the calendar heuristic to compare
thousands of candidate days before the solver routes the chosen ones.
Times are minutes from midnight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

SECONDS = 60  # the solver works in whole seconds


@dataclass(frozen=True)
class Stop:
    """A visit to route: its row in the travel matrix, duration and optional window."""

    index: int
    service: float  # minutes
    early: float | None = None  # minutes from midnight
    late: float | None = None
    prize: float = 0.0  # value of the visit, when visits may be left out


@dataclass
class DayRoute:
    """The solver's answer for one day."""

    order: list[int] = field(default_factory=list)  # matrix rows, in visiting order
    arrival: list[float] = field(default_factory=list)  # start of each visit
    departure: list[float] = field(default_factory=list)
    drive_before: list[float] = field(default_factory=list)  # minutes from the previous stop
    start: float = 0.0  # leaves home
    end: float = 0.0  # back home
    drive_minutes: float = 0.0
    left_out: list[int] = field(default_factory=list)  # optional stops not visited
    overtime: float = 0.0  # minutes past the end of the day


def tour_minutes(minutes: np.ndarray, order: list[int], home: int = 0) -> float:
    """Driving minutes of home -> order -> home.

    Parameters
    ----------
    minutes
        The square matrix of driving minutes between stops (from row to column).
    order
        The stops' rows in visiting order (empty: no drive).
    home
        The row of the home the tour starts and ends at; 0 by default.

    Returns
    -------
    float
        The total driving minutes of the closed tour.
    """
    if not order:
        return 0.0
    path = [home, *order, home]
    return float(minutes[path[:-1], path[1:]].sum())


def _two_opt(minutes: np.ndarray, tour: list[int]) -> list[int]:
    """2-opt on a closed tour whose first element is home (asymmetric-safe)."""
    best = tour[:]
    improved = True
    while improved:
        improved = False
        n = len(best)
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b = best[i - 1], best[i]
                c, d = best[j], best[(j + 1) % n]
                segment = best[i : j + 1]
                old = minutes[a, b] + minutes[c, d] + _path(minutes, segment)
                new = minutes[a, c] + minutes[b, d] + _path(minutes, segment[::-1])
                if new < old - 1e-9:
                    best[i : j + 1] = segment[::-1]
                    improved = True
    return best


def _path(minutes: np.ndarray, nodes: list[int]) -> float:
    return float(minutes[nodes[:-1], nodes[1:]].sum()) if len(nodes) > 1 else 0.0


def _or_opt(minutes: np.ndarray, tour: list[int]) -> list[int]:
    """Move runs of 1-3 stops to their best other place while that shortens the tour."""
    best = tour[:]
    cost = _path(minutes, [*best, best[0]])
    improved = True
    while improved:
        improved = False
        for length in (1, 2, 3):
            for i in range(1, len(best) - length + 1):
                run = best[i : i + length]
                rest = best[:i] + best[i + length :]
                for j in range(1, len(rest) + 1):
                    candidate = rest[:j] + run + rest[j:]
                    value = _path(minutes, [*candidate, candidate[0]])
                    if value < cost - 1e-9:
                        best, cost, improved = candidate, value, True
                        break
                if improved:
                    break
            if improved:
                break
    return best


def quick_tour(minutes: np.ndarray, stops: list[int], home: int = 0) -> list[int]:
    """A good visiting order for `stops` from `home` (cheapest insertion + 2-opt + Or-opt).

    Parameters
    ----------
    minutes
        The square matrix of driving minutes between stops (from row to column).
    stops
        The rows of the stops to visit.
    home
        The row of the home the tour starts and ends at; 0 by default.

    Returns
    -------
    list[int]
        The stops' rows in visiting order, without the home.
    """
    tour = [home]
    for stop in sorted(stops, key=lambda s: -minutes[home, s]):  # far ones first
        costs = [
            minutes[tour[k], stop]
            + minutes[stop, tour[(k + 1) % len(tour)]]
            - minutes[tour[k], tour[(k + 1) % len(tour)]]
            for k in range(len(tour))
        ]
        k = int(np.argmin(costs))
        tour.insert(k + 1, stop)
    if len(tour) > 3:  # noqa: PLR2004 (fewer stops cannot be improved)
        tour = _or_opt(minutes, _two_opt(minutes, tour))
    return tour[1:]


def route_day(
    minutes: np.ndarray,
    stops: list[Stop],
    day_start: float,
    day_end: float,
    *,
    home: int = 0,
    iterations: int = 2000,
    seed: int = 0,
    max_seconds: float = 0.8,
) -> DayRoute:
    """Order a day's visits to drive least, leaving home at `day_start`, back by `day_end`.

    Stops with a `prize` are optional: the solver may leave them out when
    they do not fit (`DayRoute.left_out`); others must be visited, and if
    they cannot all fit before `day_end` the route runs over and says by
    how much (`DayRoute.overtime`).

    The search stops after `iterations`, or 1/4 of them without a better route, or
    `max_seconds` (a rep's day of 10-20 visits takes milliseconds; 100 stops reach the
    time limit, by then within about 1% of the best tour, see ``bench/routing.py``).

    Parameters
    ----------
    minutes
        The square matrix of driving minutes between stops (from row to column).
    stops
        The visits: each one's matrix row, visit minutes, optional window and prize.
    day_start, day_end
        The working day, in minutes from midnight.
    home
        The matrix row of the rep's home; 0 by default.
    iterations
        The solver's most iterations; 2000 by default.
    seed
        The solver's random seed (the same seed gives the same route).
    max_seconds
        The solver's time limit, in seconds; 0.8 by default.

    Returns
    -------
    DayRoute
        The visiting order with arrival and departure times, driving minutes, the
        optional stops left out and any overtime; no stops: an empty day at `day_start`.
    """
    if not stops:
        return DayRoute(start=day_start, end=day_start)
    model = pyvrp.Model()
    rows = [home] + [s.index for s in stops]
    locations = [model.add_location(x=float(i), y=0.0) for i in range(len(rows))]
    depot = model.add_depot(locations[0])
    length = int((day_end - day_start) * SECONDS)
    model.add_vehicle_type(
        1, start_depot=depot, end_depot=depot,
        tw_early=int(day_start * SECONDS), tw_late=int(day_end * SECONDS),
        shift_duration=length, max_overtime=24 * 60 * SECONDS, unit_overtime_cost=100,
    )  # fmt: skip
    for location, stop in zip(locations[1:], stops, strict=True):
        model.add_client(
            location,
            service_duration=round(stop.service * SECONDS),
            tw_early=int((stop.early if stop.early is not None else day_start) * SECONDS),
            tw_late=int((stop.late if stop.late is not None else 24 * 60) * SECONDS),
            prize=round(stop.prize * SECONDS),
            required=stop.prize <= 0,
        )
    seconds = np.rint(minutes[np.ix_(rows, rows)] * SECONDS).astype(np.int64)
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                model.add_edge(a, b, distance=int(seconds[i, j]), duration=int(seconds[i, j]))
    stop_rule = MultipleCriteria(
        [
            MaxIterations(iterations),
            NoImprovement(max(iterations // 4, 50)),
            MaxRuntime(max_seconds),
        ]
    )
    result = model.solve(stop=stop_rule, seed=seed, display=False, collect_stats=False)
    return _day_route(result.best, rows, stops, minutes)


def _day_route(
    solution: pyvrp.Solution, rows: list[int], stops: list[Stop], minutes: np.ndarray
) -> DayRoute:
    routes = solution.routes()
    day = DayRoute()
    if not routes:
        day.left_out = [s.index for s in stops]
        return day
    route = routes[0]
    previous = rows[0]
    for activity in route.schedule():
        if not activity.is_client():
            continue
        row = rows[1 + int(activity.idx)]
        day.order.append(row)
        day.arrival.append(activity.start_time / SECONDS)
        day.departure.append(activity.end_time / SECONDS)
        day.drive_before.append(float(minutes[previous, row]))
        previous = row
    day.start = route.start_time() / SECONDS
    day.drive_minutes = tour_minutes(minutes, day.order, rows[0])
    day.end = day.departure[-1] + float(minutes[previous, rows[0]]) if day.order else day.start
    day.overtime = route.overtime() / SECONDS
    visited = set(day.order)
    day.left_out = [s.index for s in stops if s.index not in visited]
    return day
