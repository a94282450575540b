"""Large synthetic projects for benchmarks: the demo, its accounts repeated with jitter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory_planner.demo import make_demo
from territory_planner.geo.assign import containing_polygon
from territory_planner.model import Project


def big_project(accounts: int, seed: int = 1) -> Project:
    """The 8-rep demo scaled to `accounts` accounts (positions jittered by ~2 km)."""
    base = make_demo(accounts=1500, reps=8, seed=seed)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(base.accounts), size=accounts)
    acc = base.accounts.iloc[rows].reset_index(drop=True)
    acc["account_id"] = [f"B{i:07d}" for i in range(accounts)]
    acc["lon"] = acc["lon"] + rng.normal(0, 0.02, size=accounts)
    acc["lat"] = acc["lat"] + rng.normal(0, 0.02, size=accounts)
    owner = containing_polygon(
        acc["lon"].to_numpy(), acc["lat"].to_numpy(), list(base.territories.geometry)
    )
    ids = base.territories["territory_id"].to_numpy()
    acc["territory_id"] = pd.Series([ids[k] if k >= 0 else None for k in owner], dtype="str")
    return Project(
        accounts=acc, reps=base.reps, territories=base.territories, name=f"{accounts:,} accounts"
    )
