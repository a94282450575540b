"""Any table (alerts, upsell list, whitespace) written as CSV or Excel, chosen by the suffix."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from territory_planner._errors import InputError
from territory_planner.io.export import neutralise_formula, write_atomic, write_table_xlsx

TABLE_SUFFIXES = (".csv", ".xlsx")


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], sheet_name: str) -> int:
    """Write `frame` as CSV (UTF-8) or a formatted Excel sheet, by the file's suffix.

    Text a spreadsheet would run as a formula is neutralised, and the file
    is written atomically. Returns the row count.

    Parameters
    ----------
    frame
        The table.
    path
        The file to write, ending in .csv or .xlsx.
    sheet_name
        The sheet's name in a workbook.

    Returns
    -------
    int
        The number of rows written.

    Raises
    ------
    InputError
        For a suffix other than .csv or .xlsx, or a file that cannot be written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        return write_table_xlsx(frame, target, sheet_name)
    if suffix != ".csv":
        msg = "give the file a .csv or .xlsx ending"
        raise InputError(msg, file=str(target))
    safe = frame.map(neutralise_formula).rename(columns=lambda c: neutralise_formula(str(c)))
    # RFC 4180 line ends: Python's writer then also quotes a cell holding a lone carriage
    # return, which a spreadsheet would read as a new row (see `io.export`)
    write_atomic(
        target,
        lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n"),
    )
    return len(frame)
