"""Parent companies: accounts that are divisions of one parent, and where they belong.

Accounts sharing a ``parent_id`` (or, when it is empty, a ``parent_name``)
form a *parent group*; the account whose ``account_id`` is that parent ID,
when the project has it, is the parent account and belongs to the group too.
Each group has a *parent territory*: the parent account's territory, or else
the territory holding most of the group's revenue.

The project's parent policy says what the groups mean for assignment:

* `FOLLOW_PARENT` - every unlocked division goes to the parent territory;
* `GEOGRAPHIC` - divisions stay where geography and the rules put them, and
  the rep owning the parent territory is the relationship lead (see
  `split_parents_report`).

Everything here is vectorised (a groupby over the accounts), so it stays
fast for 100k accounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory_planner import settings
from territory_planner.model import Project
from territory_planner.settings import check_policy, read_settings, setting_entries

FOLLOW_PARENT = settings.FOLLOW_PARENT
GEOGRAPHIC = settings.GEOGRAPHIC
#: Every parent policy, in the order a UI should offer them.
POLICIES = settings.PARENT_POLICIES
#: A group is split when its members are in at least this many territories.
SPLIT_MIN_TERRITORIES = 2
#: What ``placed_by`` says before the parent's label for an account the policy moved.
PLACED_BY_PREFIX = "parent: "

REPORT_COLUMNS = (
    "parent_id",
    "parent_name",
    "divisions",
    "territories",
    "territory_names",
    "lead_territory",
    "lead_rep",
    "revenue",
)

_ID_KEY = "id:"
_NAME_KEY = "name:"


def parent_policy(project: Project) -> str:
    """The project's parent policy (`GEOGRAPHIC` if it was never set).

    Parameters
    ----------
    project
        The project (its settings).

    Returns
    -------
    str
        One of `POLICIES`.

    Raises
    ------
    InputError
        When the stored setting is not a known policy.
    """
    return read_settings(project.settings, check=["parent_policy"]).parent_policy


def policy_setting(policy: str) -> dict[str, str]:
    """The project setting that stores `policy` (checked first).

    Parameters
    ----------
    policy
        One of `POLICIES`; another raises `InputError`.

    Returns
    -------
    dict[str, str]
        The settings key of the parent policy to `policy`.
    """
    return setting_entries(parent_policy=policy)


def _text(series: pd.Series) -> pd.Series:
    """Stripped text of each value, ``""`` where it is missing."""
    return series.astype("str").str.strip().fillna("")


def _territories(territory: pd.Series, index: pd.Index) -> pd.Series:
    """Territory IDs as text aligned to `index`, ``""`` for no territory."""
    return pd.Series(
        territory.astype("str").fillna("").to_numpy(dtype=object), index=index, dtype=object
    )


def parent_groups(accounts: pd.DataFrame) -> pd.Series:
    """The parent group of each account, as a key (missing for accounts in no group).

    An account's own stripped ``parent_id`` decides its group; with no
    ``parent_id``, its ``parent_name`` does (case and surrounding spaces
    ignored). An account with neither joins the group whose parent ID is
    its ``account_id``, if there is one. Hierarchies are one level deep: a
    parent account that is itself a division of another parent stays in
    that other group.

    Parameters
    ----------
    accounts
        The accounts table.

    Returns
    -------
    pandas.Series
        ``"id:<parent_id>"`` or ``"name:<parent name, lower case>"`` per
        account (same index as `accounts`), missing for accounts in no group.
    """
    ids = _text(accounts["parent_id"])
    names = _text(accounts["parent_name"])
    keys = np.full(len(accounts), None, dtype=object)
    by_name = ((ids == "") & (names != "")).to_numpy()
    by_id = (ids != "").to_numpy()
    keys[by_name] = (_NAME_KEY + names.str.lower()).to_numpy(dtype=object)[by_name]
    keys[by_id] = (_ID_KEY + ids).to_numpy(dtype=object)[by_id]
    own = _ID_KEY + _text(accounts["account_id"])
    is_parent = (~by_id & ~by_name) & own.isin(set(keys[by_id])).to_numpy()
    keys[is_parent] = own.to_numpy(dtype=object)[is_parent]
    return pd.Series(keys, index=accounts.index, dtype="str", name="parent_group")


def _parent_account_territories(
    accounts: pd.DataFrame, groups: pd.Series, territory: pd.Series
) -> pd.Series:
    """Territory of each group's parent account, by group key (groups with one placed)."""
    own = _ID_KEY + _text(accounts["account_id"])
    present = own.isin(set(groups.dropna())) & (territory != "")
    found = pd.Series(territory[present].to_numpy(), index=own[present].to_numpy(), dtype=object)
    return found[~found.index.duplicated(keep="first")]


def _lead_territories(accounts: pd.DataFrame, groups: pd.Series, territory: pd.Series) -> pd.Series:
    """Parent territory of each group, by group key (groups with no territory left out)."""
    placed = groups.notna() & (territory != "")
    members = pd.DataFrame(
        {
            "group": groups[placed].to_numpy(dtype=object),
            "territory": territory[placed].to_numpy(dtype=object),
            "revenue": accounts.loc[placed, "annual_revenue"].fillna(0.0).to_numpy(dtype=float),
        }
    )
    totals = (
        members.groupby(["group", "territory"], sort=False)
        .agg(revenue=("revenue", "sum"), count=("revenue", "size"))
        .reset_index()
        .sort_values(
            ["group", "revenue", "count", "territory"], ascending=[True, False, False, True]
        )
        .drop_duplicates("group")
    )
    by_revenue = pd.Series(
        totals["territory"].to_numpy(dtype=object),
        index=totals["group"].to_numpy(dtype=object),
        dtype=object,
    )
    by_parent = _parent_account_territories(accounts, groups, territory)
    return by_parent.combine_first(by_revenue)


def parent_territories(accounts: pd.DataFrame, territory: pd.Series) -> pd.Series:
    """The parent territory of each account's group.

    The parent territory is the parent account's territory when the project
    has the parent account and it has a territory; otherwise the territory
    holding the largest sum of ``annual_revenue`` among the group's members
    (ties: the one with most members, then the smallest territory ID).
    Members with no territory are ignored.

    Parameters
    ----------
    accounts
        The accounts table.
    territory
        The territory of each account to judge by (same index as
        `accounts`); missing or ``""`` for no territory.

    Returns
    -------
    pandas.Series
        Territory ID per account (same index as `accounts`); missing for
        accounts in no group and for groups with no territory at all.
    """
    groups = parent_groups(accounts)
    lead = _lead_territories(accounts, groups, _territories(territory, accounts.index))
    result = groups.map(lead)
    return pd.Series(
        result.to_numpy(dtype=object), index=accounts.index, dtype="str", name="parent_territory"
    )


def _group_names(accounts: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """The parent name of each group, by group key: its members' most common spelling."""
    names = _text(accounts["parent_name"])
    named = groups.notna() & (names != "")
    counts = (
        pd.DataFrame(
            {
                "group": groups[named].to_numpy(dtype=object),
                "name": names[named].to_numpy(dtype=object),
                "order": np.flatnonzero(named.to_numpy()),
            }
        )
        .groupby(["group", "name"], sort=False)
        .agg(count=("order", "size"), first=("order", "min"))
        .reset_index()
        .sort_values(["group", "count", "first"], ascending=[True, False, True])
        .drop_duplicates("group")
    )
    return pd.Series(
        counts["name"].to_numpy(dtype=object),
        index=counts["group"].to_numpy(dtype=object),
        dtype=object,
    )


def _group_ids(keys: pd.Index) -> pd.Series:
    """The parent ID of each group key (``""`` for groups found by name)."""
    text = pd.Series(keys.astype(str), index=keys, dtype=object)
    by_id = text.str.startswith(_ID_KEY)
    return text.str.slice(len(_ID_KEY)).where(by_id, "")


def _group_labels(accounts: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """What names each group in ``placed_by``: its parent name, else its parent ID."""
    keys = pd.Index(groups.dropna().unique())
    names = _group_names(accounts, groups).reindex(keys).fillna("")
    ids = _group_ids(keys)
    return names.where(names != "", ids)


def apply_parent_policy(
    project: Project, territory: pd.Series, placed_by: pd.Series, policy: str
) -> tuple[pd.Series, pd.Series]:
    """Territory and placement of each account after the parent policy.

    Parameters
    ----------
    project
        The project whose accounts (parent columns, ``locked``,
        ``annual_revenue``) are used.
    territory, placed_by
        Each account's territory and what placed it, e.g. from
        `territory_planner.plan.rules.assign_with_rules` (same index as
        the accounts). They are not changed.
    policy
        `FOLLOW_PARENT`: every unlocked member of a parent group goes to the
        group's parent territory (judged by `territory`), and the accounts
        that move are ``placed_by`` ``"parent: <parent name or ID>"``.
        `GEOGRAPHIC`: nothing moves.

    Returns
    -------
    tuple of pandas.Series
        New territory and placed_by series (copies, also when nothing moves).

    Raises
    ------
    InputError
        When `policy` is not a known parent policy.
    """
    check_policy(policy)
    territory, placed_by = territory.copy(), placed_by.copy()
    if policy == GEOGRAPHIC:
        return territory, placed_by
    acc = project.accounts
    groups = parent_groups(acc)
    current = _territories(territory, acc.index)
    lead = groups.map(_lead_territories(acc, groups, current)).astype(object).fillna("")
    locked = acc["locked"].fillna(value=False).to_numpy(dtype=bool)
    move = (lead != "").to_numpy() & (lead != current).to_numpy() & ~locked
    if not move.any():
        return territory, placed_by
    labels = groups[move].map(_group_labels(acc, groups)).astype(object)
    territory_values = territory.astype(object).to_numpy(copy=True)
    placed_values = placed_by.astype(object).to_numpy(copy=True)
    territory_values[move] = lead.to_numpy(dtype=object)[move]
    placed_values[move] = (PLACED_BY_PREFIX + labels).to_numpy(dtype=object)
    return (
        pd.Series(territory_values, index=territory.index, name=territory.name).astype(
            territory.dtype
        ),
        pd.Series(placed_values, index=placed_by.index, name=placed_by.name).astype(
            placed_by.dtype
        ),
    )


def _empty_report() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parent_id": pd.Series([], dtype=object),
            "parent_name": pd.Series([], dtype=object),
            "divisions": pd.Series([], dtype=np.int64),
            "territories": pd.Series([], dtype=np.int64),
            "territory_names": pd.Series([], dtype=object),
            "lead_territory": pd.Series([], dtype=object),
            "lead_rep": pd.Series([], dtype=object),
            "revenue": pd.Series([], dtype=float),
        }
    )


def split_parents_report(project: Project, territory: pd.Series | None = None) -> pd.DataFrame:
    """The parent groups whose members are in two or more territories.

    Parameters
    ----------
    project
        The project.
    territory
        Each account's territory to judge by (same index as the accounts);
        by default the accounts' ``territory_id``.

    Returns
    -------
    pandas.DataFrame
        One row per split group with columns ``parent_id`` (``""`` for a
        group found by name), ``parent_name``, ``divisions`` (members,
        including the parent account), ``territories`` (distinct territories
        of the members), ``territory_names`` (comma-separated, most members
        first), ``lead_territory`` (name of the parent territory),
        ``lead_rep`` (name of its rep, ``""`` if none) and ``revenue`` (the
        group's annual revenue). Sorted by territories, then revenue, both
        descending. No rows (but those columns) when no group is split.
    """
    acc = project.accounts
    if territory is None:
        territory = acc["territory_id"]
    current = _territories(territory, acc.index)
    groups = parent_groups(acc)
    in_group = groups.notna()
    members = pd.DataFrame(
        {
            "group": groups[in_group].to_numpy(dtype=object),
            "territory": current[in_group].to_numpy(dtype=object),
            "revenue": acc.loc[in_group, "annual_revenue"].fillna(0.0).to_numpy(dtype=float),
        }
    )
    placed = members[members["territory"] != ""]
    spread = placed.groupby("group")["territory"].nunique()
    split = spread[spread >= SPLIT_MIN_TERRITORIES].index
    if len(split) == 0:
        return _empty_report()

    ids = project.territories["territory_id"].astype(object).to_numpy()
    territory_name = dict(zip(ids, project.territories["name"].astype(object), strict=True))
    rep_name = dict(
        zip(project.reps["rep_id"].astype(object), project.reps["name"].astype(object), strict=True)
    )
    territory_rep = {
        t: rep_name.get(r, "") if isinstance(r, str) else ""
        for t, r in zip(ids, project.territories["rep_id"].astype(object), strict=True)
    }

    def name_of(territory_id: str) -> str:
        name = territory_name.get(territory_id)
        return str(name) if isinstance(name, str) and name else territory_id

    counts = (
        placed[placed["group"].isin(split)]
        .groupby(["group", "territory"])
        .size()
        .reset_index(name="count")
    )
    counts["label"] = counts["territory"].map(name_of)
    counts = counts.sort_values(["group", "count", "label"], ascending=[True, False, True])
    names = counts.groupby("group", sort=False)["label"].agg(", ".join)

    totals = members[members["group"].isin(split)].groupby("group")
    lead = _lead_territories(acc, groups, current).reindex(split).fillna("")
    report = pd.DataFrame(
        {
            "parent_id": _group_ids(split).to_numpy(dtype=object),
            "parent_name": _group_names(acc, groups).reindex(split).fillna("").to_numpy(),
            "divisions": totals.size().reindex(split).to_numpy(dtype=np.int64),
            "territories": spread.reindex(split).to_numpy(dtype=np.int64),
            "territory_names": names.reindex(split).to_numpy(dtype=object),
            "lead_territory": [name_of(t) if t else "" for t in lead],
            "lead_rep": [territory_rep.get(t, "") for t in lead],
            "revenue": totals["revenue"].sum().reindex(split).to_numpy(dtype=float),
        }
    )
    report = report.sort_values(
        ["territories", "revenue", "parent_name", "parent_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return report.reset_index(drop=True)
