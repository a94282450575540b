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

Thresholds (`Thresholds`) and goals live in the project settings; `alerts`
turns the breached thresholds into sentences. `upsell_list` finds accounts
whose potential is far above their revenue.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import WORK_WEEKS, territory_kpis
from territory_planner.formats import agree, money, plural
from territory_planner.model import ACTUAL_COLUMNS, Project, conform, period_bounds
from territory_planner.settings import (
    ACTIVITIES,
    GOAL_FIELDS,
    fraction_or_off,
    read_settings,
    setting_entries,
)

DEFAULT_MAX_SHARE = 0.5  # upsell: accounts with at most this share of wallet


@dataclass(frozen=True)
class Thresholds:
    """When a figure raises an alert; None switches that alert off.

    Stored in the project settings as ``alert_<name>`` (an empty value: off).

    Attributes
    ----------
    attainment_below
        Sales to date below this share of the pro-rated quota (0.8 = 80%).
    activity_below
        An activity count to date below this share of its pro-rated goal.
    capacity_above
        Workload hours above this share of the rep's yearly capacity.
    yoy_below
        Sales to date changed by less than this on last year (-0.1 = down 10%).
    retention_below
        Fewer than this share of last year's buyers have bought again.
    penetration_below
        Fewer than this share of the accounts have bought to date.
    potential_per_rep_above
        A rep's accounts have more potential than this (money): more than one
        rep can work.
    """

    attainment_below: float | None = 0.8
    activity_below: float | None = 1.0
    capacity_above: float | None = 1.0
    yoy_below: float | None = -0.1
    retention_below: float | None = 0.8
    penetration_below: float | None = None
    potential_per_rep_above: float | None = None

    @classmethod
    def names(cls) -> list[str]:
        """The threshold names, as ``--threshold NAME=VALUE`` takes them."""
        return [f.name for f in fields(cls)]

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> Thresholds:
        """The thresholds of a project (defaults where unset).

        Parameters
        ----------
        settings
            The project's settings (``alert_<name>`` keys; unreadable: `InputError`).

        Returns
        -------
        Thresholds
        """
        stored = read_settings(settings, check=["alerts"]).alerts
        return cls(**{name: stored[name] for name in cls.names() if name in stored})

    def as_settings(self) -> dict[str, str]:
        """The settings that store these thresholds."""
        return setting_entries(alerts=self.as_dict())

    def as_dict(self) -> dict[str, float | None]:
        """Name -> value (None: off)."""
        return {name: getattr(self, name) for name in self.names()}


def parse_threshold(name: str, text: str) -> float | None:
    """A threshold value from text: "0.8", "80%", or "" / "off" for none.

    Parameters
    ----------
    name
        The threshold's name (unknown: `InputError`).
    text
        The value as typed (not a number: `InputError`).

    Returns
    -------
    float | None
        The value as a fraction ("80%" -> 0.8); None: off ("", "off" or "none").
    """
    if name not in Thresholds.names():
        msg = f"there is no threshold '{name}'; the thresholds are: {', '.join(Thresholds.names())}"
        raise InputError(msg)
    try:
        return fraction_or_off(text)
    except ValueError as exc:
        msg = f"threshold {name}: '{text}' is not a number; give e.g. 0.8 or 80%, or 'off'"
        raise InputError(msg) from exc


@dataclass(frozen=True)
class ActivityGoals:
    """Yearly activity goals (calls, meetings, emails).

    A territory's goal is its own (`territories`), else `default`; a rep's
    goal is their own (`reps`), else the sum of their territories' goals.
    Stored as JSON in the project setting ``activity_goals``:
    ``{"default": {"calls": 480}, "territories": {"T1": {"calls": 600}},
    "reps": {"R1": {"meetings": 200}}}``.
    """

    default: Mapping[str, float] = field(default_factory=dict)
    territories: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    reps: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> ActivityGoals:
        """The goals of a project (none when unset).

        Parameters
        ----------
        settings
            The project's settings (``activity_goals``, JSON; unreadable: `InputError`).

        Returns
        -------
        ActivityGoals
        """
        stored = read_settings(settings, check=GOAL_FIELDS)
        return cls(stored.goals_default, stored.goals_territories, stored.goals_reps)

    def as_settings(self) -> dict[str, str]:
        """The setting that stores these goals."""
        return setting_entries(
            goals_default=self.default, goals_territories=self.territories, goals_reps=self.reps
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output (the setting keeps the same shape)."""
        return {
            "default": dict(self.default),
            "territories": {k: dict(v) for k, v in self.territories.items()},
            "reps": {k: dict(v) for k, v in self.reps.items()},
        }

    def with_goal(
        self, activity: str, value: float | None, scope: str = "", key: str = ""
    ) -> ActivityGoals:
        """A copy with one goal set: for every territory, or ``scope`` "territory"/"rep" `key`.

        A `value` of None removes that goal (the territory or rep then has the
        inherited one, see the class docstring).

        Parameters
        ----------
        activity
            One of `ACTIVITIES` (another: `InputError`).
        value
            The yearly goal (not negative, else `InputError`); None removes it.
        scope, key
            "" (default): the default goal; "territory" or "rep" and its ID.

        Returns
        -------
        ActivityGoals
        """
        if activity not in ACTIVITIES:
            msg = f"there is no activity '{activity}'; the activities are: {', '.join(ACTIVITIES)}"
            raise InputError(msg)
        if value is not None and not value >= 0:  # NaN too
            msg = f"an activity goal cannot be negative ({activity}={value:g})"
            raise InputError(msg)

        def changed(goals: Mapping[str, float]) -> dict[str, float]:
            rest = {k: v for k, v in goals.items() if k != activity}
            return rest if value is None else {**rest, activity: value}

        if not scope:
            return ActivityGoals(changed(self.default), self.territories, self.reps)
        table = {"territory": self.territories, "rep": self.reps}.get(scope)
        if table is None:
            msg = f"goals are set for a 'territory' or a 'rep', not '{scope}'"
            raise InputError(msg)
        own = changed(table.get(key, {}))
        others = {k: v for k, v in table.items() if k != key}
        new_table = {**others, key: own} if own else others
        if scope == "territory":
            return ActivityGoals(self.default, new_table, self.reps)
        return ActivityGoals(self.default, self.territories, new_table)

    def territory_goal(self, territory_id: str, activity: str) -> float:
        """A territory's yearly goal (NaN: none).

        Parameters
        ----------
        territory_id, activity
            The territory and the activity (e.g. "calls").

        Returns
        -------
        float
            Its own goal, else the default one.
        """
        own = self.territories.get(territory_id, {})
        return float(own.get(activity, self.default.get(activity, np.nan)))

    def rep_goal(self, rep_id: str, territory_ids: list[str], activity: str) -> float:
        """A rep's yearly goal: their own, else their territories' goals added (NaN: none).

        Parameters
        ----------
        rep_id, activity
            The rep and the activity (e.g. "calls").
        territory_ids
            The rep's territories.

        Returns
        -------
        float
        """
        own = self.reps.get(rep_id, {})
        if activity in own:
            return float(own[activity])
        goals = [self.territory_goal(t, activity) for t in territory_ids]
        known = [g for g in goals if not np.isnan(g)]
        return float(sum(known)) if known else float("nan")


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


#: Short words for each threshold (alert lists and the map's alert badges).
ALERT_KINDS = {
    "attainment_below": "Behind pace",
    "activity_below": "Activity below goal",
    "capacity_above": "Over capacity",
    "yoy_below": "Down on last year",
    "retention_below": "Low retention",
    "penetration_below": "Low penetration",
    "potential_per_rep_above": "Potential too high",
}


@dataclass(frozen=True)
class PerformanceAlert:
    """A breached threshold of a territory or rep, in words."""

    level: str  # "territory" | "rep"
    key: str  # territory or rep ID
    name: str
    kind: str  # the threshold's name, e.g. "attainment_below"
    value: float
    threshold: float
    text: str

    @property
    def what(self) -> str:
        """The threshold in a few words, e.g. "Behind pace"."""
        return ALERT_KINDS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {
            "level": self.level,
            "id": self.key,
            "name": self.name,
            "kind": self.kind,
            "value": round(self.value, 4),
            "threshold": self.threshold,
            "alert": self.text,
        }


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


def performance(project: Project, as_of: dt.date | None = None) -> Performance:
    """Sales, quota attainment, run rate, activities and retention per territory and rep.

    Parameters
    ----------
    project
        Accounts (with their territories), territories (quotas), reps and actuals.
    as_of
        The day the figures are for (default: `default_as_of`).

    Returns
    -------
    Performance
        ``territories``: one row per territory (columns `TERRITORY_COLUMNS`);
        ``reps``: one row per rep holding a territory (`REP_TABLE_COLUMNS`).
    """
    as_of = as_of or default_as_of(project.actuals)
    elapsed = elapsed_share(as_of)
    per_account = account_actuals(project.actuals, as_of)
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

    kpis = territory_kpis(project)
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
    table[zero] = table[zero].fillna(0.0)
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
    reps = by[list(SUMMED)].sum()
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


def alerts(perf: Performance, thresholds: Thresholds) -> list[PerformanceAlert]:
    """Every breached threshold of every territory, then every rep, in plain words.

    Parameters
    ----------
    perf
        The performance tables.
    thresholds
        The thresholds (None ones are off).

    Returns
    -------
    list[PerformanceAlert]
    """
    found = []
    levels = (("territory", perf.territories, "territory_id"), ("rep", perf.reps, "rep_id"))
    for level, table, key in levels:
        for row in table.to_dict("records"):
            name = str(row["name"] if level == "territory" else row["rep"] or row["rep_id"])
            for kind, value, limit, text in _breaches(row, thresholds, level):
                found.append(PerformanceAlert(level, str(row[key]), name, kind, value, limit, text))
    return found


def _breaches(
    row: dict[Any, Any], t: Thresholds, level: str
) -> list[tuple[str, float, float, str]]:
    """(threshold name, value, threshold, sentence) for each threshold the row breaches."""
    out = []

    def known(value: Any) -> bool:
        return value is not None and not pd.isna(value)

    pace = row["attainment_to_date"]
    if t.attainment_below is not None and known(pace) and pace < t.attainment_below:
        out.append((
            "attainment_below", pace, t.attainment_below,
            f"sales to date of {money(row['sales_to_date'])} are {pace:.0%} of the pro-rated "
            f"quota of {money(row['quota_to_date'])} (alert below {t.attainment_below:.0%})",
        ))  # fmt: skip
    for activity in ACTIVITIES:
        share = row[f"{activity}_vs_goal"]
        if t.activity_below is not None and known(share) and share < t.activity_below:
            done = int(row[activity])
            out.append((
                "activity_below", share, t.activity_below,
                f"{plural(done, activity.removesuffix('s'), activity)} to date "
                f"{agree(done, 'is', 'are')} {share:.0%} of the pro-rated goal "
                f"of {row[f'{activity}_goal_to_date']:,.0f} (alert below {t.activity_below:.0%})",
            ))  # fmt: skip
    use = row["capacity_use"]
    if t.capacity_above is not None and known(use) and use > t.capacity_above:
        out.append((
            "capacity_above", use, t.capacity_above,
            f"workload is {use:.0%} of the rep's capacity (alert above {t.capacity_above:.0%})",
        ))  # fmt: skip
    change = row["yoy_change"]
    if t.yoy_below is not None and known(change) and change < t.yoy_below:
        out.append((
            "yoy_below", change, t.yoy_below,
            f"sales to date are {change:+.0%} on the same periods last year "
            f"({money(row['sales_last_year_to_date'])}) (alert below {t.yoy_below:+.0%})",
        ))  # fmt: skip
    retention = row["retention"]
    if t.retention_below is not None and known(retention) and retention < t.retention_below:
        out.append((
            "retention_below", retention, t.retention_below,
            f"{int(row['lost'])} of {plural(int(row['customers_last_year']), 'account')} "
            f"that had bought by this time last year {agree(int(row['lost']), 'has', 'have')} "
            f"not bought this year: retention {retention:.0%} "
            f"(alert below {t.retention_below:.0%})",
        ))  # fmt: skip
    reach = row["penetration"]
    if t.penetration_below is not None and known(reach) and reach < t.penetration_below:
        out.append((
            "penetration_below", reach, t.penetration_below,
            f"{int(row['customers'])} of {plural(int(row['accounts']), 'account')} "
            f"{agree(int(row['customers']), 'has', 'have')} bought this year: "
            f"penetration {reach:.0%} (alert below {t.penetration_below:.0%})",
        ))  # fmt: skip
    potential, most = row["potential"], t.potential_per_rep_above
    if level == "rep" and most is not None and known(potential) and potential > most:
        out.append((
            "potential_per_rep_above", potential, most,
            f"potential of {money(potential)} is more than one rep can work "
            f"(alert above {money(most)})",
        ))  # fmt: skip
    return out


UPSELL_COLUMNS = [
    "territory_id", "territory", "rep", "rank", "account_id", "name", "industry", "size_band",
    "revenue", "potential", "gap", "share_of_wallet",
]  # fmt: skip


def upsell_list(
    project: Project,
    *,
    min_gap: float = 0.0,
    max_share: float = DEFAULT_MAX_SHARE,
    top: int | None = None,
    territory_id: str | None = None,
) -> pd.DataFrame:
    """Accounts whose potential is far above their revenue, per territory, biggest gap first.

    Revenue is the account's ``annual_revenue`` (empty counts as none). An
    account is listed when its potential is positive, the gap (potential -
    revenue) is at least `min_gap` and its share of wallet (revenue /
    potential) at most `max_share`.

    Parameters
    ----------
    project
        The project.
    min_gap
        Smallest gap listed (money).
    max_share
        Largest share of wallet listed (0.5 = half the potential).
    top
        At most this many accounts per territory.
    territory_id
        Only this territory.

    Returns
    -------
    pandas.DataFrame
        `UPSELL_COLUMNS`, territories in name order (accounts in no
        territory last), ``rank`` 1 for each territory's biggest gap.
    """
    acc = project.accounts
    table = project.territory_table().set_index("territory_id")
    revenue = acc["annual_revenue"].astype(float).fillna(0.0)
    potential = acc["potential"].astype(float)
    gap = potential - revenue
    share = _ratio(revenue, potential)
    chosen = (potential > 0) & (gap >= min_gap) & (share <= max_share)
    if territory_id is not None:
        chosen &= acc["territory_id"] == territory_id
    out = pd.DataFrame(
        {
            "territory_id": acc["territory_id"],
            "territory": acc["territory_id"].map(table["name"]),
            "rep": acc["territory_id"].map(table["rep"]),
            "account_id": acc["account_id"],
            "name": acc["name"],
            "industry": acc["industry"],
            "size_band": acc["size_band"],
            "revenue": revenue,
            "potential": potential,
            "gap": gap,
            "share_of_wallet": share,
        }
    )[chosen.to_numpy()]
    out["_unassigned"] = out["territory"].isna()
    out = out.sort_values(
        ["_unassigned", "territory", "territory_id", "gap", "account_id"],
        ascending=[True, True, True, False, True],
        kind="stable",
        na_position="last",
    )
    out["rank"] = out.groupby("territory_id", dropna=False).cumcount() + 1
    if top is not None:
        out = out[out["rank"] <= top]
    return out[UPSELL_COLUMNS].reset_index(drop=True)


def upsell_summary(upsell: pd.DataFrame) -> pd.DataFrame:
    """Per territory of an upsell list: accounts listed, their revenue, potential and gap.

    Parameters
    ----------
    upsell
        The upsell list (`UPSELL_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        ``territory_id territory rep accounts revenue potential gap``, one row per territory.
    """
    if upsell.empty:
        return pd.DataFrame(columns=["territory_id", "territory", "rep", "accounts", "revenue",
                                     "potential", "gap"])  # fmt: skip
    return (
        upsell.groupby("territory_id", dropna=False, sort=False)
        .agg(
            territory=("territory", "first"),
            rep=("rep", "first"),
            accounts=("account_id", "size"),
            revenue=("revenue", "sum"),
            potential=("potential", "sum"),
            gap=("gap", "sum"),
        )
        .reset_index()
    )
