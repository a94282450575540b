"""The Qt-free domain: accounts, reps and territories held in one `Project`.

Tables are pandas frames (accounts and reps) and a GeoDataFrame
(territories) so that 100k accounts stay fast; the column schemas below are
the single definition of what each table holds.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from territory_planner.settings import (
    change_log_entry,
    read_change_log,
    read_settings,
    setting_entries,
)

SCHEMA_VERSION = 3
CRS = "EPSG:4326"

#: Weeks between visits for each visit-frequency code (the calendar's cycle).
FREQUENCY_WEEKS: dict[str, int] = {"weekly": 1, "biweekly": 2, "monthly": 4, "quarterly": 13}
#: Visits per year for each code, as the calendar plans them (monthly = every 4 weeks = 13;
#: workload is counted from these in `territory_planner.routing.workload`).
VISIT_FREQUENCIES: dict[str, int] = {code: 52 // weeks for code, weeks in FREQUENCY_WEEKS.items()}

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

#: Sales and activities per account and period (issue 9): one row per account and
#: period; a period is a month ("2026-03") or a calendar quarter ("2026Q1").
ACTUAL_COLUMNS: dict[str, str] = {
    "account_id": "str",
    "period": "str",
    "sales": "float64",  # empty: not given (an activity-only import)
    "calls": "Int64",
    "meetings": "Int64",
    "emails": "Int64",
}


TERRITORY_COLUMNS: dict[str, str] = {
    "territory_id": "str",
    "name": "str",
    "rep_id": "str",
    "color": "str",
    "quota": "float64",  # set by hand; empty: the territory's share of the team target
    "locked": "bool",  # no edit or optimizer changes a locked territory's outline
}


#: Who holds each account in a stored scenario.
ASSIGNMENT_COLUMNS: dict[str, str] = {
    "account_id": "str",
    "territory_id": "str",
    "locked": "bool",
    "placed_by": "str",
}


def conform(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """Return `frame` with every schema column present, typed, and first.

    Missing columns are added empty; extra columns (custom attributes) are
    kept after the schema columns.

    Parameters
    ----------
    frame
        The table (a ``geometry`` column is dropped).
    schema
        Each standard column and its dtype, in order (bool columns: missing is False).

    Returns
    -------
    pandas.DataFrame
        A new table with a fresh 0..n-1 index.
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

    Parameters
    ----------
    series
        The column.

    Returns
    -------
    numpy.ndarray
        An object array of its values.
    """
    return np.asarray(
        series.astype(object).where(series.notna(), None).to_numpy(copy=True), dtype=object
    )


def new_territory_ids(taken: Iterable[object], count: int = 1) -> list[str]:
    """The next `count` territory IDs (T01, T02, ...) not in `taken` (an iterable of IDs).

    The lowest free numbers: the one place territory IDs are made.

    Parameters
    ----------
    taken
        The IDs in use.
    count
        How many IDs to make; 1 by default.

    Returns
    -------
    list[str]
        The new IDs, lowest first.
    """
    used = {str(t) for t in taken}
    ids: list[str] = []
    number = 1
    while len(ids) < count:
        candidate = f"T{number:02d}"
        if candidate not in used:
            ids.append(candidate)
        number += 1
    return ids


def empty_territories() -> gpd.GeoDataFrame:
    """A territories table with no rows."""
    frame = conform(pd.DataFrame(), TERRITORY_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)


def empty_actuals() -> pd.DataFrame:
    """An actuals table with no rows."""
    return conform(pd.DataFrame(), ACTUAL_COLUMNS)


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period: a month "2026-03" or a quarter "2026Q1".

    Parameters
    ----------
    period
        "YYYY-MM" or "YYYYQn".

    Returns
    -------
    tuple[datetime.date, datetime.date]
        The period's first and last day.

    Raises
    ------
    ValueError
        If `period` is neither (the import writes only these two forms).
    """
    if match := _MONTH.fullmatch(period):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:  # noqa: PLR2004
            first = dt.date(year, month, 1)
            return first, dt.date(year, month, calendar.monthrange(year, month)[1])
    elif match := _QUARTER.fullmatch(period):
        year, quarter = int(match[1]), int(match[2])
        last_month = 3 * quarter
        return dt.date(year, last_month - 2, 1), dt.date(
            year, last_month, calendar.monthrange(year, last_month)[1]
        )
    msg = f"'{period}' is not a period: give a month such as 2026-03 or a quarter such as 2026Q1"
    raise ValueError(msg)


def _known_sum(values: pd.Series) -> float | None:
    """The sum of the values, or None when none is known (a column the project does not have)."""
    return float(values.sum()) if values.notna().any() else None


@dataclass(frozen=True)
class Summary:
    """Headline counts shown in the status bar and printed by the CLI."""

    accounts: int
    reps: int
    territories: int
    unassigned: int
    unplaced: int
    revenue: float | None  # None: no account has one (unknown, not zero)
    potential: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output (None where the project has no such column)."""
        return {
            "accounts": self.accounts,
            "reps": self.reps,
            "territories": self.territories,
            "unassigned": self.unassigned,
            "unplaced": self.unplaced,
            "revenue": None if self.revenue is None else round(self.revenue, 2),
            "potential": None if self.potential is None else round(self.potential, 2),
        }


@dataclass
class Scenario:
    """An alternative plan kept in the project: territories and who holds each account.

    The plan in use lives in the project's own tables; the others are
    scenarios (see `Project.scenarios`), swapped in by `Project.use_scenario`.
    """

    name: str
    territories: gpd.GeoDataFrame
    assignment: pd.DataFrame  # ASSIGNMENT_COLUMNS, one row per account
    note: str = ""  # how it was made, e.g. "Designed: 10 territories balanced on potential"


@dataclass
class Project:
    """Everything a territory plan holds; saved as one GeoPackage."""

    accounts: pd.DataFrame
    reps: pd.DataFrame
    territories: gpd.GeoDataFrame
    name: str = "Untitled"
    settings: dict[str, str] = field(default_factory=dict)
    actuals: pd.DataFrame = field(default_factory=empty_actuals)  # see ACTUAL_COLUMNS
    scenarios: list[Scenario] = field(default_factory=list)  # the plans not in use

    @classmethod
    def empty(cls, name: str = "Untitled") -> Project:
        """A project with no accounts, reps or territories.

        Parameters
        ----------
        name
            The project's name; "Untitled" by default.

        Returns
        -------
        Project
        """
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
            revenue=_known_sum(acc["annual_revenue"]),
            potential=_known_sum(acc["potential"]),
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
        """Row position of a territory; raises KeyError if it does not exist.

        Parameters
        ----------
        territory_id
            The territory's ID.

        Returns
        -------
        int
            The first row with that ID.
        """
        hits = np.flatnonzero(self.territories["territory_id"].to_numpy() == territory_id)
        if len(hits) == 0:
            raise KeyError(territory_id)
        return int(hits[0])

    @property
    def scenario_name(self) -> str:
        """Name of the plan in use."""
        return read_settings(self.settings, check=()).scenario

    @property
    def scenario_note(self) -> str:
        """How the plan in use was made (may be empty)."""
        return read_settings(self.settings, check=()).scenario_note

    def scenario_names(self) -> list[str]:
        """The plan in use first, then the stored scenarios."""
        return [self.scenario_name, *(s.name for s in self.scenarios)]

    def team_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes of the accounts, then of the reps' homes (NaN: unplaced)."""
        acc, reps = self.accounts, self.reps
        lon = np.concatenate([acc["lon"].to_numpy(dtype=float), reps["lon"].to_numpy(dtype=float)])
        lat = np.concatenate([acc["lat"].to_numpy(dtype=float), reps["lat"].to_numpy(dtype=float)])
        return lon, lat

    def fresh_scenario_name(self, name: str) -> str:
        """`name`, or "name (2)", "name (3)", ... if a plan of that name exists.

        Parameters
        ----------
        name
            The name wanted (runs of spaces made one; compared without case).

        Returns
        -------
        str
            A name no plan of the project has.
        """
        clean = " ".join(name.split())
        taken = {n.casefold() for n in self.scenario_names()}
        candidate, number = clean, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{clean} ({number})"
        return candidate

    def scenario(self, name: str) -> Scenario:
        """A plan by name (the one in use as a snapshot); KeyError if there is none.

        Parameters
        ----------
        name
            The plan's name.

        Returns
        -------
        Scenario
        """
        if name == self.scenario_name:
            return self.snapshot()
        for stored in self.scenarios:
            if stored.name == name:
                return stored
        raise KeyError(name)

    def copy(self) -> Project:
        """A copy whose tables later edits do not touch (for work in another thread).

        The tables are shallow copies: pandas' copy-on-write (always on since pandas 3)
        gives a table that is changed its own copy of the changed columns, so the copy
        stays as it was without duplicating 100k rows up front.
        """
        return Project(
            accounts=self.accounts.copy(deep=False),
            reps=self.reps.copy(deep=False),
            territories=self.territories.copy(deep=False),
            name=self.name,
            settings=dict(self.settings),
            actuals=self.actuals.copy(deep=False),
            scenarios=[replace(s) for s in self.scenarios],
        )

    def snapshot(self, name: str | None = None, note: str | None = None) -> Scenario:
        """The plan in use as a scenario (copies, so later edits do not change it).

        Parameters
        ----------
        name, note
            The scenario's name and note; None: those of the plan in use.

        Returns
        -------
        Scenario
            The territories and each account's assignment (territory, placed by, lock).
        """
        acc = self.accounts
        return Scenario(
            name=self.scenario_name if name is None else name,
            territories=self.territories.copy(),
            assignment=conform(acc[list(ASSIGNMENT_COLUMNS)].copy(), ASSIGNMENT_COLUMNS),
            note=self.scenario_note if note is None else note,
        )

    def use_scenario(self, scenario: Scenario) -> None:
        """Make `scenario` the plan in use (its territories and assignment).

        Accounts the scenario does not know (imported after it was made) keep
        no territory until the next assignment.

        Parameters
        ----------
        scenario
            The plan to put in use (the project's tables and settings change).
        """
        held = scenario.assignment.set_index("account_id")
        ids = self.accounts["account_id"]
        accounts = self.accounts.copy()
        for column in ("territory_id", "placed_by"):
            accounts[column] = ids.map(held[column]).astype("str")
        accounts["locked"] = ids.map(held["locked"]).fillna(value=False).astype(bool)
        self.accounts = accounts
        self.territories = scenario.territories.copy()
        self.settings.update(setting_entries(scenario=scenario.name, scenario_note=scenario.note))


def rule_records(project: Project) -> list[Any]:
    """The stored assignment rules as records, as saved (the one reader of the setting).

    Parameters
    ----------
    project
        The project (its ``rules`` setting).

    Returns
    -------
    list[Any]
        The records; empty when none are saved or the setting is not a list.
    """
    return list(read_settings(project.settings, check=["rules"]).rules)


CHANGE_LOG_LIMIT = 10_000  # the oldest entries go beyond this many


def change_log(project: Project) -> list[tuple[str, str]]:
    """The project's change log: (ISO time, what changed), oldest first.

    Parameters
    ----------
    project
        The project (its change log setting).

    Returns
    -------
    list[tuple[str, str]]
    """
    return read_change_log(project.settings)


def record_change(project: Project, when: dt.datetime, text: str) -> tuple[str, str]:
    """Add an entry to the project's change log (it is not an edit: undo keeps it).

    Parameters
    ----------
    project
        The project (its settings change; only the last `CHANGE_LOG_LIMIT` entries are kept).
    when
        The time of the change.
    text
        What changed, in words.

    Returns
    -------
    tuple[str, str]
        The entry: (ISO time to the second, what changed).
    """
    entry = (when.isoformat(timespec="seconds"), text)
    entries = [*change_log(project), entry]
    project.settings.update(change_log_entry(entries[-CHANGE_LOG_LIMIT:]))
    return entry
