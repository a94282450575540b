"""A project's territories seen as sets of area units: what the optimizer works on.

Auto-design, splitting for a new hire and rebalancing all move whole units
(states, counties, ZIP areas) between territories. This module turns a
project into that form and back:

- `project_units`: the units of a kind around the project's accounts and
  territories, the unit each account lies in, and each unit's territory now;
- `unit_weights`: what to balance per unit (accounts, potential, revenue,
  workload hours, or a weighted blend of them);
- `plan_territories`: the territories (union of their units) and the
  accounts assigned to them, for a labelling of the units.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError
from territory_planner.analysis.account_workload import nearest_home_workload, plan_workload
from territory_planner.colors import neighbour_colors
from territory_planner.formats import plural
from territory_planner.geo.areas import us_counties, us_states
from territory_planner.geo.assign import (
    NO_TERRITORY,
    containing_polygon,
    nearest_within,
    territory_of_points,
)
from territory_planner.geo.units import UNIT_KINDS
from territory_planner.geo.zip_areas import zip_areas
from territory_planner.model import CRS, TERRITORY_COLUMNS, Project, conform
from territory_planner.plan.rules import reassign
from territory_planner.plan.unit_scope import in_scope
from territory_planner.routing.workload import has_frequencies

#: What a plan can be balanced on: key -> words.
BALANCE_TARGETS = {
    "accounts": "accounts",
    "potential": "potential",
    "revenue": "revenue",
    "workload": "workload hours",
}
#: One part of a blend: "60% potential", "potential=60", "potential:0.6" or "potential".
_SHARE = re.compile(
    r"(?:(?P<lead>\d[\d.]*)\s*%?\s*)?(?P<key>[a-z_]+(?: hours)?)"
    r"(?:\s*[=:]\s*(?P<tail>\d[\d.]*)\s*%?)?"
)
_GRID = 1e-6
#: Units from a file of polygons the user chose, and what one and many are called.
FILE_KIND = "file"
FILE_UNITS = (
    "area",
    "areas",
)  # degrees: unions of units snap to this grid so shared borders vanish


@dataclass(frozen=True)
class ProjectUnits:
    """Area units of one kind around a project.

    Attributes
    ----------
    kind
        "state", "county" or "zip".
    units
        The units (``name``, the ``county_fips`` of county and ZIP units, and
        geometry), in a fixed order.
    account_unit
        Position in `units` of the unit holding each account (-1: none,
        e.g. unplaced or at sea).
    current
        Row of the project's territory holding each unit now (by its
        representative point), -1 for none.
    """

    kind: str
    units: gpd.GeoDataFrame
    account_unit: np.ndarray
    current: np.ndarray
    zip_in: tuple[str, ...] = ()  # counties (FIPS) made of their ZIP areas instead

    def account_labels(self, labels: np.ndarray) -> np.ndarray:
        """The territory of each account when the units are labelled so.

        Parameters
        ----------
        labels
            Territory of each unit (-1: none).

        Returns
        -------
        numpy.ndarray
            Per account, its unit's territory (-1 when in none, or in no unit).
        """
        unit = self.account_unit
        return np.where(unit >= 0, np.asarray(labels)[np.maximum(unit, 0)], -1)

    def describe(self) -> str:
        """E.g. "1,204 counties", or "1,197 counties and 940 ZIP areas of 7 more"."""
        one, many = UNIT_KINDS.get(self.kind, FILE_UNITS)
        if self.zip_in:
            zips = int(self.units["county_fips"].isin(self.zip_in).sum())
            counties = len(self.units) - zips
            return (
                f"{plural(counties, 'county')} and {plural(zips, 'ZIP area')} "
                f"of {len(self.zip_in)} more"
            )
        return f"{len(self.units):,} {one if len(self.units) == 1 else many}"


def parse_balance(text: str) -> dict[str, float]:
    """What to balance, as shares summing to 1.

    Accepts one target ("potential") or a blend: "potential=60,workload=40",
    "60% potential, 40% workload" or "potential:0.6 workload:0.4".

    Parameters
    ----------
    text
        The balance target as typed (any case; "workload hours" reads as "workload").
        An unknown target, or no positive share, raises `InputError`.

    Returns
    -------
    dict[str, float]
        Target (a key of `BALANCE_TARGETS`) to its share; the shares sum to 1.
    """
    text_l = text.strip().lower()
    shares: dict[str, float] = {}
    matches = list(_SHARE.finditer(text_l))
    leftover = _SHARE.sub("", text_l)
    for match in matches:
        key = match["key"].removesuffix(" hours")
        if (
            key not in BALANCE_TARGETS
            or (match["lead"] and match["tail"])
            or leftover.strip(",;+ ")
        ):
            msg = (
                f"cannot read the balance target '{text}'; use one of "
                f"{', '.join(BALANCE_TARGETS)}, or a blend such as 'potential=60,workload=40'"
            )
            raise InputError(msg)
        shares[key] = shares.get(key, 0.0) + float(match["lead"] or match["tail"] or 1.0)
    total = sum(shares.values())
    if not shares or total <= 0:
        msg = f"the balance target '{text}' has no positive share; give e.g. 'potential'"
        raise InputError(msg)
    return {key: value / total for key, value in shares.items()}


def describe_balance(shares: dict[str, float]) -> str:
    """In words: "potential" or "60% potential, 40% workload hours".

    Parameters
    ----------
    shares
        Target to share, as `parse_balance` gives them.

    Returns
    -------
    str
        The one target's words, or each share as a percentage with its target's words.
    """
    if len(shares) == 1:
        return BALANCE_TARGETS[next(iter(shares))]
    return ", ".join(f"{share:.0%} {BALANCE_TARGETS[key]}" for key, share in shares.items())


def project_units(
    project: Project,
    kind: str,
    areas: gpd.GeoDataFrame | None = None,
    *,
    zip_in: Collection[str] = (),
) -> ProjectUnits:
    """The units of `kind` around the project's accounts (see `unit_scope.in_scope`).

    `kind` "file" takes `areas` as they are: polygons the user imported
    (e.g. sales regions or postal areas from a GIS file), with a ``name``.
    With `kind` "county", the counties whose FIPS are in `zip_in` are made
    of their ZIP areas instead (finer units where accounts crowd).

    Parameters
    ----------
    project
        The project (its accounts, reps' homes and territories).
    kind
        "state", "county", "zip" or "file"; another raises `InputError`.
    areas
        The user's polygons for `kind` "file" (none, or empty, raises `InputError`);
        ignored otherwise.
    zip_in
        5-digit FIPS codes of counties to make of ZIP areas (`kind` "county" only);
        a code of no county around the accounts raises `InputError`.

    Returns
    -------
    ProjectUnits
        The units, the unit holding each account and each unit's territory now.
    """
    if kind == FILE_KIND:
        if areas is None or len(areas) == 0:
            msg = "the file has no areas to build territories from; choose a file of polygons"
            raise InputError(msg)
        units = areas
    elif kind not in UNIT_KINDS:
        msg = f"unknown unit kind '{kind}'; use one of {', '.join(UNIT_KINDS)} or a file"
        raise InputError(msg)
    else:
        units = us_states() if kind == "state" else us_counties()
        units = units[in_scope(units, project)]
        if len(units) == 0:
            msg = "no account lies in the US; import accounts (with positions) first"
            raise InputError(msg)
        if kind == "zip":
            units = zip_areas(units["fips"].tolist())
        elif kind == "county" and zip_in:
            units = _with_zip_areas(units, zip_in)
    fips = units["fips"] if kind == "county" else units.get("county_fips", "")
    units = gpd.GeoDataFrame(
        {"name": units["name"].to_numpy(), "county_fips": np.asarray(fips, dtype=object)},
        geometry=units.geometry.to_numpy(),
        crs=CRS,
    )
    acc = project.accounts
    account_unit = territory_of_points(  # the same rule as assignment: shores included
        acc["lon"].to_numpy(dtype=float), acc["lat"].to_numpy(dtype=float), units.geometry.values
    )
    account_unit[account_unit < 0] = -1
    points = shapely.point_on_surface(units.geometry.to_numpy())
    current = containing_polygon(
        shapely.get_x(points), shapely.get_y(points), project.territories.geometry.values
    )
    current[current < 0] = -1
    made_of_zips = tuple(sorted(set(zip_in))) if kind == "county" else ()  # (else ignored)
    return ProjectUnits(kind, units, account_unit, current, made_of_zips)


def change_units(project: Project, kind: str, zip_in: Collection[str] = ()) -> ProjectUnits:
    """The units a rebalance or a split moves, as the plan in use holds them.

    A unit counts as its territory's whole, so a county the plan splits between
    territories (a plan made with ZIP areas there, or drawn by hand) would start
    the change from a plan that is not the one in use: such counties (with
    accounts in another territory than the one holding the county's middle) are
    taken as their ZIP areas. State units the plan splits are refused.

    Parameters
    ----------
    project
        The project and its plan in use.
    kind
        "county", "state" or "zip" (see `project_units`).
    zip_in
        Counties (FIPS) asked for as their ZIP areas.

    Returns
    -------
    ProjectUnits
        The units, with the counties the plan splits made of their ZIP areas.

    Raises
    ------
    InputError
        For state units, when the plan in use splits a state between territories.
    """
    plan_units = project_units(project, kind, zip_in=zip_in)
    split = _split_units(project, plan_units)
    if not len(split) or kind not in {"county", "state"}:
        return plan_units
    if kind == "state":
        names = plan_units.units["name"].to_numpy()[split].astype(str).tolist()
        said = names[0] if len(names) == 1 else f"{names[0]} and {plural(len(names) - 1, 'more')}"
        msg = (
            f"the plan in use splits {said} between territories, and a change by state "
            "would move each state whole: use county units"
        )  # (its accounts lie in another territory than the state's middle)
        raise InputError(msg)
    fips = plan_units.units["county_fips"].astype(str).to_numpy()[split]
    extra = sorted(set(fips.tolist()) - set(plan_units.zip_in))
    return project_units(project, kind, zip_in=(*zip_in, *extra)) if extra else plan_units


def _split_units(project: Project, plan_units: ProjectUnits) -> np.ndarray:
    """Units the plan in use does not hold whole: accounts in another territory than the unit.

    (A unit counts as the territory holding its middle: `ProjectUnits.current`.)
    """
    rows = pd.Series(np.arange(len(project.territories)), index=project.territories["territory_id"])
    territory = project.accounts["territory_id"].map(rows).fillna(-1).to_numpy(dtype=np.int64)
    unit = plan_units.account_unit
    held = (unit >= 0) & (territory >= 0)
    apart = held & (territory != plan_units.current[np.maximum(unit, 0)])
    return np.unique(unit[apart]).astype(np.int64)


def _with_zip_areas(counties: gpd.GeoDataFrame, zip_in: Collection[str]) -> gpd.GeoDataFrame:
    """The counties, those in `zip_in` (FIPS) replaced by their ZIP areas."""
    unknown = sorted(set(zip_in) - set(counties["fips"]))
    if unknown:
        msg = (
            f"no county with the FIPS code {', '.join(unknown)} lies around the accounts; "
            "give 5-digit county codes such as 36061 (New York County)"
        )
        raise InputError(msg)
    split = counties["fips"].isin(list(zip_in))
    zips = zip_areas(counties.loc[split, "fips"].tolist())
    zips = zips.assign(fips=zips["county_fips"])
    return pd.concat([counties[~split], zips], ignore_index=True)


def outer_units(project: Project, plan_units: ProjectUnits) -> gpd.GeoDataFrame:
    """Land the plan in use covers just outside the units' region, as states or counties.

    It holds no account, so it does not count for balance; a new plan gives
    each piece to the nearest territory so that it covers what the old one
    did. Land far from the region (Alaska, Hawaii, islands offshore) is
    not handed to a territory thousands of kilometres away: it is left out.

    Parameters
    ----------
    project
        The project (its territories now).
    plan_units
        The units the new plan is made of (for "file" units nothing is added).

    Returns
    -------
    geopandas.GeoDataFrame
        The pieces (geometry only), within about 100 km of the units; may be empty.
    """
    if plan_units.kind == FILE_KIND:  # the user's own areas: nothing to add
        return gpd.GeoDataFrame(geometry=[], crs=CRS)
    units = us_states() if plan_units.kind == "state" else us_counties()
    covered = shapely.STRtree(plan_units.units.geometry.to_numpy())  # (no union: faster)
    points = shapely.point_on_surface(units.geometry.to_numpy())
    inside = containing_polygon(
        shapely.get_x(points), shapely.get_y(points), project.territories.geometry.values
    )
    outside = inside != NO_TERRITORY
    outside[covered.query(points, predicate="within")[0]] = False
    geoms = units.geometry.to_numpy()[outside]
    near = np.unique(covered.query(geoms, predicate="dwithin", distance=_OUTER_REACH_DEGREES)[0])
    return gpd.GeoDataFrame(geometry=geoms[near], crs=CRS)


#: How far (degrees, about 100 km) from the units land of the old plan may still be handed on.
_OUTER_REACH_DEGREES = 1.0


def nearest_labels(
    pieces: gpd.GeoDataFrame, plan_units: ProjectUnits, labels: np.ndarray
) -> np.ndarray:
    """The label of the unit nearest to each piece.

    Parameters
    ----------
    pieces
        Land outside the units (as `outer_units` gives it).
    plan_units
        The units.
    labels
        Each unit's label (territory number).

    Returns
    -------
    numpy.ndarray
        Per piece, the label of the unit nearest it (int64).
    """
    if len(pieces) == 0:
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(plan_units.units.geometry.to_numpy())
    (piece, unit) = tree.query_nearest(pieces.geometry.to_numpy(), all_matches=False)
    found = np.zeros(len(pieces), dtype=np.int64)
    found[piece] = labels[unit]
    return found


def account_weights(
    project: Project, shares: dict[str, float], workload: np.ndarray | None = None
) -> np.ndarray:
    """Per account, the blend of balance targets, each scaled to its team total.

    Scaling makes a blend mean what it says: "60% potential, 40% workload"
    weighs a territory's share of the team's potential against its share
    of the team's workload, whatever their units. `workload` gives each
    account's yearly hours as its territory's rep would drive them (default:
    served by the rep living nearest).

    Parameters
    ----------
    project
        The project (its accounts, and reps' homes for the default workload).
    shares
        Target to share, as `parse_balance` gives them. Workload without any visit
        frequency, or a target no account has any of, raises `InputError`.
    workload
        Each account's yearly hours; None: served from the nearest rep's home.

    Returns
    -------
    numpy.ndarray
        The weight of each account; over the team each target's part sums to its share.
    """
    acc = project.accounts
    if "workload" in shares and not has_frequencies(acc):
        msg = (
            "no account has a visit frequency, so workload is unknown: import visit "
            "frequencies, or balance on accounts, revenue or potential"
        )
        raise InputError(msg)
    columns = {
        "accounts": np.ones(len(acc)),
        "potential": acc["potential"].fillna(0).to_numpy(dtype=float),
        "revenue": acc["annual_revenue"].fillna(0).to_numpy(dtype=float),
    }
    weights = np.zeros(len(acc))
    for key, share in shares.items():
        if key == "workload":
            values = nearest_home_workload(project) if workload is None else workload
        else:
            values = columns[key]
        values = np.clip(np.nan_to_num(values), 0, None)
        total = values.sum()
        if total <= 0:
            msg = (
                f"no account has any {BALANCE_TARGETS[key]}; balance on something the accounts have"
            )
            raise InputError(msg)
        weights += share * values / total
    return weights


def plan_account_weights(project: Project, shares: dict[str, float]) -> np.ndarray:
    """`account_weights` with workload as the plan in use serves it (what the KPI panel shows).

    Parameters
    ----------
    project
        The project (its accounts, territories and reps).
    shares
        Target to share, as `parse_balance` gives them.

    Returns
    -------
    numpy.ndarray
        The weight of each account.
    """
    served = plan_workload(project) if "workload" in shares else None
    return account_weights(project, shares, served)


def unit_weights(plan_units: ProjectUnits, account_values: np.ndarray) -> np.ndarray:
    """Sum of the accounts' values per unit.

    Parameters
    ----------
    plan_units
        The units (and the unit holding each account).
    account_values
        A value per account (e.g. from `account_weights`); accounts in no unit do not count.

    Returns
    -------
    numpy.ndarray
        The sum per unit, in the units' order.
    """
    inside = plan_units.account_unit >= 0
    return np.bincount(
        plan_units.account_unit[inside],
        weights=account_values[inside],
        minlength=len(plan_units.units),
    )


#: How far (degrees, about 50 km) a home outside every unit may lie from the nearest one.
_HOME_REACH_DEGREES = 0.5


def rep_home_units(project: Project, plan_units: ProjectUnits) -> np.ndarray:
    """Unit holding each rep's home, -1 where the rep has no home or it lies far from the units.

    A home outside every unit outline (a ZIP centroid in a lake or the sea,
    a downtown on the shore) belongs to the nearest unit within about 50 km.

    Parameters
    ----------
    project
        The project (its reps' ``lon`` and ``lat``).
    plan_units
        The units.

    Returns
    -------
    numpy.ndarray
        Per rep, the position of its home's unit in the units, or -1.
    """
    reps = project.reps
    lon = reps["lon"].to_numpy(dtype=float)
    lat = reps["lat"].to_numpy(dtype=float)
    geoms = plan_units.units.geometry.values
    found = np.asarray(containing_polygon(lon, lat, geoms), dtype=np.int64)
    found[found < 0] = -1
    lost = np.flatnonzero((found < 0) & np.isfinite(lon) & np.isfinite(lat))
    found[lost] = nearest_within(lon[lost], lat[lost], geoms, _HOME_REACH_DEGREES)
    return found


def plan_territories(
    project: Project,
    plan_units: ProjectUnits,
    labels: np.ndarray,
    base: pd.DataFrame,
    *,
    kept: dict[int, BaseGeometry] | None = None,
    outer: tuple[gpd.GeoDataFrame, np.ndarray] | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Territories built from labelled units, and the accounts assigned to them.

    `base` gives, per label, the territory's attributes (``territory_id``,
    ``name``, ``rep_id``, and optionally ``quota``, ``locked``, ``color``);
    a missing colour is chosen so neighbours differ. Accounts are then
    assigned as always: locks, rules and the parent policy first, geography
    for the rest. `kept` gives labels whose outline stays exactly as it is
    (locked territories); the other territories are cut back where they
    would overlap one. `outer` adds pieces beyond the units (see
    `outer_units`) with their labels. Returns (territories, accounts); the
    project is not changed.

    Parameters
    ----------
    project
        The project the plan is for.
    plan_units
        The units.
    labels
        Each unit's label: a row of `base`.
    base
        One row per territory of the plan, in label order.
    kept
        Label to the outline it keeps; None: none.
    outer
        Pieces beyond the units and their labels; None: none.

    Returns
    -------
    tuple[geopandas.GeoDataFrame, pandas.DataFrame]
        The territories (one per row of `base`) and the accounts table assigned to them.
    """
    kept = kept or {}
    geoms = plan_units.units.geometry.to_numpy()
    if outer is not None and len(outer[0]):
        geoms = np.concatenate([geoms, outer[0].geometry.to_numpy()])
        labels = np.concatenate([labels, outer[1]])
    shapes = [
        kept[t] if t in kept else shapely.union_all(geoms[labels == t], grid_size=_GRID)
        for t in range(len(base))
    ]
    if kept:
        fixed = shapely.union_all(list(kept.values()))
        shapes = [
            shape if t in kept else shapely.difference(shape, fixed, grid_size=_GRID)
            for t, shape in enumerate(shapes)
        ]
    frame = base.reset_index(drop=True).copy()
    if "color" not in frame or frame["color"].isna().any():
        frame["color"] = neighbour_colors(shapes)
    territories = gpd.GeoDataFrame(conform(frame, TERRITORY_COLUMNS), geometry=shapes, crs=CRS)
    trial = Project(
        accounts=project.accounts,
        reps=project.reps,
        territories=territories,
        name=project.name,
        settings=project.settings,
    )
    return territories, reassign(trial).accounts
