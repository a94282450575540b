"""Rebalancing a plan on lumpy data, judged from the saved project alone (issue 14).

A field project (accounts crowded into metros, reps downtown) gets a plan
designed on accounts at ±1% (stored in `tests/data/field3_plan.csv`, county
FIPS to territory: the plan `design --units county --balance accounts
--tolerance 0.01` made with the time limits lifted at 715b54a, so that a change
to design does not change what rebalance starts from), read in through the
command line as polygons, then rebalanced on potential at ±5% and saved. Recomputed here from the two saved plans with shapely and networkx,
never from the optimizer's report: the accounts that changed territory, the
balance of the accounts' own assignment, one piece per territory on the county
adjacency, and compactness. Only the lower bound is taken from the report
(`moved_lower_bound`, the moves MILP that ignores contiguity).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from territory_planner.cli import main
from territory_planner.io.project_file import load_project, save_project
from territory_planner.sample_data import field_project
from tests.property.test_design_field_data import (
    adjacency,  # noqa: F401 (a fixture)
    counties,  # noqa: F401 (a fixture)
    county_owner,
    polsby_popper,
)

CASE = {"seed": 3, "accounts": 2000, "reps": 10}
PLAN = Path(__file__).parents[1] / "data" / "field3_plan.csv"
#: Measured here, the time limits lifted (`unhurried`: the same plans on any machine): 215
#: accounts moved against a bound of 20 (10.8x), from the stored plan as from the design at
#: 715b54a; 369 (18.5x) before moved pieces were sent home together (`rebalance_returns`).
#: With a little room:
MOST_MOVED = 280
MOST_PER_BOUND = 14.0
#: Mean Polsby-Popper (Albers, outlines as saved) may fall this much: measured 0.212 -> 0.164.
PP_DROP = 0.06


@pytest.mark.usefixtures("unhurried")
def test_rebalanced_field_plan_moves_few_accounts_and_holds(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    counties: gpd.GeoDataFrame,  # noqa: F811 (the fixture)
    adjacency: nx.Graph,  # noqa: F811 (the fixture)
) -> None:
    path = tmp_path / "field.gpkg"
    save_project(field_project(**CASE), path)
    plan = pd.read_csv(PLAN, dtype=str)
    assert len(plan) == len(counties)
    assert plan["fips"].is_unique
    shapes = counties[["fips", "geometry"]].merge(plan, on="fips").dissolve(by="territory")
    outlines = tmp_path / "plan.geojson"
    shapes.reset_index()[["territory", "geometry"]].to_file(outlines, driver="GeoJSON")
    assert (
        main(["territories", str(path), "--from", str(outlines), "--name-field", "territory"]) == 0
    )
    assert main(["assign", str(path)]) == 0
    capsys.readouterr()
    before = load_project(path)
    assert len(before.territories) == CASE["reps"]
    assert before.accounts["territory_id"].notna().all()
    args = ["rebalance", str(path), "--balance", "potential", "--tolerance", "0.05"]
    assert main([*args, "--use", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    after = load_project(path)
    acc, terr = after.accounts, after.territories

    # the accounts that changed territory, counted from the two saved assignments
    old = before.accounts.set_index("account_id")["territory_id"]
    new = acc.set_index("account_id")["territory_id"].reindex(old.index)
    moved = int((old.fillna("") != new.fillna("")).sum())
    bound = float(report["moved_lower_bound"])
    assert bound > 0
    assert moved <= MOST_MOVED, f"{moved} accounts moved (bound {bound:.0f})"
    assert moved <= MOST_PER_BOUND * bound, f"{moved} accounts moved against a bound of {bound}"

    # every territory within ±5% of the mean potential, by the accounts' own assignment
    summed = acc.groupby("territory_id")["potential"].sum()
    totals = summed.reindex(terr["territory_id"], fill_value=0).to_numpy(dtype=float)
    deviation = np.abs(totals / totals.mean() - 1)
    assert deviation.max() <= 0.05 + 1e-6, np.round(deviation, 4)

    # one piece per territory on the county graph, and every county in one territory
    owner = county_owner(after, counties)
    assert (owner == -2).sum() == 0, "a county lies in two territories"
    for row in range(len(terr)):
        members = np.flatnonzero(owner == row).tolist()
        assert members, f"{terr['name'].iloc[row]} has no county"
        assert nx.is_connected(adjacency.subgraph(members)), f"{terr['name'].iloc[row]} in pieces"

    # compactness kept
    pp_before = np.mean([polsby_popper(shape) for shape in before.territories.geometry])
    pp_after = np.mean([polsby_popper(shape) for shape in terr.geometry])
    assert pp_after >= pp_before - PP_DROP, f"mean Polsby-Popper {pp_before:.3f} -> {pp_after:.3f}"
