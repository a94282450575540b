"""Tables of a GeoPackage that the app does not own, kept from one save to the next.

A user may add layers to the project file in QGIS (notes, their own
regions, a plain table, a tile layer, layer styles). Saving writes a new
file, so these are copied into it from the file being replaced: their
tables with every row as stored (geometry blobs, fids and column types
unchanged), their spatial index, views, indexes and triggers, and their
entries in the GeoPackage registry tables, so that they stay layers that
GDAL and QGIS open as before.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import NamedTuple

#: Tables of the GeoPackage format and of SQLite themselves, never copied as such.
SYSTEM_PREFIXES = ("sqlite_", "gpkg_", "gpkgext_")
#: Registry tables whose rows describe one table each (by ``table_name``).
REGISTRY_TABLES = (
    "gpkg_contents",
    "gpkg_geometry_columns",
    "gpkg_extensions",
    "gpkg_ogr_contents",
    "gpkg_data_columns",
    "gpkg_tile_matrix_set",
    "gpkg_tile_matrix",
)


class SchemaObject(NamedTuple):
    """One entry of ``sqlite_master``: a table, view, index or trigger."""

    kind: str
    name: str
    table: str
    sql: str


def quote(name: str) -> str:
    """`name` as an SQL identifier.

    Parameters
    ----------
    name
        A table or column name.

    Returns
    -------
    str
        The name in double quotes, any double quote in it doubled.
    """
    return '"' + name.replace('"', '""') + '"'


def copy_foreign_tables(source: Path, target: Path, owned: Collection[str]) -> None:
    """Copy every table of `source` not in `owned` (nor a system table) into `target`.

    Both files are GeoPackages; `target` has none of those tables yet. Names
    are compared without regard to case, as SQLite does.

    Parameters
    ----------
    source
        The GeoPackage to copy from.
    target
        The GeoPackage to copy into.
    owned
        The tables the app writes itself (not copied).

    Raises
    ------
    sqlite3.Error
        If `source` cannot be read or `target` cannot be written.
    """
    with _attached(target, source) as db:
        objects = _foreign_objects(db, owned)
        if not objects:
            return
        tables = [o for o in objects if o.kind == "table"]
        for table in tables:
            db.execute(table.sql)
            name = quote(table.name)
            db.execute(f"INSERT INTO main.{name} SELECT * FROM old.{name}")  # noqa: S608
        _copy_registry(db, [o.name for o in objects if o.kind in {"table", "view"}])
        for other in objects:  # views, indexes, triggers: after the rows, as triggers would fire
            if other.kind != "table":
                db.execute(other.sql)


@contextlib.contextmanager
def _attached(main: Path, old: Path) -> Iterator[sqlite3.Connection]:
    """A connection to `main` (committed on success) with `old` attached read-only as ``old``."""
    with contextlib.closing(sqlite3.connect(main)) as db:
        db.execute("ATTACH DATABASE ? AS old", (old.resolve().as_uri() + "?mode=ro",))
        with db:
            yield db


def _foreign_objects(db: sqlite3.Connection, owned: Collection[str]) -> list[SchemaObject]:
    """The schema objects of ``old`` that belong to tables not in `owned`, tables first.

    An object belongs to the table it is on (an index, a trigger); a spatial
    index ``rtree_T_C`` belongs to table ``T``. Shadow tables (the storage of
    a virtual table such as an R-tree) come with their virtual table.
    """
    mine = {name.lower() for name in owned}
    geometry_columns = (
        db.execute("SELECT table_name, column_name FROM old.gpkg_geometry_columns")
        if _columns(db, "old", "gpkg_geometry_columns")
        else []
    )
    index_of = {f"rtree_{t}_{c}".lower(): t.lower() for t, c in geometry_columns}
    listed = db.execute("SELECT name, type FROM pragma_table_list WHERE schema = 'old'")
    shadows = {name.lower() for name, kind in listed if kind == "shadow"}
    objects = [
        SchemaObject(*row)
        for row in db.execute(
            "SELECT type, name, tbl_name, sql FROM old.sqlite_master WHERE sql IS NOT NULL"
        )
    ]
    kept = []
    for entry in objects:
        owner = index_of.get(entry.table.lower(), entry.table.lower())
        if entry.name.lower() in shadows or owner in mine or owner.startswith(SYSTEM_PREFIXES):
            continue
        kept.append(entry)
    return sorted(kept, key=lambda o: o.kind != "table")


def _columns(db: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA {schema}.table_info({quote(table)})")]


def _copy_registry(db: sqlite3.Connection, tables: list[str]) -> None:
    """Copy the registry rows of `tables` (and views) and the spatial reference systems."""
    _copy_rows(db, "gpkg_spatial_ref_sys", "1")  # every one missing: a few small rows
    marks = ", ".join("?" * len(tables))
    for registry in REGISTRY_TABLES:
        _copy_rows(db, registry, f"lower(table_name) IN ({marks})", [t.lower() for t in tables])


def _copy_rows(
    db: sqlite3.Connection, registry: str, where: str, params: list[str] | None = None
) -> None:
    """Copy the rows of registry table `registry` matching `where` that `main` lacks."""
    source = _columns(db, "old", registry)
    if not source:
        return
    if not _columns(db, "main", registry):
        (sql,) = db.execute(
            "SELECT sql FROM old.sqlite_master WHERE type = 'table' AND name = ?", (registry,)
        ).fetchone()
        db.execute(sql)
    shared = ", ".join(quote(c) for c in source if c in set(_columns(db, "main", registry)))
    table = quote(registry)  # identifiers quoted; the values are parameters
    db.execute(
        f"INSERT OR IGNORE INTO main.{table} ({shared}) "  # noqa: S608
        f"SELECT {shared} FROM old.{table} WHERE {where}",
        params or [],
    )
