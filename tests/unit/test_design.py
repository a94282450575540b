"""Automatic territory design: graph of units, balanced connected compact territories."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import polsby_popper
from territory_planner.geo.areas import us_counties
from territory_planner.geo.unit_graph import _lonlat, _measures
from territory_planner.plan import design_finish
from territory_planner.plan.design import design_territories, unit_graph
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.design_report import DesignResult
from territory_planner.plan.polish import polish
from territory_planner.tasks import CancelToken, TaskCancelledError
from tests.unit.plan_fixtures import touching

SIDE = 12
CELL = 0.1  # degrees


def grid(side: int = SIDE, noise: float = 0.0) -> gpd.GeoDataFrame:
    """side x side square cells, row by row from the south-west corner.

    With `noise`, each cell's corners are computed on their own (x + CELL), so
    neighbours' borders differ by rounding, plus a random jitter of that size.
    """
    rng = np.random.default_rng(0)
    xs = -100 + np.arange(side + 1) * CELL
    ys = 40 + np.arange(side + 1) * CELL
    boxes, names = [], []
    for row in range(side):
        for col in range(side):
            if noise:
                x0, y0 = xs[col] + rng.normal(0, noise), ys[row] + rng.normal(0, noise)
                boxes.append(shapely.box(x0, y0, x0 + CELL, y0 + CELL))
            else:
                boxes.append(shapely.box(xs[col], ys[row], xs[col + 1], ys[row + 1]))
            names.append(f"cell {row}-{col}")
    return gpd.GeoDataFrame({"name": names}, geometry=boxes, crs=4326)


def grid_neighbours(side: int = SIDE) -> nx.Graph:
    """Rook adjacency of `grid` by index arithmetic (independent of unit_graph)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(side * side))
    for row in range(side):
        for col in range(side):
            i = row * side + col
            if col + 1 < side:
                graph.add_edge(i, i + 1)
            if row + 1 < side:
                graph.add_edge(i, i + side)
    return graph


def check_plan(
    result: DesignResult, adjacency: nx.Graph, weights: np.ndarray, k: int, tolerance: float
) -> None:
    """Every unit labelled, k connected territories, balance within tolerance (all recomputed)."""
    labels = result.labels
    assert labels.shape == (adjacency.number_of_nodes(),)
    assert set(labels.tolist()) == set(range(k))
    for t in range(k):
        members = np.flatnonzero(labels == t).tolist()
        assert nx.is_connected(adjacency.subgraph(members)), f"territory {t} is in pieces"
    totals = np.bincount(labels, weights=weights, minlength=k)
    deviation = np.abs(totals / (weights.sum() / k) - 1).max()
    assert deviation <= tolerance + 1e-9
    assert result.max_deviation == pytest.approx(deviation)
    assert np.allclose(result.totals, totals)
    assert result.contiguous == [True] * k
    assert result.violations == []


@pytest.fixture(scope="module")
def midwest() -> gpd.GeoDataFrame:
    """The counties of Iowa, Missouri and Illinois (about 300)."""
    counties = us_counties()
    return counties[counties["state_fips"].isin(["19", "29", "17"])].reset_index(drop=True)


# ----------------------------------------------------------------------------- the graph


def test_unit_graph_of_a_grid_is_rook_adjacency_with_border_lengths() -> None:
    graph = unit_graph(grid())
    assert set(graph.nodes) == set(range(SIDE * SIDE))
    assert {tuple(sorted(e)) for e in graph.edges} == {
        tuple(sorted(e)) for e in grid_neighbours().edges
    }  # corners touching at a point are not neighbours
    lat_km = CELL * 111.2
    ns = graph.edges[0, SIDE]["border_km"]  # an east-west border line, ~8.5 km at 40 N
    we = graph.edges[0, 1]["border_km"]  # a north-south border line
    assert we == pytest.approx(lat_km, rel=1e-3)
    assert ns == pytest.approx(lat_km * np.cos(np.radians(40 + CELL)), rel=1e-2)
    assert not any(bridge for *_, bridge in graph.edges(data="bridge"))
    cell = graph.nodes[0]
    assert cell["perimeter_km"] == pytest.approx(2 * we + 2 * ns, rel=1e-2)
    assert cell["area_km2"] == pytest.approx(we * ns, rel=1e-2)


def test_rounding_noise_does_not_change_the_neighbours() -> None:
    graph = unit_graph(grid(noise=1e-9))  # overlaps and gaps of ~0.1 mm
    assert {tuple(sorted(e)) for e in graph.edges} == {
        tuple(sorted(e)) for e in grid_neighbours().edges
    }
    assert not any(bridge for *_, bridge in graph.edges(data="bridge"))


def test_islands_are_bridged_to_their_nearest_unit() -> None:
    units = grid(4)
    island = shapely.box(-99.2, 40.15, -99.15, 40.2)  # east of the grid's cell 1-3
    far = shapely.box(-90, 40, -89.9, 40.1)
    units = gpd.GeoDataFrame(
        {"name": [*units["name"], "island", "far"]},
        geometry=[*units.geometry, island, far],
        crs=4326,
    )
    graph = unit_graph(units)
    assert nx.is_connected(graph)
    bridges = {tuple(sorted((a, b))) for a, b, bridge in graph.edges(data="bridge") if bridge}
    assert (7, 16) in bridges  # island -> cell 1-3 (index 7)
    assert len(bridges) == 2
    assert graph.edges[7, 16]["border_km"] == 0


def test_unit_graph_of_counties_matches_shapely(midwest: gpd.GeoDataFrame) -> None:
    graph = unit_graph(midwest)
    expected = touching(midwest)
    assert {tuple(sorted(e)) for e in graph.edges} == {tuple(sorted(e)) for e in expected.edges}
    cook = int(np.flatnonzero(midwest["fips"] == "17031")[0])
    lake = int(np.flatnonzero(midwest["fips"] == "17097")[0])
    assert 15 < graph.edges[cook, lake]["border_km"] < 40  # Cook / Lake county line, ~25 km


# ----------------------------------------------------------------------------- design


def test_grid_plan_is_balanced_connected_and_compact() -> None:
    units = grid()
    weights = np.random.default_rng(3).lognormal(0, 1, len(units))
    result = design_territories(units, weights, 4, tolerance=0.02)
    check_plan(result, grid_neighbours(), weights, 4, 0.02)
    geoms = units.geometry.to_numpy()
    for t in range(4):
        union = shapely.union_all(geoms[result.labels == t])
        assert result.compactness[t] == pytest.approx(polsby_popper(union), rel=1e-6)
    assert np.mean(result.compactness) > 0.55  # blocks, not snakes (a square is 0.785)
    assert result.seconds > 0


def test_a_plan_in_band_from_the_start_is_polished_too(
    midwest: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = np.random.default_rng(4).lognormal(0, 1, len(midwest))
    polished = design_territories(midwest, weights, 6, tolerance=0.05)
    monkeypatch.setattr(design_finish, "_POLISH_PER_UNIT", 0)
    plain = design_territories(midwest, weights, 6, tolerance=0.05)
    check_plan(plain, touching(midwest), weights, 6, 0.05)  # border moves alone reach the band
    check_plan(polished, touching(midwest), weights, 6, 0.05)
    geoms = midwest.geometry.to_numpy()
    pp = [polsby_popper(shapely.union_all(geoms[polished.labels == t])) for t in range(6)]
    assert np.mean(pp) > np.mean(plain.compactness) + 0.003  # 0.514 -> 0.519 when written


def test_counties_plan_meets_a_tight_tolerance(midwest: gpd.GeoDataFrame) -> None:
    weights = np.random.default_rng(1).lognormal(0, 1, len(midwest))
    result = design_territories(midwest, weights, 6, tolerance=0.005)
    check_plan(result, touching(midwest), weights, 6, 0.005)
    assert np.mean(result.compactness) > 0.3


def test_seeds_start_their_own_territories(midwest: gpd.GeoDataFrame) -> None:
    weights = np.random.default_rng(2).lognormal(0, 1, len(midwest))
    fips = ["17031", "29510", "19153", "17167"]  # Cook, St. Louis city, Polk, Sangamon
    seeds = [int(np.flatnonzero(midwest["fips"] == f)[0]) for f in fips]
    result = design_territories(midwest, weights, 5, tolerance=0.02, seeds=seeds)
    check_plan(result, touching(midwest), weights, 5, 0.02)
    assert result.labels[seeds].tolist() == [0, 1, 2, 3]


def test_locked_units_keep_their_territory() -> None:
    units = grid()
    weights = np.random.default_rng(4).lognormal(0, 1, len(units))
    locked = np.full(len(units), -1)
    locked[[0, 1, 12]] = 2  # south-west corner
    locked[[143, 142]] = 0  # north-east corner
    locked[77] = 1
    result = design_territories(units, weights, 3, tolerance=0.03, locked=locked)
    check_plan(result, grid_neighbours(), weights, 3, 0.03)
    fixed = locked >= 0
    assert (result.labels[fixed] == locked[fixed]).all()


def test_seeds_and_locks_together() -> None:
    units = grid()
    weights = np.ones(len(units))
    locked = np.full(len(units), -1)
    locked[:SIDE] = 1  # the southern row
    result = design_territories(units, weights, 4, tolerance=0.05, seeds=[143, 5], locked=locked)
    check_plan(result, grid_neighbours(), weights, 4, 0.05)
    assert result.labels[143] == 0
    assert (result.labels[:SIDE] == 1).all()


def test_a_unit_heavier_than_a_territory_is_named() -> None:
    units = grid()
    weights = np.random.default_rng(5).lognormal(0, 1, len(units))
    heavy = 77
    weights[heavy] = weights.sum()  # about half of everything: 2x the mean of 4 territories
    result = design_territories(units, weights, 4, tolerance=0.05)
    assert any(v.startswith("cell 6-5 alone is 2.0x the mean territory") for v in result.violations)
    assert result.max_deviation > 0.9
    adjacency = grid_neighbours()
    labels = result.labels
    assert set(labels.tolist()) == set(range(4))
    for t in range(4):
        assert nx.is_connected(adjacency.subgraph(np.flatnonzero(labels == t).tolist()))
    alone = labels == labels[heavy]
    assert alone.sum() == 1  # the heavy cell keeps nothing else...
    others = np.bincount(labels[~alone], weights=weights[~alone])
    others = others[others > 0]
    assert np.abs(others / others.mean() - 1).max() <= 0.05  # ...and the rest is balanced


def test_infeasible_seeds_and_locks_are_explained() -> None:
    units = grid(6)
    weights = np.ones(36)
    result = design_territories(units, weights, 2, seeds=[0, 35, 20])
    assert any("3 seeds for 2 territories" in v for v in result.violations)
    assert result.labels[0] == 0
    assert result.labels[35] == 1
    locked = np.full(36, -1)
    locked[:30] = 0
    result = design_territories(units, weights, 2, locked=locked)
    assert any(
        "the units locked to territory 1 already total 1.67x" in v for v in result.violations
    )
    assert (result.labels[:30] == 0).all()
    result = design_territories(units, weights, 3, seeds=[4, 4])
    assert any(
        "cell 0-4 is the seed of territory 1 and territory 2" in v for v in result.violations
    )
    locked = np.full(36, -1)
    locked[0] = 1
    held = design_territories(
        units, weights, 2, seeds=[0], locked=locked, territory_names=["N", "S"]
    )
    assert "cell 0-0, the seed of N, is locked to S: the lock wins" in held.violations
    named = design_territories(units, weights, 3, seeds=[4, 4], territory_names=["N", "S", "E"])
    assert any(
        "cell 0-4 is the seed of N and S: it can only be in one, so S has no seed" in v
        for v in named.violations
    )


def test_bad_inputs_raise() -> None:
    units = grid(3)
    with pytest.raises(InputError, match="at least 10 units"):
        design_territories(units, np.ones(9), 10)
    with pytest.raises(InputError, match="zero or positive"):
        design_territories(units, -np.ones(9), 2)
    with pytest.raises(InputError, match="8 weights for 9 units"):
        design_territories(units, np.ones(8), 2)
    with pytest.raises(InputError, match="locked"):
        design_territories(units, np.ones(9), 2, locked=[5] * 9)


def test_cancel_stops_the_design() -> None:
    units = grid()
    weights = np.ones(len(units))
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        design_territories(units, weights, 4, cancel=token)
    token = CancelToken()
    reports: list[float] = []

    def progress(fraction: float, message: str = "") -> None:
        reports.append(fraction)
        if len(reports) == 3:
            token.cancel()

    with pytest.raises(TaskCancelledError):
        design_territories(units, weights, 4, cancel=token, progress=progress)


def test_progress_and_determinism(midwest: gpd.GeoDataFrame) -> None:
    weights = np.random.default_rng(6).lognormal(0, 1, len(midwest))
    graph = unit_graph(midwest)
    reports: list[float] = []
    first = design_territories(
        midwest, weights, 4, graph=graph, seed=7, progress=lambda f, m="": reports.append(f)
    )
    again = design_territories(midwest, weights, 4, graph=graph, seed=7)
    assert (first.labels == again.labels).all()
    assert first.compactness == again.compactness
    assert reports == sorted(reports)
    assert reports[-1] == 1.0
    without_graph = design_territories(midwest, weights, 4, seed=7)
    assert (without_graph.labels == first.labels).all()


def test_polish_makes_shapes_more_compact_and_keeps_balance_pieces_and_homes() -> None:
    """Record-to-record travel from snakes: more compact, still in band, whole, homes kept."""
    side, k = 16, 4
    units = grid(side)
    graph = unit_graph(units)
    rng = np.random.default_rng(5)
    weights = np.where(rng.random(side * side) < 0.15, rng.uniform(1, 5, side * side), 0.0)
    area, perimeter = _measures(graph, _lonlat(units))
    homes = [0, side - 1, side * (side - 1), side * side - 1]  # the four corners
    fixed = np.zeros(side * side, dtype=bool)
    fixed[homes] = True
    plan = _Plan(graph, weights, area, perimeter, fixed=fixed, k=k)
    start = np.repeat(np.arange(k), side * side // k)  # four stripes of four rows each,
    for row in (3, 7, 11):  # with teeth: every other cell of a stripe's top row to the next
        start[row * side : (row + 1) * side : 2] += 1
    plan.assign(start)
    plan.set_band(0.25)
    before_pp = np.mean([polsby_popper(units.geometry[start == t].union_all()) for t in range(k)])
    before_off = plan.total_excess()

    polish(plan, np.random.default_rng(0), 20_000, 0.004)

    labels = np.asarray(plan.label)
    adjacency = grid_neighbours(side)
    for t in range(k):
        assert nx.is_connected(adjacency.subgraph(np.flatnonzero(labels == t).tolist()))
    assert (labels[homes] == start[homes]).all()
    totals = np.bincount(labels, weights=weights, minlength=k)
    band_off = np.maximum(np.abs(totals / (weights.sum() / k) - 1) - 0.25, 0).sum()
    start_totals = np.bincount(start, weights=weights, minlength=k)
    assert (
        band_off
        <= np.maximum(np.abs(start_totals / (weights.sum() / k) - 1) - 0.25, 0).sum() + 1e-9
    )
    assert plan.total_excess() <= before_off + 1e-12
    shapes = [polsby_popper(units.geometry[labels == t].union_all()) for t in range(k)]
    assert before_pp < 0.25  # the toothed stripes
    assert np.mean(shapes) > 0.5  # at least about as compact as smooth stripes (0.55); 0.58 seen
