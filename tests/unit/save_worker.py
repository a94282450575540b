"""Save a project to the same file over and over (killed by test_save_crash)."""

import sys

from territory_planner.io.project_file import load_project, save_project

source, target = sys.argv[1], sys.argv[2]
project = load_project(source)
for n in range(10_000):
    project.name = f"variant-{n % 2}"
    save_project(project, target)
    print(f"saved {n}", flush=True)
