"""Import actuals: sales and activities (calls, meetings, emails) per account and period.

A file (CSV or XLSX, read like an accounts file, with the same column
mapping) has one row per account and period; the period is a month
("2026-03", "Mar 2026", "03/2026"), a calendar quarter ("2026Q1", "Q1 2026")
or a date, which counts for its month. Rows of the same account and period
(one line per invoice, say) are added up.

A row is rejected, with its row number, column and what to do, when the
account ID is missing or not in the project, the period is missing or not a
period, a figure is not a number, is negative, or (for activities) is not a
whole number, or when it has no figure at all. Nothing is half-imported: a
rejected row adds nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.formats import agree, plural
from territory_planner.io.fields import ACTUAL_FIELDS, MAX_WHOLE, parse_date, parse_series
from territory_planner.io.records_import import (
    ImportReport,
    ImportSpec,
    file_details,
    resolve_mapping,
    screen_rows,
)
from territory_planner.io.table_reader import read_table
from territory_planner.model import (
    ACTUAL_COLUMNS,
    Project,
    conform,
    empty_actuals,
    period_bounds,
)
from territory_planner.settings import ACTIVITIES
from territory_planner.tasks import CancelToken, Progress, no_progress

ACTUALS_SPEC = ImportSpec(
    noun="actuals",
    fields=ACTUAL_FIELDS,
    id_field="account_id",
    name_field="account_id",  # the one column every row needs
    zip_field="",
    city_field="",
    state_field="",
    id_prefix="",
    name_label="account ID",
)
#: The figures a row may carry; at least one must be mapped to a column.
FIGURES = ("sales", *ACTIVITIES)
KEY = ["account_id", "period"]
PERIOD_EXAMPLES = "a month such as 2026-03, a quarter such as 2026Q1, or a date such as 2026-03-15"
YEARS = (1900, 2100)  # a period outside these years is a typo

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_QUARTER_FIRST = re.compile(r"(?:fy)?(\d{4}|\d{2})\s*[-/ ]?\s*q([1-4])")  # 2026Q1, 2026-Q1
_QUARTER_LAST = re.compile(r"q([1-4])\s*[-/ ]?\s*(?:fy)?(\d{4}|\d{2})")  # Q1 2026, Q1-26
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})")  # 2026-03, 2026/3
_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})")  # 03/2026, 3-2026
_COMPACT = re.compile(r"(\d{4})(\d{2})")  # 202603
_NAMED_MONTH = re.compile(r"([a-z]+)\.?\s*[-/ ]?\s*(\d{4}|\d{2})")  # Mar 2026, March-26
_YEAR_NAMED = re.compile(r"(\d{4})\s*[-/ ]?\s*([a-z]+)\.?")  # 2026 Mar


@dataclass
class ActualsImport:
    """Actuals ready to merge into a project (`ACTUAL_COLUMNS`), and the report."""

    actuals: pd.DataFrame
    report: ImportReport
    columns: list[str]  # the figures the file provided (what a merge may overwrite)


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year  # noqa: PLR2004 ("26" is 2026)


def _month(year: int, month: int) -> str | None:
    if 1 <= month <= 12 and YEARS[0] <= year <= YEARS[1]:  # noqa: PLR2004
        return f"{year:04d}-{month:02d}"
    return None


def _quarter(year: int, quarter: int) -> str | None:
    return f"{year:04d}Q{quarter}" if YEARS[0] <= year <= YEARS[1] else None


#: The written forms of a period, each with how it becomes "2026-03" or "2026Q1".
_PERIOD_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...] = (
    (_QUARTER_FIRST, lambda m: _quarter(_year(m[1]), int(m[2]))),
    (_QUARTER_LAST, lambda m: _quarter(_year(m[2]), int(m[1]))),
    (_YEAR_MONTH, lambda m: _month(int(m[1]), int(m[2]))),
    (_MONTH_YEAR, lambda m: _month(int(m[2]), int(m[1]))),
    (_COMPACT, lambda m: _month(int(m[1]), int(m[2]))),
    (_NAMED_MONTH, lambda m: _month(_year(m[2]), _MONTHS[m[1]]) if m[1] in _MONTHS else None),
    (_YEAR_NAMED, lambda m: _month(int(m[1]), _MONTHS[m[2]]) if m[2] in _MONTHS else None),
)


def parse_period(text: str) -> str | None:
    """The period a cell names: "2026-03" for a month, "2026Q1" for a quarter.

    Reads months ("2026-03", "2026/3", "03/2026", "202603", "Mar 2026",
    "March-26", "2026 Mar"), quarters ("2026Q1", "2026-Q1", "Q1 2026",
    "Q1-26", "FY2026 Q1") and dates ("2026-03-15", "3/15/2026",
    "15.03.2026", an Excel serial number), which give their month.

    Parameters
    ----------
    text
        The cell's text (surrounding spaces ignored).

    Returns
    -------
    str or None
        The period; "" for an empty cell; None when the text is not a period.
    """
    s = " ".join(text.strip().lower().split())
    if not s:
        return ""
    for pattern, build in _PERIOD_FORMS:
        if m := pattern.fullmatch(s):
            return build(m)
    date = parse_date(text)
    if date is None:
        try:  # "2026-03-15T00:00:00" and other ISO forms
            date = dt.datetime.fromisoformat(text.strip()).date().isoformat()
        except ValueError:
            return None
    return _month(int(date[:4]), int(date[5:7]))


def _zero_hints(unknown: Iterable[str], known: set[str]) -> dict[str, str]:
    """A "did you mean" for unknown IDs that lost their leading zeros in a spreadsheet."""
    digits = {str(u).lstrip("0") for u in unknown if str(u).isdigit()}
    matches: dict[str, list[str]] = {}
    for k in known:
        if k.isdigit() and k.lstrip("0") in digits:
            matches.setdefault(k.lstrip("0"), []).append(k)
    return {
        bare: (
            f" (the project has '{ids[0]}': a spreadsheet may have dropped the leading "
            "zeros; format the column as text)"
        )
        for bare, ids in matches.items()
        if len(ids) == 1
    }


def read_actuals(
    path: str | Path,
    account_ids: Iterable[str],
    *,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ActualsImport:
    """Read a file of actuals (CSV or XLSX), validated against the project's accounts.

    Parameters
    ----------
    path
        The file.
    account_ids
        The IDs of the project's accounts; rows for other IDs are rejected.
    columns
        ``{field: header}`` choices that override the detected mapping
        (fields: ``account_id period sales calls meetings emails``).
    sheet, header_row
        For workbooks and files with rows above the header.
    progress, cancel
        The task contract.

    Returns
    -------
    ActualsImport
        One row per account and period (rows of the same pair added up),
        and the report of every file row.

    Raises
    ------
    InputError
        For a file that cannot be read, or that has no account ID, period
        or figure column.
    """
    cancel = cancel or CancelToken()
    raw = read_table(
        path, sheet=sheet, header_row=header_row,
        progress=lambda f, m="": progress(0.7 * f, m), cancel=cancel,
    )  # fmt: skip
    cancel.raise_if_cancelled()
    progress(0.75, "Checking rows")
    mapping = resolve_mapping(raw, ACTUALS_SPEC, columns)
    headers = ", ".join(raw.frame.columns)
    if "period" not in mapping:
        msg = (
            f"no column holds the period ({PERIOD_EXAMPLES}); name it with "
            f"--column period=HEADER (the columns are: {headers})"
        )
        raise InputError(msg, file=raw.source)
    figures = [f for f in FIGURES if f in mapping]
    if not figures:
        msg = (
            "no column holds sales, calls, meetings or emails; name one with "
            f"--column sales=HEADER (the columns are: {headers})"
        )
        raise InputError(msg, file=raw.source)

    report = ImportReport(
        source=raw.source, rows=len(raw.frame) + len(raw.ragged), mapping=dict(mapping)
    )
    rows, keep = screen_rows(raw, report)
    frame = raw.frame

    id_header = mapping["account_id"]
    ids = frame[id_header].astype(str).str.strip().to_numpy(dtype=object)
    for i in np.flatnonzero(keep & (ids == "")):
        report.reject(int(rows[i]), "missing account ID; fill in the account's ID", id_header)
        keep[i] = False
    known = set(map(str, account_ids))
    unknown = keep & ~pd.Series(ids).isin(known).to_numpy()
    hints = _zero_hints(ids[unknown], known)
    for i in np.flatnonzero(unknown):
        hint = hints.get(ids[i].lstrip("0"), "") if ids[i].isdigit() else ""
        report.reject(
            int(rows[i]),
            f"account '{ids[i]}' is not in the project{hint}; "
            "correct the ID, or import the account first (territory-planner import)",
            id_header,
        )
    keep &= ~unknown

    period_header = mapping["period"]
    period_text = frame[period_header].astype(str)
    lookup = {t: parse_period(t) for t in pd.unique(period_text)}
    periods = period_text.map(lookup).to_numpy(dtype=object)
    for i in np.flatnonzero(keep & (periods == "")):
        report.reject(int(rows[i]), f"missing period; give {PERIOD_EXAMPLES}", period_header)
        keep[i] = False
    for i in np.flatnonzero(keep & pd.isna(periods)):
        report.reject(
            int(rows[i]),
            f"'{period_text.iloc[i].strip()}' is not a period; give {PERIOD_EXAMPLES}",
            period_header,
        )
        keep[i] = False

    out = pd.DataFrame({"account_id": ids, "period": periods})
    for name in figures:
        out[name] = _figure(frame[mapping[name]], name, rows, keep, report)
    blank = keep & out[figures].isna().all(axis=1).to_numpy()
    for i in np.flatnonzero(blank):
        wanted = ", ".join(mapping[f] for f in figures)
        report.reject(
            int(rows[i]),
            f"no figure in this row; fill in {wanted}, or remove the row",
        )
    keep &= ~blank

    kept = out[keep]
    report.imported = len(kept)
    actuals = _combine(kept, figures)
    combined = len(kept) - len(actuals)
    if combined:
        report.warn(
            0,
            None,
            f"{combined} {'row repeats' if combined == 1 else 'rows repeat'} an account and "
            "period of an earlier row; the figures were added up (as for one line per invoice)",
        )
    report.details.update(
        {
            **file_details(raw),
            "accounts": int(actuals["account_id"].nunique()),
            "periods": sorted_periods(actuals["period"]),
            "combined_rows": combined,
        }
    )
    progress(1.0, f"{plural(report.imported, 'row')} ready")
    return ActualsImport(actuals, report, figures)


_DECIMAL_COMMA = re.compile(r"\d,\d{1,2}\s*\D*$|\.\d{3},\d+")  # "12,5", "1.234,50"
_DECIMAL_POINT = re.compile(r"\d\.\d{1,2}\s*\D*$|,\d{3}\.\d+")  # "12.5", "1,234.50"
_DOT_GROUPS = re.compile(r"(-?)(\d{1,3}(?:\.\d{3})+)")  # "12.000", "1.234.567"


def _dot_thousands(cells: pd.Series) -> pd.Series:
    """Cells such as "12.000" as 12000 when the column writes decimals with a comma.

    Alone, "12.000" reads as twelve; in a column that also holds "1.234,50"
    (and no "12.5"), the dot groups thousands.
    """
    text = cells.astype(str).str.strip()
    comma = text.str.contains(_DECIMAL_COMMA).any()
    if not comma or text.str.contains(_DECIMAL_POINT).any():
        return cells
    grouped = text.str.fullmatch(_DOT_GROUPS)
    return text.where(~grouped, text.str.replace(".", "", regex=False))  # keeps the name


def _figure(
    cells: pd.Series, name: str, rows: np.ndarray, keep: np.ndarray, report: ImportReport
) -> pd.Series:
    """Parse one figure column; reject (and drop from `keep`) rows whose cell is wrong."""
    header = str(cells.name)
    activity = name in ACTIVITIES
    values, bad = parse_series(_dot_thousands(cells), "number")
    number = values.to_numpy(dtype=float, na_value=np.nan)
    text = cells.astype(str).str.strip().to_numpy(dtype=object)
    what = f"number of {name}" if activity else name
    for i in np.flatnonzero(keep & bad):
        report.reject(
            int(rows[i]),
            f"'{text[i]}' is not a number; give the {what} as a number such as "
            f"{'12' if activity else '1234.50'}, or leave the cell empty",
            header,
        )
    keep &= ~bad
    huge = keep & (np.abs(number) > MAX_WHOLE)  # sums of such would overflow
    for i in np.flatnonzero(huge):
        report.reject(int(rows[i]), f"'{text[i]}' {what} is more than 10^15", header)
    keep &= ~huge
    negative = keep & (number < 0)
    for i in np.flatnonzero(negative):
        advice = (
            "net returns and credit notes into the period's sales"
            if not activity
            else "count what was done"
        )
        report.reject(int(rows[i]), f"{what} cannot be negative ('{text[i]}'); {advice}", header)
    keep &= ~negative
    if activity:
        fraction = keep & np.isfinite(number) & (number != np.round(number))
        for i in np.flatnonzero(fraction):
            report.reject(int(rows[i]), f"'{text[i]}' is not a whole number of {name}", header)
        keep &= ~fraction

    return pd.Series(number, index=cells.index)


def _combine(kept: pd.DataFrame, figures: list[str]) -> pd.DataFrame:
    """One row per account and period: rows of the same pair added up."""
    if kept.empty:
        return empty_actuals()
    summed = kept.groupby(KEY, sort=True)[figures].sum(min_count=1).reset_index()
    return conform(summed, ACTUAL_COLUMNS)


def sorted_periods(periods: pd.Series) -> list[str]:
    """The distinct periods in time order (a quarter before the months it holds).

    Parameters
    ----------
    periods
        Period keys ("2026-03", "2026Q1"); missing and unreadable ones are left out.

    Returns
    -------
    list[str]
        Each period once, earliest first.
    """
    order = {}
    for period in pd.unique(periods.dropna()):
        try:
            first, last = period_bounds(str(period))
        except ValueError:
            continue
        order[str(period)] = (first, -last.toordinal())
    return sorted(order, key=order.__getitem__)


def merge_actuals(
    existing: pd.DataFrame, imported: pd.DataFrame, columns: list[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The project's actuals updated from an import, by account and period.

    New pairs are added; for pairs already there, the figures in `columns`
    that the import gives (not empty) replace the old ones and the rest are
    kept, so a file of calls only leaves the sales alone.

    Parameters
    ----------
    existing
        The project's actuals.
    imported
        The actuals read from the file.
    columns
        The figure columns the file gives.

    Returns
    -------
    (actuals, summary)
        The merged table and ``{"added", "updated"}`` (pairs).
    """
    old = conform(existing, ACTUAL_COLUMNS).set_index(KEY)
    new = conform(imported, ACTUAL_COLUMNS).set_index(KEY)[columns]
    updated = new.index.intersection(old.index)
    if old.empty:
        merged = new
    else:
        merged = new.astype("float64").combine_first(old[list(FIGURES)].astype("float64"))
    result = conform(merged.reset_index(), ACTUAL_COLUMNS)
    return result.sort_values(KEY, kind="stable").reset_index(drop=True), {
        "added": len(new) - len(updated),
        "updated": len(updated),
    }


def overlapping_periods(actuals: pd.DataFrame) -> list[tuple[str, str, list[str]]]:
    """Accounts with figures for a quarter and for months inside it (counted twice).

    Parameters
    ----------
    actuals
        The actuals (``account_id``, ``period``).

    Returns
    -------
    list[tuple[str, str, list[str]]]
        ``(account_id, quarter, months)`` for each such overlap.
    """
    periods = actuals["period"].astype(str)
    quarters = actuals[periods.str.contains("Q", regex=False)]
    if quarters.empty:
        return []
    months = actuals[periods.str.fullmatch(r"\d{4}-\d{2}")]
    by_account = months.groupby("account_id")["period"].apply(set).to_dict()
    found = []
    for account_id, quarter in zip(quarters["account_id"], quarters["period"], strict=True):
        first, _ = period_bounds(quarter)
        inside = {f"{first.year}-{first.month + k:02d}" for k in range(3)}
        overlap = sorted(inside & by_account.get(account_id, set()))
        if overlap:
            found.append((str(account_id), str(quarter), overlap))
    return found


def actuals_after_import(
    project: Project, result: ActualsImport
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The project's actuals with an import merged in (see `merge_actuals`).

    Adds a warning to the report when an account now has figures for both a
    quarter and months of it, which would count its sales twice.

    Parameters
    ----------
    project
        The project (its actuals).
    result
        The actuals read from the file, with its report (warned in place).

    Returns
    -------
    tuple[pandas.DataFrame, dict[str, Any]]
        The merged actuals, and the merge's counts plus ``project_rows`` (rows after it).
    """
    merged, summary = merge_actuals(project.actuals, result.actuals, result.columns)
    overlaps = overlapping_periods(merged)
    if overlaps:
        account_id, quarter, months = overlaps[0]
        result.report.warn(
            0,
            None,
            f"{plural(len(overlaps), 'account quarter')} also "
            f"{agree(len(overlaps), 'has', 'have')} monthly figures (e.g. account "
            f"'{account_id}': {quarter} and {', '.join(months)}), so their figures count "
            "twice; import either quarters or months for an account",
        )
    return merged, {**summary, "project_rows": len(merged)}
