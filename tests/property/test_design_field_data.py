"""Design on data shaped like users' data, judged from the saved project alone.

Projects from `sample_data.field_project`: accounts crowded into metros of
very unequal size, an empty interior, reps living downtown (Chicago's home
in Lake Michigan, outside every county), no potential in one case. Each is
designed through the command line and saved; every property is then
recomputed here from the saved file with shapely and networkx, never from
the optimizer's report: balance of the accounts' own assignment, one piece
per territory on the county adjacency (islands joined to their nearest
county), every rep's home in their own territory, no county left out
between territories, and compactness.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.cli import main
from territory_planner.demo import make_demo
from territory_planner.geo.areas import contiguous_us_states, us_counties
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import Project
from territory_planner.sample_data import field_project
from tests.unit.plan_fixtures import touching

ALBERS = "EPSG:5070"  # equal-area, metres, for the lower 48

CASES = {  # id: (field_project arguments, balance)
    "national-crm-no-potential": ({"seed": 0, "accounts": 1300, "reps": 8,
                                   "potential": False, "frequencies": False}, "accounts"),
    "national-potential": ({"seed": 5, "accounts": 1300, "reps": 8}, "potential"),
    "national-9-reps-mixed-homes": ({"seed": 6, "accounts": 2500, "reps": 9,
                                      "homes": "mixed"}, "accounts"),
    "national-10-reps": ({"seed": 12, "accounts": 2800, "reps": 10}, "accounts"),
    "demo-seed-11": ({"demo": True, "seed": 11, "accounts": 3000, "reps": 8}, "potential"),
    "long-island-dead-end": ({"seed": 1, "accounts": 3000, "reps": 8}, "potential"),
    "miami-far-from-every-home": ({"seed": 15, "accounts": 1600, "reps": 7}, "revenue"),
    "queens-behind-manhattan": ({"seed": 100, "accounts": 3600, "reps": 11}, "revenue"),
}  # fmt: skip
#: Designed with the CPU-time limits lifted (the same plan on any machine), held to ±1%: New
#: York's territory, Manhattan to Long Island, ended 2.08% short until an exact pair
#: (`plan.pair_milp`) gave Queens and Long Island to the neighbour holding the Bronx and New
#: Jersey counties to New York (measured: ±0.90%, PP 0.203). Miami-Dade is 0.83 of a territory,
#: the nearest rep 1,500 km away: within the 10 s budget the search gave it to Dallas's or
#: Houston's territory along the Gulf (±4.8-11.3%) until design held a corridor to it for the
#: Washington rep (`plan.corridors`, ±0.93%); with the limits lifted, as here, the plain search
#: gets there too (the corridor's own tests: `tests/unit/test_corridors.py`).
EXACT = {"long-island-dead-end", "miami-far-from-every-home"}
#: Where ±1% is out of reach for plans in one piece, how close the plan must come (its
#: one-piece bound, `plan.corridors.block_bound`, and the reason given). Fresh seed 100:
#: whoever takes Nassau and Suffolk must take Queens (0.70) and a way from a home: at least
#: +13.31%, which the design reaches with a corridor to Queens for Washington's rep (±37.3%
#: without). Designed with the CPU-time limits lifted, so the plan is the same on any machine
#: (about 50 s): under the limits its balance held, but its mean PP went from 0.214 to 0.178
#: with a change of timing alone.
PROVED = {"queens-behind-manhattan": (0.1331, 0.15)}
#: Mean Polsby-Popper (Albers) these plans must reach: they reached 0.1995-0.228 (issue 14 asks
#: 0.2; `bench/design_clustered.py` reports where it is met); 0.18 leaves room for CPU time limits.
MIN_COMPACTNESS = 0.18


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    units = us_counties()
    lower48 = units["state_fips"].isin(contiguous_us_states()["fips"])
    return units[lower48].reset_index(drop=True)


@pytest.fixture(scope="module")
def adjacency(counties: gpd.GeoDataFrame) -> nx.Graph:
    """Counties sharing a border line; each island group tied to its nearest other county."""
    geoms = counties.geometry.to_numpy()
    graph = touching(counties)
    components = sorted(nx.connected_components(graph), key=len)
    for component in components[:-1]:  # the mainland is the largest
        inside = np.array(sorted(component))
        outside = np.setdiff1d(np.arange(len(geoms)), inside)
        (src, dst), dist = shapely.STRtree(geoms[outside]).query_nearest(
            geoms[inside], return_distance=True, all_matches=False
        )
        best = int(np.argmin(dist))
        graph.add_edge(int(inside[src[best]]), int(outside[dst[best]]))
    return graph


def designed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: dict, balance: str
) -> tuple[Project, dict]:
    """Design through the command line, then read the saved project back."""
    path = tmp_path / "field.gpkg"
    arguments = dict(arguments)
    make = make_demo if arguments.pop("demo", False) else field_project
    save_project(make(**arguments), path)
    capsys.readouterr()
    args = ["design", str(path), "--units", "county", "--balance", balance]
    assert main([*args, "--tolerance", "0.01", "--use", "--json"]) == 0
    return load_project(path), json.loads(capsys.readouterr().out)


def county_owner(project: Project, counties: gpd.GeoDataFrame) -> np.ndarray:
    """Territory row holding each county (by a point inside it), -1 for none, -2 for several."""
    points = shapely.point_on_surface(counties.geometry.to_numpy())
    owner = np.full(len(points), -1)
    for row, shape in enumerate(project.territories.geometry):
        inside = shapely.contains(shape, points)
        owner[inside & (owner == -1)] = row
        owner[inside & (owner >= 0) & (owner != row)] = -2
    return owner


def polsby_popper(shape: shapely.Geometry) -> float:
    projected = gpd.GeoSeries([shape], crs="EPSG:4326").to_crs(ALBERS).iloc[0]
    return float(4 * np.pi * projected.area / projected.length**2)


@pytest.mark.parametrize("case", list(CASES))
def test_designed_plan_holds_on_field_data(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    *,
    request: pytest.FixtureRequest,
    counties: gpd.GeoDataFrame,
    adjacency: nx.Graph,
) -> None:
    arguments, balance = CASES[case]
    if case in EXACT or case in PROVED:
        request.getfixturevalue("unhurried")
    project, report = designed(tmp_path, capsys, arguments, balance)
    acc, terr, reps = project.accounts, project.territories, project.reps

    # every rep has a territory, and no territory is without a rep
    assert sorted(terr["rep_id"]) == sorted(reps["rep_id"])

    # every account assigned (one whose ZIP centroid lies in a bay: to the territory ashore)
    assert acc["territory_id"].notna().all()

    # balance of the saved assignment, within 1% (2% at worst) of the mean
    if balance == "accounts":
        totals = acc.groupby("territory_id").size()
    else:  # revenue: the accounts' annual revenue, prospects (no revenue) adding nothing
        column = {"revenue": "annual_revenue"}.get(balance, balance)
        totals = acc[column].fillna(0).groupby(acc["territory_id"]).sum()
    totals = totals.reindex(terr["territory_id"], fill_value=0).to_numpy(dtype=float)
    deviation = np.abs(totals / totals.mean() - 1)
    if case in PROVED:  # no plan in one piece does better than the bound: near it, and said
        bound, most = PROVED[case]
        assert bound - 1e-4 <= deviation.max() <= most, f"{case}: {deviation}"
        assert any(
            v.startswith("No plan with every territory in one piece") for v in report["violations"]
        )
    else:
        assert deviation.max() <= (0.01 + 1e-4 if case in EXACT else 0.02), f"{case}: {deviation}"
    assert report["max_deviation"] == pytest.approx(deviation.max(), abs=1e-4)

    # the lower 48 tiled: every county in exactly one territory
    owner = county_owner(project, counties)
    assert (owner == -2).sum() == 0, "a county lies in two territories"
    assert (owner == -1).sum() == 0, f"{(owner == -1).sum()} counties in no territory"

    # one piece per territory on the county graph
    for row in range(len(terr)):
        members = np.flatnonzero(owner == row).tolist()
        assert members, f"{terr['name'].iloc[row]} has no county"
        assert nx.is_connected(adjacency.subgraph(members)), f"{terr['name'].iloc[row]} in pieces"

    # every home in its rep's territory (a home in the water: the nearest territory)
    for rep_id, lon, lat in zip(reps["rep_id"], reps["lon"], reps["lat"], strict=True):
        home = shapely.Point(lon, lat)
        holding = [r for r, shape in enumerate(terr.geometry) if shape.covers(home)]
        if not holding:
            holding = [int(np.argmin([shape.distance(home) for shape in terr.geometry]))]
        assert terr["rep_id"].iloc[holding[0]] == rep_id

    # compact enough to drive
    pp = np.mean([polsby_popper(shape) for shape in terr.geometry])
    assert pp >= MIN_COMPACTNESS, f"{case}: mean Polsby-Popper {pp:.3f}"


WORKLOAD_CASES = {  # id: (field_project arguments, tolerance)
    "national-7-reps": ({"seed": 9, "accounts": 1800, "reps": 7}, 0.05),
    "south-6-reps": ({"seed": 2, "accounts": 800, "reps": 6, "region": "south"}, 0.05),
}


@pytest.mark.parametrize("case", list(WORKLOAD_CASES))
def test_plan_balanced_on_workload_is_balanced_in_the_kpi_panel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    """Each account's workload depends on whose home it is driven from: the plan must hold
    with each territory's own rep driving, as the KPI panel computes it from the saved file."""
    arguments, tolerance = WORKLOAD_CASES[case]
    path = tmp_path / "field.gpkg"
    save_project(field_project(**arguments), path)
    capsys.readouterr()
    args = ["design", str(path), "--units", "county", "--balance", "workload"]
    assert main([*args, "--tolerance", str(tolerance), "--use", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    project = load_project(path)
    assert project.accounts["territory_id"].notna().all()
    hours = territory_kpis(project)["workload_hours"].to_numpy(dtype=float)
    deviation = np.abs(hours / hours.mean() - 1)
    assert deviation.max() <= tolerance + 1e-9, f"{case}: {np.round(deviation, 3)}"
    assert report["max_deviation"] == pytest.approx(deviation.max(), abs=1e-3)
