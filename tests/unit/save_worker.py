"""Saves run in a child process by the save tests (killed, or starved of disk space).

``python save_worker.py loop SOURCE TARGET``
    Open SOURCE, print ``ready``, then save its two `variants` to TARGET in
    turn, printing ``saved N SECONDS`` after each completed save, until killed.
``python save_worker.py full SOURCE TARGET BYTES``
    Save SOURCE to TARGET once with every file this process writes limited to
    BYTES (what a full disk looks like to the writer); print the error shown
    to the user, or ``saved``.
"""

from __future__ import annotations

import resource
import signal
import sys
import time

from territory_planner._errors import PlannerError
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import Project


def variants(project: Project) -> tuple[Project, Project]:
    """Two versions of `project` that differ in their name and in every account row."""
    first = Project(
        project.accounts.copy(),
        project.reps.copy(),
        project.territories.copy(),
        name="variant-0",
        settings=dict(project.settings),
    )
    accounts = project.accounts.copy()
    accounts["annual_revenue"] = accounts["annual_revenue"] + 1.0
    accounts["name"] = accounts["name"] + " (v1)"
    second = Project(
        accounts,
        project.reps.copy(),
        project.territories.copy(),
        name="variant-1",
        settings={**project.settings, "variant": "1"},
    )
    return first, second


def loop(source: str, target: str) -> None:
    pair = variants(load_project(source))
    print("ready", flush=True)
    n = 0
    while True:
        start = time.perf_counter()
        save_project(pair[n % 2], target)
        print(f"saved {n} {time.perf_counter() - start:.4f}", flush=True)
        n += 1


def full(source: str, target: str, limit: int) -> None:
    project = load_project(source)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        save_project(project, target)
    except PlannerError as exc:
        print(exc, flush=True)
    else:
        print("saved", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "loop":
        loop(sys.argv[2], sys.argv[3])
    else:
        full(sys.argv[2], sys.argv[3], int(sys.argv[4]))
