"""Undoable edits over the model.

Every change to a `Project` is an `Edit`: ``apply`` and ``revert`` mutate the
project and return a `Changes` record naming what changed, so the map and
panels refresh only that. The UI's undo stack wraps these same objects.

The modules, by what they edit: `base` (the contract, `Changes`, `Batch`),
`tables` (a whole table, cells of one row, project settings), `accounts`, `reps`,
`shapes` (territory outlines) and `territories` (a territory as a whole). Import
from this package; the names below are its public interface.
"""

from territory_planner.edits.accounts import (
    MoveAccounts,
    place_account,
    place_account_at_zip,
    unlock_accounts,
)
from territory_planner.edits.base import Batch, Changes, Edit
from territory_planner.edits.reps import REP_TEXT_COLUMNS, edit_rep
from territory_planner.edits.shapes import (
    ShapeEdit,
    add_territory,
    move_area,
    refuse_if_locked,
    replace_territories,
    reshape_territory,
    split_territory,
)
from territory_planner.edits.tables import ROW_KEYS, ChangeSettings, ReplaceTable, SetCells
from territory_planner.edits.territories import (
    RenameTerritory,
    delete_territory,
    merge_territories,
    set_quota,
    set_territory_lock,
)

__all__ = [
    "REP_TEXT_COLUMNS",
    "ROW_KEYS",
    "Batch",
    "ChangeSettings",
    "Changes",
    "Edit",
    "MoveAccounts",
    "RenameTerritory",
    "ReplaceTable",
    "SetCells",
    "ShapeEdit",
    "add_territory",
    "delete_territory",
    "edit_rep",
    "merge_territories",
    "move_area",
    "place_account",
    "place_account_at_zip",
    "refuse_if_locked",
    "replace_territories",
    "reshape_territory",
    "set_quota",
    "set_territory_lock",
    "split_territory",
    "unlock_accounts",
]
