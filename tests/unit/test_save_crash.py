"""Killing the app while it saves never damages the project file.

A child process saves two versions of a project to the same file in turn; the
test kills it (SIGKILL: no cleanup runs) at seeded random moments, some during
its very first save and some after a few saves, then opens the file: it must
be exactly one of the two versions, every row intact.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from territory_planner.demo import make_demo
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.safe_save import TEMP_NAME
from territory_planner.model import Project
from tests.unit.save_worker import variants

WORKER = Path(__file__).with_name("save_worker.py")
KILLS = 8


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "source.gpkg"
    save_project(make_demo(accounts=1500, reps=8, seed=2), path)
    return path


def assert_same_project(got: Project, expected: Project) -> None:
    assert got.name == expected.name
    assert got.settings == expected.settings
    pd.testing.assert_frame_equal(got.accounts, expected.accounts)
    pd.testing.assert_frame_equal(got.reps, expected.reps)
    pd.testing.assert_frame_equal(
        got.territories.drop(columns="geometry"), expected.territories.drop(columns="geometry")
    )
    for a, b in zip(got.territories.geometry, expected.territories.geometry, strict=True):
        assert a.equals_exact(b, tolerance=1e-9)


def read_line(worker: subprocess.Popen[str], log: Path) -> str:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert line, f"the save worker stopped: {log.read_text()}"
    return line


def test_kill_during_save_leaves_a_whole_file(tmp_path: Path, source: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    target = folder / "plan.gpkg"
    log = tmp_path / "worker.log"
    expected = {p.name: p for p in variants(load_project(source))}
    rng = random.Random(20261125)
    save_seconds = 0.2  # updated from what the worker reports
    opened = dict.fromkeys(expected, 0)
    killed_mid_save = 0
    leftovers: set[str] = set()
    for kill in range(KILLS):
        with log.open("w") as err:
            worker = subprocess.Popen(
                [sys.executable, str(WORKER), "loop", str(source), str(target)],
                stdout=subprocess.PIPE, stderr=err, text=True,
            )  # fmt: skip
        try:
            assert read_line(worker, log) == "ready\n"
            if kill % 3 != 0:  # otherwise die in the first save, right after start
                for _ in range(rng.randint(1, 3)):
                    _, _, seconds = read_line(worker, log).split()
                    save_seconds = float(seconds)
                # a completed save has removed what the killed one before left behind
                assert not leftovers & {p.name for p in folder.iterdir()}
            time.sleep(rng.uniform(0.0, 1.2 * save_seconds))
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        leftovers = {p.name for p in folder.iterdir()} - {"plan.gpkg"}
        # at most what one killed save can leave: its temporary file and its journal
        assert all(TEMP_NAME.match(name) for name in leftovers), leftovers
        assert len({name.split(".saving.gpkg")[0] for name in leftovers}) <= 1, leftovers
        killed_mid_save += bool(leftovers)
        if target.exists():  # (a kill in the very first save leaves no file at all)
            project = load_project(target)
            assert project.name in expected
            assert_same_project(project, expected[project.name])
            opened[project.name] += 1
    assert killed_mid_save >= 2, "the kills never interrupted a save"
    assert sum(opened.values()) >= KILLS - 1
    save_project(load_project(target), target)  # the next save clears what the kills left
    assert [p.name for p in folder.iterdir()] == ["plan.gpkg"]
