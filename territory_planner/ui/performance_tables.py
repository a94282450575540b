"""The Performance panel's tables: columns and tints, alert and goal rows, thresholds as typed.

The rows are pandas tables; the panel shows them through `table_model.FrameModel`
with these columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.analysis.performance_alerts import ALERT_KINDS, PerformanceAlert
from territory_planner.analysis.performance_settings import (
    ActivityGoals,
    parse_threshold,
)
from territory_planner.formats import integer, money, money_short, percent, signed_percent
from territory_planner.io.fields import parse_number
from territory_planner.model import Project
from territory_planner.settings import ACTIVITIES
from territory_planner.ui.table_model import Column

#: Threshold name -> (what it means, whether it is a share shown as a percentage).
THRESHOLD_TEXT = {
    "attainment_below": ("Sales to date below this share of the pro-rated quota", True),
    "activity_below": ("An activity to date below this share of its pro-rated goal", True),
    "capacity_above": ("Workload above this share of the rep's capacity", True),
    "yoy_below": ("Sales changed by less than this on the same periods last year", True),
    "retention_below": ("Fewer than this share of last year's buyers bought again", True),
    "penetration_below": ("Fewer than this share of the accounts bought this year", True),
    "potential_per_rep_above": ("A rep's potential above this amount", False),
}


ALERT_COLUMNS = ["level", "name", "kind", "value", "threshold", "alert"]


def pace_tint(value: Any, alert_below: float | None) -> str | None:
    """Red below the alert threshold, amber behind pace, green on pace."""
    if pd.isna(value):
        return None
    if value >= 1:
        return "#dff0d8"
    if alert_below is not None and value < alert_below:
        return "#f8d7da"
    return "#fcf3cf"


def performance_columns(level: str, alert_below: Callable[[], float | None]) -> list[Column]:
    """The table's columns for ``level`` "territory" or "rep"."""
    first = (
        [Column("name", "Territory", width=140), Column("rep", "Rep", width=110)]
        if level == "territory"
        else [
            Column("rep", "Rep", width=130),
            Column("territories", "Terr.", integer, numeric=True, width=45),
        ]
    )
    return [
        *first,
        Column("quota", "Quota", money_short, numeric=True, width=68),
        Column("quota_to_date", "Pro-rated", money_short, numeric=True, width=70),
        Column("sales_to_date", "Sales YTD", money_short, numeric=True, width=72),
        Column(
            "attainment_to_date",
            "vs pace",
            percent,
            numeric=True,
            width=60,
            tint=lambda v: pace_tint(v, alert_below()),
        ),
        Column("attainment", "of quota", percent, numeric=True, width=62),
        Column("run_rate", "Run rate", money_short, numeric=True, width=68),
        Column("yoy_change", "vs LY", signed_percent, numeric=True, width=55),
        Column("customers", "Buyers", integer, numeric=True, width=55),
        Column("penetration", "Penetr.", percent, numeric=True, width=58),
        Column("retention", "Retention", percent, numeric=True, width=68),
        Column("lost", "Lost", integer, numeric=True, width=45),
        Column("calls", "Calls", integer, numeric=True, width=50),
        Column("calls_vs_goal", "vs goal", percent, numeric=True, width=58),
        Column("meetings", "Meetings", integer, numeric=True, width=65),
        Column("meetings_vs_goal", "vs goal", percent, numeric=True, width=58),
        Column("emails", "Emails", integer, numeric=True, width=55),
        Column("emails_vs_goal", "vs goal", percent, numeric=True, width=58),
        Column("capacity_use", "Capacity", percent, numeric=True, width=64),
    ]


ALERT_VIEW_COLUMNS = [
    Column("level", "For", width=62),
    Column("name", "Name", width=130),
    Column("what", "What", width=130),
    Column("alert", "Alert (hover for all of it)", width=560),
]


def alert_table(found: list[PerformanceAlert]) -> pd.DataFrame:
    """Alerts as a table (what the panel lists and exports)."""
    rows = [a.as_dict() for a in found]
    columns = ["level", "id", "name", "kind", "value", "threshold", "alert"]
    frame = pd.DataFrame(rows, columns=columns).rename(columns={"id": "key"})
    frame.insert(4, "what", frame["kind"].map(ALERT_KINDS).fillna(frame["kind"]))
    return frame


@dataclass(frozen=True)
class GoalCell:
    """A yearly activity goal as the Goals table shows it: set here, or inherited.

    ``str`` is what the editor starts from (the own goal, or empty), ``float``
    the goal that counts (own, else inherited; NaN: none) for sorting.
    """

    own: float | None
    inherited: float = math.nan

    def __str__(self) -> str:
        return "" if self.own is None else f"{self.own:g}"

    def __float__(self) -> float:
        return self.inherited if self.own is None else self.own


def goal_text(cell: GoalCell) -> str:
    """The goal shown: "480" when set here, "(480)" when inherited, "" for none."""
    if cell.own is not None:
        return f"{cell.own:,.0f}"
    return "" if math.isnan(cell.inherited) else f"({cell.inherited:,.0f})"


OWN_GOAL = "#e3ecfa"  # the background of a goal set for its row (not inherited)


GOAL_COLUMNS = [
    Column("level", "For", width=100),
    Column("name", "Name", width=140),
    *(Column(a, f"{a.capitalize()} / year", goal_text, numeric=True, editable=True, width=95,
             tint=lambda cell: None if cell.own is None else OWN_GOAL)
      for a in ACTIVITIES),
]  # fmt: skip


#: The first row of the Goals table: the goal of every territory without its own.
EVERY_TERRITORY = "Every territory"


def goal_table(project: Project, goals: ActivityGoals) -> pd.DataFrame:
    """One row for every territory's default goal, one per territory, one per rep holding one.

    Columns: ``scope`` ("", "territory", "rep" as `ActivityGoals.with_goal`
    takes it), ``key``, ``level``, ``name`` and a `GoalCell` per activity.
    """
    inherited_only = ActivityGoals(goals.default, goals.territories, {})
    rows: list[dict[str, Any]] = [
        {"scope": "", "key": "", "level": EVERY_TERRITORY, "name": "(unless set below)",
         **{a: GoalCell(goals.default.get(a)) for a in ACTIVITIES}},
    ]  # fmt: skip
    territories = project.territories
    for tid, name in zip(territories["territory_id"], territories["name"], strict=True):
        own = goals.territories.get(str(tid), {})
        rows.append(
            {"scope": "territory", "key": str(tid), "level": "Territory", "name": str(name),
             **{a: GoalCell(own.get(a), goals.default.get(a, math.nan)) for a in ACTIVITIES}}
        )  # fmt: skip
    names = project.reps.drop_duplicates("rep_id").set_index("rep_id")["name"]
    staffed = territories[territories["rep_id"].notna() & (territories["rep_id"] != "")]
    for rep_id, held in staffed.groupby("rep_id", sort=False)["territory_id"]:
        own = goals.reps.get(str(rep_id), {})
        ids = [str(t) for t in held]
        rows.append(
            {"scope": "rep", "key": str(rep_id), "level": "Rep",
             "name": str(names.get(rep_id, rep_id)),
             **{a: GoalCell(own.get(a), inherited_only.rep_goal(str(rep_id), ids, a))
                for a in ACTIVITIES}}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=["scope", "key", "level", "name", *ACTIVITIES])


def threshold_text(name: str, value: float | None) -> str:
    """A threshold as the editor shows it: "80%", "-10%", "$2,000,000" or "off"."""
    if value is None:
        return "off"
    if THRESHOLD_TEXT[name][1]:
        return f"{value * 100:g}%"
    return money(value)


def read_threshold(name: str, text: str) -> float | None:
    """A threshold typed in the editor (raises InputError with what to type)."""
    if THRESHOLD_TEXT[name][1] or text.strip().lower() in {"", "off", "none"}:
        return parse_threshold(name, text)
    number = parse_number(text)
    if number is None or np.isnan(number):
        msg = f"{THRESHOLD_TEXT[name][0]}: '{text}' is not an amount; give e.g. 2,000,000 or 'off'"
        raise InputError(msg)
    return number
