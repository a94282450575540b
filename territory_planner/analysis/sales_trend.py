"""Sales per period and territory (or rep), for the trend chart of the Performance panel.

Actuals count for the territory an account is in now, as in
`territory_planner.analysis.performance`. The periods are months when every
imported period is a month, else calendar quarters (a month counts in its
quarter); the trend ends with the period holding the as-of date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territory_planner.analysis.performance import default_as_of
from territory_planner.model import ACTUAL_COLUMNS, Project, conform, period_bounds

MONTHS = 12
QUARTERS = 8


@dataclass(frozen=True)
class Trend:
    """Sales per period: one row per territory (or rep), one column per period, oldest first."""

    periods: list[str]  # "2026-03" or "2026Q1"
    table: pd.DataFrame  # index: territory (or rep) IDs; columns: `periods`
    names: dict[str, str]
    colors: dict[str, str]
    granularity: str  # "month" | "quarter"

    def series(self, key: str) -> np.ndarray:
        """One row's sales per period.

        Parameters
        ----------
        key
            The territory (or rep) ID of the row.

        Returns
        -------
        numpy.ndarray
            Its sales in each of `periods`, oldest first.
        """
        return np.asarray(self.table.loc[key].to_numpy(dtype=float), dtype=float)


def _quarter(period: str) -> str:
    start, _ = period_bounds(period)
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def _month_keys(as_of: dt.date, count: int) -> list[str]:
    index = as_of.year * 12 + as_of.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def _quarter_keys(as_of: dt.date, count: int) -> list[str]:
    index = as_of.year * 4 + (as_of.month - 1) // 3
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index - count + 1, index + 1)]


def sales_trend(
    project: Project,
    as_of: dt.date | None = None,
    *,
    by: str = "territory",
    periods: int | None = None,
) -> Trend:
    """Sales per period of each territory (``by="territory"``) or rep (``by="rep"``).

    Parameters
    ----------
    project
        Accounts (their territories), territories, reps and actuals.
    as_of
        The last period shown is the one holding this day (default:
        `performance.default_as_of`).
    by
        ``"territory"`` or ``"rep"``.
    periods
        How many periods (default: 12 months or 8 quarters).

    Returns
    -------
    Trend
        The periods (months when every actual is monthly, else quarters) and each
        territory's (or rep's) sales in them, with names and colours.
    """
    if by not in {"territory", "rep"}:
        msg = f"a trend is per 'territory' or 'rep', not '{by}'"
        raise ValueError(msg)
    actuals = conform(project.actuals, ACTUAL_COLUMNS)
    as_of = as_of or default_as_of(actuals)
    kinds = actuals["period"].dropna().astype(str)
    monthly = bool(len(kinds)) and bool(kinds.str.fullmatch(r"\d{4}-\d{2}").all())
    if monthly:
        keys = _month_keys(as_of, periods or MONTHS)
        bucket = actuals["period"].astype(str)
    else:
        keys = _quarter_keys(as_of, periods or QUARTERS)
        bucket = actuals["period"].astype(str).map(_quarter)
    territories = project.territories
    owner = project.accounts.set_index("account_id")["territory_id"]
    owner = owner[~owner.index.duplicated()]
    group = actuals["account_id"].map(owner)
    ids = [str(t) for t in territories["territory_id"]]
    names = {str(t): str(n) for t, n in zip(territories["territory_id"], territories["name"],
                                            strict=True)}  # fmt: skip
    colors = {str(t): str(c) for t, c in zip(territories["territory_id"], territories["color"],
                                             strict=True)}  # fmt: skip
    if by == "rep":
        rep_of = dict(zip(territories["territory_id"], territories["rep_id"], strict=True))
        group = group.map(rep_of)
        rep_names = dict(zip(project.reps["rep_id"], project.reps["name"], strict=True))
        ids = list(dict.fromkeys(str(r) for r in territories["rep_id"].dropna() if r))
        names = {r: str(rep_names.get(r, r)) for r in ids}
        first = {str(r): colors[str(t)] for t, r in rep_of.items() if isinstance(r, str)}
        colors = {r: first.get(r, "#8a8f98") for r in ids}
    sales = actuals["sales"].astype(float).fillna(0.0)
    frame = pd.DataFrame({"group": group, "period": bucket, "sales": sales})
    frame = frame[frame["group"].isin(ids) & frame["period"].isin(keys)]
    table = frame.pivot_table(
        index="group", columns="period", values="sales", aggfunc="sum", fill_value=0.0
    )
    table = table.reindex(index=ids, columns=keys, fill_value=0.0).astype(float)
    known = set(bucket)  # periods before the first with any actuals are left out
    start = next((i for i, k in enumerate(keys) if k in known or k > min(known, default=k)), 0)
    keys = keys[start:]
    return Trend(keys, table[keys], names, colors, "month" if monthly else "quarter")
