"""The project file: one GeoPackage that QGIS and ``ogrinfo`` can open too.

Layers: ``accounts`` and ``reps`` (points), ``territories`` (multipolygons)
and ``tp_meta``, a key/value attribute table with the schema version. Saving
writes a temporary file in the same folder, flushes it to disk and then
replaces the target, so a crash mid-save leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from territory_planner import __version__
from territory_planner._errors import ProjectFileError
from territory_planner.io.migrations import migrate
from territory_planner.model import (
    ACCOUNT_COLUMNS,
    CRS,
    REP_COLUMNS,
    SCHEMA_VERSION,
    TERRITORY_COLUMNS,
    Project,
    conform,
)

META_LAYER = "tp_meta"
TEMP_SUFFIX = ".saving.gpkg"
READ_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    RuntimeError,
    KeyError,
)
POINT_LAYERS = {"accounts": ACCOUNT_COLUMNS, "reps": REP_COLUMNS}


def _points_frame(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    placed = np.isfinite(lon) & np.isfinite(lat)
    geometry = np.full(len(frame), None, dtype=object)
    geometry[placed] = shapely.points(lon[placed], lat[placed])
    data = frame.drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(data, geometry=list(geometry), crs=CRS)


def _meta_frame(project: Project) -> pd.DataFrame:
    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "app_version": __version__,
        "name": project.name,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": json.dumps(project.settings, sort_keys=True),
    }
    return pd.DataFrame({"key": list(meta), "value": list(meta.values())})


def _write_all(project: Project, path: Path) -> None:
    for layer, frame in (("accounts", project.accounts), ("reps", project.reps)):
        pyogrio.write_dataframe(
            _points_frame(frame),
            path,
            layer=layer,
            driver="GPKG",
            geometry_type="Point",
            # GeoPackage 1.2: read in full by the GDAL of Debian 12 and by QGIS 3.x.
            dataset_options={"VERSION": "1.2"} if layer == "accounts" else None,
        )
    territories = project.territories.copy()
    territories.geometry = shapely.force_2d(
        [
            shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g
            for g in territories.geometry
        ]
    )
    pyogrio.write_dataframe(
        territories, path, layer="territories", driver="GPKG", geometry_type="MultiPolygon"
    )
    pyogrio.write_dataframe(_meta_frame(project), path, layer=META_LAYER, driver="GPKG")


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Save atomically: the target is either the old file or the complete new one.

    Raises
    ------
    ProjectFileError
        If the folder is not writable or the disk is full; the previous file
        (if any) is untouched.
    """
    target = Path(path)
    _remove_stale_temps(target)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=target.parent
        )
    except OSError as exc:
        msg = f"cannot write in this folder ({exc.strerror}); choose another folder"
        raise ProjectFileError(msg, file=str(target)) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # GDAL must create the file itself
    try:
        _write_all(project, tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(target)
        _fsync_dir(target.parent)
    except (OSError, pyogrio.errors.DataSourceError, RuntimeError) as exc:
        msg = f"saving failed ({exc}); the previous version of the file is unchanged"
        raise ProjectFileError(msg, file=str(target)) from exc
    finally:
        for leftover in (tmp, *tmp.parent.glob(f"{tmp.name}-*")):  # and SQLite journals
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _remove_stale_temps(target: Path) -> None:
    """Delete temporary files of saves of `target` that were killed mid-way."""
    for leftover in target.parent.glob(f".{target.stem}.*{TEMP_SUFFIX}*"):
        parts = leftover.name.removeprefix(f".{target.stem}.").split(".")
        pid = int(parts[0]) if parts and parts[0].isdigit() else None
        if pid is None or pid == os.getpid() or not process_running(pid):
            with contextlib.suppress(OSError):
                leftover.unlink()


def process_running(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_points(path: Path, layer: str) -> pd.DataFrame:
    frame = pyogrio.read_dataframe(path, layer=layer)
    geometry = frame.geometry.to_numpy()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    frame["lon"] = np.where(empty, np.nan, shapely.get_x(geometry))
    frame["lat"] = np.where(empty, np.nan, shapely.get_y(geometry))
    return pd.DataFrame(frame.drop(columns="geometry"))


def read_meta(path: Path) -> dict[str, str]:
    """The key/value metadata of a project file."""
    meta = pyogrio.read_dataframe(path, layer=META_LAYER, read_geometry=False)
    return dict(zip(meta["key"], meta["value"], strict=True))


def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file.

    Raises
    ------
    ProjectFileError
        If the file is missing, not a GeoPackage, not a Territory Planner
        project, or written by a newer version.
    """
    source = Path(path)
    if not source.is_file():
        msg = "file not found; check the path"
        raise ProjectFileError(msg, file=str(source))
    try:
        layers = {name for name, _ in pyogrio.list_layers(source)}
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        msg = "not a GeoPackage (it may be damaged or another kind of file)"
        raise ProjectFileError(msg, file=str(source)) from exc
    missing = {META_LAYER, "accounts", "reps", "territories"} - layers
    if missing:
        msg = (
            "not a Territory Planner project: layers missing: "
            + ", ".join(sorted(missing))
            + ". To use plain GIS data, import it instead"
        )
        raise ProjectFileError(msg, file=str(source))
    try:
        return _read_project(source)
    except READ_ERRORS as exc:
        msg = f"the file is damaged and cannot be read ({exc}); open a backup or the autosaved copy"
        raise ProjectFileError(msg, file=str(source)) from exc


def _read_project(source: Path) -> Project:
    meta = read_meta(source)
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        msg = (
            f"saved by a newer Territory Planner (file format {version}, this version "
            f"reads up to {SCHEMA_VERSION}); update the app to open it"
        )
        raise ProjectFileError(msg, file=str(source))
    raw = pyogrio.read_dataframe(source, layer="territories")
    tables = migrate(
        {
            "accounts": _read_points(source, "accounts"),
            "reps": _read_points(source, "reps"),
            "territories": pd.DataFrame(raw.drop(columns="geometry")),
        },
        version,
    )
    territories = gpd.GeoDataFrame(
        conform(tables["territories"], TERRITORY_COLUMNS), geometry=list(raw.geometry), crs=CRS
    )
    settings = json.loads(meta.get("settings", "{}"))
    if version < SCHEMA_VERSION:
        settings["migrated_from_schema"] = str(version)
    return Project(
        accounts=conform(tables["accounts"], ACCOUNT_COLUMNS),
        reps=conform(tables["reps"], REP_COLUMNS),
        territories=territories,
        name=meta.get("name", source.stem),
        settings=settings,
    )
