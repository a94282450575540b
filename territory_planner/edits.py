"""Undoable edits over the model.

Every change to a `Project` is an `Edit`: ``apply`` and ``revert`` mutate the
project and return a `Changes` record naming what changed, so the map and
panels refresh only that. The UI's undo stack wraps these same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.colors import free_color
from territory_planner.formats import agree, plural
from territory_planner.geo.assign import clean_polygon, clip_to_free_space, reassign_near
from territory_planner.geo.geocode import fill_from_zip, zip_centroids
from territory_planner.io.fields import parse_number, parse_zip
from territory_planner.model import Project, new_territory_ids, rule_records, values_or_none
from territory_planner.plan.rules import reassign
from territory_planner.plan.split import split_by_line
from territory_planner.workdays import normalise_days, normalise_time


@dataclass(frozen=True)
class Changes:
    """What an edit changed, and a sentence for the change log.

    The window refreshes from it only what depends on what changed: `territories`
    (the territories table or its rows: names, colours, quotas, reps, outlines),
    `assignments` (which account is in which territory), `accounts` (the IDs of the
    accounts edited), `shapes` (territory outlines: gaps and overlaps; None: as
    `territories`, when in doubt), `settings` (the keys of the project settings
    changed). No flag and no account: only settings or scenarios.
    """

    description: str
    territories: bool = False
    assignments: bool = False
    accounts: frozenset[str] = field(default_factory=frozenset)
    shapes: bool | None = None
    settings: frozenset[str] = field(default_factory=frozenset)

    @property
    def reshaped(self) -> bool:
        """Whether territory outlines may have changed."""
        return self.territories if self.shapes is None else self.shapes


class Edit(Protocol):
    """An undoable change: ``apply`` then ``revert`` leaves the project as it was."""

    @property
    def label(self) -> str:
        """Short text for the Undo/Redo menu items."""

    def apply(self, project: Project) -> Changes:
        """Make the change."""

    def revert(self, project: Project) -> Changes:
        """Undo the change."""


class Batch:
    """Several edits as one undo step (e.g. new rules and the re-assignment they cause)."""

    def __init__(self, edits: list[Edit], description: str) -> None:
        self.edits = edits
        self.description = description

    @property
    def label(self) -> str:
        """Menu text."""
        return self.description

    @staticmethod
    def _merge(changes: list[Changes], text: str) -> Changes:
        return Changes(
            text,
            territories=any(c.territories for c in changes),
            assignments=any(c.assignments for c in changes),
            accounts=frozenset().union(*(c.accounts for c in changes)),
            shapes=any(c.reshaped for c in changes),
            settings=frozenset().union(*(c.settings for c in changes)),
        )

    def apply(self, project: Project) -> Changes:
        """Apply every edit in order."""
        return self._merge([e.apply(project) for e in self.edits], self.description)

    def revert(self, project: Project) -> Changes:
        """Revert every edit, last first."""
        changes = [e.revert(project) for e in reversed(self.edits)]
        return self._merge(changes, f"Undid: {self.description}")


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
        # (outlines as they were, but the overlaps are named by their territories)
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


class ReplaceTable:
    """Swap a project's accounts, reps or actuals for a new table (an import); undo restores."""

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


class SetCells:
    """Set some cells of one row of accounts, reps or territories (a panel edit, a placement)."""

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


def place_account(project: Project, account_id: str, lat: float, lon: float) -> SetCells:
    """Put an account at a spot chosen on the map (placed "manual")."""
    return SetCells(
        project, "accounts", account_id, {"lat": lat, "lon": lon, "geocode": "manual"},
        f"Placed account {account_id} on the map",
    )  # fmt: skip


def place_account_at_zip(project: Project, account_id: str, text: str) -> SetCells:
    """Put an account at the centroid of a ZIP code the user typed."""
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


def set_quota(project: Project, territory_id: str, text: str) -> SetCells:
    """A quota typed by hand for one territory; empty text returns it to the team split."""
    name = project.territories["name"].iloc[project.territory_index(territory_id)]
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


class ChangeSettings:
    """Change project settings (rules, quota plan, tolerance, parent policy) as one step."""

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


REP_TEXT_COLUMNS = {"email", "home_street", "home_city", "skills", "start_date"}


def edit_rep(project: Project, rep_id: str, column: str, text: str) -> SetCells:
    """An edit of one rep field typed in the Reps panel, checked and converted.

    Raises
    ------
    InputError
        With what to type instead, when the text does not fit the field.
    """
    text = text.strip()
    values: dict[str, Any]
    if column == "name":
        if not text:
            msg = "a rep needs a name"
            raise InputError(msg)
        values = {"name": text}
    elif column in REP_TEXT_COLUMNS:
        values = {column: text or None}
    elif column == "weekly_capacity_hours":
        hours = parse_number(text)
        if hours is None or not 0 <= hours <= 168:  # noqa: PLR2004 (hours in a week)
            msg = f"'{text}' is not a number of hours per week (0 to 168)"
            raise InputError(msg)
        values = {column: hours}
    elif column == "work_days":
        days = normalise_days(text)
        if days is None:
            msg = f"'{text}' is not a list of days; type e.g. Mon-Fri or Mon,Wed,Fri"
            raise InputError(msg)
        values = {column: days}
    elif column in {"day_start", "day_end"}:
        time = normalise_time(text, "")
        if not time:
            msg = f"'{text}' is not a time of day; type e.g. 08:00"
            raise InputError(msg)
        values = {column: time}
    elif column == "home_zip":
        code = parse_zip(text)
        position = zip_centroids().get(code or "")
        if position is None:
            msg = f"'{text}' is not a known US ZIP code; type 5 digits, e.g. 60601"
            raise InputError(msg)
        values = {"home_zip": code, "lat": position[0], "lon": position[1]}
        rep = project.reps.loc[project.reps["rep_id"] == rep_id, ["home_city", "home_state"]]
        city, state = fill_from_zip(rep["home_city"], rep["home_state"], pd.Series([code]))
        values |= {"home_city": city.iloc[0], "home_state": state.iloc[0]}
    else:
        msg = f"the rep field '{column}' cannot be edited here"
        raise InputError(msg)
    name = str(project.reps.set_index("rep_id").loc[rep_id, "name"]) if column != "name" else text
    return SetCells(
        project, "reps", rep_id, values, f"Changed {column.replace('_', ' ')} of {name}"
    )


class ShapeEdit:
    """Replace the territories (a new or reshaped outline) and re-assign the accounts it touches.

    Only accounts in the changed region are re-tested (see
    `territory_planner.geo.assign.reassign_near`), so the edit stays
    fast with 100k accounts.
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

    With `allow_overlap` the shape is kept whole (e.g. an overlay team's area).

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
    """A territory's new outline (e.g. a moved vertex), kept off its neighbours unless allowed."""
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
    """Give an area (e.g. a county) to a territory, taking it from any other that has it."""
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
    """Swap in a whole new set of territories (an import) and re-assign every unlocked account."""
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
    """Locked territories keep their outline: say so instead of changing them."""
    table = project.territories
    hits = table[
        table["territory_id"].isin(list(territory_ids)).to_numpy() & project.territories_locked()
    ]
    if len(hits):
        names = ", ".join(f"'{n}'" for n in hits["name"])
        msg = f"cannot {action}: {names} {'is' if len(hits) == 1 else 'are'} locked; unlock first"
        raise InputError(msg)


def set_territory_lock(project: Project, territory_id: str, *, locked: bool) -> SetCells:
    """Lock a territory (edits and the optimizer leave it alone) or unlock it."""
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


def split_territory(project: Project, territory_id: str, line: Any, new_name: str) -> ShapeEdit:
    """Cut a territory along a line: the side with the rep's home (or the larger) keeps it.

    The other side becomes a new territory without a rep (e.g. for a new hire).
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


def _accounts_moved(project: Project, mask: Any, territory_id: str | None) -> ReplaceTable:
    accounts = project.accounts.copy()
    accounts.loc[mask, "territory_id"] = territory_id
    if territory_id is None:
        accounts.loc[mask, "locked"] = False
        accounts.loc[mask, "placed_by"] = "none"
    return ReplaceTable(project, "accounts", accounts, "accounts moved")


def merge_territories(project: Project, keep_id: str, absorb_id: str) -> Batch:
    """Merge `absorb_id` into `keep_id`: one outline, all its accounts (locks kept)."""
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
    """Remove a territory; its accounts (locked ones too) become unassigned."""
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


def unlock_accounts(project: Project, account_ids: list[str]) -> ReplaceTable:
    """Unlock accounts and place them again by the rules and geography (only them)."""
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
