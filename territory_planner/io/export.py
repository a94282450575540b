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
import unicodedata
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import quotas, territory_kpis
from territory_planner.files import FolderNotWritableError, keep_mode, write_atomically
from territory_planner.io.safe_save import describe_write_error
from territory_planner.model import CRS, Project, change_log, values_or_none

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Line ends of CSV exports (RFC 4180). With them Python's writer also quotes a cell holding
#: a lone carriage return, which a spreadsheet would otherwise read as a new row, starting
#: with the rest of the cell: ``Acme\r=1+2`` would put a live formula in the next row.
CSV_LINE_END = "\r\n"
SHAPEFILE_FIELD_LENGTH = 10
#: Shapefile field names of the standard columns (at most 10 characters);
#: other columns are cut to 10 characters (see `shapefile_names`).
SHAPEFILE_NAMES: dict[str, str] = {
    "product_line": "product",
    "lead_source": "lead_src",
    "parent_name": "parent_nm",
    "annual_revenue": "revenue",
    "last_year_sales": "ly_sales",
    "visit_frequency": "visit_freq",
    "visit_minutes": "visit_min",
    "territory_id": "terr_id",
}
#: Letters that do not decompose into ASCII ones (the others lose their accents).
SPELLED_OUT = str.maketrans(
    {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe"}
)
#: Files a shapefile ``NAME.shp`` may have beside it (replaced or removed on export).
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qpj")
#: Characters an XLSX file cannot hold (openpyxl refuses them).
XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def neutralise_formula(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Parameters
    ----------
    value
        A cell's value.

    Returns
    -------
    object
        The value, with "'" in front when it is text starting with one of `FORMULA_PREFIXES`.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells and column names made safe to open in a spreadsheet.

    Only text is touched: a number such as -5 stays a number.
    """
    out = frame.copy()
    for column in out.select_dtypes(include=["object", "string"]).columns:
        out[column] = out[column].map(neutralise_formula)
    return out.rename(columns=lambda c: neutralise_formula(str(c)))


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary folder beside `path`, then move the result in place.

    The file gets the user's normal permissions (or keeps those of the file it
    replaces; see `files.write_atomically`).

    Raises
    ------
    InputError
        If the folder or the file cannot be written; an existing file is left as it was.

    Parameters
    ----------
    path
        The file to write.
    write
        Writes the file at the temporary path it is given.
    """
    path = Path(path)
    try:
        write_atomically(path, write)
    except FolderNotWritableError as exc:
        msg = f"cannot write in this folder ({describe_write_error(exc)}); choose another folder"
        raise InputError(msg, file=str(path)) from exc
    except (OSError, RuntimeError) as exc:  # pyogrio's errors are RuntimeErrors
        msg = f"cannot write the export ({describe_write_error(exc)}); the file was not changed"
        raise InputError(msg, file=str(path)) from exc


def accounts_with_assignment(project: Project) -> pd.DataFrame:
    """Accounts with their territory's name and rep name added.

    Parameters
    ----------
    project
        The project (accounts, territories, reps).

    Returns
    -------
    pandas.DataFrame
        A copy of the accounts with ``territory`` and ``rep`` columns (missing where none).
    """
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
    table["quota"] = quotas(project).reindex(table["territory_id"]).to_numpy()
    return project.territories[["territory_id", "geometry"]].merge(table, on="territory_id")


def export_accounts_csv(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts (with territory and rep) as UTF-8 CSV; returns the row count.

    Parameters
    ----------
    project
        The project.
    path
        The file to write (replaced only when complete; unwritable: `InputError`).

    Returns
    -------
    int
        The number of accounts written.
    """
    frame = _neutralised(accounts_with_assignment(project))
    write_atomic(
        Path(path),
        lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator=CSV_LINE_END),
    )
    return len(frame)


def export_accounts_xlsx(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts as a formatted Excel sheet (frozen bold header, filter, column widths).

    Text that Excel would run as a formula is prefixed with an apostrophe and
    control characters Excel cannot hold are removed; numbers stay numbers.
    Returns the row count.

    Parameters
    ----------
    project
        The project.
    path
        The file to write (replaced only when complete; unwritable: `InputError`).

    Returns
    -------
    int
        The number of accounts written.
    """
    return write_table_xlsx(accounts_with_assignment(project), path, "Accounts")


def write_table_xlsx(frame: pd.DataFrame, path: str | os.PathLike[str], sheet_name: str) -> int:
    """Write any table as one formatted Excel sheet, as `export_accounts_xlsx` does.

    The sheet prints readably (see `workbook_layout.lay_out_for_print`): every
    column as wide as its longest value, text too long for a page wrapped.
    Returns the row count.

    Parameters
    ----------
    frame
        The table; its column names are the header row.
    path
        The file to write (replaced only when complete; unwritable: `InputError`).
    sheet_name
        The sheet's name.

    Returns
    -------
    int
        The number of rows written (the header not counted).
    """
    from openpyxl import Workbook  # noqa: PLC0415 (slow import)
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    from territory_planner.io.workbook_layout import ColumnFit, lay_out_for_print  # noqa: PLC0415

    frame = _neutralised(frame)
    columns = [_xlsx_values(frame.iloc[:, k]) for k in range(frame.shape[1])]
    headers = [XLSX_ILLEGAL.sub("", str(c)) for c in frame.columns]
    fit = ColumnFit()
    for number, header in enumerate(headers, start=1):
        fit.add(number, header, bold=True)
    long_text = [fit.add_column(n, values) for n, values in enumerate(columns, start=1)]

    def write(tmp: Path) -> None:
        book = Workbook(write_only=True)  # streams rows: 100k accounts in a fraction of the memory
        sheet = book.create_sheet(sheet_name)
        sheet.freeze_panes = "A2"
        lay_out_for_print(sheet, fit, columns=len(headers), last_row=len(frame) + 1)
        fill = PatternFill("solid", fgColor="DDE5F0")
        cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font, cell.fill = Font(bold=True), fill
            cells.append(cell)
        sheet.append(cells)
        if headers:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(frame) + 1}"
        wrapping = any(long_text)
        for row in zip(*columns, strict=True):
            sheet.append(_wrap_long_text(sheet, row, long_text) if wrapping else row)
        book.save(tmp)

    write_atomic(Path(path), write)
    return len(frame)


def _wrap_long_text(sheet: object, row: tuple[object, ...], long_text: list[bool]) -> list[object]:
    """The row's values; text too long for its column as a cell that wraps onto more lines."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Alignment  # noqa: PLC0415

    from territory_planner.io.workbook_layout import TEXT_WIDTH_LIMIT, text_width  # noqa: PLC0415

    out = list(row)
    for k, value in enumerate(row):
        if long_text[k] and isinstance(value, str) and text_width(value) > TEXT_WIDTH_LIMIT:
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            out[k] = cell
    return out


def _xlsx_values(series: pd.Series) -> list[object]:
    """Plain Python values for openpyxl: None for missing, no illegal characters."""
    values: list[object] = values_or_none(series).tolist()
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        values = [XLSX_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in values]
    return values


def export_accounts_geojson(project: Project, path: str | os.PathLike[str]) -> int:
    """Write accounts as GeoJSON points (unplaced ones with no geometry).

    Parameters
    ----------
    project
        The project.
    path
        The file to write (replaced only when complete; unwritable: `InputError`).

    Returns
    -------
    int
        The number of accounts written.
    """
    points = _accounts_points(project)
    write_atomic(
        Path(path), lambda tmp: tmp.write_text(points.to_json(na="null"), encoding="utf-8")
    )
    return len(points)


def export_territories_geojson(project: Project, path: str | os.PathLike[str]) -> int:
    """Write territories with their account totals as GeoJSON; returns the count.

    Parameters
    ----------
    project
        The project.
    path
        The file to write (replaced only when complete; unwritable: `InputError`).

    Returns
    -------
    int
        The number of territories written.
    """
    out = _territories_with_totals(project)
    write_atomic(Path(path), lambda tmp: tmp.write_text(out.to_json(), encoding="utf-8"))
    return len(out)


def export_change_log(project: Project, path: str | os.PathLike[str]) -> int:
    """Write the project's change log (time, change) as CSV; returns the number of entries.

    Parameters
    ----------
    project
        The project (its change log, kept in its settings).
    path
        The file to write (replaced only when complete; unwritable: `InputError`).

    Returns
    -------
    int
        The number of entries written.
    """
    entries = change_log(project)
    frame = _neutralised(pd.DataFrame(entries, columns=["time", "change"]))
    write_atomic(
        Path(path),
        lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator=CSV_LINE_END),
    )
    return len(entries)


def export_territories_csv(project: Project, path: str | os.PathLike[str]) -> int:
    """Write one row per territory with every KPI (see `analysis.metrics.territory_kpis`).

    Parameters
    ----------
    project
        The project.
    path
        The file to write (replaced only when complete; unwritable: `InputError`).

    Returns
    -------
    int
        The number of territories written.
    """
    frame = _neutralised(territory_kpis(project).drop(columns=["color"]))
    write_atomic(
        Path(path),
        lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator=CSV_LINE_END),
    )
    return len(frame)


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """Column -> unique field name of at most 10 ASCII characters (a Shapefile limit).

    Standard columns take their name from `SHAPEFILE_NAMES` (or keep it when it
    fits); any other column is transliterated to ASCII and cut to 10
    characters, with a number replacing its end when two would clash (field
    names are compared ignoring case). The same columns always give the same
    names.

    Parameters
    ----------
    columns
        The table's column names.

    Returns
    -------
    dict[str, str]
        Each column's field name, in the order of `columns`.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    ordered = sorted(columns, key=lambda c: c not in SHAPEFILE_NAMES)  # standard names first
    for column in ordered:
        if column in SHAPEFILE_NAMES:
            base = SHAPEFILE_NAMES[column]
        else:
            spelled = unicodedata.normalize("NFKD", column.translate(SPELLED_OUT))
            ascii_name = spelled.encode("ascii", "ignore").decode()
            base = re.sub(r"[^A-Za-z0-9_]", "_", ascii_name)[:SHAPEFILE_FIELD_LENGTH] or "field"
        name, n = base, 1
        while name.lower() in used:
            suffix = str(n)
            name = base[: SHAPEFILE_FIELD_LENGTH - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        names[column] = name
    return {column: names[column] for column in columns}


def export_shapefiles(project: Project, folder: str | os.PathLike[str]) -> dict[str, int]:
    """Write ``accounts.shp`` and ``territories.shp`` (plus ``field_names.txt``) into `folder`.

    Every account is written; an unplaced one has an empty (null) shape.
    Shapefile field names are at most 10 characters (see `shapefile_names`);
    ``field_names.txt`` lists which column each field holds, one
    ``layer.FIELD<tab>column`` a line. All files are written into a temporary
    folder first and moved in only when all of them are complete, so a failed
    export leaves the files of an earlier one as they were. Returns the
    feature count of each layer.

    Parameters
    ----------
    project
        The project.
    folder
        Where the files go (created if needed; unwritable: `InputError`).

    Returns
    -------
    dict[str, int]
        ``{"accounts": n, "territories": n}``.
    """
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".shapefiles.", dir=target))
    except OSError as exc:
        msg = f"cannot write in this folder ({describe_write_error(exc)}); choose another folder"
        raise InputError(msg, file=str(target)) from exc
    layers = {
        "accounts": _accounts_points(project),
        "territories": _territories_with_totals(project),
    }
    counts, lines = {}, []
    try:
        for layer, frame in layers.items():
            columns = [c for c in frame.columns if c != frame.geometry.name]
            names = shapefile_names(columns)
            lines += [f"{layer}.{names[c]}\t{c}" for c in columns]
            pyogrio.write_dataframe(
                frame.rename(columns=names),
                scratch / f"{layer}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type="Point" if layer == "accounts" else "MultiPolygon",
                promote_to_multi=layer != "accounts",
                layer_options={"RESIZE": "YES"},  # text fields as wide as their longest value
            )
            counts[layer] = len(frame)
        (scratch / "field_names.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for layer in layers:  # an old spatial index would no longer match
            for suffix in SHAPEFILE_PARTS:
                if not (scratch / f"{layer}{suffix}").exists():
                    (target / f"{layer}{suffix}").unlink(missing_ok=True)
        for part in sorted(scratch.iterdir(), key=lambda p: p.suffix == ".shp"):  # .shp last
            keep_mode(target / part.name, part)
            part.replace(target / part.name)
    except (OSError, RuntimeError) as exc:  # pyogrio's errors are RuntimeErrors
        msg = f"cannot write the shapefiles ({describe_write_error(exc)}); choose another folder"
        raise InputError(msg, file=str(target)) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return counts
