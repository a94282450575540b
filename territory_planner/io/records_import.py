"""The import pipeline shared by accounts and reps: map columns, parse, validate, geocode.

Every data row of the file ends up either imported or in ``rejected`` with
its row number and the reason; problems with single cells (a number that is
not one, a bad ZIP) keep the row and are listed in ``warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.geo.geocode import geocode, swapped_coordinates
from territory_planner.io.fields import Field, detect_mapping, parse_series
from territory_planner.io.table_reader import RawTable, read_table
from territory_planner.tasks import CancelToken, Progress, no_progress


@dataclass
class ImportReport:
    """What happened to every row; `as_dict` is the CLI's ``--json`` shape."""

    source: str
    rows: int = 0
    imported: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    geocoded: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    custom_columns: list[str] = field(default_factory=list)
    swapped_rows: list[int] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def reject(self, row: int, reason: str, column: str | None = None) -> None:
        """List a row that was not imported.

        Parameters
        ----------
        row
            The row's line in the file, as a spreadsheet numbers it.
        reason
            Why, in words.
        column
            The header of the cell at fault; None: the whole row.
        """
        self.rejected.append({"row": row, "column": column, "reason": reason})

    def warn(self, row: int, column: str | None, message: str) -> None:
        """List a problem with a row that was imported anyway.

        Parameters
        ----------
        row
            The row's line in the file, as a spreadsheet numbers it (0: the file as a whole).
        column
            The header of the cell at fault; None: the whole row.
        message
            The problem, and what was done about it.
        """
        self.warnings.append({"row": row, "column": column, "message": message})

    def problems(self) -> pd.DataFrame:
        """Rejections and warnings as one table (kind, row, column, problem), by row."""
        lines = [
            {
                "kind": "rejected",
                "row": r["row"],
                "column": r["column"] or "",
                "problem": r["reason"],
            }
            for r in self.rejected
        ] + [
            {
                "kind": "warning",
                "row": w["row"],
                "column": w["column"] or "",
                "problem": w["message"],
            }
            for w in self.warnings
        ]
        frame = pd.DataFrame(lines, columns=["kind", "row", "column", "problem"])
        return frame.sort_values("row", kind="stable").reset_index(drop=True)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (keys documented in the README)."""
        return {
            "source": self.source,
            "rows": self.rows,
            "imported": self.imported,
            "rejected": sorted(self.rejected, key=lambda r: r["row"]),
            "warnings": sorted(self.warnings, key=lambda w: w["row"]),
            "geocoded": self.geocoded,
            "mapping": self.mapping,
            "custom_columns": self.custom_columns,
            "swapped_rows": self.swapped_rows,
            **self.details,
        }


@dataclass(frozen=True)
class ImportSpec:
    """What is being imported: its fields and which of them identify and name a row."""

    noun: str  # "account" / "rep"
    fields: tuple[Field, ...]
    id_field: str
    name_field: str
    zip_field: str
    city_field: str
    state_field: str
    id_prefix: str
    model_columns: frozenset[str] = frozenset()  # columns a custom header must not take over
    name_label: str = ""  # what the required `name_field` is called (default: "<noun> name")


@dataclass
class ParsedTable:
    """The valid rows, typed, with their file row numbers, and the report."""

    frame: pd.DataFrame
    rows: np.ndarray
    report: ImportReport


def resolve_mapping(
    raw: RawTable, spec: ImportSpec, columns: dict[str, str] | None
) -> dict[str, str]:
    """Detected mapping, with the user's ``FIELD=HEADER`` choices on top.

    A header of "" un-maps a field. Raises `InputError` for an unknown field
    or header, naming the valid ones.

    Parameters
    ----------
    raw
        The file's cells as read.
    spec
        What is imported (its fields, and the name field that must be mapped).
    columns
        The user's choices, field to header ("" un-maps); None: none.

    Returns
    -------
    dict[str, str]
        Field to header, each header used once.
    """
    headers = list(raw.frame.columns)
    mapping = detect_mapping(headers, raw.frame, spec.fields)
    names = {f.name for f in spec.fields}
    for name, header in (columns or {}).items():
        if name not in names:
            fields = ", ".join(sorted(names))
            msg = f"there is no {spec.noun} field '{name}'; the fields are: {fields}"
            raise InputError(msg)
        if header == "":
            mapping.pop(name, None)
            continue
        if header not in headers:
            msg = (
                f"there is no column '{header}' in the file; the columns are: {', '.join(headers)}"
            )
            raise InputError(msg, file=raw.source)
        mapping = {k: v for k, v in mapping.items() if v != header}
        mapping[name] = header
    if spec.name_field not in mapping:
        what = spec.name_label or f"{spec.noun} name"
        msg = (
            f"no column holds the {what}; name it with --column {spec.name_field}=HEADER "
            f"(the columns are: {', '.join(headers)})"
        )
        raise InputError(msg, file=raw.source)
    return mapping


def parse_rows(
    raw: RawTable, spec: ImportSpec, mapping: dict[str, str], *, fix_swapped: bool = True
) -> ParsedTable:
    """Validate and type the rows of `raw` (see the module docstring).

    Parameters
    ----------
    raw
        The file's cells as read.
    spec
        What is imported.
    mapping
        Field to header (`resolve_mapping`).
    fix_swapped
        Swap latitude and longitude back where they look exchanged (else they are dropped).

    Returns
    -------
    ParsedTable
        The rows kept (typed fields, custom columns as text, positions geocoded), their
        lines in the file, and the report of rejected rows and warnings.
    """
    report = ImportReport(
        source=raw.source, rows=len(raw.frame) + len(raw.ragged), mapping=dict(mapping)
    )
    frame = raw.frame
    rows, keep = screen_rows(raw, report)
    for row, message in raw.notes:
        report.warn(row, None, message)

    out = pd.DataFrame(index=frame.index)
    kinds = {f.name: f.kind for f in spec.fields}
    for name, header in mapping.items():
        values, bad = parse_series(frame[header], kinds[name])
        out[name] = values
        for i in np.flatnonzero(bad & keep):
            text = str(frame[header].iloc[i]).strip()
            report.warn(
                int(rows[i]),
                header,
                f"'{text}' is not a valid {_kind_word(kinds[name])}; left empty",
            )

    name_header = mapping[spec.name_field]
    missing_name = keep & out[spec.name_field].isna().to_numpy()
    for row in rows[missing_name]:
        report.reject(int(row), f"missing {spec.noun} name", name_header)
    keep &= ~missing_name

    _check_ids(out, rows, keep, spec=spec, mapping=mapping, report=report)
    _check_coordinates(
        out, rows, keep, spec=spec, mapping=mapping, report=report, fix_swapped=fix_swapped
    )

    custom = [h for h in frame.columns if h not in mapping.values()]
    # A GeoPackage ignores case in field names: keep custom names unique that way too.
    taken = {name.lower() for name in ({f.name for f in spec.fields} | spec.model_columns)}
    stored = []
    for header in custom:
        column, n = header, 1
        while column.lower() in taken:
            n += 1
            column = f"{header} (imported)" if n == 2 else f"{header} (imported {n - 1})"  # noqa: PLR2004
        taken.add(column.lower())
        values = frame[header].astype(str).str.strip()
        out[column] = values.where(values != "", None)
        stored.append(column)
    report.custom_columns = stored  # as stored: "NOTES (imported)" beside "Notes"
    kept = out[keep].reset_index(drop=True)
    report.imported = len(kept)
    rejected_rows = {r["row"] for r in report.rejected}
    report.warnings = [w for w in report.warnings if w["row"] not in rejected_rows]
    return ParsedTable(kept, rows[keep], report)


def screen_rows(raw: RawTable, report: ImportReport) -> tuple[np.ndarray, np.ndarray]:
    """Reject the rows no import can use: misaligned (too many cells) and empty ones.

    Parameters
    ----------
    raw
        The file's cells as read.
    report
        The import's report: the rejected rows are added to it.

    Returns
    -------
    (rows, keep)
        The file row number of each frame row, and which rows are still in.
    """
    for row, cells in raw.ragged:
        width = len(raw.frame.columns)
        report.reject(
            row,
            f"has {cells} cells but the header has {width}; "
            "is a delimiter inside an unquoted cell?",
        )
    frame = raw.frame
    rows = np.asarray(raw.rows, dtype=np.int64)
    empty = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        column_cells = frame[column].to_numpy(dtype=object)
        filled = column_cells != ""
        if filled.any():  # only non-empty cells need the (slower) whitespace check
            filled[filled] = np.char.str_len(np.char.strip(column_cells[filled].astype(str))) > 0
        empty &= ~filled
    for row in rows[empty]:
        report.reject(int(row), "empty row")
    return rows, ~empty


def _kind_word(kind: str) -> str:
    return {
        "zip": "US ZIP code", "frequency": "visit frequency (weekly, biweekly, monthly, quarterly)",
        "minutes": "duration (up to 10^15 minutes)", "integer": "whole number (up to 10^15)",
        "lat": "latitude", "lon": "longitude", "date": "date",
    }.get(kind, "number")  # fmt: skip


def _check_ids(
    out: pd.DataFrame,
    rows: np.ndarray,
    keep: np.ndarray,
    *,
    spec: ImportSpec,
    mapping: dict[str, str],
    report: ImportReport,
) -> None:
    if spec.id_field not in mapping:
        out[spec.id_field] = [f"{spec.id_prefix}{r}" for r in rows]
        report.warn(
            0,
            None,
            f"no {spec.noun} ID column: IDs were made from row numbers ({spec.id_prefix}2, ...)",
        )
        return
    header = mapping[spec.id_field]
    ids = out[spec.id_field]
    missing = keep & ids.isna().to_numpy()
    for row in rows[missing]:
        report.reject(int(row), f"missing {spec.noun} ID", header)
    keep &= ~missing
    kept_ids = ids.where(keep, None)
    repeated = (kept_ids.duplicated(keep="first") & kept_ids.notna()).to_numpy()
    values = kept_ids.to_numpy(dtype=object)
    first_row: dict[str, int] = {}
    for i in np.flatnonzero(keep & ~repeated & kept_ids.isin(set(values[repeated])).to_numpy()):
        first_row[values[i]] = int(rows[i])
    for i in np.flatnonzero(repeated):
        value = values[i]
        report.reject(
            int(rows[i]),
            f"duplicate {spec.noun} ID '{value}' (first in row {first_row[value]})",
            header,
        )
    keep &= ~repeated


def _check_coordinates(
    out: pd.DataFrame,
    rows: np.ndarray,
    keep: np.ndarray,
    *,
    spec: ImportSpec,
    mapping: dict[str, str],
    report: ImportReport,
    fix_swapped: bool,
) -> None:
    n = len(out)
    lat = out["lat"].to_numpy(dtype=float, copy=True) if "lat" in out else np.full(n, np.nan)
    lon = out["lon"].to_numpy(dtype=float, copy=True) if "lon" in out else np.full(n, np.nan)
    country = out["country"].astype(str).str.upper() if "country" in out else pd.Series([""] * n)
    us_expected = country.isin(
        ["", "NAN", "NONE", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA"]
    ).to_numpy()
    swapped = swapped_coordinates(lat, lon, us_expected) & keep
    for i in np.flatnonzero(swapped):
        action = "swapped back" if fix_swapped else "not used (import with the fix on to swap them)"
        report.warn(
            int(rows[i]),
            mapping.get("lat"),
            f"latitude {lat[i]:g} and longitude {lon[i]:g} look swapped; {action}",
        )
    report.swapped_rows = [int(r) for r in rows[swapped]]
    if fix_swapped:
        lat[swapped], lon[swapped] = lon[swapped].copy(), lat[swapped].copy()
    else:
        lat[swapped] = lon[swapped] = np.nan
    given = np.isfinite(lat) | np.isfinite(lon)
    both = np.isfinite(lat) & np.isfinite(lon)
    bad = both & ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180)) & keep  # noqa: PLR2004
    for i in np.flatnonzero(bad):
        report.warn(
            int(rows[i]),
            mapping.get("lat"),
            f"coordinates {lat[i]:g}, {lon[i]:g} are out of range; placed by ZIP or city instead",
        )
    half = given & ~(np.isfinite(lat) & np.isfinite(lon)) & keep & ~bad
    for i in np.flatnonzero(half):
        missing, column = (
            ("longitude", mapping.get("lat"))
            if np.isfinite(lat[i])
            else ("latitude", mapping.get("lon"))
        )
        report.warn(
            int(rows[i]), column, f"the {missing} is missing; placed by ZIP or city instead"
        )
    lat[bad] = lon[bad] = np.nan
    empty = pd.Series([None] * n, dtype="str")
    placement = geocode(
        lat, lon, out.get(spec.zip_field, empty), out.get(spec.city_field, empty),
        out.get(spec.state_field, empty),
    )  # fmt: skip
    out["lat"], out["lon"], out["geocode"] = placement.lat, placement.lon, placement.method
    kept_methods = placement.method[keep]
    report.geocoded = {
        m: int((kept_methods == m).sum()) for m in ("exact", "zip", "city", "unplaced")
    }


def read_records(
    path: str | Path,
    spec: ImportSpec,
    *,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    fix_swapped: bool = True,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ParsedTable:
    """Read, map, validate and geocode a file of accounts or reps.

    Parameters
    ----------
    path
        The CSV or XLSX file.
    spec
        What is imported.
    columns
        The user's field to header choices over the detected mapping; None: none.
    sheet, header_row
        For workbooks and files with rows above the header (None: found by reading).
    fix_swapped
        Swap latitude and longitude back where they look exchanged.
    progress, cancel
        The task contract (`territory_planner.tasks`).

    Returns
    -------
    ParsedTable
        The rows kept and the report, with how the file was read (`file_details`).
    """
    cancel = cancel or CancelToken()
    raw = read_table(
        path, sheet=sheet, header_row=header_row,
        progress=lambda f, m="": progress(0.6 * f, m), cancel=cancel,
    )  # fmt: skip
    cancel.raise_if_cancelled()
    progress(0.65, "Checking rows")
    mapping = resolve_mapping(raw, spec, columns)
    parsed = parse_rows(raw, spec, mapping, fix_swapped=fix_swapped)
    cancel.raise_if_cancelled()
    parsed.report.details.update(file_details(raw))
    progress(1.0, f"{parsed.report.imported:,} {spec.noun}s ready")
    return parsed


def file_details(raw: RawTable) -> dict[str, Any]:
    """How the file was read (the report's ``encoding``, ``delimiter``, ``sheet``... keys).

    Parameters
    ----------
    raw
        The file's cells as read.

    Returns
    -------
    dict[str, Any]
        ``encoding``, ``delimiter``, ``sheet``, ``sheets`` and ``header_row``.
    """
    return {
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "sheet": raw.sheet,
        "sheets": raw.sheets,
        "header_row": raw.header_row,
    }


def write_report_csv(report: ImportReport, path: str | Path) -> int:
    """Write the rejected rows and warnings as CSV (for fixing the source file); returns rows.

    Like every export: text from the file that a spreadsheet would run as a
    formula (a header such as ``=Revenue``) is neutralised, and a file that
    cannot be written raises `InputError`, leaving an existing one as it was.

    Parameters
    ----------
    report
        The import's report.
    path
        The CSV file to write.

    Returns
    -------
    int
        The number of rows written (rejections and warnings).
    """
    from territory_planner.io.export import (  # noqa: PLC0415
        CSV_LINE_END,
        neutralise_formula,
        write_atomic,
    )

    frame = report.problems().map(neutralise_formula)
    write_atomic(
        Path(path),
        lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator=CSV_LINE_END),
    )
    return len(frame)
