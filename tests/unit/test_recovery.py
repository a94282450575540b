"""Recovery files: written atomically, found only when their process is gone."""

from __future__ import annotations

import os
import subprocess
import sys

from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.project_lock import file_stamp
from territory_planner.io.recovery import discard, pending, recovery_file, write_recovery


def dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_recovery_of_a_dead_process_is_pending(tmp_path, demo_project) -> None:
    crashed = recovery_file(tmp_path, dead_pid())
    write_recovery(demo_project, tmp_path / "plan.gpkg", crashed)
    alive = recovery_file(tmp_path, os.getppid())  # a running process (pytest's parent)
    write_recovery(demo_project, None, alive)
    found = pending(tmp_path)
    assert [r.file for r in found] == [crashed]
    assert found[0].original == tmp_path / "plan.gpkg"
    assert found[0].name == demo_project.name
    assert len(load_project(found[0].file).accounts) == len(demo_project.accounts)
    discard(crashed)
    assert pending(tmp_path) == []
    assert not crashed.with_suffix(".json").exists()


def test_the_note_keeps_the_version_the_work_started_from(tmp_path, demo_project) -> None:
    original = tmp_path / "plan.gpkg"
    save_project(demo_project, original)
    stamp = file_stamp(original)
    write_recovery(demo_project, original, recovery_file(tmp_path, dead_pid()), stamp)
    write_recovery(demo_project, original, recovery_file(tmp_path, dead_pid()))
    assert sorted(str(r.stamp) for r in pending(tmp_path)) == sorted([str(stamp), "None"])


def test_own_recovery_counts_as_left_over(tmp_path, demo_project) -> None:
    # The same pid can only mean a previous process that had this number: offer it.
    write_recovery(demo_project, None, recovery_file(tmp_path))
    assert len(pending(tmp_path)) == 1
    assert pending(tmp_path)[0].original is None
