"""Exports for other tools: accounts and territories as CSV, XLSX, GeoJSON and Shapefile.

Every export carries the assignment (territory and rep names), is written
to a temporary file first and then moved into place (a failed export leaves
an existing file untouched), and text a spreadsheet would run as a formula
is neutralised in CSV and XLSX.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from territory_planner._errors import InputError
from territory_planner.model import CRS, Project

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHAPEFILE_FIELD_LENGTH = 10


def neutralise_formula(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.select_dtypes(include=["object", "string"]).columns:
        out[column] = out[column].map(neutralise_formula)
    return out


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary folder beside `path`, then move the result in place."""
    path = Path(path)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        msg = f"cannot write in this folder ({exc.strerror}); choose another folder"
        raise InputError(msg, file=str(path)) from exc
    try:
        tmp = scratch / path.name
        write(tmp)
        tmp.replace(path)
    except (OSError, pyogrio.errors.DataSourceError, RuntimeError) as exc:
        msg = f"cannot write the export ({exc}); the file was not changed"
        raise InputError(msg, file=str(path)) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def accounts_with_assignment(project: Project) -> pd.DataFrame:
    """Accounts with their territory's name and rep name added."""
    table = project.territory_table().set_index("territory_id")
    out = project.accounts.copy()
    out["territory"] = out["territory_id"].map(table["name"])
    out["rep"] = out["territory_id"].map(table["rep"])
    return out


def _accounts_points(project: Project) -> gpd.GeoDataFrame:
    frame = accounts_with_assignment(project)
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    placed = np.isfinite(lon) & np.isfinite(lat)
    geometry = np.full(len(frame), None, dtype=object)
    geometry[placed] = shapely.points(lon[placed], lat[placed])
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs=CRS)


def _territories_with_totals(project: Project) -> gpd.GeoDataFrame:
    table = project.territory_table()
    return project.territories[["territory_id", "geometry"]].merge(table, on="territory_id")


def export_accounts_csv(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts (with territory and rep) as UTF-8 CSV; returns the row count."""
    frame = _neutralised(accounts_with_assignment(project))
    _write_atomic(Path(path), lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))
    return len(frame)


def export_accounts_xlsx(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts as a formatted Excel sheet (frozen bold header, column widths)."""
    from openpyxl import Workbook  # noqa: PLC0415 (slow import)
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    frame = _neutralised(accounts_with_assignment(project))

    def write(tmp: Path) -> None:
        book = Workbook(write_only=False)
        sheet = book.active
        sheet.title = "Accounts"
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else _plain(v) for v in row])
        header_fill = PatternFill("solid", fgColor="DDE5F0")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for number, column in enumerate(frame.columns, start=1):
            longest = frame[column].astype(str).str.len().head(500).max() if len(frame) else 0
            width = min(45, max(len(str(column)), int(longest or 0)) + 2)
            sheet.column_dimensions[get_column_letter(number)].width = width
        book.save(tmp)

    _write_atomic(Path(path), write)
    return len(frame)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _plain(value: object) -> object:
    """Numpy scalars to Python values for openpyxl."""
    return value.item() if isinstance(value, np.generic) else value


def export_accounts_geojson(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts as GeoJSON points (unplaced ones with no geometry)."""
    points = _accounts_points(project)
    _write_atomic(
        Path(path), lambda tmp: tmp.write_text(points.to_json(na="null"), encoding="utf-8")
    )
    return len(points)


def export_territories_geojson(project: Project, path: str | os.PathLike[str]) -> int:
    """Write territories with their account totals as GeoJSON; returns the count."""
    out = _territories_with_totals(project)
    _write_atomic(Path(path), lambda tmp: tmp.write_text(out.to_json(), encoding="utf-8"))
    return len(out)


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """Column -> unique field name of at most 10 characters (a Shapefile limit)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        base = re.sub(r"[^A-Za-z0-9_]", "_", column)[:SHAPEFILE_FIELD_LENGTH] or "field"
        name, n = base, 1
        while name.lower() in used:
            suffix = str(n)
            name = base[: SHAPEFILE_FIELD_LENGTH - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        names[column] = name
    return names


def export_shapefiles(project: Project, folder: str | os.PathLike[str]) -> dict[str, int]:
    """Write ``accounts.shp`` and ``territories.shp`` (plus ``field_names.txt``) into `folder`.

    Shapefile field names are cut to 10 characters; ``field_names.txt`` lists
    which column each field holds.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    points = _accounts_points(project)
    points = points[~points.geometry.isna()]
    areas = _territories_with_totals(project)
    counts = {}
    lines = []
    for layer, frame in (("accounts", points), ("territories", areas)):
        columns = [c for c in frame.columns if c != "geometry"]
        names = shapefile_names(columns)
        lines += [f"{layer}.{names[c]}\t{c}" for c in columns]
        renamed = frame.rename(columns=names)
        scratch = Path(tempfile.mkdtemp(prefix=f".{layer}.", dir=target))
        try:
            pyogrio.write_dataframe(renamed, scratch / f"{layer}.shp", encoding="UTF-8")
            for part in scratch.iterdir():
                part.replace(target / part.name)
        except (OSError, pyogrio.errors.DataSourceError, RuntimeError) as exc:
            msg = f"cannot write the shapefile ({exc}); choose another folder"
            raise InputError(msg, file=str(target / f"{layer}.shp")) from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        counts[layer] = len(frame)
    (target / "field_names.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts
