"""Workload as weights that depend on the plan: each account driven from its territory's rep.

What an account weighs in workload depends on who serves it (the drive from
that rep's home; `routing.workload`, the one workload). Design, rebalance and
split all balance the same thing the KPI panel shows: each unit's weight in
each territory (`Workload.served`), with the legs between accounts of one
plan. Moving a unit to a territory whose rep lives far away makes it heavier
there, and the plan's totals say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory_planner.analysis.account_workload import (
    UNPLANNABLE_SHARE,
    beyond_day_trip,
    day_trip_reach,
    far_hours,
    has_home,
    served_workload,
    workload_by_rep,
)
from territory_planner.formats import plural
from territory_planner.model import Project
from territory_planner.plan.rebalance_inputs import trade_matrix
from territory_planner.plan.unit_plan import (
    ProjectUnits,
    account_weights,
    rep_home_units,
    unit_weights,
)


def territory_reps(project: Project, base: pd.DataFrame) -> np.ndarray:
    """Row (in ``project.reps``) of each territory's rep, -1 for none.

    Parameters
    ----------
    project
        The project (its reps).
    base
        The territories (a ``rep_id`` column; without one, none has a rep).

    Returns
    -------
    numpy.ndarray
        Per territory (row of `base`), the rep's row.
    """
    rep_row = {r: i for i, r in enumerate(project.reps["rep_id"])}
    reps = base["rep_id"] if "rep_id" in base else pd.Series([None] * len(base))
    return np.array(
        [rep_row.get(r, -1) if isinstance(r, str) else -1 for r in reps], dtype=np.int64
    )


def territory_homes(project: Project, plan_units: ProjectUnits, base: pd.DataFrame) -> np.ndarray:
    """The unit holding each territory's rep's home (`rep_home_units`), -1 for none.

    Parameters
    ----------
    project
        The project (its reps and their homes).
    plan_units
        The units.
    base
        The territories (a ``rep_id`` column).

    Returns
    -------
    numpy.ndarray
        Per territory (row of `base`), its rep's home unit, or -1 (no rep, or no home).
    """
    at = np.append(rep_home_units(project, plan_units), -1)  # (-1: no rep, no home)
    return np.asarray(at[territory_reps(project, base)], dtype=np.int64)


def serving_reps(
    project: Project,
    plan_units: ProjectUnits,
    labels: np.ndarray,
    base: pd.DataFrame,
    nearest: np.ndarray | None = None,
) -> np.ndarray:
    """Row of the rep serving each account when the units are labelled so.

    Parameters
    ----------
    project
        The project (its accounts and reps).
    plan_units
        The units (and the unit of each account).
    labels
        Territory (row of `base`) of each unit, -1 for none.
    base
        The territories (their ``rep_id``).
    nearest
        Per account, the rep serving it where its territory has none (or it has
        none). None: as the KPI panel has it (`plan_servers`), the accounts of a
        territory without a rep share legs with no home (code -2 - territory),
        and those in none too (-1).

    Returns
    -------
    numpy.ndarray
        Per account, the serving rep's row (or such a code).
    """
    label = plan_units.account_labels(labels)
    reps = territory_reps(project, base)
    server = np.where(label >= 0, reps[np.maximum(label, 0)], -1)
    if nearest is not None:
        return np.where(server >= 0, server, nearest)
    return np.where((label >= 0) & (server < 0), -2 - label, server)


@dataclass(frozen=True)
class Workload:
    """Unit weights on (a blend with) workload, with the legs of one plan.

    Attributes
    ----------
    weights
        Each unit's weight as that plan serves it (what the KPI panel shows for it).
    served
        Units x territories: its weight in each territory, driven from that
        territory's rep's home (where a territory has no rep: `weights`).
    """

    weights: np.ndarray
    served: np.ndarray


def workload_weights(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    base: pd.DataFrame,
    server: np.ndarray,
    *,
    together: np.ndarray | None = None,
    far: np.ndarray | None = None,
) -> Workload:
    """The weights of a plan balanced on (a blend with) workload when `server` serves the accounts.

    Parameters
    ----------
    project
        The project.
    plan_units
        The units.
    shares
        What to balance, as `parse_balance` gives it (with a "workload" share).
    base
        The territories (their ``rep_id``), one column of `Workload.served` each.
    server
        Per account, who serves it now (`serving_reps`, or the KPIs'
        `plan_servers`): the legs between accounts are this plan's.
    together
        Per account, the group that would move with it (e.g. its unit): its leg in
        another territory is then to the nearer of that territory's accounts and
        its group's. None: the leg it has now (design, where whole regions move).
    far
        Accounts x territories (`out_of_reach` of the plan a change starts from):
        where True, the account weighs the team's whole total more in that
        territory, so no balance gained pays for handing it there (rebalance and
        split: moves never hand accounts out of reach). None: no such rule.

    Returns
    -------
    Workload
        The weights, in shares of the team totals as `account_weights` gives them.
    """
    reference = served_workload(project, server)
    weights = unit_weights(plan_units, account_weights(project, shares, reference))
    others = {key: share for key, share in shares.items() if key != "workload"}
    fixed = account_weights(project, others) if others else np.zeros(len(reference))
    by_rep = workload_by_rep(project, server, together=together)
    by_rep *= shares["workload"] / reference.sum()
    reps = territory_reps(project, base)
    penalty = np.zeros((len(reference), len(reps))) if far is None else far * _FAR_PENALTY
    columns = [
        weights if r < 0 else unit_weights(plan_units, fixed + by_rep[:, r] + penalty[:, t])
        for t, r in enumerate(reps.tolist())
    ]
    return Workload(weights, np.column_stack(columns))


def plan_reweigh(
    project: Project,
    plan_units: ProjectUnits,
    shares: dict[str, float],
    base: pd.DataFrame,
    *,
    far: np.ndarray | None = None,
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """How any plan of the units weighs them on (a blend with) workload: a rebalance's `reweigh`.

    Parameters
    ----------
    project
        The project.
    plan_units
        The units.
    shares
        What to balance (with a "workload" share).
    base
        The territories (their ``rep_id``), in label order; the accounts of one without a
        rep share legs with no home, as the KPI panel has them.
    far
        Accounts x territories where an account may not go (`out_of_reach`); None: anywhere.

    Returns
    -------
    callable
        Given labels (a territory per unit), each unit's weight where it is and units x
        territories, its weight in each (`Workload`), a moved unit's accounts keeping the
        legs between them.
    """

    def reweigh(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        server = serving_reps(project, plan_units, labels, base)
        work = workload_weights(
            project,
            plan_units,
            shares,
            base,
            server,
            together=plan_units.account_unit,
            far=far,
        )
        return work.weights, work.served

    return reweigh


_FAR_PENALTY = 1.0  # the team's total (weights are shares of it): more than any move gains


def out_of_reach(project: Project, base: pd.DataFrame, server: np.ndarray) -> np.ndarray:
    """Accounts x territories: whether handing the account there puts it out of reach.

    True where the territory's rep cannot drive to the account, visit and drive
    back in a working day (`analysis.account_workload.day_trip_reach`) while the
    rep of another territory of `base` can, and does not serve it now. Balanced
    hours are not reachable hours: such an account fills its rep's hours with
    driving the calendar never plans; a rep's day is no less full for balancing
    potential or accounts. An account no such rep reaches is free, and so is one
    where it is now (a rebalance does not have to move it); a rep without a home
    takes any (where they would start from is not known, as `beyond_day_trip`
    has it).

    Parameters
    ----------
    project
        The project (accounts, reps, their homes and hours).
    base
        The territories (their ``rep_id``); one without a rep reaches everything.
    server
        Per account, the row of the rep serving it now (negative: none).

    Returns
    -------
    numpy.ndarray
        Boolean, one row per account and one column per territory.
    """
    reach = day_trip_reach(project)
    reps = territory_reps(project, base)
    serving = reach[:, np.unique(reps[reps >= 0])]  # (a rep holding no territory takes none)
    far = ~reach & serving.any(axis=1, keepdims=True)
    far[:, ~has_home(project)] = False  # (from where would they start?)
    rows = np.flatnonzero(server >= 0)
    far[rows, server[rows]] = False
    return np.column_stack(
        [far[:, r] if r >= 0 else np.zeros(len(far), dtype=bool) for r in reps.tolist()]
    )


_FEW = 3  # trading partners named in a day-trip note


def _partners(names: list[str], deviation: np.ndarray, which: np.ndarray) -> str:
    """The territories `which` with their deviations: "A (+4.6%) and B (-7.0%)"."""
    said = [f"{names[t]} ({deviation[t]:+.1%})" for t in which.tolist()]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


def reach_notes(
    labels: np.ndarray,
    weights: np.ndarray,
    base: pd.DataFrame,
    *,
    barred: np.ndarray,
    deviation: np.ndarray,
    tolerance: float,
    locked: np.ndarray | None = None,
    movable: np.ndarray | None = None,
) -> tuple[list[str], list[int]]:
    """Why units do not move between territories out of band: their reps' day trips.

    A unit is barred from a territory when one of its accounts lies beyond a day
    trip from that territory's rep (and another rep reaches it): the notes speak
    of units, as the moves do.

    Parameters
    ----------
    labels
        Territory (row of `base`) of each unit.
    weights
        What each unit weighs in the balance (one that weighs nothing helps no one).
    base
        The territories (their ``name``).
    barred
        Units x territories: where a unit may not go (an account of it may not,
        `out_of_reach`).
    deviation
        Each territory's deviation from the mean.
    tolerance
        The band.
    locked
        Per territory, whether it is locked (it neither gives nor takes, whatever
        the reps reach: not named here); None: none is.
    movable
        Per unit, whether it may move (a locked account holds it); None: all.
        The few territories named are those it may trade movable units with; one
        whose trades only locked units hold is left to the other reasons.

    Returns
    -------
    list of str
        One sentence naming, for each territory out of band, the few territories
        it may trade units with (or none), or that none of those is on the other
        side of the band, then why that matters; empty when there is no such
        territory (then reach is not what holds the plan).
    list of int
        The territories out of band that may trade with no other territory at all
        (the rule alone holds them).
    """
    k = len(deviation)
    active = np.ones(k, dtype=bool) if locked is None else ~np.asarray(locked, dtype=bool)
    reach = trade_matrix(labels, weights, barred, active)  # (locks aside)
    free = weights if movable is None else np.where(movable, weights, 0.0)
    trades = trade_matrix(labels, free, barred, active)
    off = (np.abs(deviation) > tolerance + 1e-9) & active
    over, under = off & (deviation > 0), off & (deviation < 0)
    names = base["name"].astype(str).tolist()
    said, alone = [], []
    for t in np.flatnonzero(off).tolist():
        gives = deviation[t] > 0
        partners = np.flatnonzero(trades[t] if gives else trades[:, t])
        head = f"{names[t]} {deviation[t]:+.1%}: "
        if not (reach[t] if gives else reach[:, t]).any():  # (day trips alone hold it)
            alone.append(t)
        elif not len(partners):
            continue  # (only locked units could trade: the locks are the reason)
        elif len(partners) <= _FEW:
            whom = _partners(names, deviation, partners)
            said.append(
                head + f"its units may go only to {whom}"
                if gives
                else head + f"its rep may take units of only {whom}"
            )
        elif gives and under.any() and not under[partners].any():
            said.append(head + "none of its units may go to a territory under the band")
        elif not gives and over.any() and not over[partners].any():
            said.append(head + "no unit of a territory over the band may come to it")
    groups = []
    for side, one, more in (
        (over, "each of its units holds", "each of their units holds"),
        (under, "each unit of the others holds", "each unit of the others holds"),
    ):
        held = [t for t in alone if side[t]]
        if held:
            listed = ", ".join(f"{names[t]} {deviation[t]:+.1%}" for t in held)
            reps = "its rep's day trip" if len(held) == 1 else "their reps' day trips"
            beyond = "every other rep's day trip" if side is over else reps
            groups.append(f"{listed}: {one if len(held) == 1 else more} accounts beyond {beyond}")
    said = groups + said
    if not said:
        return [], []
    if len(alone) == int(off.sum()):  # every territory out of band can neither give nor take
        listed = ", ".join(f"{names[t]} {deviation[t]:+.1%}" for t in alone)
        return [
            "Within a day trip (there, a visit and back in a working day) no unit of these "
            "territories may change hands, each holding accounts beyond the day trip of "
            f"every rep who could take it: {listed}. A new rep (Plan > New Hire), or "
            "letting reps take accounts beyond a day trip for trips with nights away "
            '(untick "Only to reps who can visit them on a day trip"; --allow-far), would '
            "let accounts move"
        ], alone
    return [
        "Within a day trip (there, a visit and back in a working day): "
        + "; ".join(said)
        + ". Moves never hand an account to a rep who cannot reach it so, where another rep "
        "can (the calendar could not plan its visits): a wider band, a rep nearer them, or "
        "letting reps take accounts beyond a day trip, for trips with nights away (untick "
        '"Only to reps who can visit them on a day trip"; --allow-far)'
    ], alone


def day_trip_notes(
    project: Project, plan_units: ProjectUnits, labels: np.ndarray, base: pd.DataFrame
) -> list[str]:
    """Territories holding accounts beyond a day trip from their rep's home, in words.

    Each says how many of them another rep could reach in a day (a plan could give
    them there, if balance allows), or that no rep can (a nearer hire, or trips
    with a night away, which the calendar does not plan). Design, rebalance and
    split say them of the plan they make.

    Parameters
    ----------
    project
        The project (accounts, reps, their homes and hours).
    plan_units
        The units.
    labels
        Territory (row of `base`) of each unit.
    base
        The territories (``name`` and ``rep_id``), in label order.

    Returns
    -------
    list of str
        One sentence per territory holding such accounts.
    """
    server = serving_reps(project, plan_units, labels, base)
    beyond = beyond_day_trip(project, server)
    if not beyond.any():
        return []
    reach = day_trip_reach(project)
    reach[np.flatnonzero(server >= 0), server[server >= 0]] = False
    others = reach.any(axis=1)  # some other rep reaches it in a day
    label = plan_units.account_labels(labels)
    notes = []
    for t in range(len(base)):
        here = beyond & (label == t)
        count, near = int(here.sum()), int((here & others).sum())
        if count:
            them = "them" if count > 1 else "it"
            said = (
                f"no rep can reach {them} in a day"
                if near == 0
                else f"another rep could reach {'all of them' if count > 1 else 'it'} in a day"
                if near == count
                else f"another rep could reach {near} of them in a day"
            )
            notes.append(
                f"{base['name'].iloc[t]}: {plural(count, 'account')} beyond a day trip from its "
                f"rep's home; {said} (the calendar leaves their visits out)"
            )
    return notes


def unplannable_hours_note(
    project: Project, plan_units: ProjectUnits, labels: np.ndarray, base: pd.DataFrame
) -> list[str]:
    """When much of a plan's workload lies beyond its reps' day trips, that, in words.

    That share of the balanced hours is visits and driving the calendar never
    plans (it leaves those visits out), so a balance on workload says less about
    the reps' weeks; the note says how much and what to do. The hours are the
    KPI panel's.

    Parameters
    ----------
    project
        The project (accounts, reps, their homes and hours).
    plan_units
        The units.
    labels
        Territory (row of `base`) of each unit.
    base
        The territories (``name`` and ``rep_id``), in label order.

    Returns
    -------
    list of str
        One sentence when those accounts carry `UNPLANNABLE_SHARE` of the hours or more, else none.
    """
    count, far, total = far_hours(project, serving_reps(project, plan_units, labels, base))
    if total <= 0 or far < UNPLANNABLE_SHARE * total:
        return []
    return [
        f"{plural(count, 'account')} beyond a day trip from their rep's home carry "
        f"{far / total:.0%} of the team's workload hours ({far:,.0f} of {total:,.0f} h): the "
        "calendar cannot plan their visits, so that share of the balanced hours never happens. "
        "Balancing accounts or potential may serve better, or reps living nearer them"
    ]
