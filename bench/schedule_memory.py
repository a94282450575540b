"""Peak memory of one calendar run: `schedule` for 16 reps on a 100,000-account project.

The demo generator makes the project (100,000 accounts, 16 reps, its own territories),
saved once; then ``territory-planner schedule --xlsx`` plans every rep's calendar in a
child process, whose peak resident memory (``ru_maxrss``) and time are printed beside
the app's 1.5 GB goal (issue 15). The reference is the same command for one rep: what a
single calendar costs, so the ratio shows whether memory grows with the number of reps.

Run: ``.venv/bin/python bench/schedule_memory.py [--accounts N] [--reps K]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from territory_planner.demo import make_demo
from territory_planner.io.project_file import save_project

GOAL_MB = 1536.0


def run(args: list[str]) -> tuple[float, float]:
    """Peak RSS (MB) and seconds of one CLI run in a fresh child process."""
    script = (
        "import resource, sys; from territory_planner.cli import main; rc = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
        "raise SystemExit(rc)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        msg = f"schedule failed: {done.stderr[-2000:]}"
        raise RuntimeError(msg)
    peak_kb = float(done.stderr.strip().splitlines()[-1])
    return peak_kb / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=16)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.gpkg"
        project = make_demo(accounts=options.accounts, reps=options.reps, seed=7)
        first_rep = str(project.reps["rep_id"].iloc[0])
        save_project(project, path)
        del project
        base = ["schedule", str(path), "--xlsx", str(Path(folder) / "c.xlsx")]
        one_mb, one_s = run([*base, "--rep", first_rep])
        all_mb, all_s = run(base)
    print(
        f"schedule, {options.accounts:,} accounts, one cycle, peak resident memory of the process"
    )
    print(f"{'run':28} {'peak MB':>8} {'seconds':>8}")
    print(f"{'one rep':28} {one_mb:8.0f} {one_s:8.1f}")
    print(f"{f'all {options.reps} reps':28} {all_mb:8.0f} {all_s:8.1f}")
    print(f"ratio all/one: {all_mb / one_mb:.2f}")
    met = all_mb <= GOAL_MB
    print(
        f"goal (all reps <= {GOAL_MB:.0f} MB): {'met' if met else 'not met'}; 1 of 1 cases met"
        if met
        else f"goal (all reps <= {GOAL_MB:.0f} MB): not met; 0 of 1 cases met"
    )


if __name__ == "__main__":
    main()
