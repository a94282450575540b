"""Opening a project saved with an older file format."""

from __future__ import annotations

import shutil
from pathlib import Path

from territory_planner.io.project_file import load_project, read_meta, save_project
from territory_planner.model import REP_COLUMNS, SCHEMA_VERSION

V1 = Path(__file__).resolve().parents[1] / "data" / "project_v1.gpkg"


def test_v1_project_opens_and_is_saved_as_current(tmp_path) -> None:
    assert read_meta(V1)["schema_version"] == "1"
    project = load_project(V1)
    assert project.settings["migrated_from_schema"] == "1"
    assert len(project.accounts) == 40
    assert list(project.reps.columns[: len(REP_COLUMNS)]) == list(REP_COLUMNS)
    assert project.reps["skills"].fillna("").eq("").all()
    copy = tmp_path / "v1.gpkg"
    shutil.copy(V1, copy)
    save_project(project, copy)
    assert read_meta(copy)["schema_version"] == str(SCHEMA_VERSION)
    again = load_project(copy)
    assert len(again.accounts) == 40
    assert again.reps["name"].tolist() == project.reps["name"].tolist()
