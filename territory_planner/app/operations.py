"""What a user asks for, as the edit that does it: the same for the window and the command line.

Each operation reads the project, does the work (merging an import, placing
accounts) and returns an edit for `Session.apply` with what it found; it does
not change the project itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from territory_planner.analysis.metrics import QuotaPlan
from territory_planner.edits import Batch, ChangeSettings, Edit, ReplaceTable
from territory_planner.formats import money, plural
from territory_planner.io.account_import import AccountImport, imported_columns, merge_accounts
from territory_planner.io.actuals_import import ActualsImport, actuals_after_import
from territory_planner.io.records_import import ImportReport
from territory_planner.io.rep_import import merge_reps, provided_columns
from territory_planner.model import Project
from territory_planner.plan.rules import Reassignment, reassign
from territory_planner.settings import setting_entries
from territory_planner.tasks import CancelToken


@dataclass(frozen=True)
class Operation:
    """An edit to apply, and what the operation found on the way (counts for the report)."""

    edit: Edit
    summary: dict[str, Any] = field(default_factory=dict)


def raise_if_cancelled(cancel: CancelToken | None) -> None:
    """Raise `TaskCancelledError` if `cancel` was set (an operation checks before it starts).

    Parameters
    ----------
    cancel
        The operation's cancel token; None: never cancelled.
    """
    if cancel is not None:
        cancel.raise_if_cancelled()


def place_new_accounts(project: Project, accounts: pd.DataFrame) -> pd.DataFrame:
    """`accounts` with those in no territory (and not locked) placed as Assign places any account.

    Rules first, then geography, then the parent policy (`rules.reassign`),
    with ``placed_by`` saying which; every other account keeps its territory.

    Parameters
    ----------
    project
        The project (its territories, rules and settings).
    accounts
        The accounts table to place, e.g. the project's accounts with an import merged in.

    Returns
    -------
    pandas.DataFrame
        A copy with ``territory_id`` and ``placed_by`` set for the accounts placed;
        `accounts` itself when none needs placing or the project has no territories.
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

    Parameters
    ----------
    project
        The project the accounts are imported into.
    result
        The import read from the file (its accounts and report of the columns given).
    remove_missing
        Drop the project's accounts the file does not list (else they stay and are counted).

    Returns
    -------
    tuple[pandas.DataFrame, dict[str, Any]]
        The accounts table after the import, and the merge's counts.
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
    """Merge accounts read from the file named `source`; new ones are placed by the rules.

    Parameters
    ----------
    project
        The project the accounts are imported into.
    result
        The import read from the file.
    source
        The file's name, for the change log ("Imported accounts.csv: ...").
    remove_missing
        Drop the project's accounts the file does not list.

    Returns
    -------
    Operation
        The edit replacing the accounts table, and the merge's counts (``added``, ``changed``, ...).
    """
    merged, summary = accounts_after_import(project, result, remove_missing=remove_missing)
    text = f"Imported {source}: {summary['added']:,} accounts added, {summary['changed']:,} updated"
    return Operation(ReplaceTable(project, "accounts", merged, text), summary)


def import_reps(
    project: Project, reps: pd.DataFrame, report: ImportReport, source: str
) -> Operation:
    """Merge reps read from `source` (a column the file lacks leaves the field as it is).

    Parameters
    ----------
    project
        The project the reps are imported into.
    reps
        The reps read from the file.
    report
        The file's import report (which columns it provided).
    source
        The file's name, for the change log.

    Returns
    -------
    Operation
        The edit replacing the reps table, and the counts ``added`` and ``updated``.
    """
    merged, added, updated = merge_reps(project.reps, reps, provided_columns(report))
    text = f"Imported {source}: {plural(added, 'rep')} added, {updated} updated"
    edit = ReplaceTable(project, "reps", merged, text)
    return Operation(edit, {"added": added, "updated": updated})


def import_actuals(project: Project, result: ActualsImport, source: str) -> Operation:
    """Merge monthly actuals read from `source`.

    Parameters
    ----------
    project
        The project the actuals are imported into.
    result
        The actuals read from the file (and the columns it gave).
    source
        The file's name, for the change log.

    Returns
    -------
    Operation
        The edit replacing the actuals table, and the merge's counts (``project_rows``, ...).
    """
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
    """The accounts placed as `result` says, with the `settings` that made it, as one step.

    Parameters
    ----------
    project
        The project to change.
    result
        The reassignment to apply (its accounts table and what moved).
    description
        The change log's words for it; the reassignment's counts are added in brackets.
    settings
        Settings to store with it (rules, parent policy, tolerance); None or empty: none.

    Returns
    -------
    Edit
        One undoable edit: the accounts table replaced, and the settings changed if given.
    """
    text = f"{description} ({result.describe()})"
    table = ReplaceTable(project, "accounts", result.accounts, text)
    if not settings:
        return table
    return Batch([ChangeSettings(project, settings, description), table], text)


def assign(
    project: Project,
    settings: dict[str, str] | None = None,
    description: str = "Assigned accounts",
    *,
    cancel: CancelToken | None = None,
) -> tuple[Edit, Reassignment]:
    """Place every unlocked account by the rules, geography and parent policy.

    `settings` (rules, parent policy, tolerance) are stored with it and used
    for it; the edit and the reassignment it applies are returned.

    Parameters
    ----------
    project
        The project to assign (not changed: apply the edit for that).
    settings
        Settings to use and store with the assignment, over the project's own; None: as they are.
    description
        The change log's words for it.
    cancel
        Checked between the rules and the steps of the assignment.

    Returns
    -------
    tuple[Edit, Reassignment]
        The undoable edit, and the reassignment it applies.
    """
    view = project
    if settings:
        view = replace(project, settings={**project.settings, **settings})
    result = reassign(view, cancel=cancel)
    return assignment(project, result, description, settings), result


def set_quotas(project: Project, plan: QuotaPlan) -> Operation:
    """Keep `plan` as the project's quota plan (quotas typed by hand stay as they are).

    Parameters
    ----------
    project
        The project whose quota plan it becomes.
    plan
        The team target (None: last year's sales grown) and how it is shared.

    Returns
    -------
    Operation
        The edit changing the quota settings, and the team target it comes to (``target``).
    """
    target = plan.target(project.accounts)
    text = (
        f"Quotas: team target {money(target)}, split {plan.potential_weight:.0%} by potential, "
        f"{1 - plan.potential_weight:.0%} by last year's sales"
    )
    return Operation(ChangeSettings(project, plan.as_settings(), text), {"target": target})


def set_balance_band(project: Project, tolerance: float) -> Operation:
    """Make ±`tolerance` the band around the mean in which a territory counts as balanced.

    Parameters
    ----------
    project
        The project.
    tolerance
        The band as a fraction of the mean (0.05: ±5%).

    Returns
    -------
    Operation
        The edit changing the ``balance_tolerance`` setting.
    """
    text = f"Balance band set to ±{tolerance:.1%}"
    return Operation(ChangeSettings(project, setting_entries(balance_tolerance=tolerance), text))
