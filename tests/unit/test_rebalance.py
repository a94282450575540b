"""Rebalancing territories with few moves, and splitting territories for a new hire."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import polsby_popper
from territory_planner.geo.areas import us_counties
from territory_planner.plan import new_hire
from territory_planner.plan.design import design_territories, unit_graph
from territory_planner.plan.new_hire import split_units
from territory_planner.plan.rebalance import RebalanceResult, rebalance_units
from territory_planner.tasks import CancelToken, TaskCancelledError
from tests.unit.plan_fixtures import touching

CELL = 0.1  # degrees


def grid(rows: int, cols: int) -> gpd.GeoDataFrame:
    """rows x cols square cells, row by row from the south-west corner, named 'cell r-c'."""
    xs = -100 + np.arange(cols + 1) * CELL  # shared corners: neighbours' borders coincide
    ys = 40 + np.arange(rows + 1) * CELL
    boxes, names = [], []
    for r in range(rows):
        for c in range(cols):
            boxes.append(shapely.box(xs[c], ys[r], xs[c + 1], ys[r + 1]))
            names.append(f"cell {r}-{c}")
    return gpd.GeoDataFrame({"name": names}, geometry=boxes, crs=4326)


def rook(rows: int, cols: int) -> nx.Graph:
    """Neighbouring cells of `grid` by index arithmetic (independent of unit_graph)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(rows * cols))
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                graph.add_edge(i, i + 1)
            if r + 1 < rows:
                graph.add_edge(i, i + cols)
    return graph


def columns(rows: int, widths: list[int]) -> np.ndarray:
    """Labels of vertical strips of the given widths (territory 0 in the west)."""
    row = np.repeat(np.arange(len(widths)), widths)
    return np.tile(row, rows)


def pieces(adjacency: nx.Graph, labels: np.ndarray, t: int) -> int:
    members = np.flatnonzero(labels == t).tolist()
    return nx.number_connected_components(adjacency.subgraph(members)) if members else 0


def check(
    result: RebalanceResult,
    adjacency: nx.Graph,
    weights: np.ndarray,
    before: np.ndarray,
    tolerance: float,
) -> np.ndarray:
    """Labels, moves, totals and contiguity recomputed; balance within the tolerance."""
    labels = result.labels
    k = int(labels.max()) + 1
    assert labels.shape == before.shape
    assert result.moved.tolist() == np.flatnonzero(labels != before).tolist()
    totals = np.bincount(labels[labels >= 0], weights=weights[labels >= 0], minlength=k)
    assert np.allclose(result.totals, totals)
    for t in range(k):
        assert pieces(adjacency, labels, t) == 1, f"territory {t} is in pieces"
    assert result.contiguous == [True] * k
    deviation = np.abs(totals / totals.mean() - 1)
    assert deviation.max() <= tolerance + 1e-9
    assert result.max_deviation == pytest.approx(deviation.max())
    assert result.violations == []
    return totals


def drift(
    adjacency: nx.Graph, labels: np.ndarray, share: float, seed: int, growers: list[int]
) -> np.ndarray:
    """Move `share` of the units, one at a time, into a neighbouring territory in `growers`.

    Only moves that keep the territory they leave in one piece.
    """
    rng = np.random.default_rng(seed)
    labels = labels.copy()
    n = len(labels)
    moved: set[int] = set()
    for v in (rng.permutation(n * 20) % n).tolist():
        if len(moved) >= share * n:
            break
        a = int(labels[v])
        if v in moved or a in growers:
            continue
        into = sorted({int(labels[u]) for u in adjacency.adj[v]} & set(growers))
        rest = np.flatnonzero(labels == a)
        rest = rest[rest != v].tolist()
        if not into or not rest or not nx.is_connected(adjacency.subgraph(rest)):
            continue
        labels[v] = into[int(rng.integers(len(into)))]
        moved.add(v)
    return labels


def moves_after_matching(old: np.ndarray, new: np.ndarray) -> int:
    """Units whose territory changes when the new territories are renamed to fit the old best."""
    k = int(max(old.max(), new.max())) + 1
    overlap = np.zeros((k, k), dtype=int)
    np.add.at(overlap, (new, old), 1)
    kept = max(sum(overlap[i, p[i]] for i in range(k)) for p in itertools.permutations(range(k)))
    return len(old) - int(kept)


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    """The counties of Iowa, Missouri and Illinois (about 300)."""
    units = us_counties()
    return units[units["state_fips"].isin(["19", "29", "17"])].reset_index(drop=True)


@pytest.fixture(scope="module")
def county_plan(counties: gpd.GeoDataFrame) -> tuple[nx.Graph, np.ndarray, np.ndarray]:
    """Their graph, a potential, and a balanced 5-territory design."""
    graph = unit_graph(counties)
    weights = np.random.default_rng(11).lognormal(0, 1, len(counties))
    plan = design_territories(counties, weights, 5, tolerance=0.01, graph=graph, seed=0)
    return graph, weights, plan.labels


# ----------------------------------------------------------------------------- rebalance


def test_a_balanced_plan_is_left_alone() -> None:
    units = grid(8, 8)
    labels = columns(8, [4, 4])
    result = rebalance_units(units, np.ones(64), labels)
    assert result.moved.tolist() == []
    assert (result.labels == labels).all()
    check(result, rook(8, 8), np.ones(64), labels, 0.05)
    assert result.seconds > 0


def test_random_weights_are_balanced_with_few_moves() -> None:
    units = grid(12, 12)
    weights = np.random.default_rng(3).lognormal(0, 1, 144)
    quadrant = (np.arange(144) // 12 >= 6) * 2 + (np.arange(144) % 12 >= 6)
    start = np.bincount(quadrant, weights=weights)
    assert np.abs(start / start.mean() - 1).max() > 0.1  # out of balance to begin with
    result = rebalance_units(units, weights, quadrant, tolerance=0.05)
    check(result, rook(12, 12), weights, quadrant, 0.05)
    redesign = design_territories(units, weights, 4, tolerance=0.05, seed=1)
    assert len(result.moved) <= 15
    assert len(result.moved) < moves_after_matching(quadrant, redesign.labels) / 2


def test_a_chain_passes_weight_through_a_full_territory() -> None:
    # 60 | 48 | 36 cells: the west must give 10, the east take 10; the middle is full.
    units = grid(12, 12)
    labels = columns(12, [5, 4, 3])
    result = rebalance_units(units, np.ones(144), labels, tolerance=0.05)
    check(result, rook(12, 12), np.ones(144), labels, 0.05)
    steps = {(int(labels[v]), int(result.labels[v])) for v in result.moved}
    assert steps == {(0, 1), (1, 2)}
    assert len(result.moved) == 20  # the least possible


def test_cost_steers_the_moves() -> None:
    units = grid(8, 8)
    labels = columns(8, [5, 3])  # 40 | 24: 7 cells must cross
    cost = np.ones(64)
    dear = [r * 8 + 4 for r in range(4)]  # the border column's southern half
    cost[dear] = 100
    result = rebalance_units(units, np.ones(64), labels, tolerance=0.05, cost=cost)
    check(result, rook(8, 8), np.ones(64), labels, 0.05)
    assert len(result.moved) == 7
    assert not set(dear) & set(result.moved.tolist())
    # Weighted by potential, few heavy units beat many light ones.
    weights = np.ones(64)
    heavy = [r * 8 + 4 for r in range(4, 8)]
    weights[heavy] = 3.0
    by_units = rebalance_units(units, weights, labels, tolerance=0.05)
    by_potential = rebalance_units(units, weights, labels, tolerance=0.05, cost=weights)
    assert set(heavy) <= set(by_units.moved.tolist())
    assert weights[by_potential.moved].sum() <= weights[by_units.moved].sum()


def test_locked_units_and_territories_do_not_move() -> None:
    units = grid(12, 12)
    weights = np.random.default_rng(4).lognormal(0, 1, 144)
    labels = columns(12, [3, 3, 3, 3])  # about +12%, 0%, -29%, +17%
    locked = np.zeros(144, dtype=bool)
    locked[labels == 1] = True  # every unit of territory 1 (a locked account in each)
    locked[[5 * 12 + 8, 6 * 12 + 8, 7 * 12 + 9]] = True  # a few units of territory 2
    result = rebalance_units(
        units, weights, labels, tolerance=0.1, locked=locked, locked_territories=[3]
    )
    assert (result.labels[locked] == labels[locked]).all()
    assert ((result.labels == 3) == (labels == 3)).all()  # nothing left or entered territory 3
    adjacency = rook(12, 12)
    for t in range(4):
        assert pieces(adjacency, result.labels, t) == 1
    totals = np.bincount(result.labels, weights=weights, minlength=4)
    assert np.allclose(result.totals, totals)
    deviation = totals / totals.mean() - 1
    assert result.max_deviation == pytest.approx(np.abs(deviation).max())
    # Territory 0 gives to 1 (whose units may not leave, but it may take);
    # 2 is boxed in between the locked units of 1 and the locked territory 3.
    assert np.abs(deviation[[0, 1]]).max() <= 0.1
    assert result.moved.size > 0
    assert set(labels[result.moved].tolist()) == {0}
    assert result.violations == [
        f"outside ±10.0% of the mean: territory 2 {deviation[2]:+.1%}, "
        f"territory 3 {deviation[3]:+.1%}",
        "territory 3 is locked: nothing may move into or out of it",
        "territory 2: no border move, nor a chain of up to three moves, brings it closer "
        "without cutting a territory in two, emptying one or moving a locked unit",
    ]


def test_a_territory_in_pieces_is_left_in_pieces_and_reported() -> None:
    units = grid(6, 6)
    labels = columns(6, [2, 3, 1])  # 13 | 18 | 5 cells
    labels[5] = 0  # an enclave of territory 0 in the south-east, held there by a lock
    locked = np.zeros(36, dtype=bool)
    locked[5] = True
    weights = np.ones(36)
    result = rebalance_units(units, weights, labels, tolerance=0.05, locked=locked)
    adjacency = rook(6, 6)
    assert result.labels[5] == 0
    assert pieces(adjacency, result.labels, 0) <= 2
    assert pieces(adjacency, result.labels, 1) == 1
    assert pieces(adjacency, result.labels, 2) == 1
    assert result.contiguous == [pieces(adjacency, result.labels, 0) == 1, True, True]
    if not result.contiguous[0]:
        assert any(
            v.startswith("territory 0 was already in 2 pieces") and "cell 0-5" in v
            for v in result.violations
        )
    totals = np.bincount(result.labels, weights=weights, minlength=3)
    assert np.abs(totals / totals.mean() - 1).max() <= 0.05 + 1e-9


def test_what_cannot_be_balanced_is_explained() -> None:
    units = grid(6, 6)
    labels = columns(6, [2, 2, 2])
    weights = np.ones(36)
    weights[2 * 6 + 3] = 30.0  # about 1.4x the mean territory
    result = rebalance_units(units, weights, labels, tolerance=0.05)
    assert result.violations[0].startswith("outside ±5.0% of the mean: territory 0 ")
    assert "cell 2-3 alone is 1.4x the mean territory" in result.violations
    # The heavy cell's territory sheds all else; the others share what is left evenly.
    assert "the territories that can change are balanced around 0.81x the mean territory" in (
        result.violations
    )
    heavy = result.labels[2 * 6 + 3]
    assert (result.labels == heavy).sum() == 1
    totals = np.bincount(result.labels, weights=weights, minlength=3)
    others = np.delete(totals, heavy)
    assert np.abs(others / others.mean() - 1).max() <= 0.05
    assert result.max_deviation == pytest.approx(np.abs(totals / totals.mean() - 1).max())
    adjacency = rook(6, 6)
    for t in range(3):
        assert pieces(adjacency, result.labels, t) == 1

    labels = columns(6, [4, 2])  # 24 | 12, and the first cannot give: its border is locked
    locked = labels == -1
    locked[3::6] = True
    stuck = rebalance_units(units, np.ones(36), labels, locked=locked)
    assert stuck.moved.tolist() == []
    assert stuck.violations == [
        "outside ±5.0% of the mean: territory 0 +33.3%, territory 1 -33.3%",
        "territory 0, territory 1: no border move, nor a chain of up to three moves, brings "
        "them closer without cutting a territory in two, emptying one or moving a locked unit",
    ]
    locked[:] = True
    stuck = rebalance_units(units, np.ones(36), labels, locked=locked)
    assert "the locked units of territory 0 already total 1.33x the mean territory" in (
        stuck.violations
    )


def test_units_in_no_territory_stay_out() -> None:
    units = grid(6, 6)
    labels = columns(6, [3, 3])
    labels[:6] = -1  # the southern row is in no territory
    result = rebalance_units(units, np.ones(36), labels)
    assert (result.labels[:6] == -1).all()
    assert result.totals.tolist() == [15, 15]
    labels[6:9] = 1  # 12 | 18
    result = rebalance_units(units, np.ones(36), labels, tolerance=0.05)
    assert (result.labels[:6] == -1).all()
    assert result.totals.tolist() == [15, 15]
    assert len(result.moved) == 3


def test_counties_are_rebalanced_with_far_fewer_moves_than_a_redesign(
    counties: gpd.GeoDataFrame, county_plan: tuple[nx.Graph, np.ndarray, np.ndarray]
) -> None:
    graph, weights, plan = county_plan
    adjacency = touching(counties)
    perturbed = drift(adjacency, plan, 0.1, seed=2, growers=[1, 3])
    start = np.bincount(perturbed, weights=weights)
    assert np.abs(start / start.mean() - 1).max() > 0.15
    result = rebalance_units(counties, weights, perturbed, tolerance=0.05, graph=graph)
    check(result, adjacency, weights, perturbed, 0.05)
    redesign = design_territories(counties, weights, 5, tolerance=0.05, graph=graph, seed=1)
    naive = moves_after_matching(perturbed, redesign.labels)
    assert len(result.moved) < naive / 3
    assert len(result.moved) < 0.1 * len(counties)
    again = rebalance_units(counties, weights, perturbed, tolerance=0.05, graph=graph)
    assert (again.labels == result.labels).all()  # deterministic
    tight = rebalance_units(counties, weights, perturbed, tolerance=0.01, graph=graph)
    check(tight, adjacency, weights, perturbed, 0.01)


def clusters(rows: int, cols: int, blocks: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Weight 1 in the cells of each block (rows r0 .. r1-1, columns c0 .. c1-1), 0 elsewhere."""
    weights = np.zeros(rows * cols)
    for r0, r1, c0, c1 in blocks:
        for r in range(r0, r1):
            weights[r * cols + c0 : r * cols + c1] = 1.0
    return weights


def roundness(units: gpd.GeoDataFrame, labels: np.ndarray) -> list[float]:
    geoms = units.geometry.to_numpy()
    return [polsby_popper(shapely.union_all(geoms[labels == t])) for t in range(labels.max() + 1)]


def test_clusters_far_from_the_borders_are_reached_across_empty_land() -> None:
    # Accounts in two clusters, 20 | 12, three empty columns away from the border: no
    # border unit weighs anything, so no border move or chain changes a total.
    rows, cols = 10, 20
    units, adjacency = grid(rows, cols), rook(rows, cols)
    weights = clusters(rows, cols, [(3, 7, 2, 7), (3, 7, 13, 16)])
    labels = columns(rows, [10, 10])
    result = rebalance_units(units, weights, labels, tolerance=0.05, cost=weights)  # accounts
    check(result, adjacency, weights, labels, 0.05)
    assert weights[result.moved].sum() == 4  # 20 | 12 -> 16 | 16: the least possible
    assert set(labels[result.moved].tolist()) == {0}
    taken = [int(v) for v in result.moved if weights[v] > 0]
    assert taken == [r * cols + 6 for r in range(3, 7)]  # the cluster's side facing 1
    # The empty land between comes along (it costs nothing): rounder than a corridor.
    corridor = labels.copy()
    corridor[[*taken, 4 * cols + 7, 4 * cols + 8, 4 * cols + 9]] = 1
    assert min(roundness(units, result.labels)) > min(roundness(units, corridor)) + 0.1
    again = rebalance_units(units, weights, labels, tolerance=0.05, cost=weights)
    assert (again.labels == result.labels).all()  # deterministic
    # Counting units instead, the fewest: the 4 weighted cells and the 3 empty ones between.
    fewest = rebalance_units(units, weights, labels, tolerance=0.05)
    check(fewest, adjacency, weights, labels, 0.05)
    assert weights[fewest.moved].sum() == 4
    assert len(fewest.moved) == 7


def test_weight_passes_along_a_row_of_clusters_and_around_locked_land() -> None:
    rows, cols = 9, 27
    units, adjacency = grid(rows, cols), rook(rows, cols)
    weights = clusters(rows, cols, [(3, 6, 2, 7), (3, 6, 11, 15), (3, 6, 20, 23)])  # 15|12|9
    labels = columns(rows, [9, 9, 9])
    result = rebalance_units(units, weights, labels, tolerance=0.05, cost=weights)
    check(result, adjacency, weights, labels, 0.05)
    assert weights[result.moved].sum() == 6  # 3 from the west to the middle, 3 on east
    steps = {(int(labels[v]), int(result.labels[v])) for v in result.moved if weights[v] > 0}
    assert steps == {(0, 1), (1, 2)}
    # Empty land of the west locked from row 2 up: the middle reaches round it.
    locked = np.zeros(rows * cols, dtype=bool)
    locked[[r * cols + 7 for r in range(2, rows)]] = True
    around = rebalance_units(units, weights, labels, tolerance=0.05, cost=weights, locked=locked)
    check(around, adjacency, weights, labels, 0.05)
    assert (around.labels[locked] == 0).all()
    assert weights[around.moved].sum() == 6


def test_a_cluster_too_heavy_for_the_band_is_explained() -> None:
    rows, cols = 9, 27
    weights = clusters(rows, cols, [(3, 6, 2, 7), (3, 6, 11, 15), (3, 6, 20, 23)])
    heavy = 4 * cols + 4
    weights[heavy] = 30.0  # about 1.4x the mean territory, in the west's cluster
    labels = columns(rows, [9, 9, 9])
    accounts = np.minimum(weights, 1.0)
    result = rebalance_units(grid(rows, cols), weights, labels, tolerance=0.05, cost=accounts)
    assert "cell 4-4 alone is 1.4x the mean territory" in result.violations
    assert result.labels[heavy] == 0
    assert result.totals[0] == 30.0  # the west sheds the rest of its cluster...
    others = result.totals[1:]
    assert np.abs(others / others.mean() - 1).max() <= 0.05  # ...and the others share it
    adjacency = rook(rows, cols)
    assert all(pieces(adjacency, result.labels, t) == 1 for t in range(3))


def test_progress_and_cancel() -> None:
    units = grid(12, 12)
    labels = columns(12, [5, 4, 3])
    reports: list[float] = []
    rebalance_units(units, np.ones(144), labels, progress=lambda f, m="": reports.append(f))
    assert reports == sorted(reports)
    assert reports[-1] == 1.0
    assert len(reports) > 3
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        rebalance_units(units, np.ones(144), labels, cancel=token)
    with pytest.raises(TaskCancelledError):
        split_units(units, np.ones(144), labels, [0], cancel=token)
    token = CancelToken()

    def cancel_later(fraction: float, message: str = "") -> None:
        if fraction > 0.05:
            token.cancel()

    with pytest.raises(TaskCancelledError):
        rebalance_units(units, np.ones(144), labels, cancel=token, progress=cancel_later)


def test_bad_inputs_raise() -> None:
    units = grid(3, 3)
    labels = columns(3, [1, 2])
    ones = np.ones(9)
    with pytest.raises(InputError, match="8 weights for 9 units"):
        rebalance_units(units, np.ones(8), labels)
    with pytest.raises(InputError, match="zero or positive"):
        rebalance_units(units, -ones, labels)
    with pytest.raises(InputError, match="8 territory labels for 9 units"):
        rebalance_units(units, ones, labels[:8])
    with pytest.raises(InputError, match="whole numbers"):
        rebalance_units(units, ones, labels + 0.5)
    with pytest.raises(InputError, match="territory 1 has no units"):
        rebalance_units(units, ones, labels * 2)
    with pytest.raises(InputError, match="no unit is in a territory"):
        rebalance_units(units, ones, np.full(9, -1))
    with pytest.raises(InputError, match="tolerance"):
        rebalance_units(units, ones, labels, tolerance=-0.1)
    with pytest.raises(InputError, match="costs"):
        rebalance_units(units, ones, labels, cost=np.ones(3))
    with pytest.raises(InputError, match="lock flags"):
        rebalance_units(units, ones, labels, locked=[True])
    with pytest.raises(InputError, match="locked territory 5 does not exist"):
        rebalance_units(units, ones, labels, locked_territories=[5])
    with pytest.raises(InputError, match="unit graph has 16 units"):
        rebalance_units(units, ones, labels, graph=unit_graph(grid(4, 4)))
    with pytest.raises(InputError, match="territory 4 does not exist"):
        split_units(units, ones, labels, [4])
    with pytest.raises(InputError, match="at least one territory"):
        split_units(units, ones, labels, [])
    with pytest.raises(InputError, match="cell 0-0, the new rep's home, is in territory 0"):
        split_units(units, ones, labels, [1], home_unit=0)
    single = np.ones(9, dtype=int)
    single[0] = 0
    with pytest.raises(InputError, match="may move"):
        split_units(units, ones, single, [0])  # a single unit cannot be split


# ----------------------------------------------------------------------------- split


def test_splitting_one_territory_halves_it_along_its_length() -> None:
    units = grid(12, 12)
    labels = columns(12, [4, 4, 4])  # 48 each; 4 territories would be 36 each
    result = split_units(units, np.ones(144), labels, [1])
    new = result.labels
    assert new.max() == 3
    assert set(np.unique(labels[result.moved]).tolist()) == {1}  # only territory 1 gave
    assert (new[labels != 1] == labels[labels != 1]).all()
    adjacency = rook(12, 12)
    for t in range(4):
        assert pieces(adjacency, new, t) == 1
    assert result.contiguous == [True] * 4
    sizes = np.bincount(new, minlength=4)
    assert abs(sizes[3] - 24) <= 1  # an equal share, as the violations say
    assert abs(sizes[1] - 24) <= 1
    assert any("each half gets about 0.67x the mean" in v for v in result.violations)
    geoms = units.geometry.to_numpy()
    for t in (1, 3):
        assert polsby_popper(shapely.union_all(geoms[new == t])) > 0.5  # blocks (strips: 0.3)
    assert len(result.moved) == sizes[3]


def test_splitting_all_territories_around_a_home_reaches_the_team_mean() -> None:
    units = grid(12, 12)
    labels = columns(12, [4, 4, 4])
    home = 6 * 12 + 6
    result = split_units(units, np.ones(144), labels, [0, 1, 2], home_unit=home)
    assert result.labels[home] == 3
    check(result, rook(12, 12), np.ones(144), labels, 0.05)  # 36 +- 5% each
    assert len(result.moved) <= 36 + 12
    geoms = units.geometry.to_numpy()
    assert polsby_popper(shapely.union_all(geoms[result.labels == 3])) > 0.5


def test_split_keeps_locks_and_explains_a_locked_home() -> None:
    units = grid(12, 12)
    labels = columns(12, [4, 4, 4])
    locked = np.zeros(144, dtype=bool)
    locked[labels == 0] = True
    home = 3 * 12 + 1  # in territory 0, locked
    result = split_units(units, np.ones(144), labels, [0, 1], home_unit=home, locked=locked)
    assert result.labels[home] == 0
    assert (result.labels[locked] == 0).all()
    assert any("cell 3-1, the new rep's home, is locked" in v for v in result.violations)
    adjacency = rook(12, 12)
    for t in range(4):
        assert pieces(adjacency, result.labels, t) == 1
    assert (result.labels[labels == 2] == 2).all()


def test_sources_that_do_not_touch_are_explained() -> None:
    units = grid(6, 9)
    labels = columns(6, [3, 3, 3])
    result = split_units(units, np.ones(54), labels, [0, 2])
    assert any(
        "territory 2 borders neither" in v or "territory 0 borders neither" in v
        for v in result.violations
    )
    assert (result.labels[labels == 1] == 1).all()


def test_counties_split_for_a_new_hire(
    counties: gpd.GeoDataFrame, county_plan: tuple[nx.Graph, np.ndarray, np.ndarray]
) -> None:
    graph, weights, plan = county_plan
    adjacency = touching(counties)
    pairs = {
        tuple(sorted((int(plan[a]), int(plan[b]))))
        for a, b in adjacency.edges
        if plan[a] != plan[b]
    }
    sources = list(min(pairs))
    home = int(np.flatnonzero(plan == sources[1])[0])
    result = split_units(counties, weights, plan, sources, home_unit=home, graph=graph)
    new = result.labels
    assert new[home] == 5
    assert set(np.unique(plan[result.moved]).tolist()) <= set(sources)
    for t in range(6):
        assert pieces(adjacency, new, t) == 1
    totals = np.bincount(new, weights=weights, minlength=6)
    assert np.allclose(result.totals, totals)
    changed = [*sources, 5]
    share = totals[changed].sum() / 3
    assert np.abs(totals[changed] / share - 1).max() <= 0.05 + 1e-9
    assert result.max_deviation == pytest.approx(
        np.abs(totals[changed] / (weights.sum() / 6) - 1).max()
    )
    redesign = design_territories(counties, weights, 6, tolerance=0.05, graph=graph, seed=1)
    assert len(result.moved) < moves_after_matching(plan, redesign.labels)


def test_split_smooths_the_borders_of_the_new_territory_and_its_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    units = grid(12, 12)
    weights = np.random.default_rng(2).lognormal(0, 1, 144)
    labels = columns(12, [4, 4, 4])
    home = 5 * 12 + 4
    smooth = split_units(units, weights, labels, [0, 1], home_unit=home)
    monkeypatch.setattr(new_hire, "_SMOOTH_PER_UNIT", 0)
    plain = split_units(units, weights, labels, [0, 1], home_unit=home)
    geoms = units.geometry.to_numpy()
    adjacency = rook(12, 12)

    def mean_pp(result: RebalanceResult) -> float:
        return float(
            np.mean(
                [polsby_popper(shapely.union_all(geoms[result.labels == t])) for t in (0, 1, 3)]
            )
        )

    for result in (smooth, plain):
        assert result.labels[home] == 3
        assert (result.labels[labels == 2] == 2).all()  # only the sources give
        assert all(pieces(adjacency, result.labels, t) == 1 for t in range(4))
    totals = np.bincount(smooth.labels, weights=weights, minlength=4)
    target = (
        totals[[0, 1, 3]].sum() / 3
    )  # the sources are too light for the team mean: equal shares
    assert np.abs(totals[[0, 1, 3]] / target - 1).max() <= 0.05 + 1e-9
    assert mean_pp(smooth) > mean_pp(plain) + 0.01  # 0.357 -> 0.377 when written
