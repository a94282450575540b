"""Upsell: accounts whose potential is far above their revenue, per territory."""

from __future__ import annotations

import pandas as pd

from territory_planner.analysis.performance import _ratio
from territory_planner.model import Project

DEFAULT_MAX_SHARE = 0.5  # upsell: accounts with at most this share of wallet


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
