"""Each account's yearly workload as a plan serves it: who drives to it, from which home.

The one workload (`territory_planner.routing.workload`) needs to know which
rep serves each account and where that rep lives: the plan in use's
(`account_workload`, what the KPI panel shows), the nearest rep's (before
there are territories), or any rep's (`workload_by_rep`, what design,
rebalance and split weigh a move by).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory_planner.geo.earth import sphere_xyz_km
from territory_planner.model import Project
from territory_planner.routing.calendar_inputs import rep_hours
from territory_planner.routing.workload import (
    round_trip_minutes,
    visit_minutes,
    workload_by_home,
    yearly_workload,
)


def _homes(project: Project) -> tuple[np.ndarray, np.ndarray]:
    """The reps' homes (NaN where a rep has none)."""
    reps = project.reps
    return reps["lon"].to_numpy(dtype=float), reps["lat"].to_numpy(dtype=float)


def has_home(project: Project) -> np.ndarray:
    """Per rep, whether their home position is known (else where they start from is not).

    Parameters
    ----------
    project
        The project (its reps' ``lon`` and ``lat``).

    Returns
    -------
    numpy.ndarray
        Boolean, one per rep in ``project.reps`` order.
    """
    lon, lat = _homes(project)
    return np.asarray(np.isfinite(lon) & np.isfinite(lat), dtype=bool)


def account_workload(project: Project) -> pd.DataFrame:
    """Per account: visits per year, visit hours and drive hours per year.

    The one workload (`territory_planner.routing.workload`), with driving
    from the home of the rep of the account's territory.

    Parameters
    ----------
    project
        The project (accounts, territories and reps' homes).

    Returns
    -------
    pandas.DataFrame
        One row per account, in order: ``territory_id``, ``visits_per_year``,
        ``visit_hours``, ``drive_hours`` and ``beyond_day_trip`` (whether its rep
        cannot drive there, visit and drive back in a working day: the calendar
        leaves its visits out, `beyond_day_trip`).
    """
    acc = project.accounts
    home_lon, home_lat = _homes(project)
    server = plan_servers(project)
    work = yearly_workload(acc, server, home_lon, home_lat)
    work.insert(0, "territory_id", acc["territory_id"].to_numpy())
    work["beyond_day_trip"] = beyond_day_trip(project, server)
    return work.reset_index(drop=True)


def plan_servers(project: Project) -> np.ndarray:
    """Who serves each account in the plan in use: the rep of its territory.

    Parameters
    ----------
    project
        The project (accounts, territories and reps).

    Returns
    -------
    numpy.ndarray
        Per account, the row of its territory's rep; the accounts of a territory
        without a rep (or of none) share a code of -2 or less: they share legs
        among themselves, with no home (`yearly_workload`'s groups).
    """
    acc = project.accounts
    rep_of = project.territories.set_index("territory_id")["rep_id"]
    rep_row = {r: i for i, r in enumerate(project.reps["rep_id"])}
    server = np.array(
        [rep_row.get(rep_of.get(t), -1) if isinstance(t, str) else -1 for t in acc["territory_id"]],
        dtype=np.int64,
    )
    codes, _ = pd.factorize(acc["territory_id"])
    orphan = server < 0
    server[orphan] = -2 - codes[orphan]
    return server


def plan_workload(project: Project) -> np.ndarray:
    """Yearly workload hours of each account as the plan in use serves it (the KPIs' workload).

    Parameters
    ----------
    project
        The project (accounts, territories and reps' homes).

    Returns
    -------
    numpy.ndarray
        Visit plus drive hours a year, per account.
    """
    return served_workload(project, plan_servers(project))


def nearest_home_workload(project: Project) -> np.ndarray:
    """Yearly workload hours per account if served by the rep living nearest to it.

    What territory design balances before territories exist (the one
    workload of `territory_planner.routing.workload`).

    Parameters
    ----------
    project
        The project (accounts and reps' homes).

    Returns
    -------
    numpy.ndarray
        Visit plus drive hours a year, per account.
    """
    return served_workload(project, nearest_home(project))


def nearest_home(project: Project) -> np.ndarray:
    """Row of the rep living nearest to each account, great circle (-1: no home, or unplaced).

    Parameters
    ----------
    project
        The project (accounts and reps' homes).

    Returns
    -------
    numpy.ndarray
        Per account, the row in the reps table of the nearest home (int64).
    """
    acc = project.accounts
    lon, lat = acc["lon"].to_numpy(dtype=float), acc["lat"].to_numpy(dtype=float)
    home_lon, home_lat = _homes(project)
    homed = np.flatnonzero(has_home(project))
    nearest = np.full(len(acc), -1, dtype=np.int64)
    placed = np.isfinite(lon) & np.isfinite(lat)
    if len(homed) and placed.any():
        # on a sphere the nearest point (great circle) has the largest dot product
        points = sphere_xyz_km(lon[placed], lat[placed])
        homes = sphere_xyz_km(home_lon[homed], home_lat[homed])
        nearest[placed] = homed[(points @ homes.T).argmax(axis=1)]
    return nearest


def served_workload(project: Project, rep_row: np.ndarray) -> np.ndarray:
    """Yearly workload hours per account if rep ``rep_row[i]`` serves account ``i``.

    Parameters
    ----------
    project
        The project (accounts and reps' homes).
    rep_row
        Per account, the row of the rep serving it (-1: none; only legs between accounts).

    Returns
    -------
    numpy.ndarray
        Visit plus drive hours a year, per account.
    """
    home_lon, home_lat = _homes(project)
    work = yearly_workload(project.accounts, rep_row, home_lon, home_lat)
    return np.asarray(work["visit_hours"] + work["drive_hours"], dtype=float)


def workload_by_rep(
    project: Project, rep_row: np.ndarray, together: np.ndarray | None = None
) -> np.ndarray:
    """Yearly workload hours of each account (rows) if each rep (columns) served it.

    From the plan in `rep_row`: the trip from that rep's home, and the leg from
    the nearest other account that rep serves or that moves with it
    (`routing.workload.workload_by_home`).

    Parameters
    ----------
    project
        The project (accounts and reps' homes).
    rep_row
        Per account, the row of the rep serving it in the plan (its legs' group).
    together
        Per account, the group that would move with it (e.g. its area unit;
        default: its rep's accounts).

    Returns
    -------
    numpy.ndarray
        Accounts x reps: visit plus drive hours a year.
    """
    home_lon, home_lat = _homes(project)
    return workload_by_home(project.accounts, rep_row, home_lon, home_lat, together)


def beyond_day_trip(project: Project, server: np.ndarray) -> np.ndarray:
    """Per account, whether its rep cannot drive there, visit and drive back in a working day.

    The calendar leaves such visits out ("beyond a day trip"); the trip is the
    one workload's (`routing.workload.round_trip_minutes`), the day the rep's
    working hours less lunch.

    Parameters
    ----------
    project
        The project (accounts and reps, their homes and hours).
    server
        Per account, the row of the rep serving it (negative: none, never beyond; nor
        is an account of a rep without a home).

    Returns
    -------
    numpy.ndarray
        True where the round trip and the visit take longer than the rep's day.
    """
    acc = project.accounts
    lon, lat = acc["lon"].to_numpy(dtype=float), acc["lat"].to_numpy(dtype=float)
    minutes = visit_minutes(acc)
    beyond = np.zeros(len(acc), dtype=bool)
    homed = has_home(project)
    for r in np.unique(server[server >= 0]).tolist():
        if not homed[r]:
            continue  # no home: where the rep would start from is not known (never beyond)
        rep = project.reps.iloc[r]
        rows = np.flatnonzero(server == r)
        trip = round_trip_minutes(lon[rows], lat[rows], float(rep["lon"]), float(rep["lat"]))
        beyond[rows] = np.nan_to_num(trip) + minutes[rows] > rep_hours(rep).available
    return beyond


#: Share of the team's workload hours beyond its reps' day trips from which balancing
#: workload balances much that the calendar never plans (design says so, and the
#: default balance is then potential or accounts).
UNPLANNABLE_SHARE = 0.25


def far_hours(project: Project, server: np.ndarray) -> tuple[int, float, float]:
    """Accounts beyond their rep's day trip, their yearly hours and all accounts' hours.

    The hours are the one workload's as `server` serves the accounts
    (`served_workload`); the test is `beyond_day_trip`'s.

    Parameters
    ----------
    project
        The project (accounts and reps, their homes and hours).
    server
        Per account, the row of the rep serving it (negative: none).

    Returns
    -------
    tuple of (int, float, float)
        The count of accounts beyond a day trip, their hours a year, and the hours
        a year of every account.
    """
    beyond = beyond_day_trip(project, server)
    hours = served_workload(project, server)
    return int(beyond.sum()), float(hours[beyond].sum()), float(hours.sum())


def day_trip_reach(project: Project) -> np.ndarray:
    """Accounts x reps: whether the rep can drive there, visit and drive back in a working day.

    The test of `beyond_day_trip`, asked of every rep for every account (an
    account with no position is in everyone's reach; a rep without a home reaches
    none: where they would start from is not known).

    Parameters
    ----------
    project
        The project (accounts and reps, their homes and hours).

    Returns
    -------
    numpy.ndarray
        Boolean, one row per account and one column per rep (in ``project.reps`` order).
    """
    n = len(project.accounts)
    reach = np.ones((n, len(project.reps)), dtype=bool)
    homed = has_home(project)
    for r in range(len(project.reps)):
        reach[:, r] = ~beyond_day_trip(project, np.full(n, r)) if homed[r] else False
    return reach
