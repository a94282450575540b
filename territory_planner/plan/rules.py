"""Rule-based assignment: ordered rules on account attributes, optionally within a region.

A rule such as "Healthcare accounts with more than 500 employees in the West
go to Healthcare Enterprise" is a `Rule` with two conditions and ``within``
the West territory. Rules are tried in order; the first that matches an
account places it. Accounts no rule matches are placed by geography, and
locked accounts are never moved. Rules are saved in the project settings.
"""

from __future__ import annotations

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
from territory_planner.model import Project, rule_records, values_or_none
from territory_planner.plan.parents import apply_parent_policy, parent_policy
from territory_planner.settings import setting_entries
from territory_planner.tasks import CancelToken


@dataclass(frozen=True)
class Rule:
    """Accounts meeting every condition (and inside `within`, if given) go to `territory_id`."""

    name: str
    territory_id: str
    conditions: tuple[Condition, ...] = ()
    within: str | None = None  # a territory whose outline limits the rule

    def mask(self, accounts: pd.DataFrame, project: Project) -> np.ndarray:
        """Which accounts the rule applies to.

        Parameters
        ----------
        accounts
            The accounts to test (the columns the conditions name, ``lon``, ``lat``).
        project
            The project (its territories, for `within`, and saved segments a condition names).

        Returns
        -------
        numpy.ndarray
            A boolean per account: True where every condition holds (and it lies inside `within`).
        """
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

    Parameters
    ----------
    data
        The rules as JSON data, in order (a rule without a name is called "Rule N").
    project
        The project whose territories the rules name; an unknown one raises `InputError`.

    Returns
    -------
    list[Rule]
        The rules, in the same order, territories by ID.
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
    """The JSON form `parse_rules` reads (territories by ID).

    Parameters
    ----------
    rules
        The rules, in order.

    Returns
    -------
    list[dict[str, Any]]
        One entry per rule: ``name``, ``territory``, ``when`` and ``within`` if it has one.
    """
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
    """The project setting that stores `rules`.

    Parameters
    ----------
    rules
        The rules, in order.

    Returns
    -------
    dict[str, str]
        The settings key of the rules to their JSON text.
    """
    return setting_entries(rules=tuple(rules_as_data(rules)))


def describe(rule: Rule, names: dict[str, str]) -> str:
    """A rule in words, e.g. ``industry = Healthcare and employees > 500, inside West``.

    Parameters
    ----------
    rule
        The rule.
    names
        Territory ID to name, for `Rule.within` (an ID not in it is shown as it is).

    Returns
    -------
    str
        Its conditions joined by "and" ("every account" without any), then ", inside"
        the territory that limits it.
    """
    text = " and ".join(describe_condition(c) for c in rule.conditions) or "every account"
    if rule.within:
        text += f", inside {names.get(rule.within, rule.within)}"
    return text


def saved_rules(project: Project) -> list[Rule]:
    """The rules stored in the project (none if never set).

    Parameters
    ----------
    project
        The project (its settings and territories).

    Returns
    -------
    list[Rule]
        The saved rules, in order.
    """
    return parse_rules(rule_records(project), project)


def assign_with_rules(
    project: Project,
    rules: list[Rule],
    geography: Assignment | None = None,
    cancel: CancelToken | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Territory of each account and what placed it: a rule's name, "geography" or "locked".

    Accounts that nothing places have no territory and "none". `geography`
    is the plain spatial assignment, if the caller has already computed it.

    Parameters
    ----------
    project
        The project (its accounts and territories).
    rules
        The rules, tried in order: the first that matches an unlocked account places it.
    geography
        The spatial assignment of the accounts; None: computed here.
    cancel
        Checked before each rule; cancelled: `TaskCancelledError`.

    Returns
    -------
    tuple[pandas.Series, pandas.Series]
        Each account's territory ID (missing where none) and what placed it.
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
        if cancel is not None:
            cancel.raise_if_cancelled()
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
    cancel: CancelToken | None = None,
) -> Reassignment:
    """Assign every unlocked account: rules first, then geography, then the parent policy.

    `rules` and `policy` default to the project's saved ones; pass new ones
    to see their effect before saving them. The project is not changed.

    Parameters
    ----------
    project
        The project.
    rules
        The rules to use; None: the saved ones.
    policy
        The parent policy to use; None: the saved one.
    geography
        The spatial assignment of the accounts, if already computed; None: computed here.
    cancel
        Checked between the steps (geography, each rule, the parent policy); cancelled:
        `TaskCancelledError`.

    Returns
    -------
    Reassignment
        The accounts table with ``territory_id`` and ``placed_by`` set, the rows that
        moved, and the unassigned, overlapping and locked counts.
    """
    cancel = cancel or CancelToken()
    rules = saved_rules(project) if rules is None else rules
    policy = parent_policy(project) if policy is None else policy
    cancel.raise_if_cancelled()
    if geography is None:
        geography = assign_accounts(project.accounts, project.territories)
    territory, placed_by = assign_with_rules(project, rules, geography, cancel)
    cancel.raise_if_cancelled()
    territory, placed_by = apply_parent_policy(project, territory, placed_by, policy)
    cancel.raise_if_cancelled()
    accounts = project.accounts.copy(deep=False)  # copy-on-write: shares the unchanged columns
    before = accounts["territory_id"].fillna("").to_numpy()
    accounts["territory_id"] = territory
    accounts["placed_by"] = placed_by
    moved = np.flatnonzero(before != territory.fillna("").to_numpy())
    return Reassignment(
        accounts, moved, int(territory.isna().sum()), geography.overlapping, geography.locked
    )
