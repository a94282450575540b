"""How each territory and rep is doing against quota, from the imported actuals.

Actuals (`Project.actuals`) are sales and activity counts per account and
period (a month or a calendar quarter). They count for the territory the
account is in now. As of a date D in year Y:

- **to date** is every period of Y that has begun by D (a month or a
  quarter counts in full once it has begun);
- **last year to date** is the same for Y - 1, up to the same day of Y - 1;
- the **elapsed** share of the year is (days from 1 January to D, both
  counted) / (days in Y), and the **pro-rated** quota or goal is the yearly
  one times that share;
- **attainment** is sales to date / the year's quota, **attainment to date**
  sales to date / the pro-rated quota, and the **run rate** the sales to date
  annualised (sales to date / elapsed share);
- **year-over-year change** is sales to date / last year to date - 1;
- **penetration** is the share of the accounts that bought to date;
  **retention** the share of last year's buyers (to the same day) that have
  bought again to date, the others being **lost**;
- activities to date are compared with yearly goals (`ActivityGoals`)
  pro-rated the same way.

Thresholds (`performance_settings.Thresholds`) and goals live in the project
settings; `performance_alerts.alerts` turns the breached thresholds into
sentences. `upsell.upsell_list` finds accounts whose potential is far above
their revenue.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory_planner.analysis.metrics import WORK_WEEKS, territory_kpis
from territory_planner.analysis.performance_settings import ActivityGoals
from territory_planner.model import ACTUAL_COLUMNS, Project, conform, period_bounds
from territory_planner.settings import ACTIVITIES
from territory_planner.tasks import CancelToken


@dataclass(frozen=True)
class Performance:
    """The performance tables of a project as of a date (see the module docstring)."""

    as_of: dt.date
    elapsed: float  # share of the year gone by at `as_of`
    territories: pd.DataFrame
    reps: pd.DataFrame
    unassigned_sales: float  # sales to date of accounts in no territory (or not in the project)

    @property
    def year(self) -> int:
        """The year the figures are for."""
        return self.as_of.year


def same_day_last_year(day: dt.date) -> dt.date:
    """The same date a year earlier (29 February becomes the 28th).

    Parameters
    ----------
    day
        The date.

    Returns
    -------
    datetime.date
    """
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def elapsed_share(as_of: dt.date) -> float:
    """Share of `as_of`'s year gone by at the end of that day (1 January: 1/365).

    Parameters
    ----------
    as_of
        The day.

    Returns
    -------
    float
        From 1/365 (or 1/366) to 1.
    """
    days = 366 if calendar.isleap(as_of.year) else 365
    return (as_of.timetuple().tm_yday) / days


def default_as_of(actuals: pd.DataFrame, today: dt.date | None = None) -> dt.date:
    """The last day of the latest period with actuals, or today if that is earlier.

    Parameters
    ----------
    actuals
        The actuals (``period``; unreadable periods are ignored).
    today
        Today's date; None: the clock's.

    Returns
    -------
    datetime.date
        Today when no period can be read.
    """
    today = today or dt.datetime.now().astimezone().date()
    ends = [_bounds(str(p))[1] for p in pd.unique(actuals["period"].dropna())]
    latest = max((e for e in ends if e is not None), default=None)
    return today if latest is None else min(latest, today)


def _bounds(period: str) -> tuple[dt.date | None, dt.date | None]:
    try:
        return period_bounds(period)
    except ValueError:
        return None, None


def account_actuals(actuals: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per account: sales to date, last year to date and all last year, and activities to date.

    Indexed by account ID; activity columns are NaN when no actuals carry
    that activity at all.

    Parameters
    ----------
    actuals
        The actuals table.
    as_of
        The day the figures are to (this year and last year).

    Returns
    -------
    pandas.DataFrame
    """
    actuals = conform(actuals, ACTUAL_COLUMNS)
    starts = {p: _bounds(str(p))[0] for p in pd.unique(actuals["period"].dropna())}
    ordinal = (
        actuals["period"].map(lambda p: s.toordinal() if (s := starts.get(p)) else np.nan)
    ).to_numpy(dtype=float)
    year_start = dt.date(as_of.year, 1, 1).toordinal()
    last_start = dt.date(as_of.year - 1, 1, 1).toordinal()
    this = (ordinal >= year_start) & (ordinal <= as_of.toordinal())
    last = (ordinal >= last_start) & (ordinal <= same_day_last_year(as_of).toordinal())
    last_full = (ordinal >= last_start) & (ordinal < year_start)
    sales = actuals["sales"].to_numpy(dtype=float, na_value=np.nan)
    sales = np.where(np.isnan(sales), 0.0, sales)
    per_row = pd.DataFrame(
        {
            "account_id": actuals["account_id"].to_numpy(),
            "sales_to_date": sales * this,
            "sales_last_year_to_date": sales * last,
            "sales_last_year": sales * last_full,
        }
    )
    for activity in ACTIVITIES:
        counts = actuals[activity].to_numpy(dtype=float, na_value=np.nan)
        per_row[activity] = np.where(np.isnan(counts), 0.0, counts) * this
    table = per_row.groupby("account_id", sort=False).sum()
    for activity in ACTIVITIES:
        if actuals[activity].isna().all():
            table[activity] = np.nan
    return table


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """The ratio of two columns, NaN where the denominator is not positive or is missing."""
    den = denominator.astype(float)
    return numerator.astype(float) / den.where(den > 0)


SUMMED = (
    "accounts", "potential", "quota", "sales_to_date", "sales_last_year_to_date",
    "sales_last_year", "customers", "customers_last_year", "retained", "workload_hours",
)  # fmt: skip


def _derive(table: pd.DataFrame, elapsed: float) -> pd.DataFrame:
    """Add the ratios computed from the summed columns (same for territories and reps)."""
    table["quota_to_date"] = table["quota"] * elapsed
    table["attainment"] = _ratio(table["sales_to_date"], table["quota"])
    table["attainment_to_date"] = _ratio(table["sales_to_date"], table["quota_to_date"])
    table["run_rate"] = table["sales_to_date"] / elapsed
    table["yoy_change"] = _ratio(table["sales_to_date"], table["sales_last_year_to_date"]) - 1
    table["penetration"] = _ratio(table["customers"], table["accounts"])
    table["lost"] = table["customers_last_year"] - table["retained"]
    table["retention"] = _ratio(table["retained"], table["customers_last_year"])
    for activity in ACTIVITIES:
        table[f"{activity}_goal_to_date"] = table[f"{activity}_goal"] * elapsed
        table[f"{activity}_vs_goal"] = _ratio(table[activity], table[f"{activity}_goal_to_date"])
    return table


TERRITORY_COLUMNS = [
    "territory_id", "name", "rep_id", "rep", "accounts", "potential", "quota", "quota_to_date",
    "sales_to_date", "attainment", "attainment_to_date", "run_rate", "sales_last_year_to_date",
    "sales_last_year", "yoy_change", "customers", "penetration", "customers_last_year",
    "retained", "lost", "retention",
    *(f"{a}{s}" for a in ACTIVITIES for s in ("", "_goal", "_goal_to_date", "_vs_goal")),
    "workload_hours", "capacity_use",
]  # fmt: skip
REP_TABLE_COLUMNS = [
    "rep_id", "rep", "territories",
    *TERRITORY_COLUMNS[TERRITORY_COLUMNS.index("accounts") : -1],
    "capacity_hours", "capacity_use",
]  # fmt: skip


def performance(
    project: Project, as_of: dt.date | None = None, cancel: CancelToken | None = None
) -> Performance:
    """Sales, quota attainment, run rate, activities and retention per territory and rep.

    Parameters
    ----------
    project
        Accounts (with their territories), territories (quotas), reps and actuals.
    as_of
        The day the figures are for (default: `default_as_of`).
    cancel
        Checked between the steps (the actuals summed per account, per territory,
        the territory KPIs, the goals, the rep table); cancelled: `TaskCancelledError`.

    Returns
    -------
    Performance
        ``territories``: one row per territory (columns `TERRITORY_COLUMNS`);
        ``reps``: one row per rep holding a territory (`REP_TABLE_COLUMNS`).
    """
    cancel = cancel or CancelToken()
    as_of = as_of or default_as_of(project.actuals)
    elapsed = elapsed_share(as_of)
    cancel.raise_if_cancelled()
    per_account = account_actuals(project.actuals, as_of)
    cancel.raise_if_cancelled()
    acc = project.accounts[["account_id", "territory_id"]].join(per_account, on="account_id")
    acc = acc.fillna({c: 0.0 for c in per_account.columns if not per_account[c].isna().all()})
    acc["customer"] = acc["sales_to_date"] > 0
    acc["customer_last_year"] = acc["sales_last_year_to_date"] > 0
    acc["kept"] = acc["customer"] & acc["customer_last_year"]
    by = acc.groupby("territory_id")
    sums = by[["sales_to_date", "sales_last_year_to_date", "sales_last_year", *ACTIVITIES]].sum(
        min_count=1
    )
    sums["customers"] = by["customer"].sum()
    sums["customers_last_year"] = by["customer_last_year"].sum()
    sums["retained"] = by["kept"].sum()
    cancel.raise_if_cancelled()

    kpis = territory_kpis(project)
    cancel.raise_if_cancelled()
    rep_of = dict(
        zip(project.territories["territory_id"], project.territories["rep_id"], strict=True)
    )
    table = kpis[["territory_id", "name", "rep", "accounts", "potential", "quota"]].copy()
    table["rep_id"] = table["territory_id"].map(rep_of)
    table["workload_hours"] = kpis["workload_hours"].to_numpy()
    table["capacity_use"] = kpis["capacity_use"].to_numpy()
    table = table.join(sums, on="territory_id")
    zero = ["sales_to_date", "sales_last_year_to_date", "sales_last_year"]
    zero += ["customers", "customers_last_year", "retained"]
    if project.actuals["sales"].notna().any():  # (no sales imported: unknown, not 0)
        table[zero] = table[zero].fillna(0.0)
    else:
        table[zero] = np.nan
    goals = ActivityGoals.from_settings(project.settings)
    for activity in ACTIVITIES:
        if per_account[activity].isna().all():
            table[activity] = np.nan
        else:
            table[activity] = table[activity].fillna(0.0)
        table[f"{activity}_goal"] = [
            goals.territory_goal(str(t), activity) for t in table["territory_id"]
        ]
    territories = _derive(table, elapsed)[TERRITORY_COLUMNS]
    cancel.raise_if_cancelled()

    assigned = acc["territory_id"].isin(set(project.territories["territory_id"]))
    unassigned_sales = float(acc.loc[~assigned, "sales_to_date"].sum()) + float(
        per_account.loc[
            ~per_account.index.isin(set(project.accounts["account_id"])), "sales_to_date"
        ].sum()
    )
    reps = _rep_table(project, territories, goals, elapsed)
    return Performance(as_of, elapsed, territories.reset_index(drop=True), reps, unassigned_sales)


def _rep_table(
    project: Project, territories: pd.DataFrame, goals: ActivityGoals, elapsed: float
) -> pd.DataFrame:
    """The territory table summed per rep, with the rep's own goals and capacity."""
    staffed = territories[territories["rep_id"].notna() & (territories["rep_id"] != "")]
    if staffed.empty:
        return pd.DataFrame(columns=REP_TABLE_COLUMNS)
    by = staffed.groupby("rep_id", sort=False)
    reps = by[list(SUMMED)].sum(min_count=1)  # (none known: unknown, not 0)
    for activity in ACTIVITIES:
        reps[activity] = by[activity].sum(min_count=1)
    reps["territories"] = by.size()
    reps["rep"] = by["rep"].first()
    reps = reps.reset_index()
    members = by["territory_id"].apply(list).to_dict()
    for activity in ACTIVITIES:
        reps[f"{activity}_goal"] = [
            goals.rep_goal(str(r), [str(t) for t in members[r]], activity) for r in reps["rep_id"]
        ]
    weekly = project.reps.set_index("rep_id")["weekly_capacity_hours"]
    weekly = weekly[~weekly.index.duplicated()]
    reps["capacity_hours"] = reps["rep_id"].map(weekly).astype(float) * WORK_WEEKS
    reps["capacity_use"] = _ratio(reps["workload_hours"], reps["capacity_hours"])
    return _derive(reps, elapsed)[REP_TABLE_COLUMNS]
