"""A 100,000-account project survives save and open exactly, custom attributes included."""

from __future__ import annotations

import numpy as np
import pandas as pd

from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import Project


def test_100k_round_trip_is_exact(tmp_path, demo_project: Project) -> None:
    n = 100_000
    rng = np.random.default_rng(5)
    rows = rng.integers(0, len(demo_project.accounts), size=n)
    acc = demo_project.accounts.iloc[rows].reset_index(drop=True)
    acc["account_id"] = [f"X{i:06d}" for i in range(n)]
    acc["lon"] = (acc["lon"] + rng.normal(0, 0.01, n)).round(6)
    acc["lat"] = (acc["lat"] + rng.normal(0, 0.01, n)).round(6)
    acc.loc[::97, ["lon", "lat"]] = np.nan
    acc.loc[::97, "geocode"] = "unplaced"
    acc["locked"] = rng.random(n) < 0.05
    acc["Region Code"] = pd.Series(
        rng.choice(["Nord", "Süd", "Ост", "🚚 fleet", None], size=n), dtype="str"
    )
    acc["Credit Limit"] = rng.integers(0, 10**6, size=n).astype("float64")
    project = Project(acc, demo_project.reps.copy(), demo_project.territories.copy(), name="Big ✓")
    path = tmp_path / "big.gpkg"
    save_project(project, path)
    back = load_project(path)
    pd.testing.assert_frame_equal(back.accounts, project.accounts)
    pd.testing.assert_frame_equal(back.reps, project.reps)
    assert back.name == "Big ✓"
    for a, b in zip(back.territories.geometry, project.territories.geometry, strict=True):
        assert a.equals_exact(b, tolerance=1e-9)
