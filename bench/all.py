"""Run every benchmark in bench/ and print one table: each figure, the reference, the goal.

Each script runs in its own process (``QT_QPA_PLATFORM=offscreen``), with ``--quick``
when it has that option (routing, scale, map_layers, project_file). Its printed
tables are read back here; a script whose output is not understood, or that fails,
still gets a row that says so (and its output is kept in the log folder). A script
added to bench/ later runs too, with a row pointing at its log until a reader is
added below.

Run: ``.venv/bin/python bench/all.py [--full] [--markdown] [--only NAME ...]``
(``--full``: no ``--quick``; ``--markdown``: the table as Markdown, for the README).
About 10-15 minutes with ``--quick`` on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_SCRIPTS = {"all.py", "synthetic.py"}  # helpers imported by the scripts
ORDER = (  # quick and headless first, the long ones last
    "assign_points",
    "reassign_vertex",
    "map_layers",
    "market_clusters",
    "project_file",
    "zip_areas",
    "design",
    "design_clustered",
    "design_workload",
    "rebalance",
    "workload",
    "import_accounts",
    "routing",
    "map_page",
    "scale",
    "schedule_memory",
)
TIMEOUT_S = 1800


@dataclass(frozen=True)
class Row:
    """One line of the combined table."""

    bench: str
    figure: str
    ours: str
    reference: str = "-"
    ratio: str = "-"
    goal: str = "-"
    met: str = "-"


def _num(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def _cells(line: str) -> list[str]:
    """The cells of a table line whose columns are separated by two or more spaces."""
    return [c for c in re.split(r"\s{2,}", line.strip()) if c]


def _line(out: str, start: str) -> str:
    """The first line that starts with `start` (after leading spaces)."""
    for line in out.splitlines():
        if line.strip().startswith(start):
            return line.strip()
    msg = f"no line starting with {start!r}"
    raise ValueError(msg)


def _aligned(header: str, values: str) -> dict[str, str]:
    """A right-aligned two-line table: each header ends where its value ends."""
    out, start = {}, 0
    for match in re.finditer(r"\S+", values):
        out[header[start : match.end()].strip()] = match.group()
        start = match.end()
    return out


def _yes(ok: bool) -> str:
    return "met" if ok else "not met"


# ----------------------------------------------------------------------------- readers


def read_assign_points(out: str) -> list[Row]:
    ref = _num(_cells(_line(out, "geopandas.sjoin"))[1])
    ours = _cells(_line(out, "grid index, built + queried"))
    query = _cells(_line(out, "grid index, query only"))
    ratio, same = _num(ours[2]), _num(ours[3])
    return [
        Row(
            "assign_points",
            "assign 1M points to 50 states + DC (index built + queried)",
            f"{_num(ours[1]):.3f} s",
            f"geopandas.sjoin {ref:.2f} s",
            f"{ratio:.3f}",
            "<= 0.25, 100% same answer",
            _yes(ratio <= 0.25 and same == 100),
        ),
        Row("assign_points", "  same, index query only (a re-assign)", f"{_num(query[1]):.3f} s"),
    ]


def read_reassign_vertex(out: str) -> list[Row]:
    lines = out.splitlines()  # not stripped: the columns are aligned
    i = next(k for k, line in enumerate(lines) if "incremental ms" in line)
    cells = _aligned(lines[i], lines[i + 1])
    ours, goal = _num(cells["incremental ms"]), _num(cells["goal ms"])
    return [
        Row(
            "reassign_vertex",
            f"re-assign after moving one vertex, {cells['accounts']} accounts",
            f"{ours:.0f} ms",
            f"full re-assign {_num(cells['full re-assign ms']):.0f} ms",
            cells["ratio"],
            f"<= {goal:.0f} ms",
            _yes(ours <= goal),
        )
    ]


def read_map_layers(out: str) -> list[Row]:
    line = _line(out, "100,000").split()
    return [
        Row(
            "map_layers",
            "account layer JSON, 100k accounts",
            f"{_num(line[1]):.2f} s ({line[2]} MB)",
            f"folium GeoJson {_num(line[3]):.1f} s",
            line[4],
        )
    ]


def read_project_file(out: str) -> list[Row]:
    lines = out.splitlines()  # not stripped: the columns are aligned
    i = next(k for k, line in enumerate(lines) if line.strip().startswith("accounts"))
    rows = []
    for line in lines[i + 1 :]:
        cells = line.split()
        if not cells or not cells[0].replace(",", "").isdigit():
            continue
        n = cells[0]
        save, ref_save, open_, ref_open = cells[1], cells[2], cells[4], cells[5]
        rows += [
            Row(
                "project_file",
                f"save {n} accounts",
                f"{save} s",
                f"geopandas {ref_save} s",
                cells[3],
            ),
            Row(
                "project_file",
                f"open {n} accounts",
                f"{open_} s",
                f"geopandas {ref_open} s",
                cells[6],
            ),
            Row(
                "project_file",
                f"  file size, {n} accounts",
                f"{cells[7]} MB",
                f"{cells[8]} MB",
                cells[9],
            ),
        ]
    if not rows:
        msg = "no rows"
        raise ValueError(msg)
    return rows


def read_zip_areas(out: str) -> list[Row]:
    ours = _cells(_line(out, "contiguous US,"))
    ref = _cells(_line(out, "contiguous US, loop per county"))
    cook = _cells(_line(out, "one county, Cook"))
    return [
        Row(
            "zip_areas",
            f"ZIP areas for the {ours[0].removeprefix('contiguous US, ').removesuffix(' (ours)')}",
            f"{_num(ours[1]):.2f} s ({ours[2]} units)",
            f"loop per county {_num(ref[1]):.2f} s",
            f"{_num(ours[1]) / _num(ref[1]):.2f}",
        ),
        Row("zip_areas", "  one county (Cook)", f"{_num(cook[1]):.3f} s ({cook[2]} units)"),
    ]


def read_design(out: str) -> list[Row]:
    rows = []
    for line in out.splitlines():
        if line.startswith("ours, tolerance"):
            name, dev, contiguous, pp, seconds = _cells(line)[:5]
            goal = _line(out, f"goal ({name})")
            refs = [
                _cells(other)
                for other in out.splitlines()
                if f"ours {name.removeprefix('ours, tolerance ')}:" in other
            ]
            best = max(refs, key=lambda c: float(c[3]), default=None)  # best reference PP
            rows.append(
                Row(
                    "design",
                    f"design 10 territories from counties, {name.removeprefix('ours, ')}",
                    f"dev {dev}, contiguous {contiguous}, PP {pp}, {seconds} s",
                    f"{best[0]}: PP {best[3]}, {best[4]} s" if best else "-",
                    best[5].split(": ", 1)[1] if best else "-",
                    "dev <= 1%, contiguous, PP >= 0.24, <= 5 s",
                    _yes("MISSED" not in goal),
                )
            )
    if not rows:
        msg = "no rows"
        raise ValueError(msg)
    return rows


COUNT = re.compile(r"(\d+) of (\d+) (?:cases|reps) met")


def _counted(bench: str, figure: str, out: str, start: str, goal: str) -> Row:
    """A row from a line "goal (...): N of M cases met"."""
    line = _line(out, start)
    found = COUNT.search(line)
    if found is None:
        msg = f"no count in {line!r}"
        raise ValueError(msg)
    met, total = int(found[1]), int(found[2])
    return Row(bench, figure, f"{met} of {total} met", goal=goal, met=_yes(met == total))


def read_design_clustered(out: str) -> list[Row]:
    goal = "bound <= 1%: ours <= 2%, one piece, PP >= 0.2, <= 10 s"
    rows = [_counted("design_clustered", "design on lumpy CRM-like data and demo seeds",
                     out, "goal (", goal)]  # fmt: skip
    if "info (mixed homes)" in out:
        row = _counted("design_clustered", "info: half the reps in small metros", out,
                       "info (mixed homes)", goal)  # fmt: skip
        rows.append(Row(row.bench, row.figure, row.ours, goal="info"))
    return rows


def read_design_workload(out: str) -> list[Row]:
    return [_counted("design_workload", "design on workload, judged by the KPI panel", out,
                     "goal (", "KPI panel within ±5%")]  # fmt: skip


def read_schedule_memory(out: str) -> list[Row]:
    line = _line(out, "all ")
    return [_counted("schedule_memory", f"peak MB of {' '.join(line.split()[:3])}: "
                     f"{line.split()[3]}", out, "goal (", "<= 1536 MB")]  # fmt: skip


def read_market_clusters(out: str) -> list[Row]:
    lines = [line.split() for line in out.splitlines()]
    table = {tuple(cells[:2]): cells for cells in lines if len(cells) == 8}  # the table's rows
    rows = []
    for project in ("scale", "demo"):
        if (project, "sklearn") not in table:
            continue
        ours, ref = table[project, "ours"], table[project, "sklearn"]
        rows.append(
            Row(
                "market_clusters",
                f"DBSCAN of 100k accounts ({project}), 25 km, 5 accounts",
                f"{ours[2]} s, +{ours[3]} MB, {ours[7]} accounts otherwise",
                f"scikit-learn on every account {ref[2]} s, +{ref[3]} MB",
                f"{_num(ours[2]) / _num(ref[2]):.2f}",
            )
        )
    return rows


def read_workload(out: str) -> list[Row]:
    return [_counted("workload", "KPI workload vs each rep's 13-week calendar", out, "goal (",
                     "within 10%, or visits left out and listed")]  # fmt: skip


REBALANCE_ROW = re.compile(  # scenario tol method moved moved-pot. max-dev contig. PP seconds
    r"^(\w+)\s+(\S+%) (.+?)\s{2,}(\d+)\s+(\S+%)\s+(\S+%)\s+(yes|NO)\s+([\d.]+)\s+([\d.]+)(.*)$"
)


def read_rebalance(out: str) -> list[Row]:
    table = [m.groups() for m in map(REBALANCE_ROW.match, out.splitlines()) if m]
    goals = re.findall(
        r"^goal \((\w+), \+-(\S+)\): moves ours / redesign <= 1 \(x([\d.]+)\).*: (\w+)$",
        out,
        flags=re.MULTILINE,
    )
    rows = []
    for scenario, tol, ratio, met in goals:
        ours = next(
            r for r in table if r[0] == scenario and r[1] == tol and r[2].startswith("ours")
        )
        rows.append(
            Row(
                "rebalance",
                f"rebalance a {scenario} plan to +-{tol} (10 territories, counties)",
                f"{ours[3]} moves, dev {ours[5]}, {ours[8]} s",
                "redesign (fewer moves of two seeds)",
                ratio,
                "<= 1, in band, contiguous",
                _yes(met == "met"),
            )
        )
    split = [r for r in table if r[0] == "split"]
    if split:
        ours, ref = split[0], split[-1]
        rows.append(
            Row(
                "rebalance",
                "split for a new hire (10 -> 11 territories)",
                f"{ours[3]} moves, dev {ours[5]}, {ours[8]} s",
                f"redesign K=11: {ref[3]} moves",
                ref[9].strip().removeprefix("moves x") or "-",
            )
        )
    if not rows:
        msg = "no rows"
        raise ValueError(msg)
    return rows


def read_import_accounts(out: str) -> list[Row]:
    lines = out.splitlines()  # not stripped: the columns are aligned
    i = next(k for k, line in enumerate(lines) if line.strip().startswith("rows"))
    cells = _aligned(lines[i], lines[i + 1])
    return [
        Row(
            "import_accounts",
            f"import {cells['rows']} CSV rows (parse, validate, geocode)",
            f"{cells['ours s']} s, peak RSS {cells['peak RSS MB']} MB",
            f"pandas.read_csv {cells['pandas.read_csv s']} s",
            cells["ratio"],
            "progress + cancel",
        )
    ]


def read_routing(out: str) -> list[Row]:
    lines = out[out.index("== Summary") :].splitlines()
    rows = []
    for line in lines[3:]:
        cells = _cells(line)
        if len(cells) != 6:  # metric ours reference ratio goal met
            break
        metric, ours, ref, ratio, goal, met = cells
        met = {"yes": "met", "no": "not met"}.get(met, met)
        rows.append(Row("routing", metric, ours, ref, ratio, goal, met))
    if not rows:
        msg = "no rows"
        raise ValueError(msg)
    return rows


def read_map_page(out: str) -> list[Row]:
    rows = []
    for line in out.splitlines():
        cells = line.split()
        if len(cells) == 4 and cells[0].replace(",", "").isdigit():
            rows.append(
                Row(
                    "map_page",
                    f"map page ready with {cells[0]} accounts",
                    f"{cells[1]} s",
                    f"empty page {cells[2]} s",
                    cells[3],
                )
            )
    if not rows:
        msg = "no rows"
        raise ValueError(msg)
    return rows


def read_scale(out: str) -> list[Row]:
    lines = out.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("figure"))
    rows = []
    for line in lines[i + 2 :]:
        cells = _cells(line)
        if len(cells) != 4:
            break
        figure, ours, goal, met = cells
        rows.append(Row("scale", figure, ours, goal=goal, met=met))
    return rows


READERS: dict[str, Callable[[str], list[Row]]] = {
    "assign_points": read_assign_points,
    "reassign_vertex": read_reassign_vertex,
    "map_layers": read_map_layers,
    "project_file": read_project_file,
    "zip_areas": read_zip_areas,
    "design": read_design,
    "design_clustered": read_design_clustered,
    "design_workload": read_design_workload,
    "rebalance": read_rebalance,
    "workload": read_workload,
    "import_accounts": read_import_accounts,
    "routing": read_routing,
    "map_page": read_map_page,
    "scale": read_scale,
    "schedule_memory": read_schedule_memory,
    "market_clusters": read_market_clusters,
}


# ----------------------------------------------------------------------------- running


def scripts() -> list[str]:
    """Every runnable script in bench/, known ones in ORDER, new ones after them."""
    found = sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.name not in NOT_SCRIPTS and '__name__ == "__main__"' in p.read_text(encoding="utf-8")
    )
    return [s for s in ORDER if s in found] + [s for s in found if s not in ORDER]


def run(name: str, *, quick: bool, log_folder: Path) -> tuple[list[Row], float]:
    path = HERE / f"{name}.py"
    args = [sys.executable, str(path)]
    if quick and "--quick" in path.read_text(encoding="utf-8"):
        args.append("--quick")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    print(f"running {' '.join([f'bench/{name}.py', *args[2:]])} ...", end=" ", flush=True)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, cwd=HERE, env=env, timeout=TIMEOUT_S, check=False
        )
        out, err, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        out, err, code = str(exc.stdout or ""), str(exc.stderr or ""), None
    seconds = time.perf_counter() - start
    log = log_folder / f"{name}.log"
    log.write_text(f"$ {' '.join(args)}\n{out}\n--- stderr ---\n{err}", encoding="utf-8")
    print(f"{seconds:.0f} s", flush=True)
    if code != 0:
        why = "timed out" if code is None else f"exit code {code}"
        return [Row(name, f"FAILED ({why}); see {log}", "-", met="not met")], seconds
    reader = READERS.get(name)
    if reader is None:
        return [Row(name, f"ran; no reader for its output yet: see {log}", "-", met="?")], seconds
    try:
        rows = reader(out)
    except (ValueError, IndexError, KeyError, StopIteration) as exc:
        rows = []
        print(f"  could not read its output ({exc}); see {log}")
    if not rows:
        return [Row(name, f"output not understood; see {log}", "-", met="?")], seconds
    return rows, seconds


HEADER = ("bench", "figure", "ours", "reference", "ratio", "goal", "met")


def print_table(rows: list[Row], *, markdown: bool) -> None:
    table = [HEADER] + [
        (r.bench, r.figure, r.ours, r.reference, r.ratio, r.goal, r.met) for r in rows
    ]
    if markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + " --- |" * len(HEADER))
        for line in table[1:]:
            cells = [c.replace("|", "\\|").strip() for c in line]
            print("| " + " | ".join(cells) + " |")
        return
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for k, line in enumerate(table):
        print("  ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=True)).rstrip())
        if k == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run without --quick")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these scripts")
    args = parser.parse_args()
    names = [n for n in scripts() if not args.only or n in args.only]
    log_folder = Path(tempfile.mkdtemp(prefix="tp-bench-logs-"))
    print(
        f"{len(names)} benchmarks{'' if args.full else ' (--quick where offered)'}; logs in "
        f"{log_folder}; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    started = time.perf_counter()
    rows: list[Row] = []
    durations = []
    for name in names:
        got, seconds = run(name, quick=not args.full, log_folder=log_folder)
        rows += got
        durations.append(f"{name} {seconds:.0f} s")
    total = time.perf_counter() - started
    print()
    print_table(rows, markdown=args.markdown)
    met = sum(r.met == "met" for r in rows)
    missed = sum(r.met in {"not met", "?"} for r in rows)
    print(
        f"\n{met} goals met, {missed} not met (or not read); total {total / 60:.1f} min "
        f"({', '.join(durations)}); load average now "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
