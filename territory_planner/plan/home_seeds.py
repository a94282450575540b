"""The reps' homes as the seeds of a design: which unit starts each rep's territory.

Each rep (up to the number of territories) gets a territory that starts at
the unit holding their home (`rep_home_units`: a home in a lake or the sea
belongs to the nearest unit). A unit can start one territory only, so when
two reps live in one unit (two homes in Cook County, or one ZIP area), or a
rep's home unit lies in another rep's locked territory, the later rep's
territory starts at the nearest other unit and the design says so, with the
fix (ZIP areas there, so that each home has a unit of its own). A rep whose
home is far from every unit, or who has none, takes an open territory after
the design (as reps designed without the home rule do), never none at all
while one is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.formats import agree, plural
from territory_planner.geo.areas import us_states
from territory_planner.geo.earth import GEOD
from territory_planner.geo.units import UNIT_KINDS
from territory_planner.geo.zip_areas import zip_area_at
from territory_planner.model import Project
from territory_planner.plan.balance_reasons import DesignFix, unit_words
from territory_planner.plan.unit_plan import FILE_UNITS, ProjectUnits, rep_home_units


@dataclass
class HomeSeeds:
    """The seeds the reps' homes give a design.

    Attributes
    ----------
    seeded
        The reps (rows of ``project.reps``) given a seed, in the order of the seeds.
    floating
        The reps who take an open territory after the design (`staff_floating`).
    notes
        Why a rep's territory does not start at their home, in words.
    fixes
        What would give those reps a start at home (ZIP areas in the shared county).
    moved
        The seeds that are not a home (a shared home's nearest other unit).
    """

    seeded: list[int] = field(default_factory=list)
    floating: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fixes: list[DesignFix] = field(default_factory=list)
    moved: set[int] = field(default_factory=set)


def seed_homes(
    project: Project,
    plan_units: ProjectUnits,
    *,
    lock: np.ndarray,
    locked_rows: np.ndarray,
    seeds: list[int],
    k: int,
    free_homes: set[str],
) -> HomeSeeds:
    """Add a seed per rep to `seeds` (in place): their home's unit, else the nearest free one.

    Parameters
    ----------
    project
        The project (its reps and territories).
    plan_units
        The units the design is built from.
    lock
        Per unit, the locked territory it belongs to (-1: free).
    locked_rows
        Rows of the locked territories (their reps keep them and get no seed).
    seeds
        The seeds so far (one unit per locked territory); extended here.
    k
        Number of territories: no more seeds than that.
    free_homes
        IDs of reps designed without the home rule (no seed; they float).

    Returns
    -------
    HomeSeeds
        The reps seeded and floating, and what to tell the manager.
    """
    holding = set(project.territories["rep_id"].iloc[locked_rows].dropna())
    reps = project.reps
    out = HomeSeeds()
    started_by: dict[int, int] = {}  # home unit -> the rep whose territory starts there
    chosen: list[tuple[int, int]] = []  # (rep, home unit) of the reps given a territory
    for r, unit in enumerate(rep_home_units(project, plan_units).tolist()):
        rep_id, name = reps["rep_id"].iloc[r], str(reps["name"].iloc[r])
        if rep_id in holding:
            continue
        if rep_id in free_homes or unit < 0:
            out.floating.append(r)
            if unit < 0 and rep_id not in free_homes:
                out.notes.append(f"{name}'s home is not near any unit: {_FLOAT_WORDS}")
            continue
        if len(seeds) + len(chosen) >= k:
            continue
        offshore = _offshore_km(reps.iloc[r], plan_units.units.geometry.iloc[unit])
        if offshore >= _OFFSHORE_KM:
            word = UNIT_KINDS.get(plan_units.kind, FILE_UNITS)[0]
            out.notes.append(
                f"{name}'s home lies outside every {word}, "
                f"{offshore:.0f} km from {_with_state(plan_units, unit)}, the nearest: it "
                "counts as in it"
            )
        chosen.append((r, unit))
        if lock[unit] < 0 and unit not in seeds and unit not in started_by:
            started_by[unit] = r
    taken = [*seeds, *started_by]  # every home that starts its own rep's territory
    for r, unit in chosen:  # (in the reps' order: the seeds and `seeded` stay aligned)
        name = str(reps["name"].iloc[r])
        start = unit
        if started_by.get(unit) != r:  # shared or locked: the nearest unit nobody starts at
            start = _nearest_free(plan_units, reps.iloc[r], lock, taken)
            if start < 0:
                out.floating.append(r)
                continue
            taken.append(start)
            out.moved.add(start)
            first = started_by.get(unit)
            other = None if first is None else reps.iloc[first]
            _shared_note(out, plan_units, rep=reps.iloc[r], home=unit, start=start, other=other)
        seeds.append(int(start))
        out.seeded.append(r)
    return out


_FLOAT_WORDS = "they take the open territory nearest it after the design"


def _nearest_free(
    plan_units: ProjectUnits, rep: pd.Series, lock: np.ndarray, seeds: list[int]
) -> int:
    """The unit nearest the rep's home that is neither locked nor a seed (-1: none)."""
    free = lock < 0
    free[seeds] = False
    if not free.any():
        return -1
    home = shapely.Point(float(rep["lon"]), float(rep["lat"]))
    far = shapely.distance(plan_units.units.geometry.values, home)
    return int(np.flatnonzero(free)[np.argmin(np.asarray(far)[free])])


def _shared_note(
    out: HomeSeeds,
    plan_units: ProjectUnits,
    *,
    rep: pd.Series,
    home: int,
    start: int,
    other: pd.Series | None,
) -> None:
    """Say why `rep`'s territory starts at `start`, and offer what would give them their home.

    ZIP areas in the home's county, unless both homes lie in one ZIP area or at one
    address (finer units cannot split them): then designing this rep without the
    home rule.
    """
    name, where = str(rep["name"]), unit_words(plan_units, home)
    why = f"which holds {other['name']}'s home too" if other is not None else ""
    text = (
        f"{name} lives in {where}, {why or 'which is in a locked territory'}, and a unit can "
        f"start one territory only: {name}'s territory starts at "
        f"{_with_state(plan_units, start)}, the nearest other"
    )
    fips = plan_units.units["county_fips"].iloc[home] if plan_units.kind == "county" else None
    same = _one_place(rep, other)
    if same:
        text += (
            f"; both live {same}, which finer units cannot split: "
            f"{name} could be designed without the home rule"
        )
        label = f"{name} without the home rule"
        out.fixes.append(DesignFix(label, free_home=str(rep["rep_id"])))
    elif fips is not None and str(fips) not in plan_units.zip_in:
        text += f"; ZIP areas in {where} would give each home a unit of its own"
        out.fixes.append(DesignFix(f"ZIP areas in {where}", zip_in=(*plan_units.zip_in, str(fips))))
    out.notes.append(text)


def _one_place(rep: pd.Series, other: pd.Series | None) -> str | None:
    """Where both homes lie when finer units cannot part them ("in ZIP area 10001"), or None.

    One ZIP area, or one address (a point in the water lies in no ZIP area).
    """
    if other is None:
        return None
    points = [(float(r["lon"]), float(r["lat"])) for r in (rep, other)]
    found = [zip_area_at(lon, lat) for lon, lat in points]
    names = {f[0].removeprefix("ZIP ") for f in found if f is not None}
    if None not in found and len(names) == 1:
        return f"in ZIP area {names.pop()}"
    if np.abs(np.subtract(points[0], points[1])).max() < _SAME_ADDRESS_DEGREES:
        return "at one address"
    return None


_SAME_ADDRESS_DEGREES = 1e-3  # about 100 m


def _offshore_km(rep: pd.Series, unit: BaseGeometry) -> float:
    """How far the rep's home lies outside its unit, in km (0 inside it)."""
    home = shapely.Point(float(rep["lon"]), float(rep["lat"]))
    if unit.covers(home):
        return 0.0
    shore = shapely.shortest_line(home, unit).coords[-1]
    return float(GEOD.inv(home.x, home.y, shore[0], shore[1])[2]) / 1000


_OFFSHORE_KM = 5.0  # a home further than this outside its unit is said (a lakeshore ZIP is not)


def _with_state(plan_units: ProjectUnits, unit: int) -> str:
    """The unit in words, with its state for a county ("Lake County, Indiana")."""
    words = unit_words(plan_units, unit)
    if plan_units.kind != "county":
        return words
    states = us_states()
    names = dict(zip(states["fips"], states["name"], strict=True))
    state = names.get(str(plan_units.units["county_fips"].iloc[unit])[:2])
    return f"{words}, {state}" if state and state != words else words


def home_holders(
    project: Project, seeds: list[int], homes: HomeSeeds, locked: int
) -> dict[int, tuple[str, str]]:
    """Unit -> name and ID of the rep whose home it holds (seeded homes only).

    Parameters
    ----------
    project
        The project (its reps).
    seeds
        The design's seeds: the locked territories' first, then the reps'.
    homes
        What `seed_homes` gave.
    locked
        How many seeds are locked territories'.

    Returns
    -------
    dict
        The seeds that are homes (not a shared home's nearest other unit), with
        the rep living there.
    """
    reps = project.reps
    return {
        seeds[locked + i]: (str(reps["name"].iloc[r]), str(reps["rep_id"].iloc[r]))
        for i, r in enumerate(homes.seeded)
        if seeds[locked + i] not in homes.moved
    }


def staff_floating(
    project: Project,
    plan_units: ProjectUnits,
    labels: np.ndarray,
    base: pd.DataFrame,
    floating: list[int],
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Reps without a seed (home rule dropped, or no home near the units) take open territories.

    Parameters
    ----------
    project
        The project (its reps).
    plan_units
        The units the plan was built from.
    labels
        Territory of each unit in the designed plan.
    base
        Per territory: id, name and rep (`rep_id` None where open).
    floating
        The reps to staff, in turn.

    Returns
    -------
    tuple
        The new base, its renamed territories (old name -> new) and a note per
        rep designed without the home rule. Each rep takes the open territory
        holding their home, else the one nearest to it (the first open one
        without a home).
    """
    base = base.copy()
    if "rep_id" not in base:
        base["rep_id"] = None
    base["rep_id"] = base["rep_id"].astype(object)
    geoms = plan_units.units.geometry.values
    homes = rep_home_units(project, plan_units)
    renamed: dict[str, str] = {}
    notes: list[str] = []
    for r in floating:
        open_ = np.flatnonzero(base["rep_id"].isna().to_numpy())
        if not len(open_):
            break
        rep = project.reps.iloc[r]
        home = shapely.Point(float(rep["lon"]), float(rep["lat"]))
        if homes[r] >= 0 and labels[homes[r]] in open_:
            label = int(labels[homes[r]])
        elif home.is_empty or not np.isfinite([rep["lon"], rep["lat"]]).all():
            label = int(open_[0])
        else:
            far = shapely.distance(geoms, home)
            label = int(min(open_, key=lambda t: float(far[labels == t].min(initial=np.inf))))
        old, new = str(base.at[label, "name"]), f"{rep['name']}'s territory"
        base.at[label, "rep_id"], base.at[label, "name"] = rep["rep_id"], new
        renamed[old] = new
        if homes[r] >= 0:
            inside = labels[homes[r]] == label
            notes.append(
                f"{rep['name']} was designed without the home rule: their territory "
                + ("holds their home" if inside else "does not hold their home")
            )
    return base, renamed, notes


def staffing_notes(project: Project, base: pd.DataFrame, *, use_homes: bool = True) -> list[str]:
    """Reps left without a territory and territories without a rep, said in words.

    Parameters
    ----------
    project
        The project (its reps).
    base
        The territories (``name``, and ``rep_id`` where they have one).
    use_homes
        Whether the plan was designed with the reps' homes (else the note says so).

    Returns
    -------
    list[str]
        E.g. "1 rep has no territory: Zed Loop", "2 territories have no rep yet:
        Territory 9, Territory 10" (the first `_LISTED` named, "and N more").
    """
    staffed = set(base["rep_id"].dropna()) if "rep_id" in base else set()
    reps = project.reps
    idle = [str(n) for r, n in zip(reps["rep_id"], reps["name"], strict=True) if r not in staffed]
    if "rep_id" in base:
        open_ = [str(n) for n, r in zip(base["name"], base["rep_id"], strict=True) if pd.isna(r)]
    else:
        open_ = [str(n) for n in base["name"]]
    why = "" if use_homes else " (designed without the reps' homes)"
    notes = []
    if idle:
        notes.append(
            f"{plural(len(idle), 'rep')} {agree(len(idle), 'has', 'have')} no territory{why}: "
            f"{_listed(idle)}"
        )
    if open_ and len(reps):
        notes.append(
            f"{plural(len(open_), 'territory')} {agree(len(open_), 'has', 'have')} no rep yet: "
            f"{_listed(open_)}"
        )
    return notes


_LISTED = 6


def _listed(names: list[str]) -> str:
    """The first `_LISTED` names, and how many more."""
    more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
    return ", ".join(names[:_LISTED]) + more
