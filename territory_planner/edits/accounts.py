"""Edits of accounts: move and lock, place on the map or at a ZIP, unlock and place again."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.edits.base import Changes, Edit
from territory_planner.edits.tables import ReplaceTable, SetCells
from territory_planner.formats import agree, plural
from territory_planner.geo.geocode import zip_centroids
from territory_planner.io.fields import parse_zip
from territory_planner.model import Project, values_or_none
from territory_planner.plan.rules import reassign


class MoveAccounts(Edit):
    """Move accounts to a territory (or to none) and lock them there.

    Parameters
    ----------
    project
        The project; the accounts' territories and locks are kept for undo.
    account_ids
        The accounts to move; IDs not in the project are left out.
    territory_id
        The territory to move them to; None leaves them in no territory.

    Raises
    ------
    KeyError
        For an unknown territory.
    InputError
        When none of the accounts is in the project.
    """

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
        self.old_placed_by = values_or_none(acc["placed_by"].iloc[self.rows])
        self.territory_id = territory_id
        names = dict(
            zip(project.territories["territory_id"], project.territories["name"], strict=True)
        )
        self.target_name = names.get(territory_id or "", "no territory")

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Move {plural(len(self.rows), 'account')} to {self.target_name}"

    def apply(self, project: Project) -> Changes:
        """Assign and lock the accounts."""
        labels = project.accounts.index[self.rows]
        project.accounts.loc[labels, "territory_id"] = self.territory_id
        project.accounts.loc[labels, "locked"] = True
        project.accounts.loc[labels, "placed_by"] = "locked"
        return Changes(
            f"Moved {plural(len(self.rows), 'account')} to {self.target_name}",
            assignments=True,
            accounts=self.ids,
        )

    def revert(self, project: Project) -> Changes:
        """Put the accounts back where they were."""
        labels = project.accounts.index[self.rows]
        project.accounts.loc[labels, "territory_id"] = self.old_territory.to_numpy()
        project.accounts.loc[labels, "locked"] = self.old_locked.to_numpy()
        project.accounts.loc[labels, "placed_by"] = pd.Series(
            self.old_placed_by, index=labels, dtype="str"
        )
        return Changes(
            f"Moved {plural(len(self.rows), 'account')} back from {self.target_name}",
            assignments=True,
            accounts=self.ids,
        )


def place_account(project: Project, account_id: str, lat: float, lon: float) -> SetCells:
    """Put an account at a spot chosen on the map (placed "manual").

    Parameters
    ----------
    project
        The project.
    account_id
        The account.
    lat, lon
        The spot, in degrees.

    Returns
    -------
    SetCells
        The edit of the account's position and geocode.

    Raises
    ------
    InputError
        When the project has no such account.
    """
    return SetCells(
        project, "accounts", account_id, {"lat": lat, "lon": lon, "geocode": "manual"},
        f"Placed account {account_id} on the map",
    )  # fmt: skip


def place_account_at_zip(project: Project, account_id: str, text: str) -> SetCells:
    """Put an account at the centroid of a ZIP code the user typed.

    Parameters
    ----------
    project
        The project.
    account_id
        The account.
    text
        The ZIP code as typed (e.g. "60601" or "60601-1234").

    Returns
    -------
    SetCells
        The edit of the account's ZIP, position and geocode.

    Raises
    ------
    InputError
        When the text is not a known US ZIP code, or the project has no such account.
    """
    code = parse_zip(text)
    position = zip_centroids().get(code or "")
    if position is None:
        msg = f"'{text}' is not a known US ZIP code; type 5 digits, e.g. 60601"
        raise InputError(msg)
    lat, lon = position
    return SetCells(
        project, "accounts", account_id, {"zip": code, "lat": lat, "lon": lon, "geocode": "zip"},
        f"Placed account {account_id} at ZIP {code}",
    )  # fmt: skip


def unlock_accounts(project: Project, account_ids: list[str]) -> ReplaceTable:
    """Unlock accounts and place them again by the rules and geography (only them).

    Parameters
    ----------
    project
        The project.
    account_ids
        The accounts; IDs not in the project are left out.

    Returns
    -------
    ReplaceTable
        The edit of the accounts table, the other accounts as they were.

    Raises
    ------
    InputError
        When none of the accounts is in the project.
    """
    rows = project.accounts["account_id"].isin(account_ids).to_numpy()
    if not rows.any():
        msg = "none of the selected accounts exist in this project"
        raise InputError(msg)
    unlocked = project.accounts.copy()
    unlocked.loc[rows, "locked"] = False
    trial = Project(unlocked, project.reps, project.territories, project.name, project.settings)
    placed = reassign(trial).accounts
    for column in ("territory_id", "placed_by"):
        unlocked.loc[rows, column] = placed.loc[rows, column]
    return ReplaceTable(
        project,
        "accounts",
        unlocked,
        f"Unlocked {plural(int(rows.sum()), 'account')} and placed "
        f"{agree(int(rows.sum()), 'it', 'them')} again",
    )
