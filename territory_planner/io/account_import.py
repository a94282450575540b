"""Import accounts from a CRM export, and merge a newer export into a project."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territory_planner.geo.geocode import fill_from_zip, state_codes
from territory_planner.io.fields import ACCOUNT_FIELDS
from territory_planner.io.records_import import ImportReport, ImportSpec, read_records
from territory_planner.model import ACCOUNT_COLUMNS, conform
from territory_planner.tasks import CancelToken, Progress, no_progress

ACCOUNT_SPEC = ImportSpec(
    noun="account",
    fields=ACCOUNT_FIELDS,
    id_field="account_id",
    name_field="name",
    zip_field="zip",
    city_field="city",
    state_field="state",
    id_prefix="ROW",
    model_columns=frozenset(ACCOUNT_COLUMNS) | {"crm_rep", "crm_territory", "territory", "rep"},
)

#: Imported CRM columns kept as attributes (assignment decides the territory).
CRM_COLUMNS = {"rep": "crm_rep", "territory": "crm_territory"}
#: Fields the user sets in the app, which a newer CRM export must not overwrite.
PLACEMENT = ["lon", "lat", "geocode"]


@dataclass
class AccountImport:
    """Accounts ready to add to a project, and the report of how each row went."""

    accounts: pd.DataFrame
    report: ImportReport


def normalise_states(values: pd.Series) -> pd.Series:
    """State names and codes in any case -> two-letter codes (others kept as written).

    Parameters
    ----------
    values
        The state cells.

    Returns
    -------
    pandas.Series
        The two-letter code where the cell is a known state name or code, else the cell.
    """
    codes = state_codes()
    upper = values.astype(str).str.strip().str.upper()
    return values.where(~upper.isin(codes), upper.map(codes))


def read_accounts(
    path: str | Path,
    *,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    fix_swapped: bool = True,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> AccountImport:
    """Read a CRM export of accounts (CSV or XLSX), validated and geocoded.

    Parameters
    ----------
    path
        The file.
    columns
        ``{field: header}`` choices that override the detected mapping.
    sheet, header_row
        For workbooks and files with rows above the header.
    fix_swapped
        Swap latitude and longitude back where they look exchanged.
    progress, cancel
        The task contract.

    Returns
    -------
    AccountImport
        The accounts (project columns, without territory) and the import report
        (rejected rows, warnings, geocoding counts).
    """
    parsed = read_records(
        path, ACCOUNT_SPEC, columns=columns, sheet=sheet, header_row=header_row,
        fix_swapped=fix_swapped, progress=progress, cancel=cancel,
    )  # fmt: skip
    frame = parsed.frame.rename(columns=CRM_COLUMNS)
    if "state" in frame:
        frame["state"] = normalise_states(frame["state"])
    if "zip" in frame:  # an account placed by its ZIP alone gets that ZIP's city and state
        blank = pd.Series(None, index=frame.index, dtype=object)
        frame["city"], frame["state"] = fill_from_zip(
            frame.get("city", blank), frame.get("state", blank), frame["zip"]
        )
    if "employees" in frame:
        frame["employees"] = frame["employees"].round()
    frame["territory_id"] = None
    return AccountImport(conform(frame, ACCOUNT_COLUMNS), parsed.report)


def _as_text(frame: pd.DataFrame) -> np.ndarray:
    """Cells as text for comparing, a missing value as "" (NaN never equals NaN)."""
    return frame.astype(object).where(frame.notna(), "").astype(str).to_numpy()


def imported_columns(report: ImportReport) -> list[str]:
    """The account columns a file provided (what a re-import may overwrite).

    Parameters
    ----------
    report
        The file's import report (its column mapping and custom columns).

    Returns
    -------
    list[str]
        The mapped columns as account columns, the custom columns, and the placement columns.
    """
    names = [CRM_COLUMNS.get(f, f) for f in report.mapping]
    return [*names, *report.custom_columns, *PLACEMENT]


def merge_accounts(
    existing: pd.DataFrame,
    imported: pd.DataFrame,
    columns: list[str],
    *,
    remove_missing: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Update a project's accounts from a newer export, matching by account ID.

    New IDs are added. Known IDs take the export's values for the `columns`
    the file provided, and keep everything else, including what the user
    set in the app: a manual position, the territory and the lock. IDs
    missing from the export stay (and are counted) unless `remove_missing`.

    Parameters
    ----------
    existing
        The project's accounts.
    imported
        The accounts read from the file.
    columns
        The columns the file provided (`imported_columns`).
    remove_missing
        Drop the accounts the file does not list.

    Returns
    -------
    (accounts, summary)
        The merged table and ``{"added", "changed", "removed", "not_in_file"}``
        counts, with the changed and missing IDs (first 1,000).
    """
    if existing.empty:
        return imported.copy(), {
            "added": len(imported),
            "changed": 0,
            "removed": 0,
            "not_in_file": 0,
        }
    old = existing.set_index("account_id", drop=False)
    new = imported.set_index("account_id", drop=False)
    both = new.index.intersection(old.index)
    added = new.index.difference(old.index)
    missing = old.index.difference(new.index)

    updated = old.loc[both].copy()
    for column in columns:
        if column not in updated.columns:
            updated[column] = pd.Series(dtype=new[column].dtype)
        updated[column] = new.loc[both, column]
    manual = both[(old.loc[both, "geocode"] == "manual").to_numpy()]
    updated.loc[manual, PLACEMENT] = old.loc[manual, PLACEMENT]
    compare = [c for c in columns if c in old.columns]
    before = _as_text(old.loc[both, compare])
    after = _as_text(updated[compare])
    changed = both[(before != after).any(axis=1)]

    kept = old.loc[missing] if not remove_missing else old.iloc[:0]
    position = {account_id: i for i, account_id in enumerate(old.index)}
    updated = updated.iloc[np.argsort([position[i] for i in updated.index], kind="stable")]
    result = pd.concat([updated, kept, new.loc[added]], ignore_index=True)
    summary = {
        "added": len(added),
        "changed": len(changed),
        "removed": len(missing) if remove_missing else 0,
        "not_in_file": len(missing),
        "changed_ids": [str(i) for i in changed[:1000]],
        "missing_ids": [str(i) for i in missing[:1000]],
    }
    return conform(result, ACCOUNT_COLUMNS), summary
