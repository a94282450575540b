"""Edits: apply then revert restores the project exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from territory_planner._errors import InputError
from territory_planner.edits import MoveAccounts, RenameTerritory
from territory_planner.model import Project


def test_rename_apply_revert(fresh_demo: Project) -> None:
    before = fresh_demo.territories.copy()
    edit = RenameTerritory(fresh_demo, "T02", "  Big Apple ")
    changes = edit.apply(fresh_demo)
    assert changes.territories
    assert fresh_demo.territories.set_index("territory_id").loc["T02", "name"] == "Big Apple"
    assert "to 'Big Apple'" in changes.description
    edit.revert(fresh_demo)
    pd.testing.assert_frame_equal(fresh_demo.territories, before)


def test_rename_refuses_blank_and_unknown(fresh_demo: Project) -> None:
    with pytest.raises(InputError, match="needs a name"):
        RenameTerritory(fresh_demo, "T01", "   ")
    with pytest.raises(KeyError):
        RenameTerritory(fresh_demo, "T99", "x")


def test_move_accounts_apply_revert_redo(fresh_demo: Project) -> None:
    before = fresh_demo.accounts.copy()
    ids = list(fresh_demo.accounts["account_id"].iloc[[0, 5, 9]])
    edit = MoveAccounts(fresh_demo, ids, "T03")
    changes = edit.apply(fresh_demo)
    assert changes.assignments
    assert changes.accounts == frozenset(ids)
    moved = fresh_demo.accounts.set_index("account_id").loc[ids]
    assert (moved["territory_id"] == "T03").all()
    assert moved["locked"].all()
    counts = fresh_demo.territory_table().set_index("territory_id")["accounts"]
    assert counts.sum() == len(fresh_demo.accounts) - fresh_demo.summary().unassigned
    edit.revert(fresh_demo)
    pd.testing.assert_frame_equal(fresh_demo.accounts, before)
    edit.apply(fresh_demo)
    assert (fresh_demo.accounts.set_index("account_id").loc[ids, "territory_id"] == "T03").all()


def test_move_to_no_territory_and_unknown_accounts(fresh_demo: Project) -> None:
    edit = MoveAccounts(fresh_demo, ["A00001"], None)
    edit.apply(fresh_demo)
    assert pd.isna(fresh_demo.accounts.loc[0, "territory_id"])
    assert fresh_demo.summary().unassigned >= 1
    with pytest.raises(InputError, match="none of the selected accounts"):
        MoveAccounts(fresh_demo, ["nope"], "T01")


def test_pin_then_unlock_places_the_account_again(fresh_demo: Project) -> None:
    from territory_planner.edits import unlock_accounts
    from territory_planner.geo.assign import assign_accounts

    acc = fresh_demo.accounts
    account = str(acc["account_id"].iloc[0])
    home = acc["territory_id"].iloc[0]
    other = next(t for t in fresh_demo.territories["territory_id"] if t != home)
    MoveAccounts(fresh_demo, [account], other).apply(fresh_demo)
    assert fresh_demo.accounts["placed_by"].iloc[0] == "locked"
    assert fresh_demo.accounts["territory_id"].iloc[0] == other
    before = fresh_demo.accounts.copy()
    edit = unlock_accounts(fresh_demo, [account])
    edit.apply(fresh_demo)
    geography = assign_accounts(fresh_demo.accounts, fresh_demo.territories).territory_id
    assert fresh_demo.accounts["territory_id"].iloc[0] == geography.iloc[0] == home
    assert not fresh_demo.accounts["locked"].iloc[0]
    assert fresh_demo.accounts["placed_by"].iloc[0] == "geography"
    # only that account changed
    changed = (fresh_demo.accounts["territory_id"] != before["territory_id"]).sum()
    assert changed == 1
    edit.revert(fresh_demo)
    assert fresh_demo.accounts["territory_id"].iloc[0] == other
