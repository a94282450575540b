"""Routing and visit calendars: our planner and router against known optima and PyVRP runs.

1. TSP tours on four TSPLIB instances with proven optima (bench/data/tsplib/):
   `route_day` (PyVRP with the product's short stopping rule) and `quick_tour`
   (our insertion + 2-opt + Or-opt) against the optimum.
2. A rep's feasible week (30 weekly accounts at real ZIP centroids): our
   calendar (plan_days + route_day per day, as build_schedule does) against
   PyVRP solving the week as a 5-vehicle VRP (one vehicle per day) under the
   goal's own rule, days within 15% of each other: PyVRP cannot state that
   rule (no minimum route duration), so it is given day caps, searched in
   30 s, and the best week within the band is kept (`balanced_reference`).
   PyVRP without the rule (30 s) and with the cap but no minimum day are
   printed for information.
3. Oversubscribed weeks (50 accounts near Chicago; 60 near Seattle and 40 near Chicago, the
   sizes issue 17 found a visit short; not all fit): visits fitted by ours
   against PyVRP prize-collecting (every visit worth 10 h) for 30 s.
4. A 4-week cycle of 150 accounts (weekly / biweekly / monthly): frequency
   violations counted independently, and total driving against the best
   found by longer searches (see the notes printed with it).

Everything runs offline. `--quick` gives the reference solvers 3 s instead of
30 s / 10 s per day, for a smoke run.
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from territory_planner.geo.earth import haversine_km
from territory_planner.geo.geocode import zip_centroids
from territory_planner.routing.calendar_types import Problem, RepHours
from territory_planner.routing.tour import DayRoute, Stop, quick_tour, route_day, tour_minutes
from territory_planner.routing.travel import TravelModel
from territory_planner.routing.week_plan import plan_days

DATA = Path(__file__).parent / "data" / "tsplib"
TSPLIB = {"eil51": 426, "berlin52": 7542, "st70": 675, "kroA100": 21282}
SECONDS = 60
HOME_ZIP = "60601"  # Chicago, the Loop
HOURS = RepHours(day_start=8 * 60, day_end=17 * 60, lunch=0.0)

Row = tuple[str, str, str, str, str, str]  # metric, ours, reference, ratio, goal, met
summary: list[Row] = []


def record(metric: str, ours: str, ref: str, ratio: str, goal: str, *, met: bool | None) -> None:
    summary.append(
        (metric, ours, ref, ratio, goal, "-" if met is None else ("yes" if met else "no"))
    )


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = "  ".join(
        f"{h:<{w}}" if i == 0 else f"{h:>{w}}"
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


# ---------------------------------------------------------------- 1. TSPLIB


def read_tsp(path: Path) -> np.ndarray:
    """The rounded Euclidean (EUC_2D, nint) distance matrix of a TSPLIB file."""
    xy, inside = [], False
    for line in path.read_text().splitlines():
        text = line.strip()
        if text == "NODE_COORD_SECTION":
            inside = True
        elif text == "EOF":
            break
        elif inside and text:
            _, x, y = text.split()
            xy.append((float(x), float(y)))
    points = np.array(xy)
    return np.floor(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1)) + 0.5)


def tsplib() -> None:
    print("\n== 1. TSP tours on TSPLIB instances (reference: the proven optimum)")
    print(
        "Each instance is scaled so that its optimal tour is 8 h of driving (a real day), routed from\n"
        "node 1 as home with service 0, no windows, a 08:00-23:00 day; lengths are recomputed in the\n"
        "instance's own integer distances. (Raw units would not do: a tour lasts thousands of\n"
        "'minutes', route_day makes a stop with no window due by midnight, and the late penalties\n"
        "spoil the tour, e.g. kroA100 27204 = +28% when tried.)"
    )
    rows, ratios, quick_ratios, seconds = [], [], [], []
    for name, optimum in TSPLIB.items():
        dist = read_tsp(DATA / f"{name}.tsp")
        scale = 8 * 60 / optimum
        stops = [Stop(i, 0.0) for i in range(1, len(dist))]
        start = time.perf_counter()
        day = route_day(dist * scale, stops, 8 * 60, 23 * 60)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        quick = quick_tour(dist, list(range(1, len(dist))))
        quick_s = time.perf_counter() - start
        length, quick_len = tour_minutes(dist, day.order), tour_minutes(dist, quick)
        complete = len(day.order) == len(dist) - 1 and day.overtime == 0
        ratios.append(length / optimum)
        quick_ratios.append(quick_len / optimum)
        seconds.append(ours_s)
        rows.append((
            name, str(len(dist)), f"{length:.0f}", str(optimum), f"{length / optimum:.4f}", f"{ours_s:.2f}",
            f"{quick_len:.0f}", f"{quick_len / optimum:.4f}", f"{quick_s:.2f}", "yes" if complete else "NO",
        ))  # fmt: skip
    table(
        (
            "instance",
            "n",
            "route_day",
            "optimum",
            "ratio",
            "s",
            "quick_tour",
            "ratio",
            "s",
            "full tour",
        ),
        rows,
    )
    mean, worst, slowest = float(np.mean(ratios)), max(ratios), max(seconds)
    print(
        f"goal: route_day mean ratio <= 1.02 (got {mean:.4f}), max <= 1.04 (got {worst:.4f}), each <= 1 s (slowest {slowest:.2f} s)"
    )
    record(
        "TSP route_day / optimum, mean",
        f"{mean:.4f}",
        "1.0000",
        f"{mean:.4f}",
        "<= 1.02",
        met=mean <= 1.02,
    )
    record(
        "TSP route_day / optimum, max",
        f"{worst:.4f}",
        "1.0000",
        f"{worst:.4f}",
        "<= 1.04",
        met=worst <= 1.04,
    )
    record("TSP route_day seconds, max", f"{slowest:.2f}", "-", "-", "<= 1 s", met=slowest <= 1.0)
    q = float(np.mean(quick_ratios))
    record("TSP quick_tour / optimum, mean (info)", f"{q:.4f}", "1.0000", f"{q:.4f}", "-", met=None)


# ---------------------------------------------------------------- weeks at real ZIPs


def accounts_near(
    count: int, radius_km: float, seed: int, home_zip: str = HOME_ZIP
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """`count` distinct ZIP centroids within `radius_km` of home (chosen with `seed`), home first."""
    zips = zip_centroids()
    home_lat, home_lon = zips[home_zip]
    seen, keys = {(home_lat, home_lon)}, []
    for key in sorted(zips):
        if zips[key] not in seen:  # some ZIPs share a centroid: one account per position
            seen.add(zips[key])
            keys.append(key)
    lat = np.array([zips[k][0] for k in keys])
    lon = np.array([zips[k][1] for k in keys])
    dist = haversine_km(lon, lat, home_lon, home_lat)
    near = [k for k, d in zip(keys, dist, strict=True) if d <= radius_km]
    chosen = [
        near[i] for i in sorted(np.random.default_rng(seed).choice(len(near), count, replace=False))
    ]
    return (
        chosen,
        np.array([home_lon] + [zips[k][1] for k in chosen]),
        np.array([home_lat] + [zips[k][0] for k in chosen]),
    )


def make_problem(
    zips: list[str],
    lon: np.ndarray,
    lat: np.ndarray,
    service: np.ndarray,
    period: np.ndarray,
    *,
    weeks: int,
) -> Problem:
    km, minutes = TravelModel().matrices(lon, lat)
    n = len(zips)
    return Problem(
        ids=[f"A{i:03d}" for i in range(n)], names=[f"Account {i}" for i in range(n)],
        period=period, service=service.astype(float), value=np.zeros(n), minutes=minutes, km=km,
        zips=zips, lon=lon, lat=lat, hours=HOURS, weeks=weeks,
    )  # fmt: skip


@dataclass
class Calendar:
    """What build_schedule would produce: routed days and the visits it lists as left out."""

    slots: list[tuple[int, int]]
    routes: list[DayRoute]
    left_out: list[tuple[int, int, str]] = field(default_factory=list)  # account, visits, why
    seconds: float = 0.0

    @property
    def drive(self) -> float:
        return float(sum(r.drive_minutes for r in self.routes))

    def loads(self, problem: Problem) -> np.ndarray:
        return np.array(
            [r.drive_minutes + sum(problem.service[i - 1] for i in r.order) for r in self.routes]
        )


def our_calendar(problem: Problem, passes: int = 6) -> Calendar:
    """plan_days, then route_day per day with build_schedule's loop (drop the least valuable on overtime)."""
    start = time.perf_counter()
    days, _chosen, left = plan_days(problem, passes=passes)
    cal = Calendar(days.slots, [])
    cal.left_out = [(a, len(range(0, problem.weeks, int(problem.period[a]))), "plan") for a in left]
    hours = problem.hours
    end_of_day = hours.day_end - hours.lunch
    for s in range(len(days.slots)):
        stops = [Stop(r, float(problem.service[r - 1])) for r in days.tours[s]]
        route = route_day(problem.minutes, stops, hours.day_start, end_of_day, seed=s)
        while route.overtime > 0 and route.order:
            worst = min(route.order, key=lambda r: problem.value[r - 1])
            cal.left_out.append((worst - 1, 1, "overtime"))
            stops = [x for x in stops if x.index != worst]
            route = route_day(problem.minutes, stops, hours.day_start, end_of_day, seed=s)
        cal.routes.append(route)
    cal.seconds = time.perf_counter() - start
    return cal


def pyvrp_days(
    problem: Problem,
    rows: list[int],
    vehicles: int,
    seconds: float,
    *,
    prize: float = 0.0,
    shift: float | None = None,
    seed: int = 1,
) -> tuple[list[list[int]], bool]:
    """PyVRP on `rows` with `vehicles` identical days (shift = working hours); routes as matrix rows.

    `shift` caps each day's minutes (visits + driving) below the working hours.
    """
    model = pyvrp.Model()
    locations = [model.add_location(x=float(i), y=0.0) for i in range(len(rows) + 1)]
    depot = model.add_depot(locations[0])
    hours = problem.hours
    model.add_vehicle_type(
        vehicles, start_depot=depot, end_depot=depot,
        tw_early=int(hours.day_start * SECONDS), tw_late=int(hours.day_end * SECONDS),
        shift_duration=int((shift or hours.day_end - hours.day_start) * SECONDS),
    )  # fmt: skip
    for location, row in zip(locations[1:], rows, strict=True):
        model.add_client(
            location,
            service_duration=round(problem.service[row - 1] * SECONDS),
            prize=round(prize * SECONDS),
            required=prize <= 0,
        )
    index = [0, *rows]
    matrix = np.rint(problem.minutes[np.ix_(index, index)] * SECONDS).astype(np.int64)
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                model.add_edge(a, b, distance=int(matrix[i, j]), duration=int(matrix[i, j]))
    result = model.solve(stop=MaxRuntime(seconds), seed=seed, display=False, collect_stats=False)
    routes = [
        [rows[int(a.idx)] for a in route.schedule() if a.is_client()]
        for route in result.best.routes()
    ]  # an activity's idx counts clients from 0
    return routes, result.is_feasible()


BAND = 1.15  # the goal: a week's longest day at most 15% longer than its shortest


def day_loads(problem: Problem, routes: list[list[int]]) -> list[float]:
    """Each day's visit + drive minutes (an empty day is 0)."""
    return [
        float(problem.service[np.array(r, dtype=int) - 1].sum()) + tour_minutes(problem.minutes, r)
        for r in routes
    ]


@dataclass
class Balanced:
    """The best week within the band that the search over day caps found, and how it searched."""

    routes: list[list[int]] | None = None
    drive: float = np.inf
    cap: float = 0.0
    #: each PyVRP run: day cap, drive, longest / shortest day, feasible
    runs: list[tuple[float, float, float, bool]] = field(default_factory=list)
    bound_cap: float = 0.0  # days no longer than this: see `balanced_reference`


def balanced_reference(
    problem: Problem, days: int, seconds: float, plain_drive: float, runs: int = 10
) -> Balanced:
    """PyVRP on the week with the rule "days within 15% of each other", as far as it can take it.

    PyVRP has upper limits only (a route's duration, load, distance; waiting
    is always allowed, so a time window cannot force a day to be long), and
    no lower bound on a route: the balance rule cannot be put into the model.
    So it is searched for: PyVRP solves the week with every day capped at
    `cap` minutes (visits + driving), for `runs` caps of `seconds / runs`
    each, and the best solution whose days are within the band is kept
    (the others are listed, not used).

    The caps: every week's longest day is at least its average day, and no
    week drives less than the unconstrained run (`plain_drive`), so caps
    start at (visit minutes + plain_drive) / days. They stop at the working
    day until a balanced week is found; once one with drive D is, any
    balanced week that drives less has all days (summing to under visits +
    D) at least 1/1.15 of its longest, so its longest day is under
    (visits + D) / (1 + (days - 1) / 1.15): caps above that cannot help.
    Caps go up from the lowest by 2.5% until a balanced week is found, then
    the remaining runs spread evenly over the caps left.
    """
    visits = float(problem.service.sum())
    rows = list(range(1, len(problem.ids) + 1))
    low = (visits + plain_drive) / days
    top = problem.hours.day_end - problem.hours.day_start
    found = Balanced(bound_cap=top)
    caps = [low]
    while len(found.runs) < runs and caps:
        cap = caps.pop(0)
        with warnings.catch_warnings():  # caps below the best week are infeasible: expected
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            routes, feasible = pyvrp_days(
                problem, rows, days, seconds / runs, shift=cap, seed=len(found.runs) + 1
            )
        routes += [[] for _ in range(days - len(routes))]
        loads = day_loads(problem, routes)
        spread = max(loads) / min(loads) if min(loads) > 0 else np.inf
        drive = sum(tour_minutes(problem.minutes, r) for r in routes)
        found.runs.append((cap, drive, spread, feasible))
        if feasible and spread <= BAND and drive < found.drive:
            found.routes, found.drive, found.cap = routes, drive, cap
            found.bound_cap = (visits + drive) / (1 + (days - 1) / BAND)
        if found.routes is None:
            if cap * 1.025 <= top:
                caps = [cap * 1.025]
            continue
        if not caps:  # spread the runs left over the caps that can still help
            left = runs - len(found.runs)
            tried = {round(c) for c, *_ in found.runs}
            caps = [
                c
                for c in np.linspace(found.cap, found.bound_cap, left + 2)[1:].tolist()
                if round(c) not in tried
            ][:left]
    return found


def feasible_week(ref_seconds: float) -> None:
    print(
        "\n== 2. A rep's feasible week: 30 weekly accounts within 80 km of ZIP 60601, 5 x 08:00-17:00"
    )
    zips, lon, lat = accounts_near(30, 80.0, seed=2)
    rng = np.random.default_rng(2)
    problem = make_problem(
        zips, lon, lat, rng.integers(30, 61, 30), np.ones(30, dtype=int), weeks=1
    )
    ours = our_calendar(problem)
    routes, feasible = pyvrp_days(problem, list(range(1, 31)), 5, ref_seconds)
    ref_drive = sum(tour_minutes(problem.minutes, r) for r in routes)
    ref_visits = sum(len(r) for r in routes)
    loads = ours.loads(problem)
    overtime = sum(r.overtime for r in ours.routes)
    visits = sum(len(r.order) for r in ours.routes)
    spread = loads.max() / loads.min()
    plain_loads = day_loads(problem, routes + [[] for _ in range(5 - len(routes))])
    plain_spread = max(plain_loads) / min(plain_loads) if min(plain_loads) > 0 else np.inf
    balanced = balanced_reference(problem, 5, ref_seconds, ref_drive)
    bal_ok = balanced.routes is not None
    bound = float(np.floor(balanced.bound_cap))
    relaxed, relaxed_ok = pyvrp_days(problem, list(range(1, 31)), 5, ref_seconds, shift=bound)
    relaxed_drive = sum(tour_minutes(problem.minutes, r) for r in relaxed)
    relaxed_loads = day_loads(problem, relaxed + [[] for _ in range(5 - len(relaxed))])
    bal_loads = day_loads(problem, balanced.routes) if balanced.routes else []
    table(
        ("solver", "visits", "drive min", "seconds", "overtime min", "day loads (visit+drive min)", "max/min"),
        [
            ("ours (plan_days + route_day)", str(visits), f"{ours.drive:.1f}", f"{ours.seconds:.2f}", f"{overtime:.1f}",
             " ".join(f"{x:.0f}" for x in loads), f"{spread:.3f}"),
            (f"PyVRP, days within 15% (best of {len(balanced.runs)} caps)", str(sum(len(r) for r in balanced.routes or [])),
             f"{balanced.drive:.1f}" if bal_ok else "none found", f"{ref_seconds:.0f}", "0.0",
             " ".join(f"{x:.0f}" for x in bal_loads), f"{max(bal_loads) / min(bal_loads):.3f}" if bal_ok else "-"),
            (f"  info: PyVRP 5-vehicle VRP, no balance, {ref_seconds:.0f} s", str(ref_visits), f"{ref_drive:.1f}", f"{ref_seconds:.0f}",
             "0.0" if feasible else "infeasible", " ".join(f"{x:.0f}" for x in plain_loads), f"{plain_spread:.3f}"),
            (f"  info: PyVRP, days <= {bound:.0f} min, no minimum day", str(sum(len(r) for r in relaxed)), f"{relaxed_drive:.1f}",
             f"{ref_seconds:.0f}", "0.0" if relaxed_ok else "infeasible", " ".join(f"{x:.0f}" for x in relaxed_loads),
             f"{max(relaxed_loads) / min(relaxed_loads):.3f}" if min(relaxed_loads) > 0 else "inf"),
        ],
    )  # fmt: skip
    print("the search over day caps (cap min: drive min, max/min day):")
    print(
        "  "
        + ", ".join(
            f"{c:.0f}: {d:.1f} {s:.2f}{' balanced' if s <= BAND else ''}"
            if ok
            else f"{c:.0f}: infeasible"
            for c, d, s, ok in balanced.runs
        )
    )
    ratio = ours.drive / balanced.drive if bal_ok else np.nan
    print(
        f"goal: drive <= 1.01 x PyVRP with days within 15% (got {ratio:.4f}), <= 5 s, no overtime, "
        f"all 30 visited, days within 15% (max/min {spread:.3f})\n"
        "note: the goal asks for days within 15% of each other, so the reference must keep that rule too.\n"
        "PyVRP alone only minimises driving (info row: one short day, far outside the band); it has\n"
        "no minimum route duration, so the reference runs it with every day capped (caps searched as\n"
        "in `balanced_reference`) and keeps the best week whose days are within 15%. It is a\n"
        "heuristic upper bound on the best balanced week, not a proven optimum. The last info row\n"
        "drops the minimum day but keeps the cap that any better balanced week would meet: a lower\n"
        f"estimate (also heuristic) of what balance allows; ours / that = {ours.drive / relaxed_drive:.4f}."
    )
    record(
        "week drive vs PyVRP (days within 15%)",
        f"{ours.drive:.1f}",
        f"{balanced.drive:.1f}" if bal_ok else "none found",
        f"{ratio:.4f}",
        "<= 1.01",
        met=bool(ratio <= 1.01),
    )
    record(
        "week drive vs unconstrained PyVRP (info)",
        f"{ours.drive:.1f}",
        f"{ref_drive:.1f}",
        f"{ours.drive / ref_drive:.4f}",
        "-",
        met=None,
    )
    record(
        "week drive vs PyVRP with no minimum day (info)",
        f"{ours.drive:.1f}",
        f"{relaxed_drive:.1f}" if relaxed_ok else "infeasible",
        f"{ours.drive / relaxed_drive:.4f}",
        "-",
        met=None,
    )
    record(
        "week seconds",
        f"{ours.seconds:.2f}",
        f"{ref_seconds:.0f}",
        "-",
        "<= 5 s",
        met=ours.seconds <= 5,
    )
    record("week overtime min", f"{overtime:.1f}", "0.0", "-", "0", met=overtime == 0)
    record(
        "week visits planned",
        str(visits),
        str(ref_visits),
        f"{visits / ref_visits:.4f}",
        "30",
        met=visits == 30,
    )
    record("week day load max/min", f"{spread:.3f}", "-", "-", "<= 1.15", met=spread <= 1.15)


#: Oversubscribed weeks: (label, home ZIP, weekly accounts, radius km, seed). The first is the
#: original case; Seattle 60 and Chicago 40 are the sizes issue 17 found a visit short.
OVERSUBSCRIBED = [
    ("", "60601", 50, 80.0, 3),
    (" Seattle 60", "98101", 60, 80.0, 5),
    (" Chicago 40", "60601", 40, 60.0, 7),
]


def oversubscribed_week(ref_seconds: float) -> None:
    for case in OVERSUBSCRIBED:
        _oversubscribed(ref_seconds, case)


def _oversubscribed(ref_seconds: float, case: tuple[str, str, int, float, int]) -> None:
    label, home, count, radius, seed = case
    print(
        f"\n== 3. An oversubscribed week{label}: {count} weekly accounts within {radius:.0f} km "
        f"of ZIP {home}, 45-60 min visits"
    )
    zips, lon, lat = accounts_near(count, radius, seed=seed, home_zip=home)
    rng = np.random.default_rng(seed)
    problem = make_problem(
        zips, lon, lat, rng.integers(45, 61, count), np.ones(count, dtype=int), weeks=1
    )
    ours = our_calendar(problem)
    routes, feasible = pyvrp_days(problem, list(range(1, count + 1)), 5, ref_seconds, prize=10 * 60)
    ref_visits = sum(len(r) for r in routes)
    visited = {r - 1 for route in ours.routes for r in route.order}
    listed = {a for a, _, _ in ours.left_out}
    missing = set(range(count)) - visited
    listed_ok = listed == missing and len(ours.left_out) == len(missing)
    overtime = sum(r.overtime for r in ours.routes)
    table(
        ("solver", "visits fitted", "left out", "drive min", "seconds", "overtime min"),
        [
            ("ours (plan_days + route_day)", str(len(visited)), f"{len(missing)} ({len(ours.left_out)} listed)", f"{ours.drive:.1f}", f"{ours.seconds:.2f}", f"{overtime:.1f}"),
            (f"PyVRP prize-collecting, {ref_seconds:.0f} s", str(ref_visits), str(count - ref_visits),
             f"{sum(tour_minutes(problem.minutes, r) for r in routes):.1f}", f"{ref_seconds:.0f}", "0.0" if feasible else "infeasible"),
        ],
    )  # fmt: skip
    dropped = sum(1 for _, _, why in ours.left_out if why == "overtime")
    print(
        f"ours lists {len(ours.left_out)} left-out visits ({len(ours.left_out) - dropped} found no room in\n"
        f"plan_days, {dropped} dropped when route_day ran over): {sorted(problem.ids[a] for a in listed)}"
    )
    print(
        f"goal: ours fits >= PyVRP ({len(visited)} vs {ref_visits}), <= 5 s, every left-out visit listed ({'yes' if listed_ok else 'no'})"
    )
    record(
        f"oversubscribed{label} visits fitted ({count})",
        str(len(visited)),
        str(ref_visits),
        f"{len(visited) / ref_visits:.4f}",
        ">= 1.00",
        met=len(visited) >= ref_visits,
    )
    record(
        f"oversubscribed{label} seconds",
        f"{ours.seconds:.2f}",
        f"{ref_seconds:.0f}",
        "-",
        "<= 5 s",
        met=ours.seconds <= 5,
    )
    record(
        f"oversubscribed{label} left-out all listed",
        "yes" if listed_ok else "no",
        "-",
        "-",
        "yes",
        met=listed_ok,
    )
    record(
        f"oversubscribed{label} overtime min", f"{overtime:.1f}", "0.0", "-", "0", met=overtime == 0
    )


# ---------------------------------------------------------------- 4. a 4-week cycle


def frequency_violations(problem: Problem, cal: Calendar) -> int:
    """Accounts not visited exactly weeks/period times, period weeks apart, on one weekday."""
    seen: dict[int, list[tuple[int, int]]] = {a: [] for a in range(len(problem.ids))}
    for (week, weekday), route in zip(cal.slots, cal.routes, strict=True):
        for row in route.order:
            seen[row - 1].append((week, weekday))
    bad = 0
    for account, visits in seen.items():
        p = int(problem.period[account])
        weeks = sorted(w for w, _ in visits)
        ok = (
            len(visits) == len(range(0, problem.weeks, p))
            and len({d for _, d in visits}) == 1
            and bool(weeks)
            and weeks[0] < p
            and all(b - a == p for a, b in itertools.pairwise(weeks))
        )
        bad += not ok
    return bad


def cycle(ref_seconds_per_day: float, restarts: int) -> None:
    print(
        "\n== 4. A 4-week cycle: 150 accounts within 40 km of ZIP 60601 "
        "(15 weekly, 35 biweekly, 100 monthly), 15-30 min visits"
    )
    zips, lon, lat = accounts_near(150, 40.0, seed=4)
    rng = np.random.default_rng(4)
    period = np.array([1] * 15 + [2] * 35 + [4] * 100)
    rng.shuffle(period)
    problem = make_problem(zips, lon, lat, rng.integers(15, 31, 150), period, weeks=4)
    expected = sum(len(range(0, 4, int(p))) for p in period)

    def row(name: str, cal: Calendar, seconds: str, drive: float | None = None) -> tuple[str, ...]:
        missing = sum(n for _, n, _ in cal.left_out)
        return (
            name,
            str(expected - missing),
            f"{cal.drive if drive is None else drive:.1f}",
            seconds,
            str(frequency_violations(problem, cal)),
            str(missing),
        )

    ours = our_calendar(problem)
    violations = frequency_violations(problem, ours)
    missing = sum(n for _, n, _ in ours.left_out)
    rows = [row("ours (plan_days, 6 passes + route_day)", ours, f"{ours.seconds:.2f}")]
    candidates, labels = [ours], ["ours"]
    start = time.perf_counter()
    for k in range(restarts):  # the planner again from a shuffled account order, 30 passes
        shuffled = replace(problem, value=np.random.default_rng(100 + k).random(len(problem.ids)))
        cal = our_calendar(shuffled, passes=30)
        rows.append(row(f"  restart {k + 1}: shuffled order, 30 passes", cal, f"{cal.seconds:.2f}"))
        if (
            frequency_violations(problem, cal) <= violations
            and sum(n for _, n, _ in cal.left_out) <= missing
        ):
            candidates.append(cal)  # only plans that visit at least as much as ours compete
            labels.append(f"restart {k + 1}")
    best = min(candidates, key=lambda c: c.drive)
    polished, improved_days = 0.0, 0
    for s, route in enumerate(best.routes):  # PyVRP on each day of the best day assignment
        if not route.order:
            continue
        routes, feasible = pyvrp_days(problem, route.order, 1, ref_seconds_per_day, seed=s)
        found = (
            tour_minutes(problem.minutes, routes[0])
            if feasible and len(routes) == 1 and sorted(routes[0]) == sorted(route.order)
            else np.inf
        )
        improved_days += found < route.drive_minutes - 1e-6
        polished += min(route.drive_minutes, found)
    ref_seconds = time.perf_counter() - start
    which = labels[candidates.index(best)]
    rows.append(
        row(
            f"reference: best ({which}), days re-routed by PyVRP {ref_seconds_per_day:.0f} s",
            best,
            f"{ref_seconds:.0f}",
            polished,
        )
    )
    table(("plan", "visits", "drive min", "seconds", "freq. violations", "visits left out"), rows)
    ratio = ours.drive / polished
    load = ours.loads(problem)
    print(
        f"goal: 0 violations (got {violations}), drive ratio <= 1.02 (got {ratio:.4f}); "
        f"our day loads {load.min():.0f}-{load.max():.0f} min of 540 (max/min {load.max() / load.min():.3f})\n"
        f"PyVRP shortened {improved_days} of {len(best.routes)} days of the best assignment.\n"
        "note: the reference is the best total found by longer searches of the same kind (our planner\n"
        "restarted from shuffled orders with more passes, then PyVRP per day on the best day assignment).\n"
        "It is an upper bound on the optimum, not a proven optimum: no exact periodic-VRP solver is run,\n"
        "so a ratio near 1 says little about how far the day assignment is from the best possible."
    )
    record(
        "cycle freq. violations (150 accts)", str(violations), "0", "-", "0", met=violations == 0
    )
    record("cycle visits left out", str(missing), "0", "-", "0", met=missing == 0)
    record(
        "cycle drive min (4 weeks)",
        f"{ours.drive:.1f}",
        f"{polished:.1f}",
        f"{ratio:.4f}",
        "<= 1.02",
        met=ratio <= 1.02,
    )
    record("cycle seconds (info)", f"{ours.seconds:.2f}", f"{ref_seconds:.0f}", "-", "-", met=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s reference runs (smoke test)")
    args = parser.parse_args()
    week_s = 3.0 if args.quick else 30.0
    day_s = 3.0 if args.quick else 10.0
    started = time.perf_counter()
    tsplib()
    feasible_week(week_s)
    oversubscribed_week(week_s)
    cycle(day_s, restarts=1 if args.quick else 4)
    print("\n== Summary (ratio = ours / reference)")
    table(("metric", "ours", "reference", "ratio", "goal", "met"), summary)
    print(
        f"\ntotal {time.perf_counter() - started:.0f} s{' (--quick: reference runs cut to 3 s)' if args.quick else ''}"
    )


if __name__ == "__main__":
    main()
