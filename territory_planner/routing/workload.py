"""One workload: what serving an account costs its rep in a year, in hours.

Territory design, the KPI panel, rebalance, split and the visit calendar
all speak of workload; they must mean the same thing, so it is defined here
once:

- **Visits a year**: an account visited every ``p`` weeks (`frequency_weeks`:
  weekly 1, biweekly 2, monthly 4, quarterly 13) is visited ``52 / p`` times
  a year, as the calendar plans it (monthly = every 4 weeks = 13 visits).
  An account without a frequency is planned monthly by the calendar, so it
  costs a monthly account's hours here too.
- **Visit time**: its visit minutes (default 45) per visit.
- **Driving**: per visit, its share of the day's trip from the rep's home
  and back (the trip shared by `STOPS_PER_DAY` visits) plus the leg from
  the nearest other account the rep serves, in road kilometres at the
  calendar's travel model speeds (`TravelModel`: straight line x detour, a
  speed that rises with the leg's length).

`STOPS_PER_DAY` is calibrated against the calendar: on the demo, the
13-week calendar of every rep plans within 10% of this estimate
(`bench/workload.py` prints the comparison).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from territory_planner.geo.earth import EARTH_RADIUS_KM, sphere_xyz_km
from territory_planner.model import FREQUENCY_WEEKS
from territory_planner.routing.travel import TravelModel

DEFAULT_FREQUENCY = "monthly"
DEFAULT_VISIT_MINUTES = 45
MAX_WEEKS = 13
WEEKS_PER_YEAR = 52
#: A trip from home and back is shared by this many visits (calibrated, see the module text).
STOPS_PER_DAY = 4.0
TRAVEL = TravelModel()


def frequency_weeks(code: object) -> int:
    """Weeks between visits: weekly 1, biweekly 2, monthly 4, quarterly 13, "every 3 weeks" 3.

    Parameters
    ----------
    code
        An account's visit frequency as written (any case); not a string counts as none.

    Returns
    -------
    int
        The weeks between visits: a known code's (`FREQUENCY_WEEKS`), else the number in
        a text with "week" (1 to `MAX_WEEKS`), else monthly's 4.
    """
    text = str(code).strip().lower() if isinstance(code, str) else ""
    if text in FREQUENCY_WEEKS:
        return FREQUENCY_WEEKS[text]
    digits = "".join(c for c in text if c.isdigit())
    if "week" in text and digits:
        return max(1, min(int(digits), MAX_WEEKS))
    return FREQUENCY_WEEKS[DEFAULT_FREQUENCY]


def has_frequencies(accounts: pd.DataFrame) -> bool:
    """Whether any account has a visit frequency (else workload is unknown, not zero).

    Parameters
    ----------
    accounts
        The accounts (``visit_frequency``).

    Returns
    -------
    bool
        True when at least one account's frequency is neither missing nor blank.
    """
    return not bool(without_frequency(accounts).all())


def without_frequency(accounts: pd.DataFrame) -> np.ndarray:
    """Per account, whether its visit frequency is missing or blank (visited monthly).

    Parameters
    ----------
    accounts
        The accounts (``visit_frequency``).

    Returns
    -------
    numpy.ndarray
        True where no frequency is given.
    """
    column = accounts["visit_frequency"]
    blank = column.isna() | (column.astype("str").str.strip() == "")
    return np.asarray(blank, dtype=bool)


def visits_per_year(accounts: pd.DataFrame) -> np.ndarray:
    """Visits a year of each account, as the calendar plans them.

    Parameters
    ----------
    accounts
        The accounts (``visit_frequency``; none counts as monthly).

    Returns
    -------
    numpy.ndarray
        52 / the weeks between visits, per account.
    """
    weeks = np.array([frequency_weeks(code) for code in accounts["visit_frequency"]], dtype=float)
    return WEEKS_PER_YEAR / weeks if len(weeks) else np.zeros(0)


def visit_minutes(accounts: pd.DataFrame) -> np.ndarray:
    """Minutes per visit of each account (default `DEFAULT_VISIT_MINUTES`).

    Parameters
    ----------
    accounts
        The accounts (``visit_minutes``, missing where not given).

    Returns
    -------
    numpy.ndarray
        The minutes of one visit, per account.
    """
    minutes = accounts["visit_minutes"].astype("float64")
    return np.asarray(minutes.fillna(DEFAULT_VISIT_MINUTES).to_numpy(), dtype=float)


def _road_minutes(chord_km: np.ndarray) -> np.ndarray:
    """Driving minutes of legs given as straight chords (km), at the travel model's speeds."""
    angle = 2 * np.arcsin(np.clip(chord_km / (2 * EARTH_RADIUS_KM), 0, 1))
    road = angle * EARTH_RADIUS_KM * TRAVEL.detour
    return np.asarray(road / TRAVEL.speed_kmh(road) * 60, dtype=float)


def _home_minutes(xyz: np.ndarray, home_lon: float, home_lat: float) -> np.ndarray:
    """Driving minutes from a home to each point (zero without a home)."""
    if not (np.isfinite(home_lon) and np.isfinite(home_lat)):
        return np.zeros(len(xyz))
    home = sphere_xyz_km(np.array([home_lon]), np.array([home_lat]))
    return _road_minutes(np.linalg.norm(xyz - home, axis=1))


def _neighbour_minutes(xyz: np.ndarray) -> np.ndarray:
    """Driving minutes from each point to the nearest other one (zero when alone).

    Nearest in 3-D (chords on the sphere); another account at the same spot is a
    leg of zero.
    """
    chord = _nearest_other(xyz, xyz, np.arange(len(xyz)))
    return _road_minutes(np.where(np.isfinite(chord), chord, 0.0))


def drive_minutes_per_visit(
    lon: np.ndarray, lat: np.ndarray, home_lon: float, home_lat: float
) -> np.ndarray:
    """Driving minutes per visit for accounts one rep serves from one home.

    A visit's share of the trip from home and back plus the leg from the
    nearest other account (see the module text). Without a home (NaN), only
    the legs between the accounts count.

    Parameters
    ----------
    lon, lat
        The accounts, in degrees.
    home_lon, home_lat
        The rep's home, in degrees (NaN: no home).

    Returns
    -------
    numpy.ndarray
        The driving minutes one visit costs, per account.
    """
    if len(lon) == 0:
        return np.zeros(0)
    xyz = sphere_xyz_km(np.asarray(lon, float), np.asarray(lat, float))
    home = _home_minutes(xyz, home_lon, home_lat)
    return np.asarray(2 * home / STOPS_PER_DAY + _neighbour_minutes(xyz), dtype=float)


def yearly_workload(
    accounts: pd.DataFrame, server: np.ndarray, home_lon: np.ndarray, home_lat: np.ndarray
) -> pd.DataFrame:
    """Per account: visits a year, visit hours and drive hours a year.

    Parameters
    ----------
    accounts
        The accounts (``visit_frequency``, ``visit_minutes``, ``lon``, ``lat``).
    server
        Per account, which home serves it (an index into `home_lon`/`home_lat`);
        accounts with the same server share driving legs. -1: no home (only
        the legs between the accounts of that group count).
    home_lon, home_lat
        The homes.

    Returns
    -------
    pandas.DataFrame
        ``visits_per_year``, ``visit_hours`` and ``drive_hours`` on the accounts' index.
    """
    visits = visits_per_year(accounts)
    minutes = visit_minutes(accounts)
    lon = accounts["lon"].to_numpy(dtype=float)
    lat = accounts["lat"].to_numpy(dtype=float)
    drive = np.zeros(len(accounts))
    placed = np.isfinite(lon) & np.isfinite(lat)
    server = np.asarray(server, dtype=np.int64)
    for group in np.unique(server[placed]).tolist():
        rows = np.flatnonzero(placed & (server == group))
        hx, hy = (home_lon[group], home_lat[group]) if group >= 0 else (np.nan, np.nan)
        drive[rows] = drive_minutes_per_visit(lon[rows], lat[rows], hx, hy) / 60
    return pd.DataFrame(
        {
            "visits_per_year": visits,
            "visit_hours": visits * minutes / 60,
            "drive_hours": visits * drive,
        },
        index=accounts.index,
    )


def workload_by_home(
    accounts: pd.DataFrame,
    server: np.ndarray,
    home_lon: np.ndarray,
    home_lat: np.ndarray,
    together: np.ndarray | None = None,
) -> np.ndarray:
    """Yearly hours of each account (rows) if served from each home (columns).

    As `yearly_workload`, for the plan as it stands (`server`) with each
    account handed to each home's rep: its trip from that home, and the leg
    from the nearest other account among that rep's accounts (home ``h``'s
    group is ``server == h``) or among those that move with it (`together`,
    e.g. the accounts of its area unit), whichever is nearer. For an account
    the rep already serves that is its leg in `yearly_workload`. Unplaced
    accounts cost their visit hours.

    Parameters
    ----------
    accounts
        The accounts (``visit_frequency``, ``visit_minutes``, ``lon``, ``lat``).
    server
        Per account, the home serving it now (its index; other values: groups
        of accounts no home serves).
    home_lon, home_lat
        The homes, in degrees.
    together
        Per account, the group that would move with it (default: `server`).

    Returns
    -------
    numpy.ndarray
        Accounts x homes: visit plus driving hours a year.
    """
    visits = visits_per_year(accounts)
    lon = accounts["lon"].to_numpy(dtype=float)
    lat = accounts["lat"].to_numpy(dtype=float)
    placed = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    xyz = sphere_xyz_km(lon[placed], lat[placed])
    server = np.asarray(server, dtype=np.int64)[placed]
    moved = server if together is None else np.asarray(together, dtype=np.int64)[placed]
    own = np.full(len(placed), np.inf)  # chord to the nearest other that moves with it
    for group in np.unique(moved).tolist():
        rows = np.flatnonzero(moved == group)
        own[rows] = _nearest_other(xyz[rows], xyz[rows], np.arange(len(rows)))
    per_visit = np.zeros((len(accounts), len(home_lon)))
    per_visit += visit_minutes(accounts)[:, None]
    for h, (hx, hy) in enumerate(zip(home_lon, home_lat, strict=True)):
        members = np.flatnonzero(server == h)
        leg = np.minimum(own, _nearest_other(xyz[members], xyz, members))
        legs = _road_minutes(np.where(np.isfinite(leg), leg, 0.0))  # (alone: none)
        trip = 2 * _home_minutes(xyz, float(hx), float(hy)) / STOPS_PER_DAY
        per_visit[placed, h] += legs + trip
    return np.asarray(per_visit * visits[:, None] / 60, dtype=float)


def _nearest_other(points: np.ndarray, queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Chord (km) from each query to the nearest of `points` other than itself (inf: none).

    ``rows[j]`` is the query that point ``j`` is: a point is not its own
    neighbour (another at the same spot is, at 0 km).
    """
    result = np.full(len(queries), np.inf)
    if len(points) == 0:
        return result
    count = min(2, len(points))
    dist, idx = cKDTree(points).query(queries, k=count)
    dist, idx = dist.reshape(len(queries), count), idx.reshape(len(queries), count)
    itself = np.full(len(queries), -1)
    itself[rows] = np.arange(len(points))
    second = dist[:, 1] if count > 1 else np.full(len(queries), np.inf)
    return np.asarray(np.where(idx[:, 0] == itself, second, dist[:, 0]), dtype=float)


def round_trip_minutes(
    lon: np.ndarray, lat: np.ndarray, home_lon: float, home_lat: float
) -> np.ndarray:
    """Driving minutes from a home to each account and back, at the travel model's speeds.

    Parameters
    ----------
    lon, lat
        The accounts, in degrees.
    home_lon, home_lat
        The home, in degrees (NaN: no home, no trip).

    Returns
    -------
    numpy.ndarray
        Minutes there and back, per account (NaN where an account has no position).
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    minutes = np.full(len(lon), np.nan)
    placed = np.isfinite(lon) & np.isfinite(lat)
    xyz = sphere_xyz_km(lon[placed], lat[placed])
    minutes[placed] = 2 * _home_minutes(xyz, float(home_lon), float(home_lat))
    return minutes
