"""Edits of whole tables, single rows and project settings: what the other edits build on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.edits.base import Changes, Edit
from territory_planner.model import Project


class ReplaceTable(Edit):
    """Swap a project's accounts, reps or actuals for a new table (an import); undo restores.

    Parameters
    ----------
    project
        The project; its current table is kept for undo.
    table
        "accounts", "reps" or "actuals".
    new
        The table to put in.
    description
        The step's text in the change log and the Undo menu.

    Raises
    ------
    ValueError
        For any other `table`.
    """

    def __init__(self, project: Project, table: str, new: pd.DataFrame, description: str) -> None:
        if table not in {"accounts", "reps", "actuals"}:
            msg = f"unknown table {table!r}"
            raise ValueError(msg)
        self.table = table
        self.old = getattr(project, table)
        self.new = new
        self.description = description

    @property
    def label(self) -> str:
        """Menu text."""
        return self.description

    def _set(self, project: Project, frame: pd.DataFrame, description: str) -> Changes:
        setattr(project, self.table, frame)
        ids = frozenset(frame["account_id"].tolist()) if self.table == "accounts" else frozenset()
        return Changes(
            description,
            assignments=True,
            territories=self.table == "reps",
            accounts=ids,
            shapes=False,
        )

    def apply(self, project: Project) -> Changes:
        """Put the new table in."""
        return self._set(project, self.new, self.description)

    def revert(self, project: Project) -> Changes:
        """Put the old table back."""
        return self._set(project, self.old, f"Undid: {self.description}")


#: Each table's ID column and what one row is called.
ROW_KEYS = {
    "accounts": ("account_id", "account"),
    "reps": ("rep_id", "rep"),
    "territories": ("territory_id", "territory"),
}


class SetCells(Edit):
    """Set some cells of one row of accounts, reps or territories (a panel edit, a placement).

    Parameters
    ----------
    project
        The project; the cells' current values are kept for undo.
    table
        "accounts", "reps" or "territories" (a key of `ROW_KEYS`).
    row_id
        The row's ID (account, rep or territory ID).
    values
        Column to its new value, already checked and converted.
    description
        The step's text in the change log and the Undo menu.

    Raises
    ------
    InputError
        When the table has no row with that ID.
    """

    def __init__(
        self, project: Project, table: str, row_id: str, values: dict[str, Any], description: str
    ) -> None:
        frame: pd.DataFrame = getattr(project, table)
        key, singular = ROW_KEYS[table]
        hits = np.flatnonzero(frame[key].to_numpy() == row_id)
        if len(hits) == 0:
            msg = f"there is no {singular} '{row_id}' in this project"
            raise InputError(msg)
        self.table, self.row_id, self.row = table, row_id, int(hits[0])
        self.new = values
        self.old = {c: frame[c].iloc[self.row] for c in values}
        self.description = description

    @property
    def label(self) -> str:
        """Menu text."""
        return self.description

    def _set(self, project: Project, values: dict[str, Any], description: str) -> Changes:
        frame: pd.DataFrame = getattr(project, self.table)
        label = frame.index[self.row]
        for column, value in values.items():
            frame.loc[label, column] = value
        accounts = frozenset([self.row_id]) if self.table == "accounts" else frozenset()
        return Changes(
            description,
            territories=self.table != "accounts",
            accounts=accounts,
            # an account's position or ZIP leaves it where it was (a rep's name or home
            # reads as a change of territories, which their KPIs follow)
            assignments=self.table == "reps" or "territory_id" in values,
            shapes="geometry" in values,
        )

    def apply(self, project: Project) -> Changes:
        """Write the new values."""
        return self._set(project, self.new, self.description)

    def revert(self, project: Project) -> Changes:
        """Write the old values back."""
        return self._set(project, self.old, f"Undid: {self.description}")


class ChangeSettings(Edit):
    """Change project settings (rules, quota plan, tolerance, parent policy) as one step.

    Parameters
    ----------
    project
        The project; the settings' current values are kept for undo (absent ones removed).
    values
        Setting key to its new text.
    description
        The step's text in the change log and the Undo menu.
    assignments
        Whether the change record should say accounts changed territory.
    """

    def __init__(
        self,
        project: Project,
        values: dict[str, str],
        description: str,
        *,
        assignments: bool = False,
    ) -> None:
        self.new = dict(values)
        self.old = {key: project.settings.get(key) for key in values}
        self.description = description
        self.assignments = assignments

    @property
    def label(self) -> str:
        """Menu text."""
        return self.description

    def _set(self, project: Project, values: dict[str, str | None], text: str) -> Changes:
        for key, value in values.items():
            if value is None:
                project.settings.pop(key, None)
            else:
                project.settings[key] = value
        return Changes(text, assignments=self.assignments, settings=frozenset(values))

    def apply(self, project: Project) -> Changes:
        """Store the new settings."""
        return self._set(project, dict(self.new), self.description)

    def revert(self, project: Project) -> Changes:
        """Put the old settings back."""
        return self._set(project, self.old, f"Undid: {self.description}")
