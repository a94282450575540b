"""Checks on a project file before GDAL reads it: the app's tables and its metadata.

A project file is a SQLite database anyone can change (QGIS, a SQL tool). A view
in place of one of the app's tables, say a recursive one named ``accounts``,
would make every read of that layer run forever; a ``settings`` value that is
not a JSON object would crash the reading code. Both are refused here with a
message, before anything else reads the file, and the file is left as it is.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from territory_planner._errors import ProjectFileError

#: How long the checks may run: reading ``sqlite_master`` and ``gpkg_contents`` takes
#: milliseconds, so a file that takes longer is not an ordinary project file.
CHECK_SECONDS = 10.0
#: How often (in SQLite virtual machine steps) the time limit is looked at.
_STEPS = 10_000
REGISTRY = "gpkg_contents"
#: What a metadata value is, in words (for the messages).
_KINDS = {list: "a list", dict: "an object", int: "a number", float: "a number",
          bool: "true/false", type(None): "null", str: "a text"}  # fmt: skip
_NOT_JSON = object()


def table_problem(path: Path, expected: dict[str, str], seconds: float = CHECK_SECONDS) -> str:
    """What is wrong with the app's tables in the file ('' if nothing).

    Parameters
    ----------
    path
        The project file (a SQLite database; opened read-only).
    expected
        Each table of the app and the kind ``gpkg_contents`` must register it as
        (``features`` or ``attributes``). A table absent from both ``sqlite_master``
        and ``gpkg_contents`` is not a problem here (the caller says what is missing).
    seconds
        The time limit for the checks.

    Returns
    -------
    str
        The first problem in words (e.g. the table is a view, or takes too long to list);
        '' when none, or when the file cannot be read (other checks report that).
    """
    try:
        kinds, registered = _schema(path, seconds)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            return f"reading its list of tables took over {seconds:.0f} s"
        return ""  # locked, damaged...: the integrity check and GDAL report it
    except (sqlite3.Error, UnicodeDecodeError):  # a damaged file: SQLite's message is not UTF-8
        return ""
    return _problem(kinds, registered, expected)


def _problem(kinds: dict[str, str], registered: dict[str, str], expected: dict[str, str]) -> str:
    """The first of the app's tables that is not a table registered as its kind ('' if none)."""
    if REGISTRY not in kinds:
        return ""  # not a GeoPackage: the caller says so
    if kinds[REGISTRY] != "table":
        return f"'{REGISTRY}' is a {kinds[REGISTRY]}, not the GeoPackage's table"
    for name, kind in expected.items():
        found = kinds.get(name.lower())
        if found is None and name.lower() not in registered:
            continue
        if found != "table":
            what = f"a {found}" if found else "missing"
            return f"'{name}' is {what}, not the app's table"
        if registered.get(name.lower()) != kind:
            return f"table '{name}' is not registered in {REGISTRY} as a layer of {kind}"
    return ""


def _schema(path: Path, seconds: float) -> tuple[dict[str, str], dict[str, str]]:
    """Kind of every name in ``sqlite_master``, and data type of every name in the registry.

    Raises ``sqlite3.OperationalError`` ("interrupted") when it takes over `seconds`.
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    deadline = time.monotonic() + seconds
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        db.text_factory = _text  # a damaged name must not stop the check
        db.set_progress_handler(lambda: int(time.monotonic() > deadline), _STEPS)
        kinds = {
            str(name).lower(): str(kind)
            for name, kind in db.execute("SELECT name, type FROM sqlite_master")
        }
        if kinds.get(REGISTRY) != "table":
            return kinds, {}
        registered = {
            str(name).lower(): str(kind)
            for name, kind in db.execute(f"SELECT table_name, data_type FROM {REGISTRY}")  # noqa: S608
        }
    return kinds, registered


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def refuse_foreign_tables(path: Path, expected: dict[str, str]) -> None:
    """Raise if one of the app's tables is not a real table of the expected kind.

    Parameters
    ----------
    path
        The project file.
    expected
        Each table of the app and its kind, as for `table_problem`.

    Raises
    ------
    ProjectFileError
        Naming the table, e.g. when ``accounts`` is a view (which may never finish).
    """
    problem = table_problem(path, expected)
    if problem:
        msg = (
            f"{problem}: the file was changed outside Territory Planner and is not read, "
            "so that nothing in it is lost; open a backup or the autosaved copy"
        )
        raise ProjectFileError(msg, file=str(path))


def meta_object(meta: dict[str, str], key: str, path: Path) -> dict[str, Any]:
    """The JSON object stored under `key` of the metadata table (``{}`` if absent).

    Parameters
    ----------
    meta
        The metadata table, key to text.
    key
        The entry to read.
    path
        The project file, for the message.

    Returns
    -------
    dict[str, Any]
        The object.

    Raises
    ------
    ProjectFileError
        If the value is not JSON, or is JSON but not an object (a list, say).
    """
    value = _meta_json(meta, key)
    if not isinstance(value, dict):
        raise _bad_meta(key, value, "a JSON object", "{...}", path)
    return value


def meta_records(meta: dict[str, str], key: str, path: Path) -> list[dict[str, Any]]:
    """The JSON list of objects, each with a text ``name``, stored under `key` (``[]`` if absent).

    Parameters
    ----------
    meta
        The metadata table, key to text.
    key
        The entry to read.
    path
        The project file, for the message.

    Returns
    -------
    list[dict[str, Any]]
        The entries.

    Raises
    ------
    ProjectFileError
        If the value is not such a list.
    """
    value = _meta_json(meta, key, "[]")
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and isinstance(v.get("name"), str) for v in value
    ):
        raise _bad_meta(key, value, "a list of named entries", '[{"name": ...}]', path)
    return value


def _meta_json(meta: dict[str, str], key: str, default: str = "{}") -> Any:
    """The parsed value under `key`, or the text itself if it is not JSON."""
    text = meta.get(key, default)
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return _NOT_JSON


def _bad_meta(key: str, value: object, wanted: str, shape: str, path: Path) -> ProjectFileError:
    kind = "not JSON" if value is _NOT_JSON else _KINDS.get(type(value), type(value).__name__)
    if isinstance(value, list) and wanted.startswith("a list"):
        kind = "a list with an entry that is not a named object"
    msg = (
        f"the '{key}' entry of its tp_meta table is {kind}, not {wanted}; the file was "
        "changed outside Territory Planner and is not read, so that nothing in it is lost: "
        f"fix that entry (it must be {shape}) or open a backup"
    )
    return ProjectFileError(msg, file=str(path))
