"""KPIs per territory and how balanced they are against the team average.

Workload is what a rep's year costs in hours: visit time (duration x visits
per year) plus an estimate of driving (see `drive_minutes`). Compactness is
Polsby-Popper (4 pi area / perimeter^2, 1 for a circle) on the ellipsoid.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.analysis.account_workload import account_workload
from territory_planner.formats import band, decimal2, integer, money_short, percent, plural
from territory_planner.geo.earth import GEOD, area_km2
from territory_planner.model import Project
from territory_planner.routing.workload import has_frequencies, without_frequency
from territory_planner.settings import read_settings, setting_entries

WORK_WEEKS = 46  # working weeks in a year, for capacity use


@dataclass(frozen=True)
class Metric:
    """A KPI column the panels chart and the map can shade by."""

    key: str
    title: str
    fmt: Callable[[Any], str]
    balanced: bool = False  # judged against the team mean (has a ``<key>_vs_mean`` column)


def _hours(value: Any) -> str:
    return integer(value) + " h" if not pd.isna(value) else ""


def _km2(value: Any) -> str:
    return integer(value) + " km²" if not pd.isna(value) else ""


#: Every metric that can be charted or shaded, in menu order.
METRICS = {
    m.key: m
    for m in (
        Metric("accounts", "Accounts", integer, balanced=True),
        Metric("revenue", "Revenue", money_short, balanced=True),
        Metric("potential", "Potential", money_short, balanced=True),
        Metric("workload_hours", "Workload hours", _hours, balanced=True),
        Metric("quota", "Quota", money_short, balanced=True),
        Metric("last_year_sales", "Last-year sales", money_short),
        Metric("attainment", "Attainment", percent),
        Metric("share_of_wallet", "Share of wallet", percent),
        Metric("capacity_use", "Rep capacity use", percent),
        Metric("compactness", "Compactness", decimal2),
        Metric("area_km2", "Area", _km2),
    )
}


#: The metrics that balance is judged on.
BALANCE_METRICS = tuple(key for key, metric in METRICS.items() if metric.balanced)


def polsby_popper(geometry: BaseGeometry | None) -> float:
    """4 pi A / P^2 of a (multi)polygon on the WGS84 ellipsoid; 0 for an empty one.

    Parameters
    ----------
    geometry
        The territory's outline, in degrees (None: empty).

    Returns
    -------
    float
        The compactness, from 0 (a line) to 1 (a circle).
    """
    if geometry is None or geometry.is_empty:
        return 0.0
    area, perimeter = GEOD.geometry_area_perimeter(geometry)
    return float(4 * np.pi * abs(area) / perimeter**2) if perimeter else 0.0


#: Pieces this close (degrees, about 10 km) to each other count as one part.
ISLAND_REACH_DEGREES = 0.1
#: Islands (pieces under `ISLAND_SHARE` of the territory's area) this close to its land join it.
OFFSHORE_REACH_DEGREES = 1.5
ISLAND_SHARE = 0.02


def territory_parts(geometry: BaseGeometry | None) -> int:
    """How many separate pieces a territory is in, islands off its shore joined to it.

    A coast's islands (the Keys, the San Juans, the Channel Islands) belong
    to the territory that holds the shore, as on the unit graph that design
    works on: a piece within `ISLAND_REACH_DEGREES` of another joins it, and
    a small one (an island) within `OFFSHORE_REACH_DEGREES`. Large pieces
    apart, or an island far away (Hawaii handed to a territory in
    California), are separate parts.

    Parameters
    ----------
    geometry
        The territory's outline, in degrees (None: empty).

    Returns
    -------
    int
        The number of parts; 0 for an empty outline.
    """
    if geometry is None or geometry.is_empty:
        return 0
    parts = shapely.get_parts(geometry)
    if len(parts) <= 1:
        return len(parts)
    tree = shapely.STRtree(parts)
    left, right = tree.query(parts, predicate="dwithin", distance=ISLAND_REACH_DEGREES)
    area = shapely.area(parts)
    small = np.flatnonzero(area < ISLAND_SHARE * area.sum())
    island, land = tree.query(parts[small], predicate="dwithin", distance=OFFSHORE_REACH_DEGREES)
    left = np.concatenate([left, small[island]])
    right = np.concatenate([right, land])
    root = list(range(len(parts)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        root[find(a)] = find(b)
    return len({find(i) for i in range(len(parts))})


#: The settings of the quota plan (fields of `settings.PlanSettings`).
QUOTA_FIELDS = ("quota_target", "quota_potential_weight", "quota_growth")


@dataclass(frozen=True)
class QuotaPlan:
    """How the team target is split into territory quotas (kept in the project settings).

    The target (default: last year's sales of all accounts grown by
    `growth`) is shared by a blend of each territory's potential and
    last-year sales: `potential_weight` 1.0 splits by potential alone, 0.0
    by history alone. Quotas typed by hand (the territories' ``quota``
    column) are kept, and the rest of the target is shared among the others.
    """

    team_target: float | None = None
    potential_weight: float = 0.5
    growth: float = 0.05

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> QuotaPlan:
        """The plan stored in a project's settings (defaults where unset).

        Parameters
        ----------
        settings
            The project's settings (``quota_target``, ``quota_potential_weight``,
            ``quota_growth``; unreadable: `InputError`).

        Returns
        -------
        QuotaPlan
            The plan.
        """
        stored = read_settings(settings, check=QUOTA_FIELDS)
        return cls(
            team_target=stored.quota_target,
            potential_weight=stored.quota_potential_weight,
            growth=stored.quota_growth,
        )

    def as_settings(self) -> dict[str, str]:
        """The settings that store this plan."""
        return setting_entries(
            quota_target=self.team_target,
            quota_potential_weight=self.potential_weight,
            quota_growth=self.growth,
        )

    def target(self, accounts: pd.DataFrame) -> float:
        """The team target: as set, or last year's sales grown by `growth`.

        Parameters
        ----------
        accounts
            The accounts (``last_year_sales``), for the default target.

        Returns
        -------
        float
            The team target, in the accounts' currency.
        """
        if self.team_target is not None:
            return self.team_target
        return float(accounts["last_year_sales"].sum()) * (1 + self.growth)


def _shares(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total > 0 else values * 0


def quotas(project: Project, plan: QuotaPlan | None = None) -> pd.Series:
    """Each territory's quota, indexed by territory ID (see `QuotaPlan`).

    Parameters
    ----------
    project
        The project (accounts, territories and their typed quotas).
    plan
        How to split the target; None: the plan in the project's settings.

    Returns
    -------
    pandas.Series
        The quota of each territory, named "quota".
    """
    plan = plan or QuotaPlan.from_settings(project.settings)
    acc = project.accounts
    ids = project.territories["territory_id"].to_numpy()
    by = acc.groupby("territory_id")
    potential = by["potential"].sum().reindex(ids).fillna(0)
    history = by["last_year_sales"].sum().reindex(ids).fillna(0)
    manual = pd.Series(project.territories["quota"].to_numpy(dtype=float), index=ids)
    free = manual.isna()
    potential_share = _shares(potential[free])
    history_share = _shares(history[free]) if history[free].sum() > 0 else potential_share
    share = plan.potential_weight * potential_share + (1 - plan.potential_weight) * history_share
    rest = max(plan.target(acc) - float(manual[~free].sum()), 0.0)
    result = manual.copy()
    result[free] = share * rest
    return result.rename("quota")


def territory_kpis(project: Project) -> pd.DataFrame:
    """One row per territory with every KPI and its deviation from the team mean.

    Columns: ``territory_id name rep color accounts revenue potential
    last_year_sales visits_per_year visit_hours drive_hours beyond_day_trip
    beyond_hours workload_hours quota attainment share_of_wallet capacity_use
    area_km2 compactness parts`` and ``<metric>_vs_mean`` (e.g. 0.04 = 4%
    above the mean) for each of `BALANCE_METRICS`. ``beyond_day_trip`` counts
    the accounts beyond a day trip from the rep's home (the calendar leaves
    their visits out) and ``beyond_hours`` their hours, part of ``workload_hours``.

    Parameters
    ----------
    project
        The project.

    Returns
    -------
    pandas.DataFrame
        The KPIs; columns of KPIs the project has no data for are NaN, and
        ``attrs["missing"]`` says why (see `missing_data`).
    """
    table = project.territory_table()
    per_account = account_workload(project)
    per_account["beyond_hours"] = per_account["beyond_day_trip"] * (
        per_account["visit_hours"] + per_account["drive_hours"]
    )
    summed = ["visits_per_year", "visit_hours", "drive_hours", "beyond_day_trip", "beyond_hours"]
    work = per_account.groupby("territory_id")[summed].sum()
    lys = project.accounts.groupby("territory_id")["last_year_sales"].sum()
    table = table.join(work, on="territory_id").join(lys, on="territory_id")
    table = table.fillna(dict.fromkeys([*summed, "last_year_sales"], 0.0))
    table["beyond_day_trip"] = table["beyond_day_trip"].astype(int)
    table["workload_hours"] = table["visit_hours"] + table["drive_hours"]
    table["quota"] = quotas(project).reindex(table["territory_id"]).to_numpy()
    table["attainment"] = np.where(
        table["quota"] > 0, table["revenue"] / table["quota"].where(table["quota"] > 0, 1), np.nan
    )
    table["share_of_wallet"] = np.where(
        table["potential"] > 0,
        table["revenue"] / table["potential"].where(table["potential"] > 0, 1),
        np.nan,
    )
    capacity = project.territories[["territory_id", "rep_id"]].merge(
        project.reps[["rep_id", "weekly_capacity_hours"]], on="rep_id", how="left"
    )
    yearly = (
        capacity.set_index("territory_id")["weekly_capacity_hours"]
        .reindex(table["territory_id"])
        .to_numpy()
        * WORK_WEEKS
    )
    table["capacity_use"] = table["workload_hours"].to_numpy() / np.where(
        yearly > 0, yearly, np.nan
    )
    geometry = project.territories.set_index("territory_id").geometry.reindex(table["territory_id"])
    table["area_km2"] = [area_km2(g) for g in geometry]
    table["compactness"] = [polsby_popper(g) for g in geometry]
    table["parts"] = [territory_parts(g) for g in geometry]
    missing = missing_data(project)
    for key in missing:
        table[key] = np.nan  # unknown, not zero
    for metric in BALANCE_METRICS:
        mean = table[metric].mean()
        table[f"{metric}_vs_mean"] = table[metric] / mean - 1 if mean else 0.0
    table.attrs["missing"] = missing
    return table


def missing_data(project: Project) -> dict[str, str]:
    """KPIs the project has no data for (metric key -> what is missing and what to do).

    A column no account has (no potential, no visit frequencies) is unknown,
    not zero: its KPIs show as "—" with this note, never as 0 and "+0%".

    Parameters
    ----------
    project
        The project (accounts and territories' quotas).

    Returns
    -------
    dict[str, str]
        Metric key to the note; empty when nothing is missing or there are no accounts.
    """
    acc = project.accounts
    notes: dict[str, str] = {}

    def lacks(column: str) -> bool:
        return bool(acc[column].isna().all())

    if len(acc) == 0:
        return notes
    if lacks("potential"):
        note = "no account has a potential: import a potential column to see it"
        notes.update(dict.fromkeys(("potential", "share_of_wallet"), note))
    if lacks("annual_revenue"):
        note = "no account has revenue: import a revenue column to see it"
        notes.update(dict.fromkeys(("revenue", "attainment", "share_of_wallet"), note))
    if lacks("last_year_sales"):
        notes["last_year_sales"] = "no account has last year's sales: import them to see them"
    if (
        lacks("potential")
        and lacks("last_year_sales")
        and project.territories["quota"].isna().all()
    ):
        note = "quotas need potential or last year's sales (or quotas typed in the table)"
        notes.update(dict.fromkeys(("quota", "attainment"), note))
    if not has_frequencies(acc):
        note = "no account has a visit frequency: import visit frequencies to see workload"
        keys = (
            "visits_per_year", "visit_hours", "drive_hours", "beyond_hours", "workload_hours",
            "capacity_use",
        )  # fmt: skip
        notes.update(dict.fromkeys(keys, note))
    return notes


def partly_missing(project: Project) -> dict[str, str]:
    """What some accounts lack and how it is counted, in words, by balance target.

    Parameters
    ----------
    project
        The project (its accounts).

    Returns
    -------
    dict[str, str]
        "workload", "potential" or "revenue" to e.g. "371 of 1,184 accounts have no
        visit frequency: counted as monthly, as the calendar plans them" (only when
        some, not all, lack it: all is `missing_data`'s).
    """
    acc = project.accounts
    said = {}
    lacking = int(without_frequency(acc).sum())
    if 0 < lacking < len(acc):
        said["workload"] = (
            f"{lacking:,} of {plural(len(acc), 'account')} have no visit frequency: counted "
            "as monthly, as the calendar plans them"
        )
    for key, column in (("potential", "potential"), ("revenue", "annual_revenue")):
        lacking = int(acc[column].isna().sum())
        if 0 < lacking < len(acc):
            said[key] = (
                f"{lacking:,} of {plural(len(acc), 'account')} have no {key}: counted as 0 "
                "in totals and in plans balanced on it"
            )
    return said


def balance_tolerance(project: Project) -> float:
    """The balance band of the project (0.05 = within 5% of the mean).

    Parameters
    ----------
    project
        The project (its ``balance_tolerance`` setting).

    Returns
    -------
    float
        The band as a fraction (`settings.DEFAULT_TOLERANCE` when unset; unreadable:
        `InputError`).
    """
    return read_settings(project.settings, check=["balance_tolerance"]).balance_tolerance


def out_of_balance(
    kpis: pd.DataFrame, tolerance: float = 0.05, metric: str = "workload_hours"
) -> pd.DataFrame:
    """Territories whose `metric` is more than `tolerance` away from the mean, or over capacity.

    Parameters
    ----------
    kpis
        The KPI table (`territory_kpis`).
    tolerance
        The band as a fraction; 0.05 by default.
    metric
        The balanced metric; "workload_hours" by default.

    Returns
    -------
    pandas.DataFrame
        The rows of `kpis` outside the band or over capacity.
    """
    off = kpis[f"{metric}_vs_mean"].abs() > tolerance
    over = kpis["capacity_use"] > 1
    return kpis[off | over]


@dataclass(frozen=True)
class Alert:
    """Something about a territory the manager should look at."""

    territory_id: str
    name: str
    text: str
    #: "band", "capacity", "parts" (the plan is out of balance) or "reach" (accounts beyond
    #: a day trip from the rep's home: balanced or not, the calendar cannot plan them)
    kind: str = "band"


def balance_alerts(
    kpis: pd.DataFrame, tolerance: float, metrics: tuple[str, ...] = BALANCE_METRICS
) -> list[Alert]:
    """Per territory, what is wrong: out of band, over capacity, in pieces, or out of reach.

    One alert per territory and kind, e.g. "outside ±5%: accounts +25%,
    workload hours +28%".

    Parameters
    ----------
    kpis
        The KPI table (`territory_kpis`).
    tolerance
        The band as a fraction (0.05: ±5%).
    metrics
        The metrics judged; by default `BALANCE_METRICS`.

    Returns
    -------
    list[Alert]
        The alerts, territory by territory in the table's order.
    """
    alerts = []
    for row in kpis.to_dict("records"):
        tid, name = str(row["territory_id"]), str(row["name"])
        off = [
            f"{METRICS[key].title.lower()} {row[f'{key}_vs_mean']:+.0%}"
            for key in metrics
            if pd.notna(row[f"{key}_vs_mean"]) and abs(row[f"{key}_vs_mean"]) > tolerance + 1e-12
        ]
        if off:
            alerts.append(
                Alert(tid, name, f"outside {band(tolerance)} of the mean: {', '.join(off)}")
            )
        if pd.notna(row["capacity_use"]) and row["capacity_use"] > 1:
            alerts.append(
                Alert(
                    tid, name, f"workload is {row['capacity_use']:.0%} of the rep's capacity",
                    "capacity",
                )
            )  # fmt: skip
        if row["parts"] > 1:
            alerts.append(Alert(tid, name, f"in {int(row['parts'])} separate parts", "parts"))
        if row.get("beyond_day_trip", 0) > 0:
            alerts.append(Alert(tid, name, _beyond_text(row), "reach"))
    return alerts


def _beyond_text(row: Mapping[Hashable, Any]) -> str:
    """The alert for a territory's accounts beyond a day trip from its rep's home."""
    count = int(row["beyond_day_trip"])
    accounts = f"{plural(count, 'account')} beyond a day trip from the rep's home"
    hours, total = row["beyond_hours"], row["workload_hours"]
    if pd.isna(hours) or pd.isna(total) or total <= 0:  # no visit frequencies: hours unknown
        return f"{accounts}: the calendar cannot plan their visits"
    return (
        f"{accounts}: {hours:,.0f} h of its {total:,.0f} h workload ({hours / total:.0%}) "
        "the calendar cannot plan"
    )
