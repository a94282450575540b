"""Shared fixtures: a small demo project generated once per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from territory_planner.demo import make_demo
from territory_planner.io.project_file import save_project
from territory_planner.model import Project


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m territory_planner ARGS`` as a user would (end-to-end tests)."""
    return subprocess.run(
        [sys.executable, "-m", "territory_planner", *args],
        capture_output=True,
        text=True,
        check=False,
    )


SMALL_DEMO = {"accounts": 300, "reps": 4, "seed": 11}


@pytest.fixture(scope="session")
def demo_project() -> Project:
    """A 300-account, 4-rep demo project (do not mutate: use `fresh_demo`)."""
    return make_demo(**SMALL_DEMO)


@pytest.fixture
def fresh_demo() -> Project:
    """A demo project the test may change."""
    return make_demo(**SMALL_DEMO)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory, demo_project: Project) -> Path:
    """The small demo saved as a GeoPackage (read-only for tests)."""
    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    save_project(demo_project, path)
    return path
