"""Undoable edits over the model.

Every change to a `Project` is an `Edit`: ``apply`` and ``revert`` mutate the
project and return a `Changes` record naming what changed, so the map and
panels refresh only that. The UI's undo stack wraps these same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.model import Project


@dataclass(frozen=True)
class Changes:
    """What an edit changed, and a sentence for the change log."""

    description: str
    territories: bool = False
    assignments: bool = False
    accounts: frozenset[str] = field(default_factory=frozenset)


class Edit(Protocol):
    """An undoable change: ``apply`` then ``revert`` leaves the project as it was."""

    @property
    def label(self) -> str:
        """Short text for the Undo/Redo menu items."""

    def apply(self, project: Project) -> Changes:
        """Make the change."""

    def revert(self, project: Project) -> Changes:
        """Undo the change."""


class RenameTerritory:
    """Give a territory a new name."""

    def __init__(self, project: Project, territory_id: str, new_name: str) -> None:
        new_name = new_name.strip()
        if not new_name:
            msg = "a territory needs a name; type at least one letter"
            raise InputError(msg)
        self.territory_id = territory_id
        self.old_name = str(project.territories["name"].iloc[project.territory_index(territory_id)])
        self.new_name = new_name

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Rename territory to '{self.new_name}'"

    def _set(self, project: Project, name: str, before: str) -> Changes:
        row = project.territory_index(self.territory_id)
        project.territories.loc[project.territories.index[row], "name"] = name
        return Changes(f"Renamed territory '{before}' to '{name}'", territories=True)

    def apply(self, project: Project) -> Changes:
        """Set the new name."""
        return self._set(project, self.new_name, self.old_name)

    def revert(self, project: Project) -> Changes:
        """Restore the old name."""
        return self._set(project, self.old_name, self.new_name)


class MoveAccounts:
    """Move accounts to a territory (or to none) and lock them there."""

    def __init__(self, project: Project, account_ids: list[str], territory_id: str | None) -> None:
        if territory_id is not None:
            project.territory_index(territory_id)  # raises KeyError for an unknown territory
        acc = project.accounts
        self.rows = np.flatnonzero(acc["account_id"].isin(account_ids).to_numpy())
        if len(self.rows) == 0:
            msg = "none of the selected accounts exist in this project"
            raise InputError(msg)
        self.ids = frozenset(acc["account_id"].iloc[self.rows])
        self.old_territory = acc["territory_id"].iloc[self.rows].copy()
        self.old_locked = acc["locked"].iloc[self.rows].copy()
        self.territory_id = territory_id
        names = dict(
            zip(project.territories["territory_id"], project.territories["name"], strict=True)
        )
        self.target_name = names.get(territory_id or "", "no territory")

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Move {len(self.rows)} account(s) to {self.target_name}"

    def apply(self, project: Project) -> Changes:
        """Assign and lock the accounts."""
        labels = project.accounts.index[self.rows]
        project.accounts.loc[labels, "territory_id"] = self.territory_id
        project.accounts.loc[labels, "locked"] = True
        return Changes(
            f"Moved {len(self.rows)} account(s) to {self.target_name}",
            assignments=True,
            accounts=self.ids,
        )

    def revert(self, project: Project) -> Changes:
        """Put the accounts back where they were."""
        labels = project.accounts.index[self.rows]
        project.accounts.loc[labels, "territory_id"] = self.old_territory.to_numpy()
        project.accounts.loc[labels, "locked"] = self.old_locked.to_numpy()
        return Changes(
            f"Moved {len(self.rows)} account(s) back from {self.target_name}",
            assignments=True,
            accounts=self.ids,
        )


class ReplaceTable:
    """Swap a project's accounts or reps for a new table (an import); undo restores the old."""

    def __init__(self, project: Project, table: str, new: pd.DataFrame, description: str) -> None:
        if table not in {"accounts", "reps"}:
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
        ids = frozenset(frame["account_id"]) if self.table == "accounts" else frozenset()
        return Changes(
            description, assignments=True, territories=self.table == "reps", accounts=ids
        )

    def apply(self, project: Project) -> Changes:
        """Put the new table in."""
        return self._set(project, self.new, self.description)

    def revert(self, project: Project) -> Changes:
        """Put the old table back."""
        return self._set(project, self.old, f"Undid: {self.description}")
