"""The project file: one GeoPackage that QGIS and ``ogrinfo`` can open too.

Layers: ``accounts`` and ``reps`` (points), ``territories`` (multipolygons)
and ``tp_meta``, a key/value attribute table with the schema version. Saving
writes a temporary file in the same folder, flushes it to disk and then
replaces the target, so a crash mid-save leaves the previous file intact
(the temporary files, links and permissions: `safe_save`).

Custom attribute columns keep their names and types: a name the GeoPackage
cannot hold as is (``fid``, ``geom``, or one equal to another column but for
case) is stored under a free name, and ``tp_meta`` records the name and
dtype of every custom column so that opening the file restores both.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import sqlite3
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from territory_planner import __version__
from territory_planner._errors import ProjectFileError
from territory_planner.files import new_file
from territory_planner.io.foreign_tables import copy_foreign_tables
from territory_planner.io.gis_files import SQLITE_HEADER
from territory_planner.io.migrations import migrate
from territory_planner.io.project_tables import (
    meta_object,
    meta_records,
    refuse_foreign_tables,
)
from territory_planner.io.safe_save import (
    TEMP_SUFFIX,
    _copy_permissions,
    _first_line,
    _fsync_dir,
    _real_path,
    _remove_stale_temps,
    _saving,
    _saving_lock,
    _writable_stat,
    describe_write_error,
)
from territory_planner.model import (
    ACCOUNT_COLUMNS,
    ACTUAL_COLUMNS,
    ASSIGNMENT_COLUMNS,
    CRS,
    REP_COLUMNS,
    SCHEMA_VERSION,
    TERRITORY_COLUMNS,
    Project,
    Scenario,
    conform,
)

META_LAYER = "tp_meta"
#: A fresh id each save writes into `META_LAYER`: which version of the file this is.
SAVE_ID_KEY = "save_id"
#: Sales and activities per account and period (a plain table, no geometry); files
#: saved before it existed have no such layer and open with no actuals.
ACTUALS_LAYER = "actuals"
#: The stored scenarios (not the plan in use): territories, and who holds each account.
SCENARIO_TERRITORIES = "scenario_territories"
SCENARIO_ACCOUNTS = "scenario_accounts"
#: Everything reading a damaged file can raise (pyogrio's errors are RuntimeErrors;
#: ValueError covers undecodable text and unparsable metadata).
READ_ERRORS = (
    RuntimeError,
    KeyError,
    ValueError,
    shapely.errors.GEOSException,
    sqlite3.Error,
)
POINT_LAYERS = {"accounts": ACCOUNT_COLUMNS, "reps": REP_COLUMNS}
LAYER_SCHEMAS = {**POINT_LAYERS, "territories": TERRITORY_COLUMNS}
#: Every table the app writes; a save keeps all others (layers added in QGIS, say).
OWN_LAYERS = frozenset(
    {*LAYER_SCHEMAS, ACTUALS_LAYER, SCENARIO_TERRITORIES, SCENARIO_ACCOUNTS, META_LAYER}
)
#: The kind `gpkg_contents` registers each of the app's tables as (checked before reading).
OWN_KINDS = {
    **dict.fromkeys([*LAYER_SCHEMAS, SCENARIO_TERRITORIES], "features"),
    **dict.fromkeys([ACTUALS_LAYER, SCENARIO_ACCOUNTS, META_LAYER], "attributes"),
}
#: Column names GDAL keeps for itself in a GeoPackage layer.
RESERVED_FIELDS = frozenset({"fid", "geom", "geometry"})
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26  # SQLite's primary result codes for damage


#: Rows per pyogrio call. pyogrio holds the GIL while it reads or writes, so a save or
#: open in a worker thread would freeze the window for the whole layer; in chunks of this
#: size (about 50 ms each for accounts) the window gets its turn in between.
CHUNK_ROWS = 2_000


def _write_layer(frame: pd.DataFrame, path: Path, layer: str, **options: Any) -> None:
    """Write `frame` as `layer` of the GeoPackage at `path`, appending in chunks of rows."""
    dataset_options = options.pop("dataset_options", None)
    for start in range(0, max(len(frame), 1), CHUNK_ROWS):
        pyogrio.write_dataframe(
            frame.iloc[start : start + CHUNK_ROWS],
            path,
            layer=layer,
            driver="GPKG",
            append=start > 0,
            dataset_options=None if start else dataset_options,
            **options,
        )


def _read_layer(path: Path, layer: str, **options: Any) -> pd.DataFrame:
    """Read `layer` of the GeoPackage at `path` in chunks of rows (see `CHUNK_ROWS`)."""
    count = int(pyogrio.read_info(path, layer=layer)["features"])
    parts = [
        pyogrio.read_dataframe(
            path, layer=layer, skip_features=start, max_features=CHUNK_ROWS, **options
        )
        for start in range(0, max(count, 1), CHUNK_ROWS)
    ]
    frame: pd.DataFrame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return frame


def _points_frame(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    placed = np.isfinite(lon) & np.isfinite(lat)
    geometry = np.full(len(frame), None, dtype=object)
    geometry[placed] = shapely.points(lon[placed], lat[placed])
    data = frame.drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(data, geometry=list(geometry), crs=CRS)


def custom_columns(frame: pd.DataFrame, schema: dict[str, str]) -> list[list[str]]:
    """``[column, stored name, dtype]`` for each custom (non-schema) column of a table.

    The stored name is the column's own name unless the GeoPackage cannot hold
    it: a name GDAL reserves (``fid``, ``geom``) or one that differs from an
    earlier column only by case gets ``_2``, ``_3``... appended.

    Parameters
    ----------
    frame
        The table as the project holds it.
    schema
        Its standard columns, name to dtype (these are not custom).

    Returns
    -------
    list[list[str]]
        One ``[column, stored name, dtype]`` per custom column, in the table's order.
    """
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else "geometry"
    used = {c.lower() for c in schema} | RESERVED_FIELDS
    entries = []
    for column in frame.columns:
        if column in schema or column == geometry:
            continue
        name = str(column)
        stored, n = name, 2
        while stored.lower() in used:
            stored, n = f"{name}_{n}", n + 1
        used.add(stored.lower())
        entries.append([name, stored, str(frame[column].dtype)])
    return entries


def _meta_frame(project: Project, columns: dict[str, list[list[str]]]) -> pd.DataFrame:
    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "app_version": __version__,
        "name": project.name,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        SAVE_ID_KEY: uuid.uuid4().hex,
        "settings": json.dumps(project.settings, sort_keys=True),
        "columns": json.dumps(columns, ensure_ascii=False),
        "scenarios": json.dumps(
            [{"name": s.name, "note": s.note} for s in project.scenarios], ensure_ascii=False
        ),
    }
    return pd.DataFrame({"key": list(meta), "value": list(meta.values())})


def _write_all(project: Project, path: Path) -> None:
    tables = {"accounts": project.accounts, "reps": project.reps}
    columns = {
        layer: custom_columns(frame, LAYER_SCHEMAS[layer])
        for layer, frame in (*tables.items(), ("territories", project.territories))
    }

    def stored(layer: str) -> dict[str, str]:
        return {name: s for name, s, _ in columns[layer] if s != name}

    for layer, frame in tables.items():
        _write_layer(
            _points_frame(frame).rename(columns=stored(layer)),
            path,
            layer,
            geometry_type="Point",
            # No R-tree: the app never queries the file by area, and appending the chunks to
            # an indexed layer takes twice as long (the index is updated row by row).
            layer_options={"SPATIAL_INDEX": "NO"},
            # GeoPackage 1.2: read in full by the GDAL of Debian 12 and by QGIS 3.x.
            dataset_options={"VERSION": "1.2"} if layer == "accounts" else None,
        )
    _write_layer(
        _multipolygons(project.territories).rename(columns=stored("territories")),
        path,
        "territories",
        geometry_type="MultiPolygon",
    )
    _write_scenarios(project, path)
    actuals = conform(project.actuals, ACTUAL_COLUMNS)[list(ACTUAL_COLUMNS)]
    _write_layer(actuals, path, ACTUALS_LAYER)
    _write_layer(_meta_frame(project, columns), path, META_LAYER)


def _multipolygons(territories: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = territories.copy()
    out.geometry = shapely.force_2d(
        [shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g for g in out.geometry]
    )
    return out


def _write_scenarios(project: Project, path: Path) -> None:
    """The stored scenarios: their territories and assignments, one layer each for all."""
    if not project.scenarios:
        return
    territories = pd.concat(
        [
            _multipolygons(
                gpd.GeoDataFrame(
                    conform(s.territories, TERRITORY_COLUMNS),
                    geometry=list(s.territories.geometry),
                    crs=CRS,
                )
            ).assign(scenario=s.name)
            for s in project.scenarios
        ],
        ignore_index=True,
    )
    _write_layer(
        gpd.GeoDataFrame(territories, geometry="geometry", crs=CRS),
        path,
        SCENARIO_TERRITORIES,
        geometry_type="MultiPolygon",
    )
    assignment = pd.concat(
        [
            conform(s.assignment, ASSIGNMENT_COLUMNS).assign(scenario=s.name)
            for s in project.scenarios
        ],
        ignore_index=True,
    )
    _write_layer(assignment, path, SCENARIO_ACCOUNTS)


def _read_scenarios(source: Path, meta: dict[str, str]) -> list[Scenario]:
    """The stored scenarios, in the order they were saved (none in older files)."""
    listed = meta_records(meta, "scenarios", source)
    if not listed:
        return []
    raw = pyogrio.read_dataframe(source, layer=SCENARIO_TERRITORIES)
    held = _read_layer(source, SCENARIO_ACCOUNTS, read_geometry=False)
    scenarios = []
    for entry in listed:
        name = entry["name"]
        mine = raw[raw["scenario"] == name]
        territories = gpd.GeoDataFrame(
            conform(pd.DataFrame(mine.drop(columns=["geometry", "scenario"])), TERRITORY_COLUMNS),
            geometry=list(mine.geometry),
            crs=CRS,
        )
        assignment = conform(pd.DataFrame(held[held["scenario"] == name]), ASSIGNMENT_COLUMNS)
        scenarios.append(
            Scenario(name, territories, assignment[list(ASSIGNMENT_COLUMNS)], entry.get("note", ""))
        )
    return scenarios


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Save atomically: the target is either the old file or the complete new one.

    The file is written as ``.NAME.<pid>.<random>.saving.gpkg`` beside the
    target, flushed to disk and renamed over it. A save that was killed may
    leave such a file behind; the next save of the same target removes it.

    What the app does not own is kept: the tables other programs added to the
    file (see `OWN_LAYERS`), the file's permissions, and a symbolic link (the
    file it points to is saved).

    Parameters
    ----------
    project
        The project to save.
    path
        The project file (a link is followed).

    Raises
    ------
    ProjectFileError
        If the file is read-only, the folder is not writable or the disk is
        full; the previous file (if any) is untouched.
    """
    shown = Path(path)
    target = _real_path(shown)
    previous = _writable_stat(target, shown)
    _remove_stale_temps(target)
    try:
        tmp = new_file(target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        msg = f"cannot write in this folder ({describe_write_error(exc)}); choose another folder"
        raise ProjectFileError(msg, file=str(shown)) from exc
    normal_mode = stat.S_IMODE(tmp.stat().st_mode)  # 0666 less the umask
    with _saving_lock:
        _saving.add(tmp.name)
    try:
        tmp.unlink()  # GDAL must create the file itself
        _write_all(project, tmp)
        if previous is not None:
            _keep_foreign_tables(target, tmp, shown)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        if previous is not None:
            _copy_permissions(previous, tmp)
        else:  # SQLite creates files 0644, whatever the umask allows
            tmp.chmod(normal_mode)
        tmp.replace(target)
        _fsync_dir(target.parent)
    except (OSError, RuntimeError, sqlite3.Error) as exc:  # pyogrio's errors are RuntimeErrors
        msg = (
            f"saving failed ({describe_write_error(exc)}); the previous version of the file "
            "is unchanged. Free some disk space or save to another folder"
        )
        raise ProjectFileError(msg, file=str(shown)) from exc
    finally:
        for leftover in (tmp, *tmp.parent.glob(f"{glob.escape(tmp.name)}-*")):  # and journals
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        with _saving_lock:
            _saving.discard(tmp.name)


def _keep_foreign_tables(target: Path, tmp: Path, shown: Path) -> None:
    """Copy the tables other programs added to the file `target` into the new file `tmp`."""
    if not _looks_like_sqlite(target):
        return  # not a GeoPackage: nothing in it is a table
    try:
        copy_foreign_tables(target, tmp, OWN_LAYERS)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in (SQLITE_CORRUPT, SQLITE_NOTADB):
            raise
        msg = (
            "the file is damaged, so the layers other programs added to it cannot be kept; "
            "it was not changed. Save as another file"
        )
        raise ProjectFileError(msg, file=str(shown)) from exc


def _read_points(path: Path, layer: str) -> pd.DataFrame:
    frame = _read_layer(path, layer)
    geometry = frame.geometry.to_numpy()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    frame["lon"] = np.where(empty, np.nan, shapely.get_x(geometry))
    frame["lat"] = np.where(empty, np.nan, shapely.get_y(geometry))
    return pd.DataFrame(frame.drop(columns="geometry"))


def read_meta(path: Path) -> dict[str, str]:
    """The key/value metadata of a project file.

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    dict[str, str]
        Its metadata table, key to value.
    """
    meta = pyogrio.read_dataframe(path, layer=META_LAYER, read_geometry=False)
    return dict(zip(meta["key"], meta["value"], strict=True))


def load_project(path: str | os.PathLike[str]) -> Project:
    """Open a project file.

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    Project
        The project as saved (older schemas brought up to date).

    Raises
    ------
    ProjectFileError
        If the file is missing, not a GeoPackage, damaged, not a Territory
        Planner project, or written by a newer version.
    """
    source = Path(path)
    if not source.is_file():
        msg = "file not found; check the path"
        raise ProjectFileError(msg, file=str(source))
    if not _looks_like_sqlite(source):  # judged by content before GDAL sees it (a VRT can fetch)
        msg = "not a GeoPackage (it may be damaged or another kind of file)"
        raise ProjectFileError(msg, file=str(source))
    refuse_foreign_tables(source, OWN_KINDS)  # a view there may never finish reading
    try:
        layers = {name for name, _ in pyogrio.list_layers(source)}
    except (RuntimeError, OSError) as exc:  # pyogrio's errors are RuntimeErrors
        msg = (
            "the file is damaged and cannot be read; open a backup or the autosaved copy"
            if _looks_like_sqlite(source)
            else "not a GeoPackage (it may be damaged or another kind of file)"
        )
        raise ProjectFileError(msg, file=str(source)) from exc
    problems = integrity_problems(source)
    if problems:
        msg = (
            f"the file is damaged (database check: {problems[0]}); "
            "open a backup or the autosaved copy"
        )
        raise ProjectFileError(msg, file=str(source))
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
        detail = _first_line(str(exc)) or type(exc).__name__
        msg = (
            f"the file is damaged and cannot be read ({detail}); "
            "open a backup or the autosaved copy"
        )
        raise ProjectFileError(msg, file=str(source)) from exc


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def integrity_problems(path: Path) -> list[str]:
    """What SQLite's ``quick_check`` finds wrong in the file (empty if it is sound).

    Reading a damaged GeoPackage does not always fail: rows can come back
    silently wrong, so the file's structure is checked before it is read
    (about 0.1 s for 100,000 accounts).

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    list[str]
        The problems SQLite reports, one line each; empty also when the file cannot be checked
        for another reason than damage (busy, locked...).
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.text_factory = bytes
            rows = db.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
            return [_first_line(str(exc))]
        return []  # busy, locked, cannot open read-only...: not a sign of damage
    found = [bytes(row[0]).decode("utf-8", "replace") for row in rows]
    if found == ["ok"]:
        return []
    lines = (line for text in found for line in text.splitlines())
    problems = [_first_line(line) for line in lines if line and not line.startswith("***")]
    return problems or ["quick_check failed"]


def _restore_columns(frame: pd.DataFrame, entries: list[list[str]]) -> pd.DataFrame:
    """Give custom columns back their own names and dtypes (see `custom_columns`)."""
    frame = frame.rename(columns={stored: name for name, stored, _ in entries if stored != name})
    for name, _, dtype in entries:
        if name in frame.columns and str(frame[name].dtype) != dtype:
            with contextlib.suppress(TypeError, ValueError):
                frame[name] = frame[name].astype(pd.api.types.pandas_dtype(dtype))
    return frame


def _read_project(source: Path) -> Project:
    meta = read_meta(source)
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        msg = (
            f"saved by a newer Territory Planner (file format {version}, this version "
            f"reads up to {SCHEMA_VERSION}); update the app to open it"
        )
        raise ProjectFileError(msg, file=str(source))
    columns = meta_object(meta, "columns", source)
    raw = pyogrio.read_dataframe(source, layer="territories")
    tables = {
        "accounts": _read_points(source, "accounts"),
        "reps": _read_points(source, "reps"),
        "territories": pd.DataFrame(raw.drop(columns="geometry")),
    }
    tables = migrate(
        {layer: _restore_columns(frame, columns.get(layer, [])) for layer, frame in tables.items()},
        version,
    )
    territories = gpd.GeoDataFrame(
        conform(tables["territories"], TERRITORY_COLUMNS), geometry=list(raw.geometry), crs=CRS
    )
    settings = {
        str(key): value if isinstance(value, str) else json.dumps(value)
        for key, value in meta_object(meta, "settings", source).items()
    }
    if version < SCHEMA_VERSION:
        settings["migrated_from_schema"] = str(version)
    return Project(
        accounts=conform(tables["accounts"], ACCOUNT_COLUMNS),
        reps=conform(tables["reps"], REP_COLUMNS),
        territories=territories,
        name=meta.get("name", source.stem),
        settings=settings,
        actuals=_read_actuals(source),
        scenarios=_read_scenarios(source, meta),
    )


def _read_actuals(source: Path) -> pd.DataFrame:
    """The actuals table, or an empty one for a file saved before actuals existed."""
    if ACTUALS_LAYER not in {name for name, _ in pyogrio.list_layers(source)}:
        return conform(pd.DataFrame(), ACTUAL_COLUMNS)
    frame = _read_layer(source, ACTUALS_LAYER, read_geometry=False)
    return conform(pd.DataFrame(frame), ACTUAL_COLUMNS)
