"""The Qt-free domain: accounts, reps and territories held in one `Project`.

Tables are pandas frames (accounts and reps) and a GeoDataFrame
(territories) so that 100k accounts stay fast; the column schemas below are
the single definition of what each table holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

SCHEMA_VERSION = 2
CRS = "EPSG:4326"

#: Visits per year for each visit-frequency code.
VISIT_FREQUENCIES: dict[str, int] = {
    "weekly": 52,
    "biweekly": 26,
    "monthly": 12,
    "quarterly": 4,
}

#: How an account's position was found.
GEOCODE_METHODS = ("exact", "zip", "city", "manual", "unplaced")

ACCOUNT_COLUMNS: dict[str, str] = {
    "account_id": "str",
    "name": "str",
    "street": "str",
    "city": "str",
    "state": "str",
    "zip": "str",
    "country": "str",
    "lon": "float64",
    "lat": "float64",
    "geocode": "str",
    "industry": "str",
    "size_band": "str",
    "employees": "Int64",
    "product_line": "str",
    "lead_source": "str",
    "parent_id": "str",
    "parent_name": "str",
    "annual_revenue": "float64",
    "potential": "float64",
    "last_year_sales": "float64",
    "visit_frequency": "str",
    "visit_minutes": "Int64",
    "territory_id": "str",
    "locked": "bool",
    "placed_by": "str",  # what put the account in its territory: a rule, geography, locked
}

REP_COLUMNS: dict[str, str] = {
    "rep_id": "str",
    "name": "str",
    "email": "str",
    "home_street": "str",
    "home_city": "str",
    "home_state": "str",
    "home_zip": "str",
    "lon": "float64",
    "lat": "float64",
    "weekly_capacity_hours": "float64",
    "work_days": "str",
    "day_start": "str",
    "day_end": "str",
    "skills": "str",
    "start_date": "str",
}

TERRITORY_COLUMNS: dict[str, str] = {
    "territory_id": "str",
    "name": "str",
    "rep_id": "str",
    "color": "str",
    "quota": "float64",  # set by hand; empty: the territory's share of the team target
    "locked": "bool",  # no edit or optimizer changes a locked territory's outline
}


def conform(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """Return `frame` with every schema column present, typed, and first.

    Missing columns are added empty; extra columns (custom attributes) are
    kept after the schema columns.
    """
    out = pd.DataFrame(index=frame.index)
    for column, dtype in schema.items():
        if column in frame.columns:
            values = frame[column]
            if dtype == "bool":
                values = values.fillna(value=False)
            out[column] = values.astype(dtype)  # type: ignore[call-overload]
        else:
            out[column] = pd.Series(
                False if dtype == "bool" else None, index=frame.index, dtype=dtype
            )
    extra = [c for c in frame.columns if c not in schema and c != "geometry"]
    for column in extra:
        out[column] = frame[column]
    return out.reset_index(drop=True)


def values_or_none(series: pd.Series) -> np.ndarray:
    """A new object array of the series' values, None where one is missing.

    Always a copy: pandas may hand out a view of a column, and an edit that
    keeps "the old values" must not see them change.
    """
    return np.asarray(
        series.astype(object).where(series.notna(), None).to_numpy(copy=True), dtype=object
    )


def empty_territories() -> gpd.GeoDataFrame:
    """A territories table with no rows."""
    frame = conform(pd.DataFrame(), TERRITORY_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


@dataclass(frozen=True)
class Summary:
    """Headline counts shown in the status bar and printed by the CLI."""

    accounts: int
    reps: int
    territories: int
    unassigned: int
    unplaced: int
    revenue: float
    potential: float

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {
            "accounts": self.accounts,
            "reps": self.reps,
            "territories": self.territories,
            "unassigned": self.unassigned,
            "unplaced": self.unplaced,
            "revenue": round(self.revenue, 2),
            "potential": round(self.potential, 2),
        }


@dataclass
class Project:
    """Everything a territory plan holds; saved as one GeoPackage."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    territories: gpd.GeoDataFrame
    name: str = "Untitled"
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def empty(cls, name: str = "Untitled") -> Project:
        """A project with no accounts, reps or territories."""
        return cls(
            accounts=conform(pd.DataFrame(), ACCOUNT_COLUMNS),
            reps=conform(pd.DataFrame(), REP_COLUMNS),
            territories=empty_territories(),
            name=name,
        )

    def summary(self) -> Summary:
        """Headline counts of the project."""
        acc = self.accounts
        known = set(self.territories["territory_id"])
        assigned = acc["territory_id"].isin(known)
        return Summary(
            accounts=len(acc),
            reps=len(self.reps),
            territories=len(self.territories),
            unassigned=int((~assigned).sum()),
            unplaced=int((acc["geocode"] == "unplaced").sum()),
            revenue=float(acc["annual_revenue"].sum()),
            potential=float(acc["potential"].sum()),
        )

    def territory_table(self) -> pd.DataFrame:
        """One row per territory: id, name, rep, colour and account totals."""
        acc = self.accounts
        totals = acc.groupby("territory_id").agg(
            accounts=("account_id", "size"),
            revenue=("annual_revenue", "sum"),
            potential=("potential", "sum"),
        )
        rep_names = dict(zip(self.reps["rep_id"], self.reps["name"], strict=True))
        table = pd.DataFrame(
            {
                "territory_id": self.territories["territory_id"].to_numpy(),
                "name": self.territories["name"].to_numpy(),
                "rep": [rep_names.get(r, "") for r in self.territories["rep_id"]],
                "color": self.territories["color"].to_numpy(),
            }
        )
        table = table.join(totals, on="territory_id")
        table["accounts"] = table["accounts"].fillna(0).astype(np.int64)
        return table.fillna({"revenue": 0.0, "potential": 0.0})

    def territories_locked(self) -> np.ndarray:
        """Which territories are locked (a missing flag is not locked)."""
        return np.asarray(
            self.territories["locked"].astype(object).fillna(value=False).to_numpy(dtype=bool)
        )

    def territory_index(self, territory_id: str) -> int:
        """Row position of a territory; raises KeyError if it does not exist."""
        hits = np.flatnonzero(self.territories["territory_id"].to_numpy() == territory_id)
        if len(hits) == 0:
            raise KeyError(territory_id)
        return int(hits[0])
