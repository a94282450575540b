"""What a user asks for, as the edit that does it: the same for the window and the command line.

Each operation reads the project, does the work (merging an import, placing
accounts) and returns an edit for `Session.apply` with what it found; it does
not change the project itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from territory_planner.edits import Batch, ChangeSettings, Edit, ReplaceTable
from territory_planner.formats import plural
from territory_planner.io.account_import import AccountImport, imported_columns, merge_accounts
from territory_planner.io.actuals_import import ActualsImport, actuals_after_import
from territory_planner.io.records_import import ImportReport
from territory_planner.io.rep_import import merge_reps, provided_columns
from territory_planner.model import Project
from territory_planner.plan.rules import Reassignment, reassign


@dataclass(frozen=True)
class Operation:
    """An edit to apply, and what the operation found on the way (counts for the report)."""

    edit: Edit
    summary: dict[str, Any] = field(default_factory=dict)


def place_new_accounts(project: Project, accounts: pd.DataFrame) -> pd.DataFrame:
    """`accounts` with those in no territory (and not locked) placed as Assign places any account.

    Rules first, then geography, then the parent policy (`rules.reassign`),
    with ``placed_by`` saying which; every other account keeps its territory.
    """
    known = set(project.territories["territory_id"])
    todo = (~accounts["territory_id"].isin(known) & ~accounts["locked"].astype(bool)).to_numpy()
    if not todo.any() or project.territories.empty:
        return accounts
    placed = reassign(replace(project, accounts=accounts)).accounts
    out = accounts.copy()
    for column in ("territory_id", "placed_by"):
        values = out[column].to_numpy(dtype=object, copy=True)
        values[todo] = placed[column].to_numpy(dtype=object)[todo]
        out[column] = pd.Series(values, index=out.index, dtype="str")
    return out


def accounts_after_import(
    project: Project, result: AccountImport, *, remove_missing: bool = False
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The project's accounts with an import merged in and the new accounts placed.

    Returns the accounts and the merge's counts (added, changed, not in the file...).
    """
    merged, summary = merge_accounts(
        project.accounts,
        result.accounts,
        imported_columns(result.report),
        remove_missing=remove_missing,
    )
    return place_new_accounts(project, merged), summary


def import_accounts(
    project: Project, result: AccountImport, source: str, *, remove_missing: bool = False
) -> Operation:
    """Merge accounts read from the file named `source`; new ones are placed by the rules."""
    merged, summary = accounts_after_import(project, result, remove_missing=remove_missing)
    text = f"Imported {source}: {summary['added']:,} accounts added, {summary['changed']:,} updated"
    return Operation(ReplaceTable(project, "accounts", merged, text), summary)


def import_reps(
    project: Project, reps: pd.DataFrame, report: ImportReport, source: str
) -> Operation:
    """Merge reps read from `source` (a column the file lacks leaves the field as it is)."""
    merged, added, updated = merge_reps(project.reps, reps, provided_columns(report))
    text = f"Imported {source}: {plural(added, 'rep')} added, {updated} updated"
    edit = ReplaceTable(project, "reps", merged, text)
    return Operation(edit, {"added": added, "updated": updated})


def import_actuals(project: Project, result: ActualsImport, source: str) -> Operation:
    """Merge monthly actuals read from `source`."""
    actuals, summary = actuals_after_import(project, result)
    given = [c for c in result.columns if c in actuals.columns]
    text = (
        f"Imported {source}: {plural(len(result.actuals), 'account-period')} of "
        f"{', '.join(given)} ({summary['project_rows']:,} in the project)"
    )
    return Operation(ReplaceTable(project, "actuals", actuals, text), summary)


def assignment(
    project: Project,
    result: Reassignment,
    description: str = "Assigned accounts",
    settings: dict[str, str] | None = None,
) -> Edit:
    """The accounts placed as `result` says, with the `settings` that made it, as one step."""
    text = f"{description} ({result.describe()})"
    table = ReplaceTable(project, "accounts", result.accounts, text)
    if not settings:
        return table
    return Batch([ChangeSettings(project, settings, description), table], text)


def assign(
    project: Project, settings: dict[str, str] | None = None, description: str = "Assigned accounts"
) -> tuple[Edit, Reassignment]:
    """Place every unlocked account by the rules, geography and parent policy.

    `settings` (rules, parent policy, tolerance) are stored with it and used
    for it; the edit and the reassignment it applies are returned.
    """
    view = project
    if settings:
        view = replace(project, settings={**project.settings, **settings})
    result = reassign(view)
    return assignment(project, result, description, settings), result
