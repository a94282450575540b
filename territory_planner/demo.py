"""A realistic, reproducible demo project: accounts at real US ZIP centroids around metros.

Each rep lives near a metro; territories are the counties nearest to each
rep's home, merged, so they follow real county borders and cover the US.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import shapely

from territory_planner._errors import InputError
from territory_planner.colors import neighbour_colors
from territory_planner.geo.areas import contiguous_us_states, us_counties
from territory_planner.geo.assign import containing_polygon
from territory_planner.geo.earth import haversine_km
from territory_planner.geo.geocode import all_zips
from territory_planner.model import (
    ACCOUNT_COLUMNS,
    ACTUAL_COLUMNS,
    CRS,
    REP_COLUMNS,
    TERRITORY_COLUMNS,
    VISIT_FREQUENCIES,
    Project,
    conform,
    new_territory_ids,
)
from territory_planner.tasks import CancelToken, Progress, no_progress

PROSPECT_SHARE = 0.2  # accounts with no revenue yet
EXACT_SHARE = 0.9  # accounts with CRM coordinates; the rest sit at their ZIP centroid
PARENT_MIN_EMPLOYEES = 200  # only accounts this large can be divisions of a parent


@dataclass(frozen=True)
class Metro:
    """A metro area that hosts a rep and a cluster of accounts."""

    city: str
    lat: float
    lon: float
    region: str
    weight: float


METROS = (
    Metro("Chicago", 41.88, -87.63, "Great Lakes", 1.3),
    Metro("New York", 40.71, -74.01, "Northeast", 1.5),
    Metro("Dallas", 32.78, -96.80, "South Central", 1.1),
    Metro("Atlanta", 33.75, -84.39, "Southeast", 1.0),
    Metro("Los Angeles", 34.05, -118.24, "Southern California", 1.3),
    Metro("Seattle", 47.61, -122.33, "Pacific Northwest", 0.8),
    Metro("Denver", 39.74, -104.99, "Mountain", 0.7),
    Metro("Minneapolis", 44.98, -93.27, "Upper Midwest", 0.7),
    Metro("San Francisco", 37.77, -122.42, "Northern California", 1.0),
    Metro("Boston", 42.36, -71.06, "New England", 0.9),
    Metro("Miami", 25.76, -80.19, "Florida", 0.9),
    Metro("Phoenix", 33.45, -112.07, "Desert Southwest", 0.8),
    Metro("Houston", 29.76, -95.37, "Gulf Coast", 1.0),
    Metro("Philadelphia", 39.95, -75.17, "Mid-Atlantic", 0.9),
    Metro("St. Louis", 38.63, -90.20, "Heartland", 0.6),
    Metro("Charlotte", 35.23, -80.84, "Carolinas", 0.7),
)

REP_NAMES = (
    "Maria Alvarez", "James Carter", "Priya Natarajan", "Tom Becker",
    "Aisha Johnson", "Kevin O'Brien", "Linda Park", "Marcus Reed",
    "Sofia Rossi", "Daniel Kim", "Grace Liu", "Ethan Walsh",
    "Nadia Haddad", "Carlos Mendes", "Hannah Schultz", "Omar Farouk",
)  # fmt: skip

INDUSTRIES = {
    "Healthcare": ("Health", "Medical Group", "Clinics", "Care Partners"),
    "Manufacturing": ("Manufacturing", "Industries", "Fabrication", "Tooling"),
    "Retail": ("Outfitters", "Markets", "Stores", "Trading"),
    "Technology": ("Systems", "Software", "Networks", "Labs"),
    "Financial Services": ("Financial", "Capital", "Credit Union", "Insurance"),
    "Education": ("Academy", "College", "Learning", "Schools"),
    "Hospitality": ("Hotels", "Hospitality", "Restaurants", "Resorts"),
    "Construction": ("Builders", "Construction", "Contracting", "Engineering"),
    "Logistics": ("Logistics", "Freight", "Distribution", "Transport"),
}
INDUSTRY_WEIGHTS = (0.17, 0.16, 0.12, 0.12, 0.1, 0.08, 0.08, 0.09, 0.08)
PREFIXES = (
    "Summit", "Harbor", "Cedar", "Pioneer", "Northstar", "Blue Ridge", "Keystone",
    "Evergreen", "Liberty", "Granite", "Riverbend", "Silverline", "Oakmont",
    "Prairie", "Redwood", "Lakeshore", "Ironwood", "Bayview", "Crestview",
    "Meridian", "Sterling", "Horizon", "Beacon", "Cornerstone", "Frontier",
)  # fmt: skip
SUFFIXES = ("Inc.", "LLC", "Co.", "Group", "Partners", "Corp.")


def _company(prefix: str, trade: str, suffix: str) -> str:
    """E.g. "Summit Medical Group" (not "Summit Medical Group Group")."""
    return f"{prefix} {trade}" if trade.endswith(suffix) else f"{prefix} {trade} {suffix}"


STREETS = (
    "Main", "Oak", "Maple", "Cedar", "Park", "Washington", "Lake", "Hill",
    "Elm", "Pine", "Market", "Commerce", "Industrial", "Center", "River",
)  # fmt: skip
STREET_TYPES = ("St", "Ave", "Blvd", "Rd", "Dr", "Pkwy", "Way")
PRODUCT_LINES = ("Core Platform", "Analytics", "Services", "Hardware", "Supplies")
LEAD_SOURCES = ("Existing customer", "Referral", "Trade show", "Inbound web", "Outbound", "Partner")
SIZE_BANDS = (  # (name, minimum employees, frequencies, visit minutes)
    ("Small", 0, ("quarterly",), 30),
    ("Mid-market", 50, ("quarterly", "monthly"), 45),
    ("Large", 500, ("monthly", "biweekly"), 60),
    ("Enterprise", 5000, ("biweekly", "weekly"), 90),
)


@cache
def _zip_table() -> pd.DataFrame:
    rows = [
        (z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]))
        for z in all_zips()
        if z["active"] and z["zip_code_type"] == "STANDARD" and z["lat"] and z["long"]
    ]
    return pd.DataFrame(rows, columns=["zip", "city", "state", "lat", "lon"])


def _pick_zips(rng: np.random.Generator, metro: Metro, count: int, scale_km: float) -> pd.DataFrame:
    zips = _zip_table()
    dist = haversine_km(zips["lon"].to_numpy(), zips["lat"].to_numpy(), metro.lon, metro.lat)
    near = dist < 4 * scale_km
    weights = np.exp(-dist[near] / scale_km)
    chosen = rng.choice(np.flatnonzero(near), size=count, p=weights / weights.sum())
    return zips.iloc[chosen].reset_index(drop=True)


def _accounts(rng: np.random.Generator, metros: tuple[Metro, ...], count: int) -> pd.DataFrame:
    weights = np.array([m.weight for m in metros])
    per_metro = rng.multinomial(count, weights / weights.sum())
    places = pd.concat(
        [_pick_zips(rng, m, int(n), scale_km=30.0) for m, n in zip(metros, per_metro, strict=True)],
        ignore_index=True,
    )
    n = len(places)
    industry_names = list(INDUSTRIES)
    industry = rng.choice(len(industry_names), size=n, p=INDUSTRY_WEIGHTS)
    employees = np.maximum(3, rng.lognormal(4.0, 1.5, size=n)).round().astype(np.int64)
    band = np.searchsorted([b[1] for b in SIZE_BANDS], employees, side="right") - 1
    prospect = rng.random(n) < PROSPECT_SHARE
    revenue = np.where(prospect, 0.0, 2000 * employees**0.8 * rng.lognormal(0, 0.5, size=n))
    potential = np.maximum(revenue * 1.1, 4500 * employees**0.8 * rng.lognormal(0, 0.4, size=n))
    exact = rng.random(n) < EXACT_SHARE
    jitter = rng.normal(0, 0.006, size=(n, 2)) * exact[:, None]
    names = [
        _company(
            rng.choice(PREFIXES), rng.choice(INDUSTRIES[industry_names[i]]), rng.choice(SUFFIXES)
        )
        for i in industry
    ]
    frame = pd.DataFrame(
        {
            "account_id": [f"A{i + 1:05d}" for i in range(n)],
            "name": names,
            "street": [
                f"{rng.integers(10, 9900)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
                for _ in range(n)
            ],
            "city": places["city"],
            "state": places["state"],
            "zip": places["zip"],
            "country": "US",
            "lon": (places["lon"] + jitter[:, 0]).round(6),
            "lat": (places["lat"] + jitter[:, 1]).round(6),
            "geocode": np.where(exact, "exact", "zip"),
            "industry": [industry_names[i] for i in industry],
            "size_band": [SIZE_BANDS[b][0] for b in band],
            "employees": employees,
            "product_line": rng.choice(PRODUCT_LINES, size=n),
            "lead_source": np.where(
                prospect, rng.choice(LEAD_SOURCES[1:], size=n), "Existing customer"
            ),
            "annual_revenue": revenue.round(-2),
            "potential": potential.round(-2),
            "last_year_sales": (revenue * rng.lognormal(-0.05, 0.15, size=n)).round(-2),
            "visit_frequency": [rng.choice(SIZE_BANDS[b][2]) for b in band],
            "visit_minutes": [SIZE_BANDS[b][3] for b in band],
        }
    )
    _add_parents(rng, frame)
    return frame


def _add_parents(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """Make some large accounts divisions of parent companies spanning metros."""
    large = np.flatnonzero(frame["employees"].to_numpy() >= PARENT_MIN_EMPLOYEES)
    members = rng.choice(large, size=min(len(large), max(1, len(frame) // 12)), replace=False)
    parent_count = max(1, len(members) // 4)
    parent_of = rng.integers(0, parent_count, size=len(members))
    parent_names = [
        f"{PREFIXES[i % len(PREFIXES)]} {('Holdings', 'Enterprises', 'Global')[i % 3]}"
        for i in range(parent_count)
    ]
    frame["parent_id"] = pd.Series([None] * len(frame), dtype="str")
    frame["parent_name"] = pd.Series([None] * len(frame), dtype="str")
    for member, parent in zip(members, parent_of, strict=True):
        frame.loc[member, "parent_id"] = f"P{parent + 1:03d}"
        frame.loc[member, "parent_name"] = parent_names[parent]
        frame.loc[member, "name"] = f"{parent_names[parent]} - {frame.loc[member, 'city']}"


def _reps(rng: np.random.Generator, metros: tuple[Metro, ...]) -> pd.DataFrame:
    homes = pd.concat([_pick_zips(rng, m, 1, scale_km=8.0) for m in metros], ignore_index=True)
    return pd.DataFrame(
        {
            "rep_id": [f"R{i + 1:02d}" for i in range(len(metros))],
            "name": REP_NAMES[: len(metros)],
            "email": [
                f"{n.lower().replace(' ', '.').replace(chr(39), '')}@example.com"
                for n in REP_NAMES[: len(metros)]
            ],
            "home_street": [
                f"{rng.integers(10, 900)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
                for _ in metros
            ],
            "home_city": homes["city"],
            "home_state": homes["state"],
            "home_zip": homes["zip"],
            "lon": homes["lon"],
            "lat": homes["lat"],
            "weekly_capacity_hours": 40.0,
            "work_days": "Mon,Tue,Wed,Thu,Fri",
            "day_start": "08:00",
            "day_end": "17:00",
        }
    )


def _territories(reps: pd.DataFrame, metros: tuple[Metro, ...]) -> pd.DataFrame:
    """Counties of the lower 48 nearest to each rep's home, merged into one territory per rep.

    Alaska, Hawaii and the territories hold no demo account: nobody covers them.
    """
    counties = us_counties()
    states = set(contiguous_us_states()["fips"])
    counties = counties[counties["state_fips"].isin(states)]
    points = shapely.point_on_surface(counties.geometry.to_numpy())
    clat, clon = shapely.get_y(points), shapely.get_x(points)
    dist = np.stack(
        [
            haversine_km(clon, clat, lon, lat)
            for lat, lon in zip(reps["lat"], reps["lon"], strict=True)
        ]
    )
    owner = dist.argmin(axis=0)
    shapes = [
        shapely.union_all(counties.geometry.to_numpy()[owner == k], grid_size=1e-6)
        for k in range(len(reps))
    ]
    return pd.DataFrame(
        {
            "territory_id": new_territory_ids((), len(reps)),
            "name": [m.region for m in metros],
            "rep_id": reps["rep_id"].to_numpy(),
            "color": neighbour_colors(shapes),
            "geometry": shapes,
        }
    )


#: The demo's sales history: every month of last year and this year to October.
DEMO_YEAR = 2026
DEMO_MONTHS = [f"{DEMO_YEAR - 1}-{m:02d}" for m in range(1, 13)] + [
    f"{DEMO_YEAR}-{m:02d}" for m in range(1, 11)
]
ACTUALS_MAX_ACCOUNTS = 20_000  # larger demos (for benchmarks) come without a sales history
LOST_SHARE = 0.06  # customers of last year who bought nothing this year


def _actuals(seed: int, accounts: pd.DataFrame) -> pd.DataFrame:
    """Monthly sales (around last year's sales, then this year's revenue) and activities."""
    rng = np.random.default_rng([seed, 1])  # its own stream: the accounts stay as they were
    n, months = len(accounts), len(DEMO_MONTHS)
    last_year = accounts["last_year_sales"].to_numpy(dtype=float)
    this_year = accounts["annual_revenue"].to_numpy(dtype=float)
    lost = (last_year > 0) & (rng.random(n) < LOST_SHARE)
    this_year = np.where(lost, 0.0, this_year)
    season = 1 + 0.15 * np.sin(np.arange(12) / 12 * 2 * np.pi - 1.2)
    monthly = np.concatenate(
        [last_year[:, None] * season[None, :] / season.sum(),
         this_year[:, None] * season[None, :10] / season.sum()],
        axis=1,
    ) * rng.lognormal(-0.03, 0.25, size=(n, months))  # fmt: skip
    visits = accounts["visit_frequency"].map(VISIT_FREQUENCIES).fillna(0).to_numpy(dtype=float)
    calls = rng.poisson(np.repeat(visits[:, None] / 12 + 0.4, months, axis=1))
    meetings = rng.poisson(np.repeat(visits[:, None] / 12 * 0.8, months, axis=1))
    sales = (monthly / 10).round() * 10
    keep = (sales > 0) | (calls > 0) | (meetings > 0)
    rows, cols = np.nonzero(keep)
    frame = pd.DataFrame(
        {
            "account_id": accounts["account_id"].to_numpy()[rows],
            "period": np.asarray(DEMO_MONTHS)[cols],
            "sales": sales[rows, cols],
            "calls": calls[rows, cols],
            "meetings": meetings[rows, cols],
            "emails": rng.poisson(2.0, size=len(rows)),
        }
    )
    return conform(frame, ACTUAL_COLUMNS)


def make_demo(
    accounts: int = 1500,
    reps: int = 8,
    seed: int = 7,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Project:
    """Generate the demo project.

    Parameters
    ----------
    accounts
        Number of accounts (at least 1).
    reps
        Number of reps, each with one territory (1 to 16).
    seed
        Random seed: the same seed gives the same project.
    progress, cancel
        The task contract (see `territory_planner.tasks`).

    Returns
    -------
    Project
        "Demo: US field sales": the accounts, the reps, one territory per rep built
        from counties with the accounts assigned, and monthly actuals (up to
        `ACTUALS_MAX_ACCOUNTS` accounts).
    """
    import geopandas as gpd  # noqa: PLC0415 (keep CLI start-up light)

    if not 1 <= reps <= len(METROS):
        msg = f"--reps must be between 1 and {len(METROS)} (got {reps})"
        raise InputError(msg)
    if accounts < 1:
        msg = f"--accounts must be at least 1 (got {accounts})"
        raise InputError(msg)
    cancel = cancel or CancelToken()
    rng = np.random.default_rng(seed)
    metros = METROS[:reps]
    progress(0.05, "Placing accounts at ZIP centroids")
    account_frame = _accounts(rng, metros, accounts)
    cancel.raise_if_cancelled()
    progress(0.4, "Placing reps")
    rep_frame = _reps(rng, metros)
    progress(0.5, "Building territories from counties")
    territory_frame = _territories(rep_frame, metros)
    cancel.raise_if_cancelled()
    progress(0.9, "Assigning accounts")

    def owners() -> np.ndarray:
        return containing_polygon(
            account_frame["lon"].to_numpy(),
            account_frame["lat"].to_numpy(),
            list(territory_frame["geometry"]),
        )

    owner = owners()
    lost = owner < 0  # a jittered point that fell into a lake or the sea: back to its ZIP
    if lost.any():
        zips = _zip_table().set_index("zip").loc[account_frame.loc[lost, "zip"]]
        account_frame.loc[lost, "lon"] = zips["lon"].to_numpy()
        account_frame.loc[lost, "lat"] = zips["lat"].to_numpy()
        account_frame.loc[lost, "geocode"] = "zip"
        owner = owners()
    ids = territory_frame["territory_id"].to_numpy()
    account_frame["territory_id"] = [ids[k] if k >= 0 else None for k in owner]
    account_frame["placed_by"] = ["geography" if k >= 0 else "none" for k in owner]
    territories = gpd.GeoDataFrame(
        conform(territory_frame, TERRITORY_COLUMNS),
        geometry=list(territory_frame["geometry"]),
        crs=CRS,
    )
    actuals = _actuals(seed, account_frame) if accounts <= ACTUALS_MAX_ACCOUNTS else None
    progress(1.0, "Demo ready")
    return Project(
        accounts=conform(account_frame, ACCOUNT_COLUMNS),
        reps=conform(rep_frame, REP_COLUMNS),
        territories=territories,
        name="Demo: US field sales",
        settings={"demo_seed": str(seed)},
        actuals=actuals if actuals is not None else conform(pd.DataFrame(), ACTUAL_COLUMNS),
    )
