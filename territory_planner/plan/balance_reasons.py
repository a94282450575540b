"""Why a designed plan misses its balance band, in words a manager can act on.

When territories end outside the band, the first question is whether any
plan of these units could do better. `balance_bound` answers it exactly
(ignoring connectedness), and the reasons name the lumps that stand in the
way ("Cook County alone is 1.70 of a mean territory and holds Tom Becker's
home"), then the fixes: finer units where the lumps are, a wider band, or
designing without the home rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from territory_planner.geo.areas import us_counties
from territory_planner.geo.earth import haversine_km
from territory_planner.geo.units import UNIT_KINDS
from territory_planner.model import Project
from territory_planner.plan.allocation import BalanceBound, balance_bound
from territory_planner.plan.corridors import NEAR_STEPS, block_bound, both_ways, top_up_near
from territory_planner.plan.unit_plan import FILE_KIND, FILE_UNITS, ProjectUnits


@dataclass(frozen=True)
class DesignFix:
    """A change of the design's options that would help (what a "Try…" button runs again).

    Only the fields that change are set: ``kind`` (finer units), ``tolerance``
    (a wider band), ``use_homes`` (False: without the reps' homes as seeds) or
    ``free_home`` (the ID of one rep designed without the home rule) or
    ``zip_in`` (the counties to make of ZIP areas, where the lumps are) or
    ``balance`` (another balance target, e.g. "potential" when most workload
    hours lie beyond the reps' day trips).
    """

    label: str
    kind: str | None = None
    tolerance: float | None = None
    use_homes: bool | None = None
    free_home: str | None = None
    zip_in: tuple[str, ...] | None = None  # counties (FIPS) to make of their ZIP areas
    balance: str | None = None  # another balance target (`unit_plan.parse_balance`)


@dataclass(frozen=True)
class BalanceAdvice:
    """Why the band is missed (sentences) and the fixes to offer."""

    reasons: list[str] = field(default_factory=list)
    fixes: list[DesignFix] = field(default_factory=list)


_LUMP = 0.25  # of a mean territory: a unit this heavy is worth naming
_SPLIT = 0.05  # of a mean territory: a county this heavy is made of ZIP areas by the finer fix
_SPLIT_MOST = 12  # counties at most (the heaviest): each adds up to a few hundred ZIP areas
_NAMED = 3


def unit_words(plan_units: ProjectUnits, unit: int) -> str:
    """A unit as a manager would say it: "Cook County", "ZIP area 60601", "Texas".

    Parameters
    ----------
    plan_units
        The units.
    unit
        The unit's position in them.

    Returns
    -------
    str
        Its name, with "County" after it ("Parish" in Louisiana; nothing for the
        District of Columbia and Alaska's boroughs) or "ZIP area" before it.
    """
    name = str(plan_units.units["name"].iloc[unit])
    if plan_units.kind == "county":
        fips = str(plan_units.units["county_fips"].iloc[unit])
        if fips in plan_units.zip_in:  # a ZIP area of a county made of them ("ZIP 10001")
            return name.replace("ZIP ", "ZIP area ", 1)
        return name + _COUNTY_WORD.get(fips[:2], " County")
    if plan_units.kind == "zip":
        return f"ZIP area {name}"
    return name


_COUNTY_WORD = {"11": "", "02": "", "22": " Parish"}  # by state FIPS: DC, Alaska, Louisiana


def place_name(plan_units: ProjectUnits, members: np.ndarray, weights: np.ndarray) -> str:
    """A territory without a rep named after its heaviest unit ("Allegheny County area").

    Parameters
    ----------
    plan_units
        The units.
    members
        Positions of the territory's units (at least one).
    weights
        Each unit's weight.

    Returns
    -------
    str
        The heaviest member in words (`unit_words`), then "area"; where counties
        are made of ZIP areas, the county that weighs most in the territory
        ("Los Angeles County area", not "ZIP area 90067 area").
    """
    heaviest = int(members[np.argmax(weights[members])])
    if plan_units.kind != "county" or not plan_units.zip_in:
        return f"{unit_words(plan_units, heaviest)} area"
    fips = plan_units.units["county_fips"].to_numpy()[members].astype(str)
    county, at = np.unique(fips, return_inverse=True)
    top = str(county[np.argmax(np.bincount(at, weights=weights[members]))])
    if top not in plan_units.zip_in:  # a whole county: itself
        return f"{unit_words(plan_units, int(members[fips == top][0]))} area"
    counties = us_counties().set_index("fips")["name"]
    return f"{counties.get(top, top)}{_COUNTY_WORD.get(top[:2], ' County')} area"


def renamed(messages: list[str], names: dict[str, str]) -> list[str]:
    """The messages with the territories called by their new names.

    Parameters
    ----------
    messages
        Sentences that name territories.
    names
        Old name to new name (whole words: "Territory 1" leaves "Territory 10").

    Returns
    -------
    list[str]
        The sentences renamed.
    """
    for old, new in names.items():
        messages = [re.sub(rf"\b{re.escape(old)}\b", new, m) for m in messages]
    return messages


def balance_reasons(
    project: Project,
    plan_units: ProjectUnits,
    weights: np.ndarray,
    *,
    pinned: np.ndarray,
    tolerance: float,
    holders: dict[int, tuple[str, str]],
    k: int | None = None,
    reached: float | None = None,
    graph: nx.Graph | None = None,
) -> BalanceAdvice:
    """Why no plan of these units is within ±`tolerance`, and what would help.

    Parameters
    ----------
    project
        The project (its reps name the homes).
    plan_units
        The units the plan was built from.
    weights
        The balanced value per unit.
    pinned
        Territory each unit must stay in (homes, locks), -1 where free.
    tolerance
        The band asked for.
    holders
        Unit -> name and ID of the rep whose home it holds.
    k
        Number of territories (default: one per rep).
    reached
        The designed plan's largest deviation (a band that surely holds it is offered).
    graph
        The units' adjacency (`unit_graph`), if built: a heavy home whose
        neighbours cannot top it up to the band is then named.

    Returns
    -------
    BalanceAdvice
        Sentences saying why, and the fixes to offer; empty when there are no
        territories or nothing weighs anything.
    """
    k = len(project.reps) if k is None else k
    if k < 1 or weights.sum() <= 0:
        return BalanceAdvice()
    mean = float(weights.sum()) / k
    bound = balance_bound(weights, k, pinned, target=tolerance)
    heavy = [int(u) for u in np.argsort(-weights, kind="stable")[:_NAMED]]
    heavy = [u for u in heavy if weights[u] >= _LUMP * mean]
    lumps = [
        f"{unit_words(plan_units, u)} alone is {weights[u] / mean:.2f} of a mean territory"
        + (f" and holds {holders[u][0]}'s home" if u in holders else "")
        for u in heavy
    ]
    finer = plan_units.kind not in {FILE_KIND, "zip"}
    zip_fix = _finer_fix(plan_units, weights / mean)
    if bound.lower <= tolerance + 1e-9:
        wider = math.ceil(100 * (reached or 2 * tolerance) - 1e-6) / 100
        fixes = [*([zip_fix] if finer else []), DesignFix(f"±{wider:.0%}", tolerance=wider)]
        crowded = _crowded_homes(plan_units, holders)
        if crowded:  # territories that must all start in one city
            fixes.append(DesignFix("Without homes", use_homes=False))
        blocked = _blocked(
            plan_units,
            weights,
            pinned=pinned,
            holders=holders,
            graph=graph,
            k=k,
            tolerance=tolerance,
        )
        if blocked:
            return BalanceAdvice(
                [
                    blocked,
                    f"±{tolerance:.1%} needs "
                    + (f"{zip_fix.label}, or " if finer else "")
                    + "a wider band",
                    *crowded,
                ],
                fixes,
            )
        return BalanceAdvice(
            [
                *_far_lumps(project, plan_units, weights / mean, heavy, holders),
                *_tight_homes(plan_units, weights / mean, holders, graph, tolerance),
                f"±{tolerance:.1%} is reachable with these units if territories need not be in "
                f"one piece (a plan at ±{bound.found:.1%} exists), but no plan in one piece "
                f"each was found: try {f'{zip_fix.label} or ' if finer else ''}a wider band",
                *crowded,
            ],
            fixes,
        )
    widest = math.ceil(round(bound.lower * 100, 6))
    # the band offered holds this plan: the bound ignores connectedness, so it may not
    offered = max(widest, math.ceil(100 * (reached or 0.0) - 1e-6))
    holds = f"; ±{offered}% holds this plan" if offered > widest else ""
    words = [f"a wider band (±{widest}% is the closest these units allow{holds})"]
    fixes = [DesignFix(f"±{offered}%", tolerance=offered / 100)]
    coarse = heavy
    if plan_units.kind == "county" and plan_units.zip_in:
        fips = plan_units.units["county_fips"].astype(str).to_numpy()
        coarse = [u for u in heavy if fips[u] not in plan_units.zip_in]
    if finer and coarse:  # (a lump that is a ZIP area already cannot be split finer)
        where = ", ".join(unit_words(plan_units, u) for u in coarse)
        words.insert(0, f"ZIP areas instead of {plan_units.kind} units (the lumps are {where})")
        fixes.insert(0, zip_fix)
    freed = _free_home_fix(
        weights, k, pinned, {u: holders[u] for u in heavy if u in holders}, bound.lower
    )
    if freed is not None:
        fixes.append(freed[0])
        words.append(freed[1])
    if any(u in holders for u in heavy) and _homes_hold_back(weights, k, pinned, holders, bound):
        words.append("designing without the reps' homes as seeds")
        fixes.append(DesignFix("Without homes", use_homes=False))
    reasons = [
        f"No plan of these units can be within ±{tolerance:.1%}: the closest is "
        f"±{bound.lower:.1%}, whatever the shapes",
        *lumps,
        f"±{tolerance:.1%} needs " + ", or ".join(words),
    ]
    return BalanceAdvice(reasons, fixes)


_FAR_KM = 500.0  # a lump this far from every home needs a long territory to reach it


def _far_lumps(
    project: Project,
    plan_units: ProjectUnits,
    share: np.ndarray,
    heavy: list[int],
    holders: dict[int, tuple[str, str]],
) -> list[str]:
    """The heavy units far from every rep's home, in words: whoever takes one must reach it.

    `share` is each unit's weight in mean territories; `holders` maps the home
    units to their reps (name, ID).
    """
    ids = {rep_id for _, rep_id in holders.values()}
    reps = project.reps[project.reps["rep_id"].astype(str).isin(ids)].dropna(subset=["lon", "lat"])
    far = [u for u in heavy if u not in holders]
    if reps.empty or not far:
        return []
    points = plan_units.units.geometry.iloc[far].representative_point()
    km = haversine_km(
        points.x.to_numpy()[:, None],
        points.y.to_numpy()[:, None],
        reps["lon"].to_numpy(dtype=float)[None, :],
        reps["lat"].to_numpy(dtype=float)[None, :],
    )
    said = []
    for row, unit in enumerate(far):
        nearest = int(np.argmin(km[row]))
        if km[row, nearest] > _FAR_KM:
            said.append(
                f"{unit_words(plan_units, unit)} alone is {share[unit]:.2f} of a mean territory "
                f"and the nearest rep, {reps['name'].iloc[nearest]}, lives "
                f"{km[row, nearest]:,.0f} km away: the territory that takes it must reach "
                "that far in one piece"
            )
    return said


def _blocked(
    plan_units: ProjectUnits,
    weights: np.ndarray,
    *,
    pinned: np.ndarray,
    holders: dict[int, tuple[str, str]],
    graph: nx.Graph | None,
    k: int,
    tolerance: float,
) -> str:
    """Why no plan in one piece each is within the band, if a block proves it (`block_bound`).

    Only with a home in every territory and nothing else pinned (a locked
    territory's units are not homes the proof may route through).
    """
    if graph is None or len(holders) < k or (pinned >= 0).sum() != len(holders):
        return ""
    found = block_bound(weights, both_ways(graph), list(holders), k)
    if found is None or found.deviation <= tolerance + 1e-9:
        return ""
    mean = float(weights.sum()) / k
    behind = [unit_words(plan_units, u) for u in found.block[1:]]
    what = unit_words(plan_units, found.unit) + (
        f" with {behind[0] if len(behind) == 1 else f'{len(behind)} more'} behind it"
        if behind
        else ""
    )
    if found.home < 0:  # a home and what only it reaches
        how = f"holds {holders[found.unit][0]}'s home: that territory"
    else:
        through = (
            f"the lightest way to it passes {unit_words(plan_units, found.via)} "
            f"({float(weights[found.via]) / mean:.2f}), and "
            if found.via >= 0
            else ""
        )
        how = (
            f"lies beyond every home: {through}the lightest territory that can take it, from "
            f"{holders[found.home][0]}'s home ({unit_words(plan_units, found.home)}),"
        )
    total = 1 + found.deviation
    return (
        f"No plan with every territory in one piece can be within ±{tolerance:.1%}: {what} "
        f"({float(weights[found.block].sum()) / mean:.2f} of a mean territory) {how} weighs at "
        f"least {total:.2f} of a mean territory (+{found.deviation:.1%})"
    )


def _tight_homes(
    plan_units: ProjectUnits,
    share: np.ndarray,
    holders: dict[int, tuple[str, str]],
    graph: nx.Graph | None,
    tolerance: float,
) -> list[str]:
    """Homes nearly a territory alone that no mix of the units near them tops up, in words.

    Which homes those are is `top_up_near`'s to say.
    """
    if graph is None:
        return []
    neighbours = [list(graph.adj[u]) for u in range(len(share))]
    band = (1 - tolerance, 1 + tolerance)
    said = []
    for home, (rep, _) in holders.items():
        near = top_up_near(share, home, neighbours, band=band, others=holders)
        if near is None:
            continue
        listed = ", ".join(f"{unit_words(plan_units, u)} {share[u]:.2f}" for u in near[:_LISTED])
        listed += f" and {len(near) - _LISTED} more" if len(near) > _LISTED else ""
        kinds = UNIT_KINDS.get(plan_units.kind, FILE_UNITS)[1]
        around = f"the {kinds} up to {NEAR_STEPS} steps away"
        low, high = band[0] - share[home], band[1] - share[home]
        said.append(
            f"{unit_words(plan_units, home)} holds {rep}'s home and is {share[home]:.2f} of a "
            f"mean territory: ±{tolerance:.1%} needs another {low:.2f}-{high:.2f} of a "
            f"territory, and no mix of {around} ({listed or 'none weighs anything'}) adds that"
        )
    return said


_LISTED = 4  # near units named (heaviest first)
_FREED_GAIN = 0.005  # a home rule is worth dropping when the bound falls by this much
_FREED_SECONDS = 2.0  # per solve


def _finer_fix(plan_units: ProjectUnits, share: np.ndarray) -> DesignFix:
    """Finer units: ZIP areas in the heaviest counties (a design in seconds), else everywhere."""
    if plan_units.kind != "county":
        return DesignFix("ZIP areas", kind="zip")
    fips = plan_units.units["county_fips"].to_numpy()
    order = np.argsort(-share, kind="stable")
    heavy = [int(u) for u in order if share[u] >= _SPLIT and fips[u] not in plan_units.zip_in][
        :_SPLIT_MOST
    ]
    if not heavy:
        return DesignFix("ZIP areas", kind="zip")
    names = [str(plan_units.units["name"].iloc[u]) for u in heavy]
    shown = (
        f"{names[0]}, {names[1]} and {len(names) - 2} more"
        if len(names) > 2  # noqa: PLR2004
        else " and ".join(names)
    )
    return DesignFix(
        f"ZIP areas in {shown} {'County' if len(names) == 1 else 'counties'}",
        zip_in=(*plan_units.zip_in, *(str(fips[u]) for u in heavy)),
    )


def _homes_hold_back(
    weights: np.ndarray,
    k: int,
    pinned: np.ndarray,
    homes: dict[int, tuple[str, str]],
    bound: BalanceBound,
) -> bool:
    """Whether the units balance closer with no home pinned (locks kept) than with them."""
    free = pinned.copy()
    free[list(homes)] = -1
    floor = float(weights.max()) * k / float(weights.sum()) - 1  # the heaviest unit's holder
    if floor > bound.lower - _FREED_GAIN:
        return False
    return balance_bound(weights, k, free, time_limit=_FREED_SECONDS).lower <= (
        bound.lower - _FREED_GAIN
    )


def _crowded_homes(plan_units: ProjectUnits, homes: dict[int, tuple[str, str]]) -> list[str]:
    """When most reps live near one another, that in a sentence (else nothing).

    Every territory must then start in the same city and reach out from it in
    one piece, which the design may not find even where balance allows it.
    """
    units = list(homes)
    if len(units) < 2:  # noqa: PLR2004 (one home crowds nothing)
        return []
    points = plan_units.units.geometry.iloc[units].representative_point()
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    gaps = haversine_km(lon[:, None], lat[:, None], lon[None], lat[None])
    np.fill_diagonal(gaps, np.inf)
    near = int((gaps.min(axis=1) <= _CROWDED_KM).sum())
    if near <= len(units) / 2:
        return []
    return [
        f"most reps live within {_CROWDED_KM:.0f} km of one another ({near} of "
        f"{len(units)} homes): every territory must start there and reach out in one piece; "
        "designing without the reps' homes as seeds draws the territories where the accounts are"
    ]


_CROWDED_KM = 50.0  # homes this close count as one city's


def _free_home_fix(
    weights: np.ndarray,
    k: int,
    pinned: np.ndarray,
    homes: dict[int, tuple[str, str]],
    lower: float,
) -> tuple[DesignFix, str] | None:
    """The rep whose home rule, dropped, lets the balance come closest, and why in words.

    `homes` holds the units to try (unit -> name and ID of the rep living
    there); None when dropping none of them lowers the bound.
    """
    # whoever holds the heaviest unit totals at least its weight, homes pinned or not
    floor = float(weights.max()) * k / float(weights.sum()) - 1
    if floor > lower - _FREED_GAIN:
        return None
    best: tuple[float, int] | None = None
    for unit in homes:
        free = pinned.copy()
        free[unit] = -1
        then = balance_bound(weights, k, free, time_limit=_FREED_SECONDS).lower
        if then <= lower - _FREED_GAIN and (best is None or then < best[0]):
            best = (then, unit)
    if best is None:
        return None
    name, rep_id = homes[best[1]]
    words = f"designing {name}'s territory without their home (then ±{best[0]:.1%} is the closest)"
    return DesignFix(f"Without {name}'s home", free_home=rep_id), words
