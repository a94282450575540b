"""Projects shaped like the data users bring, for tests and benchmarks.

The demo (`territory_planner.demo`) is tidy: every metro about the same
size, a rep in each, potential everywhere. Real CRM exports are lumpy:
accounts crowd into a few big metros (New York and Los Angeles dwarf
Denver), the interior is mostly empty, a few accounts are scattered
anywhere, homes sit downtown on a lakeshore or a coast (a ZIP centroid can
lie in the water, outside every county outline), and columns such as
potential or visit frequency are often missing. `field_project` makes such
projects, reproducibly for a seed, at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.demo import REP_NAMES, SIZE_BANDS, _zip_table
from territory_planner.geo.earth import haversine_km
from territory_planner.model import ACCOUNT_COLUMNS, REP_COLUMNS, Project, conform


@dataclass(frozen=True)
class City:
    """A metro: where accounts crowd, and a downtown ZIP where a rep may live."""

    name: str
    lat: float
    lon: float
    size: float  # relative number of accounts (about the metro's population, millions)
    home_zip: str


#: US metros by size (2020 census, millions), with a downtown ZIP; several on a coast or lake.
CITIES = (
    City("New York", 40.71, -74.01, 20.1, "10004"),  # the Battery: water on three sides
    City("Los Angeles", 34.05, -118.24, 13.2, "90012"),
    City("Chicago", 41.88, -87.63, 9.6, "60601"),  # the lakeshore
    City("Dallas", 32.78, -96.80, 7.6, "75201"),
    City("Houston", 29.76, -95.37, 7.1, "77002"),
    City("Washington", 38.90, -77.04, 6.4, "20001"),
    City("Philadelphia", 39.95, -75.17, 6.2, "19106"),
    City("Miami", 25.76, -80.19, 6.1, "33131"),  # Brickell, on Biscayne Bay
    City("Atlanta", 33.75, -84.39, 6.1, "30303"),
    City("Boston", 42.36, -71.06, 4.9, "02110"),  # the harbour
    City("Phoenix", 33.45, -112.07, 4.8, "85004"),
    City("San Francisco", 37.79, -122.40, 4.7, "94111"),  # the Embarcadero
    City("Detroit", 42.33, -83.05, 4.4, "48226"),  # on the river
    City("Seattle", 47.61, -122.33, 4.0, "98101"),  # Elliott Bay
    City("Minneapolis", 44.98, -93.27, 3.7, "55401"),
    City("San Diego", 32.72, -117.16, 3.3, "92101"),  # the bay
    City("Tampa", 27.95, -82.46, 3.2, "33602"),
    City("Denver", 39.74, -104.99, 3.0, "80202"),
    City("St. Louis", 38.63, -90.20, 2.8, "63101"),
    City("Baltimore", 39.29, -76.61, 2.8, "21202"),
    City("Charlotte", 35.23, -80.84, 2.7, "28202"),
    City("Orlando", 28.54, -81.38, 2.7, "32801"),
    City("San Antonio", 29.42, -98.49, 2.6, "78205"),
    City("Portland", 45.52, -122.68, 2.5, "97204"),
    City("Pittsburgh", 40.44, -80.00, 2.4, "15222"),
    City("Las Vegas", 36.17, -115.14, 2.3, "89101"),
    City("Austin", 30.27, -97.74, 2.3, "78701"),
    City("Cincinnati", 39.10, -84.51, 2.3, "45202"),
    City("Kansas City", 39.10, -94.58, 2.2, "64106"),
    City("Columbus", 39.96, -83.00, 2.1, "43215"),
    City("Indianapolis", 39.77, -86.16, 2.1, "46204"),
    City("Cleveland", 41.50, -81.69, 2.1, "44114"),  # Lake Erie
    City("Nashville", 36.16, -86.78, 2.0, "37219"),
    City("Salt Lake City", 40.76, -111.89, 1.3, "84111"),
    City("New Orleans", 29.95, -90.07, 1.3, "70112"),
    City("Oklahoma City", 35.47, -97.52, 1.4, "73102"),
    City("Albuquerque", 35.08, -106.65, 0.9, "87102"),
    City("Omaha", 41.26, -95.94, 1.0, "68102"),
    City("Boise", 43.62, -116.20, 0.8, "83702"),
    City("Billings", 45.78, -108.50, 0.2, "59101"),
)

#: Regions a team may cover: city names (a subset of `CITIES`).
REGIONS = {
    "national": tuple(c.name for c in CITIES),
    "south": (
        "Dallas", "Houston", "San Antonio", "Austin", "Oklahoma City", "New Orleans",
        "Atlanta", "Nashville", "Tampa", "Orlando", "Miami", "Charlotte",
    ),
    "midwest": (
        "Chicago", "Detroit", "Minneapolis", "St. Louis", "Kansas City", "Columbus",
        "Indianapolis", "Cleveland", "Cincinnati", "Omaha", "Pittsburgh",
    ),
}  # fmt: skip

#: The lower 48's west edge (longitude) and south and north edges (latitude), roughly.
LOWER_48 = (-125.0, 24.5, 49.5)
#: Share of accounts without revenue (prospects).
PROSPECTS = 0.25

#: A point in Lake Michigan off downtown Chicago: a home "in the water".
LAKE_HOME = (41.885, -87.595)


def _city(name: str) -> City:
    return next(c for c in CITIES if c.name == name)


def _near_zips(rng: np.random.Generator, city: City, count: int, scale_km: float) -> pd.DataFrame:
    zips = _zip_table()
    dist = haversine_km(zips["lon"].to_numpy(), zips["lat"].to_numpy(), city.lon, city.lat)
    near = np.flatnonzero(dist < 5 * scale_km)
    chance = np.exp(-dist[near] / scale_km)
    chosen = rng.choice(near, size=count, p=chance / chance.sum())
    return zips.iloc[chosen].reset_index(drop=True)


def _scattered_zips(rng: np.random.Generator, cities: list[City], count: int) -> pd.DataFrame:
    """ZIPs anywhere in the region the cities span (the lower 48), uniformly."""
    zips = _zip_table()
    lat, lon = zips["lat"].to_numpy(), zips["lon"].to_numpy()
    lat0, lat1 = min(c.lat for c in cities) - 2, max(c.lat for c in cities) + 2
    lon0, lon1 = min(c.lon for c in cities) - 2, max(c.lon for c in cities) + 2
    inside = np.flatnonzero((lat > lat0) & (lat < lat1) & (lon > lon0) & (lon < lon1))
    west, south, north = LOWER_48
    inside = inside[(lon[inside] > west) & (lat[inside] > south) & (lat[inside] < north)]
    return zips.iloc[rng.choice(inside, size=count)].reset_index(drop=True)


def _accounts(
    rng: np.random.Generator, cities: list[City], count: int, scattered: float, lump: float
) -> pd.DataFrame:
    size = np.array([c.size for c in cities]) ** lump
    n_scattered = round(count * scattered)
    per_city = rng.multinomial(count - n_scattered, size / size.sum())
    places = pd.concat(
        [
            *(
                _near_zips(rng, c, int(m), scale_km=float(rng.uniform(12, 35)))
                for c, m in zip(cities, per_city, strict=True)
                if m
            ),
            _scattered_zips(rng, cities, n_scattered),
        ],
        ignore_index=True,
    )
    n = len(places)
    employees = np.maximum(2, rng.lognormal(3.5, 1.7, size=n)).round().astype(np.int64)
    band = np.searchsorted([b[1] for b in SIZE_BANDS], employees, side="right") - 1
    revenue = np.where(
        rng.random(n) < PROSPECTS, np.nan, 900 * employees**0.9 * rng.lognormal(0, 0.9, size=n)
    )
    potential = np.maximum(np.nan_to_num(revenue) * 1.2, 3000 * employees**0.85)
    return pd.DataFrame(
        {
            "account_id": [f"C{i + 1:06d}" for i in range(n)],
            "name": [f"Customer {i + 1}" for i in range(n)],
            "city": places["city"],
            "state": places["state"],
            "zip": places["zip"],
            "country": "US",
            "lon": places["lon"].to_numpy(),
            "lat": places["lat"].to_numpy(),
            "geocode": "zip",
            "employees": employees,
            "size_band": [SIZE_BANDS[b][0] for b in band],
            "annual_revenue": np.round(revenue, -2),
            "potential": (potential * rng.lognormal(0, 0.3, size=n)).round(-2),
            "visit_frequency": [rng.choice(SIZE_BANDS[b][2]) for b in band],
            "visit_minutes": [SIZE_BANDS[b][3] for b in band],
        }
    )


def _reps(rng: np.random.Generator, homes: list[City], lake_home: bool) -> pd.DataFrame:
    zips = _zip_table().set_index("zip").loc[[c.home_zip for c in homes]]
    lat = zips["lat"].astype(float).tolist()
    lon = zips["lon"].astype(float).tolist()
    chicago = [i for i, c in enumerate(homes) if c.name == "Chicago"]
    if lake_home and chicago:
        lat[chicago[0]], lon[chicago[0]] = LAKE_HOME
    names = [REP_NAMES[i % len(REP_NAMES)] for i in range(len(homes))]
    return pd.DataFrame(
        {
            "rep_id": [f"R{i + 1:02d}" for i in range(len(homes))],
            "name": [n if i < len(REP_NAMES) else f"{n} {i + 1}" for i, n in enumerate(names)],
            "home_city": [c.name for c in homes],
            "home_zip": [c.home_zip for c in homes],
            "lon": lon,
            "lat": lat,
            "weekly_capacity_hours": 40.0,
            "work_days": "Mon,Tue,Wed,Thu,Fri",
            "day_start": "08:00",
            "day_end": "17:00",
            "_order": rng.random(len(homes)),
        }
    ).drop(columns="_order")


def field_project(
    seed: int = 0,
    *,
    accounts: int = 1500,
    reps: int = 8,
    region: str = "national",
    scattered: float = 0.05,
    lump: float = 1.3,
    potential: bool = True,
    frequencies: bool = True,
    lake_home: bool = True,
    homes: str = "biggest",
) -> Project:
    """A project of clustered accounts and reps living downtown, without territories.

    Parameters
    ----------
    seed
        Random seed: the same arguments give the same project.
    accounts
        Number of accounts.
    reps
        Number of reps; their homes are downtown ZIPs of metros of the
        region (see `homes`), Chicago's on the lakeshore.
    region
        "national", "south" or "midwest" (see `REGIONS`).
    scattered
        Share of accounts scattered uniformly over the region.
    lump
        Exponent on the metros' sizes: above 1, the big metros take even
        more of the accounts.
    potential, frequencies
        Whether the accounts have potential / visit frequencies (a CRM export
        often has neither).
    lake_home
        Put the Chicago rep's home in Lake Michigan, outside every county.
    homes
        "biggest": the reps live in the region's biggest metros (a CRM team);
        "mixed": half of them do, the others in smaller metros drawn at
        random, so big metros without a rep must be shared by reps from afar.

    Returns
    -------
    Project
        "Field data (<region>, seed <seed>)": accounts and reps, no territories.
    """
    if region not in REGIONS:
        msg = f"unknown region '{region}'; use one of {', '.join(REGIONS)}"
        raise InputError(msg)
    rng = np.random.default_rng(seed)
    cities = [_city(name) for name in REGIONS[region]]
    by_size = sorted(cities, key=lambda c: -c.size)
    if not 1 <= reps <= len(cities):
        msg = f"reps must be between 1 and {len(cities)} for the {region} region"
        raise InputError(msg)
    if homes not in {"biggest", "mixed"}:
        msg = f"unknown homes '{homes}'; use biggest or mixed"
        raise InputError(msg)
    big = by_size[: reps if homes == "biggest" else max(1, reps // 2)]
    rest = [by_size[i] for i in rng.permutation(np.arange(len(big), len(cities)))]
    home_cities = big + rest[: reps - len(big)]
    frame = _accounts(rng, cities, accounts, scattered, lump)
    if not potential:
        frame["potential"] = np.nan
    if not frequencies:
        frame["visit_frequency"] = None
        frame["visit_minutes"] = pd.NA
    project = Project.empty(f"Field data ({region}, seed {seed})")
    project.accounts = conform(frame, ACCOUNT_COLUMNS)
    project.reps = conform(_reps(rng, home_cities, lake_home), REP_COLUMNS)
    return project
