"""Edits of territories as a whole: rename, quota, lock, merge two, delete one."""

from __future__ import annotations

from typing import Any

import numpy as np

from territory_planner._errors import InputError
from territory_planner.edits.base import Batch, Changes, Edit
from territory_planner.edits.shapes import ShapeEdit, refuse_if_locked
from territory_planner.edits.tables import ReplaceTable, SetCells
from territory_planner.formats import plural
from territory_planner.geo.assign import clean_polygon
from territory_planner.io.fields import parse_number
from territory_planner.model import Project, rule_records


class RenameTerritory(Edit):
    """Give a territory a new name.

    Parameters
    ----------
    project
        The project.
    territory_id
        The territory.
    new_name
        Its new name (surrounding spaces dropped).

    Raises
    ------
    KeyError
        For an unknown territory.
    InputError
        When the name is empty.
    """

    def __init__(self, project: Project, territory_id: str, new_name: str) -> None:
        new_name = new_name.strip()
        if not new_name:
            msg = "a territory needs a name; type at least one letter"
            raise InputError(msg)
        self.territory_id = territory_id
        self.old_name = _territory_name(project, territory_id)
        self.new_name = new_name

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Rename territory to '{self.new_name}'"

    def _set(self, project: Project, name: str, before: str) -> Changes:
        row = project.territory_index(self.territory_id)
        project.territories.loc[project.territories.index[row], "name"] = name
        # (outlines as they were, but the overlaps are named by their territories)
        return Changes(f"Renamed territory '{before}' to '{name}'", territories=True)

    def apply(self, project: Project) -> Changes:
        """Set the new name."""
        return self._set(project, self.new_name, self.old_name)

    def revert(self, project: Project) -> Changes:
        """Restore the old name."""
        return self._set(project, self.old_name, self.new_name)


def set_quota(project: Project, territory_id: str, text: str) -> SetCells:
    """A quota typed by hand for one territory; empty text returns it to the team split.

    Parameters
    ----------
    project
        The project.
    territory_id
        The territory.
    text
        The amount as typed (e.g. 1250000 or 1.25M); empty: the computed share.

    Returns
    -------
    SetCells
        The edit of the territory's quota.

    Raises
    ------
    InputError
        When the text is not an amount of zero or more.
    """
    name = _territory_name(project, territory_id)
    if not text.strip():
        return SetCells(
            project, "territories", territory_id, {"quota": np.nan},
            f"Quota of '{name}' back to its share of the team target",
        )  # fmt: skip
    value = parse_number(text)
    if value is None or value < 0:
        msg = f"'{text}' is not an amount; type e.g. 1250000 or 1.25M (empty: computed)"
        raise InputError(msg)
    return SetCells(
        project, "territories", territory_id, {"quota": value},
        f"Set the quota of '{name}' to {value:,.0f}",
    )  # fmt: skip


def set_territory_lock(project: Project, territory_id: str, *, locked: bool) -> SetCells:
    """Lock a territory (edits and the optimizer leave it alone) or unlock it.

    Parameters
    ----------
    project
        The project.
    territory_id
        The territory.
    locked
        True to lock it, False to unlock it.

    Returns
    -------
    SetCells
        The edit of the territory's lock.
    """
    name = _territory_name(project, territory_id)
    word = "Locked" if locked else "Unlocked"
    return SetCells(project, "territories", territory_id, {"locked": locked}, f"{word} '{name}'")


def _territory_name(project: Project, territory_id: str) -> str:
    return str(project.territories["name"].iloc[project.territory_index(territory_id)])


def _refuse_if_ruled(project: Project, territory_id: str, action: str) -> None:
    """A territory that rules send accounts to (or limit to) cannot go away."""
    for rule in rule_records(project):
        if territory_id in {rule.get("territory"), rule.get("within")}:
            name = _territory_name(project, territory_id)
            msg = (
                f"cannot {action} '{name}': the rule '{rule.get('name')}' uses it; "
                "change or remove the rule first (Rules panel)"
            )
            raise InputError(msg)


def _shapes_only(project: Project, territories: Any, description: str) -> ShapeEdit:
    """New outlines that move no account by themselves."""
    import shapely  # noqa: PLC0415

    return ShapeEdit(project, territories, shapely.Polygon(), description)


def _accounts_moved(project: Project, mask: Any, territory_id: str | None) -> ReplaceTable:
    accounts = project.accounts.copy()
    accounts.loc[mask, "territory_id"] = territory_id
    if territory_id is None:
        accounts.loc[mask, "locked"] = False
        accounts.loc[mask, "placed_by"] = "none"
    return ReplaceTable(project, "accounts", accounts, "accounts moved")


def merge_territories(project: Project, keep_id: str, absorb_id: str) -> Batch:
    """Merge `absorb_id` into `keep_id`: one outline, all its accounts (locks kept).

    Parameters
    ----------
    project
        The project.
    keep_id
        The territory that stays, with its name and rep.
    absorb_id
        The territory that goes into it.

    Returns
    -------
    Batch
        One undo step: the accounts moved, then the outlines.

    Raises
    ------
    InputError
        When the two are the same, either is locked, or a rule uses `absorb_id`.
    """
    import shapely  # noqa: PLC0415

    if keep_id == absorb_id:
        msg = "choose two different territories to merge"
        raise InputError(msg)
    _refuse_if_ruled(project, absorb_id, "merge away")
    refuse_if_locked(project, [keep_id, absorb_id], "merge them")
    keep, absorb = project.territory_index(keep_id), project.territory_index(absorb_id)
    after = project.territories.copy()
    union = shapely.union(after.geometry.iloc[keep], after.geometry.iloc[absorb])
    after.loc[after.index[keep], "geometry"] = clean_polygon(union)
    after = after.drop(index=after.index[absorb]).reset_index(drop=True)
    mask = project.accounts["territory_id"] == absorb_id
    keep_name, absorb_name = _territory_name(project, keep_id), _territory_name(project, absorb_id)
    text = f"Merged '{absorb_name}' into '{keep_name}' ({plural(int(mask.sum()), 'account')})"
    return Batch(
        [_accounts_moved(project, mask, keep_id), _shapes_only(project, after, text)], text
    )


def delete_territory(project: Project, territory_id: str) -> Batch:
    """Remove a territory; its accounts (locked ones too) become unassigned.

    Parameters
    ----------
    project
        The project.
    territory_id
        The territory.

    Returns
    -------
    Batch
        One undo step: the accounts unassigned, then the outlines.

    Raises
    ------
    InputError
        When the territory is locked or a rule uses it.
    """
    _refuse_if_ruled(project, territory_id, "delete")
    refuse_if_locked(project, [territory_id], "delete it")
    row = project.territory_index(territory_id)
    after = project.territories.drop(index=project.territories.index[row]).reset_index(drop=True)
    mask = project.accounts["territory_id"] == territory_id
    text = (
        f"Deleted territory '{_territory_name(project, territory_id)}' "
        f"({plural(int(mask.sum()), 'account')} unassigned)"
    )
    return Batch([_accounts_moved(project, mask, None), _shapes_only(project, after, text)], text)
