"""Killing the app while it saves never damages the project file."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from territory_planner.demo import make_demo
from territory_planner.io.project_file import load_project, save_project

WORKER = Path(__file__).with_name("save_worker.py")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "source.gpkg"
    save_project(make_demo(accounts=1500, reps=8, seed=2), path)
    return path


def test_kill_during_save_leaves_a_whole_file(tmp_path, source: Path) -> None:
    target = tmp_path / "plan.gpkg"
    rng = random.Random(42)
    kills_mid_save = 0
    for attempt in range(6):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), str(source), str(target)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if attempt > 0 or target.exists():
            assert worker.stdout is not None
            worker.stdout.readline()  # at least one save completed in this run
        time.sleep(rng.uniform(0.0, 0.4))  # then die at a random moment, likely mid-save
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        stale = [p for p in tmp_path.iterdir() if p.name != "plan.gpkg"]
        kills_mid_save += bool(stale)
        if not target.exists():  # killed before the very first save finished
            continue
        project = load_project(target)
        assert project.name in {"variant-0", "variant-1"}
        assert len(project.accounts) == 1500
        assert len(project.territories) == 8
    assert target.exists()
    save_project(load_project(target), target)  # the next save clears what the kills left
    assert [p.name for p in tmp_path.iterdir()] == ["plan.gpkg"]
    assert kills_mid_save >= 1  # the test really interrupted saves


def test_damaged_file_gets_a_clear_error(tmp_path, source: Path) -> None:
    from territory_planner._errors import ProjectFileError

    data = source.read_bytes()
    for name, damaged in (
        ("half.gpkg", data[: len(data) // 2]),
        ("holes.gpkg", data[:4096] + bytes(len(data) // 3) + data[4096 + len(data) // 3 :]),
    ):
        path = tmp_path / name
        path.write_bytes(damaged)
        with pytest.raises(ProjectFileError) as info:
            load_project(path)
        assert name in str(info.value)
        assert "damaged" in str(info.value) or "not a GeoPackage" in str(info.value)
