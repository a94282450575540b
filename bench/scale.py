"""Scale (issue 8): 100,000 accounts, the ~3,200 bundled counties, 50 territories, 200 reps.

The project: the demo generator's accounts (industries, sizes, parents, visit
frequencies) resampled to 100,000, 70% jittered (~3 km) around the demo's 16 metros
and 30% at random US ZIP centroids, so that every territory has accounts; 50
territories, each the union of the counties nearest to one of 50 seed counties
(k-means++ on the counties weighted by their accounts); 200 reps (50 hold a
territory, 150 do not).

Measured in one run:

- headless (this process, median of the runs): ``save_project`` and
  ``load_project`` of the GeoPackage, ``rules.reassign`` (Territory > Assign
  Accounts: rules, geography, parent policy) and ``metrics.territory_kpis``;
- in the real ``MainWindow`` (a fresh child process, ``QT_QPA_PLATFORM=offscreen``):
  the first map display (from ``set_project`` until the page reports ready with every
  account drawn) and the longest UI freeze (the largest gap between the ticks of a
  10 ms QTimer on the GUI thread) while opening the project (File > Open: background
  load, then ``set_project``, until the map is ready), moving a county from one
  territory to another (``edits.move_area`` through ``window.push_edit``, until the
  page has the new layers and the panels their figures), undoing it, assigning the
  accounts (``window.territory_actions.assign``, a background task here) and saving
  (``window.files.save``);
  a session is one such sequence (open, move, undo, assign, save), and the window runs
  three sessions in a row, each on another 100k-account project file (copies of the one
  saved above; the window cannot tell), as a user opens one project after another;
- peak memory of the child's whole process tree (the app and its QtWebEngine /
  Chromium processes): RSS summed over the tree from /proc every 100 ms, per session
  (from its File > Open to the next one's) and over all three, each against the goal
  (issue 15: memory must not grow from one project to the next); PSS, which counts
  shared pages once, every second, for information.

Goals from issues 8 and 15: the UI never frozen more than 200 ms; peak memory <= 1.5 GB
including Chromium, in every session. The times have no goal of their own.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/scale.py [--quick] [--profile]``
(``--quick``: one run of each headless step instead of three; the window always runs its
three sessions, and its figures are their medians; ``--profile``: print where the GUI
thread spends its time in each window step, with cProfile).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from territory_planner.colors import neighbour_colors
from territory_planner.demo import make_demo
from territory_planner.geo.areas import us_counties
from territory_planner.geo.assign import containing_polygon
from territory_planner.geo.earth import haversine_km
from territory_planner.geo.geocode import all_zips
from territory_planner.model import ACCOUNT_COLUMNS, CRS, REP_COLUMNS, TERRITORY_COLUMNS, Project
from territory_planner.model import conform as conform_frame

ACCOUNTS = 100_000
TERRITORIES = 50
REPS = 200
LOCAL_SHARE = 0.7  # accounts near the demo's metros; the rest anywhere in the US
FREEZE_GOAL_MS = 200
MEMORY_GOAL_MB = 1500
TICK_MS = 10
SAMPLE_S = 0.1
SETTLE_S = 0.5  # after each window step, keep watching the ticks this long
MAP_TIMEOUT_S = 300
SESSIONS = 3  # projects opened one after another in one window (issue 15)


# ----------------------------------------------------------------------------- the project


def _us_zips() -> pd.DataFrame:
    rows = [
        (z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]))
        for z in all_zips()
        if z["active"] and z["zip_code_type"] == "STANDARD" and z["lat"] and z["long"]
    ]
    return pd.DataFrame(rows, columns=["zip", "city", "state", "lat", "lon"])


def _seed_counties(
    points: np.ndarray, weight: np.ndarray, k: int, rng: np.random.Generator
) -> list[int]:
    """k-means++ seeding: county indices, spread out and drawn towards the accounts."""
    xy = np.column_stack([points[:, 0] * np.cos(np.radians(points[:, 1])), points[:, 1]])
    chosen = [int(rng.choice(len(xy), p=weight / weight.sum()))]
    d2 = ((xy - xy[chosen[0]]) ** 2).sum(1)
    for _ in range(k - 1):
        p = d2 * weight
        chosen.append(int(rng.choice(len(xy), p=p / p.sum())))
        d2 = np.minimum(d2, ((xy - xy[chosen[-1]]) ** 2).sum(1))
    return chosen


def scale_project(
    accounts: int = ACCOUNTS, territories: int = TERRITORIES, reps: int = REPS, seed: int = 1
) -> Project:
    """The synthetic project described in the module docstring."""
    import geopandas as gpd  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    base = make_demo(accounts=2000, reps=16, seed=seed)
    acc = base.accounts.iloc[rng.integers(0, len(base.accounts), size=accounts)]
    acc = acc.reset_index(drop=True)
    acc["account_id"] = [f"S{i:07d}" for i in range(accounts)]
    spot = acc[["lon", "lat"]].to_numpy()  # where each account's jitter starts
    far = np.flatnonzero(rng.random(accounts) >= LOCAL_SHARE)
    zips = _us_zips().iloc[rng.integers(0, len(_us_zips()), size=len(far))]
    for column in ("zip", "city", "state"):
        acc.loc[far, column] = zips[column].to_numpy()
    spot[far] = zips[["lon", "lat"]].to_numpy()
    scale = np.where(np.isin(np.arange(accounts), far), 0.01, 0.03)[:, None]  # degrees
    acc[["lon", "lat"]] = spot + rng.normal(0, 1, size=(accounts, 2)) * scale

    counties = us_counties()
    geoms = counties.geometry.to_numpy()
    county_of = containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), list(geoms))
    lost = np.flatnonzero(county_of < 0)  # jittered into a lake or the sea: back where it was
    acc.loc[lost, ["lon", "lat"]] = spot[lost]
    county_of[lost] = containing_polygon(spot[lost, 0], spot[lost, 1], list(geoms))
    inside = shapely.point_on_surface(geoms)
    points = np.column_stack([shapely.get_x(inside), shapely.get_y(inside)])
    per_county = np.bincount(county_of[county_of >= 0], minlength=len(counties))
    seeds = _seed_counties(points, per_county + 1.0, territories, rng)
    dist = np.stack(
        [haversine_km(points[:, 0], points[:, 1], points[s, 0], points[s, 1]) for s in seeds]
    )
    owner = dist.argmin(axis=0)  # a seed county is nearest to itself: no territory is empty
    shapes = [shapely.union_all(geoms[owner == k], grid_size=1e-6) for k in range(territories)]
    ids = [f"T{k + 1:02d}" for k in range(territories)]
    names = [f"{counties['name'].iloc[s]} area" for s in seeds]

    lon, lat = acc["lon"].to_numpy(), acc["lat"].to_numpy()
    near_seed = [int(np.argmin(haversine_km(lon, lat, points[s, 0], points[s, 1]))) for s in seeds]
    others = rng.integers(0, accounts, size=reps - territories).tolist()
    homes = acc.iloc[near_seed + others].reset_index(drop=True)  # the holders live near their seed
    rep_ids = [f"R{i + 1:03d}" for i in range(reps)]
    rep_frame = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "name": [f"Rep {i + 1:03d}" for i in range(reps)],
            "email": [f"rep{i + 1:03d}@example.com" for i in range(reps)],
            "home_city": homes["city"],
            "home_state": homes["state"],
            "home_zip": homes["zip"],
            "lon": homes["lon"],
            "lat": homes["lat"],
            "weekly_capacity_hours": 40.0,
            "work_days": "Mon,Tue,Wed,Thu,Fri",
            "day_start": "08:00",
            "day_end": "17:00",
        }
    )
    table = pd.DataFrame(
        {
            "territory_id": ids,
            "name": names,
            "rep_id": rep_ids[:territories],
            "color": neighbour_colors(shapes),
        }
    )
    territory_frame = gpd.GeoDataFrame(
        conform_frame(table, TERRITORY_COLUMNS), geometry=shapes, crs=CRS
    )
    label = containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), shapes)
    acc["territory_id"] = pd.Series([ids[k] if k >= 0 else None for k in label], dtype="str")
    acc["placed_by"] = np.where(label >= 0, "geography", "none")
    return Project(
        accounts=conform_frame(acc, ACCOUNT_COLUMNS),
        reps=conform_frame(rep_frame, REP_COLUMNS),
        territories=territory_frame,
        name=f"Scale: {accounts:,} accounts",
    )


# ----------------------------------------------------------------------------- memory


def _tree(root: int) -> list[int]:
    """`root` and all its descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _field_kb(path: str, key: str) -> int:
    try:
        with open(path, encoding="ascii") as handle:  # noqa: PTH123
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _kind(pid: int) -> str:
    """Chromium's process type of `pid` (zygote: also the renderers forked from it)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    for arg in args:
        if arg.startswith(b"--type="):
            return arg[len(b"--type=") :].decode()
    return "app"


class TreeMemory(threading.Thread):
    """Samples the summed RSS (and now and then PSS) of a process tree."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.samples: list[tuple[float, float, int]] = []  # (time, RSS MB, processes)
        self.app: list[float] = []  # the root process's own RSS MB at each sample
        self.pss: list[tuple[float, float]] = []
        self.at_peak: dict[str, float] = {}  # RSS MB by process kind at the highest sample
        self.stop = threading.Event()

    def run(self) -> None:
        count = 0
        while not self.stop.wait(SAMPLE_S):
            pids = _tree(self.root)
            each = {p: _field_kb(f"/proc/{p}/status", "VmRSS:") / 1024 for p in pids}
            rss = sum(each.values())
            if rss > max((r for _, r, _ in self.samples), default=0.0):
                self.at_peak = {}
                for p, mb in each.items():
                    kind = "app (Python, Qt)" if p == self.root else f"Chromium {_kind(p)}"
                    self.at_peak[kind] = self.at_peak.get(kind, 0.0) + mb
            self.samples.append((time.time(), rss, len(pids)))
            self.app.append(each.get(self.root, 0.0))
            if count % round(1 / SAMPLE_S) == 0:
                pss = sum(_field_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids) / 1024
                self.pss.append((time.time(), pss))
            count += 1

    def peak(self, start: float = 0.0, end: float = float("inf")) -> tuple[float, int, float]:
        """Highest tree RSS between two times: (MB, processes, MB of the root process then)."""
        inside = [
            (rss, n, app)
            for (t, rss, n), app in zip(self.samples, self.app, strict=True)
            if start <= t <= end
        ]
        return max(inside, default=(0.0, 0, 0.0))


# ----------------------------------------------------------------------------- headless


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def headless(project: Project, path: Path, runs: int) -> dict[str, float]:
    from territory_planner.analysis.metrics import territory_kpis  # noqa: PLC0415
    from territory_planner.io.project_file import load_project, save_project  # noqa: PLC0415
    from territory_planner.plan.rules import reassign  # noqa: PLC0415

    out = {"save": median_time(lambda: save_project(project, path), runs)}
    out["open"] = median_time(lambda: load_project(path), runs)
    loaded = load_project(path)
    assert len(loaded.accounts) == len(project.accounts)
    assert len(loaded.territories) == len(project.territories)
    out["assign"] = median_time(lambda: reassign(loaded), runs)
    out["kpis"] = median_time(lambda: territory_kpis(loaded), runs)
    out["size_mb"] = path.stat().st_size / 1e6
    return out


# ----------------------------------------------------------------------------- the window (child)


def window_child(paths: list[Path], *, profile: bool) -> dict[str, Any]:  # noqa: PLR0915
    """Open each of `paths` in turn in one MainWindow, timing its steps; a fresh process."""
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    from territory_planner.ui.app import create_application  # noqa: PLC0415

    create_application()
    import shiboken6  # noqa: PLC0415
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer  # noqa: PLC0415

    from territory_planner.edits import move_area  # noqa: PLC0415
    from territory_planner.ui.main_window import MainWindow  # noqa: PLC0415

    class Ticker:
        """A 10 ms timer on the GUI thread; the largest gap between its ticks is the freeze."""

        def __init__(self) -> None:
            self.timer = QTimer()
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.setInterval(TICK_MS)
            self.timer.timeout.connect(self.tick)
            self.last = time.perf_counter()
            self.gaps: list[tuple[float, float]] = []  # (gap s, when it ended)
            self.timer.start()

        def tick(self) -> None:
            now = time.perf_counter()
            self.gaps.append((now - self.last, now))
            self.last = now

        def reset(self) -> float:
            self.gaps = []
            self.last = time.perf_counter()
            return self.last

        def longest(self) -> float:
            # the gap still open (a step that has not let the loop run since the last tick) counts
            now = time.perf_counter()
            return max([g for g, _ in self.gaps] + [now - self.last])

        def worst(self, count: int = 5) -> list[tuple[float, float]]:
            return sorted(self.gaps, reverse=True)[:count]

    def wait_until(condition: Callable[[], bool], timeout_s: float = MAP_TIMEOUT_S) -> None:
        if condition():
            return
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(20)
        poll.timeout.connect(lambda: loop.quit() if condition() else None)
        poll.start()
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(loop.quit)
        deadline.start(int(timeout_s * 1000))
        loop.exec()
        poll.stop()
        deadline.stop()
        if not condition():
            msg = f"timed out after {timeout_s:.0f} s"
            raise TimeoutError(msg)

    def settle(seconds: float = SETTLE_S) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def page_caught_up() -> None:
        """Wait until the page has run every script sent so far (they run in order), and the
        panels show the project as it is (their figures are computed in the background)."""
        box: list[dict[str, Any]] = []
        window.map_view.request_stats(box.append)
        wait_until(lambda: bool(box) and not window.refresher.pending)

    def assigned() -> None:
        """Wait for the assignment (a task on a large project), then as page_caught_up."""
        wait_until(lambda: window.task is None or window.task.finished)
        page_caught_up()

    profiles: dict[str, pstats.Stats] = {}

    def step(name: str, action: Callable[[], object], until: Callable[[], None]) -> dict[str, Any]:
        """Run `action` with the ticker watching; until() waits for its end; then settle."""
        profiler = cProfile.Profile() if profile else None
        start = ticker.reset()
        stamp = time.time()
        if profiler:
            profiler.enable()  # this thread only: what the GUI thread does, waiting included
        action()
        until()
        done = time.perf_counter()
        if profiler:
            profiler.disable()
        settle()
        if profiler:
            stats = pstats.Stats(profiler, stream=sys.stderr)
            if name in profiles:
                profiles[name].add(stats)
            else:
                profiles[name] = stats
        return {
            "seconds": done - start,
            "freeze_ms": ticker.longest() * 1000,
            "worst_ms": [round(g * 1000) for g, _ in ticker.worst()],
            "worst_at_s": [round(t - start, 2) for _, t in ticker.worst()],
            "wall": (stamp, time.time()),
        }

    # settings, recovery files: removed with the parent's folder
    folder = paths[0].parent / "window"
    folder.mkdir(exist_ok=True)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, data_folder=folder / "data")
    window.resize(1400, 900)
    window.show()
    wait_until(lambda: window.map_view.is_ready)  # the empty project shown at start
    ticker = Ticker()
    marks: dict[str, float] = {}
    real_set_project = window.set_project

    def timed_set_project(project: Project, where: Path | None, *page: Any) -> None:
        marks["set_project"] = time.perf_counter()
        real_set_project(project, where, *page)
        marks["set_project_done"] = time.perf_counter()

    window.set_project = timed_set_project  # type: ignore[method-assign, assignment]
    window.map_view.ready.connect(lambda _stats: marks.__setitem__("ready", time.perf_counter()))

    result: dict[str, Any] = {"open": [], "move": [], "undo": [], "assign": [], "save": []}
    n = 0
    edits: list[tuple[float, int]] = []  # (seconds to build the edit, accounts moved)

    def map_shown() -> None:
        wait_until(
            lambda: (
                "ready" in marks
                and window.map_view.last_stats.get("accounts") == len(window.project.accounts)
                and len(window.project.accounts) > 0
                and not window.refresher.pending
            )
        )

    for path in paths:  # one session a project: open, move a county, undo, assign, save
        marks.clear()
        window.undo_stack.setClean()
        row = step("open", lambda: window.open_project(path), map_shown)  # noqa: B023
        row["display_s"] = marks["ready"] - marks["set_project"]
        row["set_project_s"] = marks["set_project_done"] - marks["set_project"]
        before = [g for g, t in ticker.gaps if t <= marks["set_project"]]
        row["loading_gap_ms"] = max(before, default=0.0) * 1000  # task thread reading the file
        result["open"].append(row)
        n = len(window.project.accounts)
        county, target, what, accounts_in = _county_to_move(window.project)
        result["edit_what"] = f"{what} ({accounts_in:,} accounts) to {target}"

        def move() -> None:
            start = time.perf_counter()
            edit = move_area(window.project, county, target, what)  # noqa: B023 (this run's)
            edits.append((time.perf_counter() - start, edit.moved))
            window.push_edit(edit)

        row = step("move", move, page_caught_up)
        row["move_area_s"], row["moved"] = edits[-1]
        result["move"].append(row)
        result["undo"].append(step("undo", window.undo_stack.undo, page_caught_up))
        result["assign"].append(step("assign", window.territory_actions.assign, assigned))
        result["save"].append(step("save", window.files.save, lambda: None))
    result["accounts"] = n
    result["drawn"] = int(window.map_view.last_stats.get("accounts", -1))
    if profile:
        for name, stats in profiles.items():
            print(f"\n== profile of the GUI thread: {name} (all sessions)", file=sys.stderr)
            stats.sort_stats("cumulative").print_stats(40)
            # where the window's own steps spend it, one level down
            stats.print_callees(
                r"\((set_project|on_changes|_refresh_tables|_show_overview|_save_to|assign)\)"
            )
    window.undo_stack.setClean()
    window.close()
    shiboken6.delete(window)
    return result


def _county_to_move(project: Project) -> tuple[shapely.Geometry, str, str, int]:
    """The county with the most accounts that borders another territory, and that territory."""
    counties = us_counties()
    geoms = counties.geometry.to_numpy()
    inside = shapely.get_coordinates(shapely.point_on_surface(geoms))
    territory = containing_polygon(
        inside[:, 0],
        inside[:, 1],
        list(project.territories.geometry),
    )
    acc = project.accounts
    county_of = containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), list(geoms))
    per_county = np.bincount(county_of[county_of >= 0], minlength=len(geoms))
    tree = shapely.STRtree(geoms)
    ids = project.territories["territory_id"].to_numpy()
    for k in np.argsort(-per_county):
        if territory[k] < 0:
            continue
        near = tree.query(shapely.buffer(geoms[k], 0.001), predicate="intersects")
        other = [
            int(territory[j]) for j in near if territory[j] >= 0 and territory[j] != territory[k]
        ]
        if other:
            name = f"{counties['name'].iloc[k]} county ({counties['fips'].iloc[k]})"
            return geoms[k], str(ids[max(set(other), key=other.count)]), name, int(per_county[k])
    msg = "no county borders another territory"
    raise RuntimeError(msg)


# ----------------------------------------------------------------------------- the table


def _ms(x: float) -> str:
    return f"{x:,.0f} ms"


def _freeze_row(name: str, rows: list[dict[str, Any]]) -> tuple[str, str, str, str]:
    freeze = [r["freeze_ms"] for r in rows]
    med = statistics.median(freeze)
    spread = f" (max {max(freeze):,.0f})" if len(freeze) > 1 else ""
    return (
        f"longest UI freeze: {name}",
        _ms(med) + spread,
        f"<= {FREEZE_GOAL_MS} ms",
        "met" if med <= FREEZE_GOAL_MS else "not met",
    )


def results(quick: bool = False, profile: bool = False) -> list[tuple[str, str, str, str]]:
    """Run everything; return (figure, ours, goal, met) rows (and print details)."""
    runs = 1 if quick else 3
    start = time.perf_counter()
    project = scale_project()
    built = time.perf_counter() - start
    acc = project.accounts
    print(f"load average at the start: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    print(
        f"project: {len(acc):,} accounts ({int(acc['territory_id'].isna().sum()):,} outside every "
        f"territory), {len(us_counties()):,} counties, {len(project.territories)} territories, "
        f"{len(project.reps)} reps; built in {built:.1f} s; {runs} run(s) of each headless step "
        f"and {SESSIONS} window sessions, medians",
        flush=True,
    )
    scratch = tempfile.TemporaryDirectory(prefix="tp-scale-", ignore_cleanup_errors=True)
    folder = Path(scratch.name)
    path = folder / "scale.gpkg"
    times = headless(project, path, runs)
    del project
    paths = [path] + [folder / f"scale-{k + 1}.gpkg" for k in range(1, SESSIONS)]
    for other in paths[1:]:
        shutil.copyfile(path, other)
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"headless: save {times['save']:.2f} s, open {times['open']:.2f} s, assign "
        f"{times['assign']:.2f} s, KPIs {times['kpis']:.2f} s; file {times['size_mb']:.1f} MB; "
        f"this process's peak RSS {own_peak:,.0f} MB (not the app's)",
        flush=True,
    )

    args = [sys.executable, __file__, "--window", *map(str, paths)]
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env["XDG_CACHE_HOME"] = str(folder / "cache")  # the demo and map page caches
    env["XDG_DATA_HOME"] = str(folder / "data")
    child = subprocess.Popen(
        [*args, *(["--profile"] if profile else [])],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    memory = TreeMemory(child.pid)
    memory.start()
    out, _ = child.communicate()
    memory.stop.set()
    memory.join()
    scratch.cleanup()
    if child.returncode != 0:
        sys.exit(f"the window run failed (exit code {child.returncode})")
    win = json.loads(out.strip().splitlines()[-1])
    peak, processes, _ = memory.peak()
    sessions = _session_peaks(memory, win)
    peak_pss = max((p for _, p in memory.pss), default=0.0)
    steps = sorted(
        (r["wall"][0], name, r)
        for name in ("open", "move", "undo", "assign", "save")
        for r in win[name]
    )
    for _, name, r in steps:  # in the order they ran
        during, _, app = memory.peak(*r["wall"])
        detail = ""
        if name == "open":
            detail = (
                f"  set_project {r['set_project_s']:.2f} s, first display {r['display_s']:.2f} s,"
                f" longest gap while the task thread read the file {r['loading_gap_ms']:,.0f} ms"
            )
        elif name == "move":
            detail = f"  move_area {r['move_area_s']:.2f} s, {r['moved']:,} accounts moved"
        print(
            f"window {name:<6} {r['seconds']:6.2f} s  longest gap {r['freeze_ms']:7,.0f} ms  "
            f"worst gaps {r['worst_ms']} ms at {r['worst_at_s']} s  "
            f"tree RSS {during:,.0f} MB (app {app:,.0f}){detail}"
        )
    print(f"edit: moved {win['edit_what']}; map drew {win['drawn']:,} of {win['accounts']:,}")
    breakdown = ", ".join(
        f"{k} {v:,.0f}" for k, v in sorted(memory.at_peak.items(), key=lambda kv: -kv[1])
    )
    print(f"at the memory peak, RSS MB by process: {breakdown}")
    for k, (top, app, before) in enumerate(sessions, 1):
        print(
            f"session {k}: peak {top:,.0f} MB (app {app:,.0f}, Chromium {top - app:,.0f}); "
            f"{before:,.0f} MB held when its File > Open started"
        )
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    assert win["drawn"] == win["accounts"], "not every account was drawn"

    def med(name: str, key: str) -> float:
        return float(statistics.median(r[key] for r in win[name]))

    def info(figure: str, value: str) -> tuple[str, str, str, str]:
        return (figure, value, "-", "-")

    return [
        info("save project file (100k accounts, GeoPackage)", f"{times['save']:.2f} s"),
        info("open project file", f"{times['open']:.2f} s"),
        info("first map display (set_project -> page ready)", f"{med('open', 'display_s'):.2f} s"),
        info("open in the window (File > Open -> map ready)", f"{med('open', 'seconds'):.2f} s"),
        info("assign (rules.reassign: rules, geography, parents)", f"{times['assign']:.2f} s"),
        info("KPI update (metrics.territory_kpis)", f"{times['kpis']:.2f} s"),
        info(
            "move a county in the window (edit -> page updated)", f"{med('move', 'seconds'):.2f} s"
        ),
        _freeze_row("opening the project", win["open"]),
        _freeze_row("moving a county (move_area + push_edit)", win["move"]),
        _freeze_row("undoing that move", win["undo"]),
        _freeze_row("assigning accounts (window.assign)", win["assign"]),
        _freeze_row("saving (window.save)", win["save"]),
        *(
            _memory_row(
                f"peak memory, app + Chromium (RSS sum), session {k} of {len(sessions)}", top
            )
            for k, (top, _, _) in enumerate(sessions, 1)
        ),
        _memory_row(
            f"peak memory over all {len(sessions)} sessions in one app ({processes} processes)",
            peak,
        ),
        info("peak memory, same tree, PSS (shared pages once; info)", f"{peak_pss:,.0f} MB"),
    ]


def _session_peaks(memory: TreeMemory, win: dict[str, Any]) -> list[tuple[float, float, float]]:
    """Per session (File > Open to the next one's): (peak MB, the app's MB then, MB at its start)."""
    starts = [r["wall"][0] for r in win["open"]]
    ends = [*starts[1:], win["save"][-1]["wall"][1]]
    out = []
    for start, end in zip(starts, ends, strict=True):
        top, _, app = memory.peak(start, end)
        before = [rss for t, rss, _ in memory.samples if t <= start]
        out.append((top, app, before[-1] if before else 0.0))
    return out


def _memory_row(figure: str, mb: float) -> tuple[str, str, str, str]:
    return (
        figure,
        f"{mb:,.0f} MB",
        f"<= {MEMORY_GOAL_MB:,} MB",
        "met" if mb <= MEMORY_GOAL_MB else "not met",
    )


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("figure", "ours", "goal", "met")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "  ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(header, widths, strict=True)))  # fmt: skip
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one run of each step instead of three"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the GUI thread's steps")
    parser.add_argument("--window", type=Path, nargs="+", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    if args.window:
        print(json.dumps(window_child(args.window, profile=args.profile)))
        return
    started = time.perf_counter()
    rows = results(quick=args.quick, profile=args.profile)
    print()
    print_table(rows)
    print(f"\ntotal {time.perf_counter() - started:.0f} s (2-core machine: compare with care)")


if __name__ == "__main__":
    main()
