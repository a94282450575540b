"""Rule-based assignment: ordered rules on account attributes, optionally within a region.

A rule such as "Healthcare accounts with more than 500 employees in the West
go to Healthcare Enterprise" is a `Rule` with two conditions and ``within``
the West territory. Rules are tried in order; the first that matches an
account places it. Accounts no rule matches are placed by geography, and
locked accounts are never moved. Rules are saved in the project settings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.analysis.conditions import (
    SEGMENT_FIELD,
    Condition,
    condition_from_data,
    describe_condition,
)
from territory_planner.analysis.market_segments import segment_condition_mask
from territory_planner.formats import plural
from territory_planner.geo.assign import Assignment, assign_accounts, containing_polygon
from territory_planner.model import RULES_KEY, Project, rule_records, values_or_none
from territory_planner.plan.parents import apply_parent_policy, parent_policy

SETTINGS_KEY = RULES_KEY


@dataclass(frozen=True)
class Rule:
    """Accounts meeting every condition (and inside `within`, if given) go to `territory_id`."""

    name: str
    territory_id: str
    conditions: tuple[Condition, ...] = ()
    within: str | None = None  # a territory whose outline limits the rule

    def mask(self, accounts: pd.DataFrame, project: Project) -> np.ndarray:
        """Which accounts the rule applies to."""
        result = np.ones(len(accounts), dtype=bool)
        for condition in self.conditions:
            if condition.field == SEGMENT_FIELD:
                result &= segment_condition_mask(project, condition, accounts)
            else:
                result &= condition.mask(accounts)
        if self.within is not None:
            area = project.territories.geometry.iloc[project.territory_index(self.within)]
            labels = containing_polygon(
                accounts["lon"].to_numpy(), accounts["lat"].to_numpy(), [area]
            )
            result &= labels == 0
        return result


def parse_rules(data: list[dict[str, Any]], project: Project) -> list[Rule]:
    """Rules from JSON: ``[{"name", "territory", "when": [[field, op, value], ...], "within"}]``.

    ``territory`` and ``within`` may be a territory ID or name.
    """
    ids = dict(zip(project.territories["name"], project.territories["territory_id"], strict=True))
    known = set(project.territories["territory_id"])

    def territory(ref: str, rule: str) -> str:
        found = ref if ref in known else ids.get(ref)
        if found is None:
            names = ", ".join(ids)
            msg = f"rule '{rule}': there is no territory '{ref}'; the territories are: {names}"
            raise InputError(msg)
        return str(found)

    rules = []
    for number, entry in enumerate(data, start=1):
        name = str(entry.get("name") or f"Rule {number}")
        conditions = [condition_from_data(c, f"rule '{name}'") for c in entry.get("when", [])]
        within = entry.get("within")
        rules.append(
            Rule(
                name,
                territory(str(entry["territory"]), name),
                tuple(conditions),
                territory(str(within), name) if within else None,
            )
        )
    return rules


def rules_as_data(rules: list[Rule]) -> list[dict[str, Any]]:
    """The JSON form `parse_rules` reads (territories by ID)."""
    data: list[dict[str, Any]] = []
    for rule in rules:
        entry: dict[str, Any] = {
            "name": rule.name,
            "territory": rule.territory_id,
            "when": [[c.field, c.op, c.value] for c in rule.conditions],
        }
        if rule.within:
            entry["within"] = rule.within
        data.append(entry)
    return data


def rules_setting(rules: list[Rule]) -> dict[str, str]:
    """The project setting that stores `rules`."""
    return {SETTINGS_KEY: json.dumps(rules_as_data(rules))}


def describe(rule: Rule, names: dict[str, str]) -> str:
    """A rule in words, e.g. ``industry = Healthcare and employees > 500, in West``."""
    text = " and ".join(describe_condition(c) for c in rule.conditions) or "every account"
    if rule.within:
        text += f", inside {names.get(rule.within, rule.within)}"
    return text


def saved_rules(project: Project) -> list[Rule]:
    """The rules stored in the project (none if never set)."""
    return parse_rules(rule_records(project), project)


def assign_with_rules(
    project: Project, rules: list[Rule], geography: Assignment | None = None
) -> tuple[pd.Series, pd.Series]:
    """Territory of each account and what placed it: a rule's name, "geography" or "locked".

    Accounts that nothing places have no territory and "none". `geography`
    is the plain spatial assignment, if the caller has already computed it.
    """
    acc = project.accounts
    if geography is None:
        geography = assign_accounts(acc, project.territories)
    geographic = geography.territory_id
    territory = values_or_none(geographic)
    placed_by = np.where(pd.notna(territory), "geography", "none").astype(object)
    locked = acc["locked"].to_numpy(dtype=bool)
    placed_by[locked] = "locked"
    free = ~locked
    for rule in rules:
        hit = rule.mask(acc, project) & free
        territory[hit] = rule.territory_id
        placed_by[hit] = rule.name
        free &= ~hit
    return pd.Series(territory, index=acc.index, dtype="str"), pd.Series(
        placed_by, index=acc.index, dtype="str"
    )


@dataclass(frozen=True)
class Reassignment:
    """The accounts table after assigning by rules, parents and geography, and what changed."""

    accounts: pd.DataFrame
    moved: np.ndarray  # row positions whose territory changed
    unassigned: int
    overlapping: int
    locked: int = 0  # accounts locked to their territory (not moved)

    def describe(self) -> str:
        """E.g. "41 accounts moved, 3 unassigned"."""
        text = f"{plural(len(self.moved), 'account')} moved, {self.unassigned:,} unassigned"
        return text + (
            f", {self.overlapping:,} in overlapping territories" if self.overlapping else ""
        )


def reassign(
    project: Project,
    rules: list[Rule] | None = None,
    policy: str | None = None,
    geography: Assignment | None = None,
) -> Reassignment:
    """Assign every unlocked account: rules first, then geography, then the parent policy.

    `rules` and `policy` default to the project's saved ones; pass new ones
    to see their effect before saving them. The project is not changed.
    """
    rules = saved_rules(project) if rules is None else rules
    policy = parent_policy(project) if policy is None else policy
    if geography is None:
        geography = assign_accounts(project.accounts, project.territories)
    territory, placed_by = assign_with_rules(project, rules, geography)
    territory, placed_by = apply_parent_policy(project, territory, placed_by, policy)
    accounts = project.accounts.copy(deep=False)  # copy-on-write: shares the unchanged columns
    before = accounts["territory_id"].fillna("").to_numpy()
    accounts["territory_id"] = territory
    accounts["placed_by"] = placed_by
    moved = np.flatnonzero(before != territory.fillna("").to_numpy())
    return Reassignment(
        accounts, moved, int(territory.isna().sum()), geography.overlapping, geography.locked
    )
