"""Edits of territory outlines: draw, reshape, move an area, split, import.

Each is a `ShapeEdit`, which re-assigns the accounts in the region that changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.colors import free_color
from territory_planner.edits.base import Changes, Edit
from territory_planner.formats import plural
from territory_planner.geo.assign import clean_polygon, clip_to_free_space, reassign_near
from territory_planner.model import Project, new_territory_ids, values_or_none
from territory_planner.plan.split import split_by_line


class ShapeEdit(Edit):
    """Replace the territories (a new or reshaped outline) and re-assign the accounts it touches.

    Only accounts in the changed region are re-tested (see
    `territory_planner.geo.assign.reassign_near`), so the edit stays
    fast with 100k accounts.

    Parameters
    ----------
    project
        The project; its territories and the re-tested accounts' places are kept for undo.
    territories
        The whole territories table after the edit (a GeoDataFrame).
    region
        Where outlines changed (a shapely geometry); empty: no account is re-tested.
    description
        What was done; the count of accounts that changed territory is added to it.
    """

    def __init__(self, project: Project, territories: Any, region: Any, description: str) -> None:
        self.before = project.territories
        self.after = territories
        self.rows, ids = reassign_near(project.accounts, territories, region)
        self.new_ids = ids.to_numpy(dtype=object)
        old = project.accounts["territory_id"].iloc[self.rows]
        self.old_ids = values_or_none(old)
        self.old_placed_by = values_or_none(project.accounts["placed_by"].iloc[self.rows])
        self.new_placed_by = np.where(pd.notna(self.new_ids), "geography", "none")
        moved = int(
            sum((a or "") != (b or "") for a, b in zip(self.old_ids, self.new_ids, strict=True))
        )
        self.moved = moved
        self.description = f"{description} ({plural(moved, 'account')} changed territory)"

    @property
    def label(self) -> str:
        """Menu text."""
        return self.description

    def _set(
        self, project: Project, territories: Any, ids: np.ndarray, placed_by: Any, text: str
    ) -> Changes:
        project.territories = territories
        labels = project.accounts.index[self.rows]
        project.accounts.loc[labels, "territory_id"] = pd.Series(ids, index=labels, dtype="str")
        project.accounts.loc[labels, "placed_by"] = pd.Series(placed_by, index=labels, dtype="str")
        touched = frozenset(project.accounts["account_id"].iloc[self.rows])
        return Changes(text, territories=True, assignments=True, accounts=touched)

    def apply(self, project: Project) -> Changes:
        """Put the new outlines in and move the affected accounts."""
        return self._set(project, self.after, self.new_ids, self.new_placed_by, self.description)

    def revert(self, project: Project) -> Changes:
        """Restore the outlines and the accounts' territories."""
        return self._set(
            project, self.before, self.old_ids, self.old_placed_by, f"Undid: {self.description}"
        )


def add_territory(
    project: Project,
    geometry: Any,
    name: str,
    rep_id: str | None = None,
    *,
    allow_overlap: bool = False,
) -> ShapeEdit:
    """A new territory from a drawn shape, cut back so it overlaps no other territory.

    Parameters
    ----------
    project
        The project.
    geometry
        The drawn shape (shapely), in degrees; repaired with `clean_polygon`.
    name
        The territory's name; empty: "New territory".
    rep_id
        Its rep, if any.
    allow_overlap
        Keep the shape whole, over other territories (e.g. an overlay team's area).

    Returns
    -------
    ShapeEdit
        The edit of the territories, with the accounts it moves.

    Raises
    ------
    InputError
        If nothing is left of the shape (it lies inside other territories).
    """
    import geopandas as gpd  # noqa: PLC0415

    name = name.strip() or "New territory"
    shape = clean_polygon(geometry)
    if not allow_overlap:
        shape = clip_to_free_space(shape, project.territories)
    if shape.is_empty:
        msg = (
            "the shape lies inside other territories; "
            "draw it over uncovered ground or reshape a territory"
        )
        raise InputError(msg)
    existing = project.territories
    territory_id = new_territory_ids(existing["territory_id"])[0]
    color = free_color(shape, list(existing.geometry), list(existing["color"]))
    row = gpd.GeoDataFrame(
        {
            "territory_id": [territory_id],
            "name": [name],
            "rep_id": [rep_id],
            "color": [color],
            "quota": [np.nan],
            "locked": [False],
        },
        geometry=[shape],
        crs=existing.crs,
    )
    after = pd.concat([existing, row], ignore_index=True)
    return ShapeEdit(project, after, shape, f"Drew territory '{name}'")


def reshape_territory(
    project: Project, territory_id: str, geometry: Any, *, allow_overlap: bool = False
) -> ShapeEdit:
    """A territory's new outline (e.g. a moved vertex), kept off its neighbours unless allowed.

    Parameters
    ----------
    project
        The project.
    territory_id
        The territory.
    geometry
        Its new outline (shapely), in degrees.
    allow_overlap
        Keep the outline whole, over other territories.

    Returns
    -------
    ShapeEdit
        The edit of the territories, with the accounts it moves.

    Raises
    ------
    InputError
        When the territory is locked, or nothing of the outline is left.
    """
    row = project.territory_index(territory_id)
    refuse_if_locked(project, [territory_id], "reshape it")
    old = project.territories.geometry.iloc[row]
    shape = clean_polygon(geometry)
    if not allow_overlap:
        shape = clip_to_free_space(shape, project.territories, exclude=territory_id)
    if shape.is_empty:
        msg = "nothing would be left of the territory; undo or draw it again"
        raise InputError(msg)
    after = project.territories.copy()
    after.loc[after.index[row], "geometry"] = shape
    name = project.territories["name"].iloc[row]
    return ShapeEdit(
        project, after, old.symmetric_difference(shape), f"Reshaped territory '{name}'"
    )


def move_area(project: Project, area: Any, territory_id: str, what: str) -> ShapeEdit:
    """Give an area (e.g. a county) to a territory, taking it from any other that has it.

    Parameters
    ----------
    project
        The project.
    area
        The area's outline (shapely), in degrees.
    territory_id
        The territory that gets it.
    what
        The area in words for messages: a unit's name, or e.g. "12 counties".

    Returns
    -------
    ShapeEdit
        The edit of the territories, with the accounts it moves.

    Raises
    ------
    InputError
        When the area is empty, or the territory or one the area touches is locked.
    """
    import shapely  # noqa: PLC0415

    project.territory_index(territory_id)  # KeyError for an unknown territory
    area = clean_polygon(area)
    if area.is_empty:
        msg = f"there is nothing to move: {what} has no area"
        raise InputError(msg)
    hits = project.territories.intersects(area).to_numpy()
    touched = project.territories["territory_id"][hits]
    refuse_if_locked(project, [territory_id, *touched], f"move {what}")
    after = project.territories.copy()
    shapes, losers = [], []
    for tid, name, geometry, hit in zip(
        after["territory_id"], after["name"], after.geometry, hits, strict=True
    ):
        if tid == territory_id:
            shapes.append(clean_polygon(shapely.union(geometry, area)))
            continue
        if not hit:  # untouched: the same outline (also to the map, which sends only changes)
            shapes.append(geometry)
            continue
        rest = clean_polygon(shapely.difference(geometry, area))
        if rest.area < geometry.area * (1 - 1e-9):
            losers.append(f"'{name}'")
        shapes.append(rest)
    after = after.set_geometry(shapes, crs=project.territories.crs)
    name = project.territories["name"].iloc[project.territory_index(territory_id)]
    source = f" from {', '.join(losers)}" if losers else ""
    return ShapeEdit(project, after, area, f"Moved {what}{source} to '{name}'")


def replace_territories(project: Project, territories: Any, source: str) -> ShapeEdit:
    """Swap in a whole new set of territories (an import) and re-assign every unlocked account.

    Parameters
    ----------
    project
        The project.
    territories
        The new territories table (a GeoDataFrame).
    source
        Where they came from (e.g. the file's name), for the change log.

    Returns
    -------
    ShapeEdit
        The edit of the territories, with the accounts it moves.
    """
    import shapely  # noqa: PLC0415

    lon, lat = project.accounts["lon"], project.accounts["lat"]
    boxes = [shapely.box(*territories.total_bounds)]
    if len(project.territories):
        boxes.append(shapely.box(*project.territories.total_bounds))
    if lon.notna().any():
        boxes.append(shapely.box(lon.min(), lat.min(), lon.max(), lat.max()))
    everywhere = shapely.envelope(shapely.union_all(boxes))
    return ShapeEdit(
        project,
        territories,
        everywhere,
        f"Imported {plural(len(territories), 'territory')} from {source}",
    )


def refuse_if_locked(project: Project, territory_ids: Any, action: str) -> None:
    """Locked territories keep their outline: say so instead of changing them.

    Parameters
    ----------
    project
        The project.
    territory_ids
        The territories the action would change.
    action
        The action in words, e.g. "reshape it".

    Raises
    ------
    InputError
        Naming the locked ones, when any is locked.
    """
    table = project.territories
    hits = table[
        table["territory_id"].isin(list(territory_ids)).to_numpy() & project.territories_locked()
    ]
    if len(hits):
        names = ", ".join(f"'{n}'" for n in hits["name"])
        msg = f"cannot {action}: {names} {'is' if len(hits) == 1 else 'are'} locked; unlock first"
        raise InputError(msg)


def split_territory(project: Project, territory_id: str, line: Any, new_name: str) -> ShapeEdit:
    """Cut a territory along a line: the side with the rep's home (or the larger) keeps it.

    The other side becomes a new territory without a rep (e.g. for a new hire).

    Parameters
    ----------
    project
        The project.
    territory_id
        The territory to cut.
    line
        The line drawn across it (shapely), in degrees.
    new_name
        The new territory's name; empty: the old name with " (new)".

    Returns
    -------
    ShapeEdit
        The edit of the territories, with the accounts it moves.

    Raises
    ------
    InputError
        When the territory is locked, or the line does not cut it in two.
    """
    import geopandas as gpd  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    row = project.territory_index(territory_id)
    refuse_if_locked(project, [territory_id], "split it")
    old = project.territories.iloc[row]
    first, second = split_by_line(old.geometry, line)
    home = project.reps.set_index("rep_id")[["lon", "lat"]].reindex([old["rep_id"]]).iloc[0]
    x, y = float(home["lon"]), float(home["lat"])
    known = bool(np.isfinite(x) and np.isfinite(y))
    in_first = known and bool(shapely.intersects_xy(first, x, y))
    in_second = known and bool(shapely.intersects_xy(second, x, y))
    keep_first = in_first if in_first or in_second else first.area >= second.area
    kept, carved = (first, second) if keep_first else (second, first)
    after = project.territories.copy()
    after.loc[after.index[row], "geometry"] = kept
    new_id = new_territory_ids(after["territory_id"])[0]
    others = after.drop(index=after.index[row])
    color = free_color(carved, [*others.geometry, kept], [*others["color"], old["color"]])
    name = new_name.strip() or f"{old['name']} (new)"
    row_frame = gpd.GeoDataFrame(
        {
            "territory_id": [new_id],
            "name": [name],
            "rep_id": [None],
            "color": [color],
            "quota": [np.nan],
            "locked": [False],
        },
        geometry=[carved],
        crs=after.crs,
    )
    after = pd.concat([after, row_frame], ignore_index=True)
    return ShapeEdit(project, after, carved, f"Split '{old['name']}': new territory '{name}'")
