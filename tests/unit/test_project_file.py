"""The GeoPackage project file: exact round trip, clear errors, atomic save."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pandas as pd
import pyogrio
import pytest

from territory_planner._errors import ProjectFileError
from territory_planner.io import project_file
from territory_planner.io.project_file import load_project, read_meta, save_project
from territory_planner.model import SCHEMA_VERSION, Project


def test_round_trip_is_exact(tmp_path, fresh_demo: Project) -> None:
    path = tmp_path / "p.gpkg"
    fresh_demo.accounts.loc[3, "locked"] = True
    fresh_demo.accounts["custom_score"] = range(len(fresh_demo.accounts))
    save_project(fresh_demo, path)
    back = load_project(path)
    pd.testing.assert_frame_equal(back.accounts, fresh_demo.accounts)
    assert bool(back.accounts.loc[3, "locked"])
    pd.testing.assert_frame_equal(back.reps, fresh_demo.reps)
    for a, b in zip(back.territories.geometry, fresh_demo.territories.geometry, strict=True):
        assert a.symmetric_difference(b).area < 1e-9
    assert back.name == fresh_demo.name
    assert back.settings == fresh_demo.settings


def test_layers_and_schema_version_are_visible_to_gis_tools(demo_file) -> None:
    layers = dict(pyogrio.list_layers(demo_file))
    assert layers["accounts"] == "Point"
    assert layers["reps"] == "Point"
    assert layers["territories"] == "MultiPolygon"
    assert read_meta(demo_file)["schema_version"] == str(SCHEMA_VERSION)


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed")
def test_ogrinfo_lists_the_layers(demo_file) -> None:
    out = subprocess.run(
        ["ogrinfo", "-ro", "-q", str(demo_file)], capture_output=True, text=True, check=True
    ).stdout
    for layer in ("accounts (Point)", "reps (Point)", "territories (Multi Polygon)", "tp_meta"):
        assert layer in out


def test_unplaced_accounts_survive(tmp_path, fresh_demo: Project) -> None:
    fresh_demo.accounts.loc[0, ["lon", "lat"]] = float("nan")
    fresh_demo.accounts.loc[0, "geocode"] = "unplaced"
    save_project(fresh_demo, tmp_path / "p.gpkg")
    back = load_project(tmp_path / "p.gpkg")
    assert pd.isna(back.accounts.loc[0, "lon"])
    assert back.summary().unplaced == 1


def test_empty_project_round_trips(tmp_path) -> None:
    save_project(Project.empty("Blank"), tmp_path / "e.gpkg")
    back = load_project(tmp_path / "e.gpkg")
    assert back.summary().accounts == 0
    assert back.name == "Blank"


def test_newer_schema_is_refused_with_advice(tmp_path, demo_file) -> None:
    path = tmp_path / "new.gpkg"
    shutil.copy(demo_file, path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tp_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ProjectFileError, match=r"newer Territory Planner.*update the app"):
        load_project(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a GeoPackage"),
        (b"account_id,name\nA1,Acme\n", "not a GeoPackage"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a GeoPackage"),
    ],
)
def test_wrong_files_are_explained(tmp_path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.gpkg"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=message) as info:
        load_project(path)
    assert "bad.gpkg" in str(info.value)


def test_missing_file_and_plain_geopackage(tmp_path, demo_project: Project) -> None:
    with pytest.raises(ProjectFileError, match="file not found"):
        load_project(tmp_path / "nope.gpkg")
    plain = tmp_path / "plain.gpkg"
    pyogrio.write_dataframe(demo_project.territories, plain, layer="regions", driver="GPKG")
    with pytest.raises(ProjectFileError, match="not a Territory Planner project"):
        load_project(plain)


def test_failed_save_leaves_previous_file_intact(
    tmp_path, demo_project: Project, monkeypatch
) -> None:
    path = tmp_path / "p.gpkg"
    save_project(demo_project, path)
    before = path.read_bytes()

    def crash(project: Project, target) -> None:
        target.write_bytes(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file, "_write_all", crash)
    with pytest.raises(ProjectFileError, match="previous version of the file is unchanged"):
        save_project(Project.empty(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]  # no temp file left behind


def test_unwritable_folder_is_explained(tmp_path, demo_project: Project) -> None:
    with pytest.raises(ProjectFileError, match="cannot write in this folder"):
        save_project(demo_project, tmp_path / "missing-folder" / "p.gpkg")
