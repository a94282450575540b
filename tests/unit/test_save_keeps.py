"""Saving must not destroy what is not ours: other layers, permissions, symbolic links."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from territory_planner._errors import ProjectFileError
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import Project


def add_notes(path: Path) -> None:
    """A point layer a user adds in QGIS (its own CRS, a date column, then deletes a row)."""
    notes = gpd.GeoDataFrame(
        {
            "note": ["call back", "new building", "gone", "closed"],
            "visits": [3, 0, 1, 12],
            "seen": pd.to_datetime(["2026-01-05", "2026-02-10", "2026-02-11", "2026-03-15"]),
        },
        geometry=shapely.points([-8_238_000, -8_240_000, -8_245_000, -8_250_000],
                                [4_970_000, 4_975_000, 4_977_000, 4_980_000]),
        crs="EPSG:3857",
    )  # fmt: skip
    pyogrio.write_dataframe(notes, path, layer="my_notes", driver="GPKG")
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM my_notes WHERE fid = 3")  # fids 1, 2, 4 are left


def add_table(path: Path) -> pd.DataFrame:
    """A plain attribute table written by a GIS tool (registered in gpkg_contents)."""
    table = pd.DataFrame({"account_id": ["A1", "A2"], "comment": ["VIP", "moved"]})
    pyogrio.write_dataframe(table, path, layer="my_comments", driver="GPKG")
    return table


def read(path: Path, layer: str) -> pd.DataFrame:
    frame: pd.DataFrame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
    return frame


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_layers_added_in_qgis_survive_saves(tmp_path, fresh_demo: Project) -> None:
    path = tmp_path / "p.gpkg"
    save_project(fresh_demo, path)
    add_notes(path)
    add_table(path)
    notes_before, table_before = read(path, "my_notes"), read(path, "my_comments")
    for _ in range(2):  # and again: what a save kept, the next one keeps too
        project = load_project(path)
        project.name = "renamed"
        save_project(project, path)
    assert load_project(path).name == "renamed"
    layers = dict(pyogrio.list_layers(path))
    assert layers["my_notes"] == "Point"
    assert "my_comments" in layers
    notes = read(path, "my_notes")
    pd.testing.assert_frame_equal(
        notes.drop(columns="geometry"), notes_before.drop(columns="geometry")
    )
    assert list(notes.index) == [1, 2, 4]  # the user's fids
    assert notes.geometry.geom_equals_exact(notes_before.geometry, tolerance=0).all()
    assert notes.crs == "EPSG:3857"
    pd.testing.assert_frame_equal(read(path, "my_comments"), table_before)
    # still a working layer: GDAL appends to it (its triggers and spatial index run) and
    # finds the new point by area
    extra = gpd.GeoDataFrame(
        {"note": ["added later"], "visits": [1], "seen": pd.to_datetime(["2026-04-01"])},
        geometry=[shapely.Point(0, 0)],
        crs="EPSG:3857",
    )
    pyogrio.write_dataframe(extra, path, layer="my_notes", driver="GPKG", append=True)
    near = pyogrio.read_dataframe(path, layer="my_notes", bbox=(-10, -10, 10, 10))
    assert list(near["note"]) == ["added later"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT id FROM rtree_my_notes_geom ORDER BY id").fetchall() == [
            (1,),
            (2,),
            (4,),
            (5,),
        ]


def test_plain_sqlite_tables_views_and_styles_survive(tmp_path, fresh_demo: Project) -> None:
    """Tables no GIS registered, a view and QGIS's styles of the app's own layers."""
    path = tmp_path / "p.gpkg"
    save_project(fresh_demo, path)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE call_log (id INTEGER PRIMARY KEY, account_id TEXT, said TEXT)")
        db.execute("CREATE INDEX call_log_account ON call_log (account_id)")
        db.executemany("INSERT INTO call_log VALUES (?, ?, ?)", [(7, "A1", "hi"), (9, "A2", "no")])
        db.execute("CREATE VIEW busy AS SELECT account_id FROM call_log WHERE said = 'hi'")
        db.execute("CREATE TABLE layer_styles (id INTEGER PRIMARY KEY, f_table_name TEXT)")
        db.execute("INSERT INTO layer_styles VALUES (1, 'territories')")
    save_project(load_project(path), path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT * FROM call_log").fetchall() == [(7, "A1", "hi"), (9, "A2", "no")]
        assert db.execute("SELECT * FROM busy").fetchall() == [("A1",)]
        assert db.execute("SELECT * FROM layer_styles").fetchall() == [(1, "territories")]
        plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM call_log WHERE account_id = 'A1'")
        assert "call_log_account" in str(plan.fetchall())


def test_damaged_file_is_not_replaced(tmp_path, demo_project: Project) -> None:
    """Its other layers cannot be read, so they could not be kept: the save is refused."""
    path = tmp_path / "p.gpkg"
    damaged = b"SQLite format 3\x00" + bytes(range(256)) * 16
    path.write_bytes(damaged)
    with pytest.raises(ProjectFileError, match=r"the file is damaged.*Save as another file"):
        save_project(demo_project, path)
    assert path.read_bytes() == damaged
    assert temp_files(tmp_path) == []


def test_the_apps_own_layers_are_not_kept_twice(tmp_path, fresh_demo: Project) -> None:
    """A layer the app writes only sometimes (scenarios) goes when the project has none."""
    path = tmp_path / "p.gpkg"
    fresh_demo.scenarios.append(fresh_demo.snapshot("Draft"))
    save_project(fresh_demo, path)
    assert "scenario_territories" in dict(pyogrio.list_layers(path))
    fresh_demo.scenarios.clear()
    save_project(fresh_demo, path)
    layers = dict(pyogrio.list_layers(path))
    assert "scenario_territories" not in layers
    assert "scenario_accounts" not in layers
    assert len(read(path, "accounts")) == len(fresh_demo.accounts)


def test_read_only_project_is_refused(tmp_path, demo_project: Project) -> None:
    path = tmp_path / "p.gpkg"
    save_project(demo_project, path)
    before = path.read_bytes()
    path.chmod(0o444)
    with pytest.raises(ProjectFileError, match="read-only") as info:
        save_project(Project.empty("Other"), path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "save as another file, or make it writable" in message
    assert path.read_bytes() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("mode", [0o640, 0o600, 0o664])
def test_save_keeps_the_permission_bits(tmp_path, demo_project: Project, mode: int) -> None:
    path = tmp_path / "p.gpkg"
    save_project(demo_project, path)
    path.chmod(mode)
    save_project(Project.empty("Other"), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert load_project(path).name == "Other"


@pytest.mark.parametrize("relative", [False, True])
def test_symlinked_project_is_saved_through_the_link(
    tmp_path, demo_project: Project, relative: bool
) -> None:
    data, work = tmp_path / "data", tmp_path / "work"
    data.mkdir()
    work.mkdir()
    real, link = data / "real.gpkg", work / "link.gpkg"
    save_project(demo_project, real)
    real.chmod(0o640)
    pointed = os.path.relpath(real, work) if relative else str(real)
    link.symlink_to(pointed)
    save_project(Project.empty("Through the link"), link)
    assert link.is_symlink()
    assert str(link.readlink()) == pointed
    assert load_project(real).name == "Through the link"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in data.iterdir()) == ["real.gpkg"]
    assert sorted(p.name for p in work.iterdir()) == ["link.gpkg"]


def test_dangling_link_creates_its_target(tmp_path, demo_project: Project) -> None:
    real, link = tmp_path / "real.gpkg", tmp_path / "link.gpkg"
    link.symlink_to(real)
    save_project(demo_project, link)
    assert link.is_symlink()
    assert real.is_file()
    assert len(load_project(real).accounts) == len(demo_project.accounts)


def test_read_only_target_of_a_link_is_refused(tmp_path, demo_project: Project) -> None:
    real, link = tmp_path / "real.gpkg", tmp_path / "link.gpkg"
    save_project(demo_project, real)
    real.chmod(0o444)
    link.symlink_to(real)
    before = real.read_bytes()
    with pytest.raises(ProjectFileError, match=r"link\.gpkg: the file is read-only"):
        save_project(Project.empty(), link)
    assert real.read_bytes() == before
    assert link.is_symlink()
