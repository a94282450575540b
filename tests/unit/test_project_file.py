"""The GeoPackage project file: exact round trip, clear errors, atomic save."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from territory_planner._errors import ProjectFileError
from territory_planner.io import project_file, safe_save
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


def test_custom_attributes_keep_their_names_and_types(tmp_path, fresh_demo: Project) -> None:
    acc, n = fresh_demo.accounts, len(fresh_demo.accounts)
    acc["Name"] = [f"legal name {i}" for i in range(n)]  # equal to 'name' but for case
    acc["fid"] = np.arange(n) * 7  # the column GDAL keeps for feature ids
    acc["geom"] = "point"  # GDAL's geometry column
    acc["Score"] = pd.array([5, None, -3] * (n // 3), dtype="Int64")
    acc["Since"] = pd.Timestamp("2024-03-01 08:30:00.250") + pd.to_timedelta(np.arange(n), "h")
    acc["Key account"] = np.arange(n) % 4 == 0
    acc["Région ✓"] = pd.Series(["Île-de-France", None, "🚚"] * (n // 3), dtype="str")
    fresh_demo.reps["NAME"] = fresh_demo.reps["name"].str.upper()
    fresh_demo.territories["Notes"] = ["north", None, "", "fid"]
    fresh_demo.territories["FID"] = [1.5, 2.5, None, 4.0]
    path = tmp_path / "p.gpkg"
    save_project(fresh_demo, path)
    back = load_project(path)
    pd.testing.assert_frame_equal(back.accounts, fresh_demo.accounts)
    pd.testing.assert_frame_equal(back.reps, fresh_demo.reps)
    pd.testing.assert_frame_equal(
        back.territories.drop(columns="geometry"),
        fresh_demo.territories.drop(columns="geometry"),
    )
    stored = list(pyogrio.read_info(path, layer="accounts")["fields"])
    assert {"Name_2", "fid_2", "geom_2", "Région ✓"} <= set(stored)  # what QGIS shows


def test_save_removes_only_leftovers_of_killed_saves(tmp_path, demo_project: Project) -> None:
    path = tmp_path / "plan.gpkg"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    me = os.getpid()
    try:
        files = {
            f".plan.gpkg.{gone.pid}.k1ll3d00.saving.gpkg": False,  # a killed save: removed
            f".plan.gpkg.{gone.pid}.k1ll3d00.saving.gpkg-journal": False,
            f".plan.gpkg.{me}.3arl13r0.saving.gpkg": False,  # this process, not saving now
            f".plan.gpkg.{alive.pid}.s4v1ng00.saving.gpkg": True,  # another app saving now
            f".plan.gpkg.{me}.thr3ad00.saving.gpkg": True,  # a save in another thread
            f".plan.v2.gpkg.{gone.pid}.0th3r000.saving.gpkg": True,  # another file's save
            f".plan.{gone.pid}.0ld00000.saving.gpkg": True,  # not a name save_project makes
            "notes.txt": True,
        }
        for name in files:
            (tmp_path / name).write_bytes(b"partial")
        safe_save._saving.add(f".plan.gpkg.{me}.thr3ad00.saving.gpkg")
        save_project(demo_project, path)
    finally:
        safe_save._saving.discard(f".plan.gpkg.{me}.thr3ad00.saving.gpkg")
        alive.kill()
        alive.wait()
    kept = {name for name, keep in files.items() if keep}
    assert {p.name for p in tmp_path.iterdir()} == kept | {"plan.gpkg"}
    assert len(load_project(path).accounts) == len(demo_project.accounts)


def copy_of(demo_file: Path, folder: Path, name: str = "damaged.gpkg") -> Path:
    path = folder / name
    shutil.copy(demo_file, path)
    return path


def leaf_pages(path: Path, table: str) -> list[int]:
    """Page numbers of the table's rows, in key order (SQLite's dbstat table)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        try:
            rows = db.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
                (table,),
            ).fetchall()
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table")
    return [r[0] for r in rows]


def page(data: bytearray, number: int, size: int = 4096) -> slice:
    return slice((number - 1) * size, number * size)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def zero_page(path: Path) -> None:
    pages, data = leaf_pages(path, "accounts"), bytearray(path.read_bytes())
    data[page(data, pages[len(pages) // 2])] = bytes(4096)
    path.write_bytes(data)


def swap_pages(path: Path) -> None:
    """Every page still looks fine on its own: read without a check, rows come back wrong."""
    pages, data = leaf_pages(path, "accounts"), bytearray(path.read_bytes())
    a, b = page(data, pages[1]), page(data, pages[-2])
    data[a], data[b] = data[b], data[a]
    path.write_bytes(data)


def edit(path: Path, table: str, sql: str, *args: object) -> None:
    """Change rows with plain SQLite (dropping the spatial index triggers: SpatiaLite calls)."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        triggers = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall()
        for (trigger,) in triggers:
            db.execute(f'DROP TRIGGER "{trigger}"')
        db.execute(sql, args)


def bad_text(path: Path) -> None:
    edit(path, "accounts", "UPDATE accounts SET name = CAST(X'C328FF' AS TEXT) WHERE fid = 5")


def bad_geometry(path: Path) -> None:
    """A territory whose outline is an open ring of three points."""
    wkb = struct.pack("<BII", 1, 3, 1) + struct.pack("<I6d", 3, 0, 0, 1, 0, 0, 1)
    blob = b"GP\x00\x01" + struct.pack("<i", 4326) + wkb  # GeoPackage header, no envelope
    edit(path, "territories", "UPDATE territories SET geom = ? WHERE fid = 1", blob)


def bad_meta(path: Path) -> None:
    edit(path, "tp_meta", "UPDATE tp_meta SET value = '2x' WHERE key = 'schema_version'")


@pytest.mark.parametrize(
    "damage", [truncate, zero_page, swap_pages, bad_text, bad_geometry, bad_meta]
)
def test_damaged_file_gets_a_clear_error(tmp_path, demo_file, damage) -> None:
    path = copy_of(demo_file, tmp_path)
    damage(path)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the file is damaged")
    assert message.endswith("open a backup or the autosaved copy")
    assert "\n" not in message
    assert len(message) < len(str(path)) + 250


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder(tmp_path, demo_project: Project) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "p.gpkg"
    save_project(demo_project, path)
    before = path.read_bytes()
    folder.chmod(0o500)
    try:
        with pytest.raises(ProjectFileError, match=r"cannot write in this folder.*no permission"):
            save_project(Project.empty(), path)
        assert path.read_bytes() == before
        assert [p.name for p in folder.iterdir()] == ["p.gpkg"]
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("where", ["temporary file", "writer"])
def test_permission_denied_is_explained(
    tmp_path, demo_project: Project, monkeypatch, where
) -> None:
    """What a read-only folder does to a save (simulated: the tests may run as root)."""
    path = tmp_path / "p.gpkg"
    save_project(demo_project, path)
    before = path.read_bytes()

    def denied(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    if where == "writer":
        monkeypatch.setattr(project_file, "_write_all", denied)
    else:
        monkeypatch.setattr(project_file, "new_file", denied)
    with pytest.raises(ProjectFileError, match="no permission to write there") as info:
        save_project(Project.empty(), path)
    assert str(info.value).startswith(f"{path}: ")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]
    assert len(load_project(path).accounts) == len(demo_project.accounts)


def test_full_disk_keeps_the_previous_file(tmp_path, demo_file) -> None:
    """The writer really fails half-way (file size limit in a child process)."""
    path = copy_of(demo_file, tmp_path, "p.gpkg")
    before = path.read_bytes()
    worker = Path(__file__).with_name("save_worker.py")
    for limit in (40_000, len(before) // 2):  # fails creating the file; fails in the rows
        out = subprocess.run(
            [sys.executable, str(worker), "full", str(demo_file), str(path), str(limit)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert out.stdout.startswith(f"{path}: saving failed (")
        assert "the previous version of the file is unchanged" in out.stdout
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]
