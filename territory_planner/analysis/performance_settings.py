"""Thresholds and activity goals of the performance view, as the project settings store them.

Thresholds (`Thresholds`, settings ``alert_<name>``) say when a figure of
`performance.performance` raises an alert (`performance_alerts`); activity
goals (`ActivityGoals`, setting ``activity_goals``) are the yearly counts of
calls, meetings and emails the activities to date are compared with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from territory_planner._errors import InputError
from territory_planner.settings import (
    ACTIVITIES,
    GOAL_FIELDS,
    fraction_or_off,
    read_settings,
    setting_entries,
)


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
