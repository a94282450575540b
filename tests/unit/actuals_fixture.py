"""A small project with actuals over two years, small enough to check every figure by hand.

Territories: North (T1, rep Ann R1, quota 120,000) and South (T2, rep Bob R2,
quota 60,000). Accounts A1-A3 in North, A4-A6 in South, A7 in no territory.
`ACTUALS_CSV` holds 2025 and 2026 sales, calls and meetings; the tests use
as of 2026-03-31 (day 90 of 365).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from territory_planner.model import (
    ACCOUNT_COLUMNS,
    CRS,
    REP_COLUMNS,
    TERRITORY_COLUMNS,
    Project,
    conform,
)

ACCOUNTS = [
    # id, territory, lon, potential, annual revenue
    ("A1", "T1", -95.0, 100_000.0, 20_000.0),
    ("A2", "T1", -94.0, 50_000.0, 40_000.0),
    ("A3", "T1", -93.0, 30_000.0, None),
    ("A4", "T2", -85.0, 80_000.0, 10_000.0),
    ("A5", "T2", -84.0, 20_000.0, 15_000.0),
    ("A6", "T2", -83.0, 0.0, 5_000.0),
    ("A7", None, -75.0, 10_000.0, 1_000.0),
]

# Account ID, Month, Net Sales, Calls, Meetings: the header spellings of a CRM export.
ACTUALS_CSV = """Account ID,Month,Net Sales,Calls,Meetings
A1,2025-01,5000,30,
A1,2025-02,5000,,
A1,2025-03,5000,,
A1,2025-06,10000,,
A2,2025Q1,12000,,
A2,2025Q3,8000,,
A3,2025-02,3000,,
A4,2025-03,4000,,
A5,2025-11,2000,,
A1,2026-01,6000,10,2
A1,2026-02,7000,8,
A1,2026-03-15,2000,4,
A1,2026-03-20,1000,,
A2,2026Q1,9000,,
A4,2026-02,5000,5,1
A5,Mar 2026,1500,,
A6,2026-04,7000,,
A7,2026-01,500,,
"""


def make_project() -> Project:
    """The fixture project (no actuals yet)."""
    accounts = pd.DataFrame(
        {
            "account_id": [a[0] for a in ACCOUNTS],
            "name": [f"Account {a[0]}" for a in ACCOUNTS],
            "territory_id": [a[1] for a in ACCOUNTS],
            "lon": [a[2] for a in ACCOUNTS],
            "lat": [35.0] * len(ACCOUNTS),
            "geocode": ["exact"] * len(ACCOUNTS),
            "potential": [a[3] for a in ACCOUNTS],
            "annual_revenue": [a[4] for a in ACCOUNTS],
            "industry": ["Retail"] * len(ACCOUNTS),
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": ["R1", "R2"],
            "name": ["Ann", "Bob"],
            "lon": [-95.0, -85.0],
            "lat": [35.0, 35.0],
            "weekly_capacity_hours": [40.0, 40.0],
        }
    )
    territories = conform(
        pd.DataFrame(
            {
                "territory_id": ["T1", "T2"],
                "name": ["North", "South"],
                "rep_id": ["R1", "R2"],
                "color": ["#1f77b4", "#ff7f0e"],
                "quota": [120_000.0, 60_000.0],
            }
        ),
        TERRITORY_COLUMNS,
    )
    geometry = [shapely.box(-100, 30, -90, 40), shapely.box(-90, 30, -80, 40)]
    return Project(
        accounts=conform(accounts, ACCOUNT_COLUMNS),
        reps=conform(reps, REP_COLUMNS),
        territories=gpd.GeoDataFrame(territories, geometry=geometry, crs=CRS),
        name="Performance fixture",
    )
