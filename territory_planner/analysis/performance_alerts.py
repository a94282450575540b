"""Alerts: the thresholds a territory's or rep's performance breaches, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from territory_planner.analysis.performance import Performance
from territory_planner.analysis.performance_settings import Thresholds
from territory_planner.formats import agree, money, plural
from territory_planner.settings import ACTIVITIES

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
