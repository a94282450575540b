"""Corridors to lumps (`plan.corridors`): which units, which home takes one, along what."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import numpy as np
import pytest

from territory_planner.plan import design, design_finish
from territory_planner.plan.corridors import (
    block_bound,
    homeless_lumps,
    lump_corridors,
    top_up_near,
)
from territory_planner.plan.design import design_territories
from tests.unit.test_design import grid, grid_neighbours


def _grid(rows: int, cols: int) -> tuple[tuple[np.ndarray, np.ndarray], nx.Graph, np.ndarray]:
    """Square cells of 100 km (cell r * cols + c): directed edges, the graph, positions."""
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    pairs = np.array(graph.edges)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    cells = np.arange(rows * cols)
    xyz = np.column_stack([cells % cols * 100.0, cells // cols * 100.0, np.zeros(len(cells))])
    return (src, dst), graph, xyz


def test_lumps_are_units_of_half_to_one_territory_without_a_home() -> None:
    w = np.ones(100)
    w[[99, 11, 55, 40, 7]] = [60.0, 70.0, 20.0, 150.0, 80.0]
    anchors = {0: 0, 1: 9, 2: 90, 3: 7}
    mean = w.sum() / 4  # 470 / 4
    assert 0.5 * mean <= w[99] < w[11] < mean
    # 55 is light (a fifth), 40 heavier than a territory (given one of its own), 7 a home
    assert homeless_lumps(w, anchors, 4) == [11, 99]
    # a territory without a home could grow where a lump lies: no corridor needed
    assert homeless_lumps(w, {0: 0, 1: 9, 2: 90}, 4) == []


def _strip() -> tuple[tuple[np.ndarray, np.ndarray], nx.Graph, np.ndarray, np.ndarray]:
    """3 x 8 cells: territory 0 holds the top row (home cell 0), territory 1's home is cell 8
    (the middle row's first), the lump is cell 15 (its last)."""
    edges, graph, _ = _grid(3, 8)
    w = np.zeros(24)
    w[[0, 8, 15]] = [3.5, 1.0, 6.0]
    preset = np.full(24, -1)
    preset[:8] = 0
    preset[8] = 1
    return edges, graph, w, preset


def test_the_lump_and_its_chain_go_to_the_home_with_most_room() -> None:
    edges, graph, w, preset = _strip()
    w[11] = 1.0  # an account on the straight way; round it the chain costs nothing
    hi = np.array([10.0, 10.0])  # territory 0 would hold 9.5 with the lump, territory 1 7.0
    laid = lump_corridors(w, edges, [15], anchors={0: 0, 1: 8}, preset=preset, hi=hi)
    taken = np.flatnonzero(laid == 1)
    assert laid[15] == 1
    assert np.array_equal(laid[:8], preset[:8])  # nothing given to, or taken from, the other
    assert nx.is_connected(graph.subgraph(taken.tolist()))  # the chain and what it walls in
    assert 11 not in taken
    assert w[taken].sum() == 7.0  # home and lump only: the account on the way avoided


def test_what_the_chain_cuts_off_counts_in_the_room_left() -> None:
    edges, _, w, preset = _strip()
    w[0] = 3.0
    w[23] = 2.5  # behind the lump: only the territory holding the lump can reach it
    hi = np.array([10.0, 10.0])
    laid = lump_corridors(w, edges, [15], anchors={0: 0, 1: 8}, preset=preset, hi=hi)
    # territory 1 would hold 1 + 6 + 2.5 = 9.5 (room 0.5), territory 0 holds 3 + 6 (room 1)
    assert laid[15] == 0
    assert laid[23] == -1  # territory 0 does not cut it off: it stays free
    w[0] = 3.6  # now territory 0 has less room (0.4): territory 1 takes the lump
    laid = lump_corridors(w, edges, [15], anchors={0: 0, 1: 8}, preset=preset, hi=hi)
    assert laid[15] == 1
    assert laid[23] == -1  # free: only territory 1 can reach it, and design will give it so


def test_with_no_room_anywhere_the_lump_goes_where_it_overshoots_least() -> None:
    edges, _, _ = _grid(4, 4)
    w = np.zeros(16)
    w[15], w[0], w[3] = 5.0, 2.0, 1.8
    preset = np.full(16, -1)
    preset[[0, 3]] = [0, 1]
    laid = lump_corridors(
        w, edges, [15], anchors={0: 0, 1: 3}, preset=preset, hi=np.array([6.5, 6.5])
    )
    assert laid[15] == 1  # 6.8 against 7.0
    # walled off from both homes by other territories' units, it stays free
    preset[[10, 11, 14]] = 2
    laid = lump_corridors(
        w, edges, [15], anchors={0: 0, 1: 3}, preset=preset, hi=np.array([6.5, 6.5])
    )
    assert np.array_equal(laid, preset)


def test_a_chain_does_not_cross_another_territory_held_units() -> None:
    edges, graph, _ = _grid(5, 5)
    w = np.zeros(25)
    w[24], w[0] = 4.0, 1.0
    preset = np.full(25, -1)
    preset[0] = 0
    preset[[2, 7, 12, 17]] = 1  # a locked wall of territory 1 down the middle, open at row 4
    preset[4] = 1
    laid = lump_corridors(
        w, edges, [24], anchors={0: 0, 1: 4}, preset=preset, hi=np.array([6.0, 4.5])
    )
    mine = np.flatnonzero(laid == 0)
    assert 24 in mine
    assert not set(mine) & {2, 7, 12, 17}
    assert 22 in mine  # round the end of the wall
    assert nx.is_connected(graph.subgraph(mine.tolist()))


def test_design_searches_again_with_the_corridor_held_when_out_of_band(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(design, "_DESIGN_SECONDS", 2.0)  # keep the test short
    monkeypatch.setattr(design_finish, "_MIN_RESTART_SECONDS", 0.2)
    monkeypatch.setattr(design_finish, "_POLISH_SECONDS", (0.1, 0.3))
    units = grid(8)
    w = np.random.default_rng(4).integers(1, 4, 64).astype(float)
    w[63] = np.floor(0.3 * (w.sum() - w[63]))  # the far corner: about 0.68 of a territory
    w[62] += (1 - w.sum()) % 3  # integer totals around a mean of n + 1/3: ±0.1% unreachable
    assert w.sum() % 3 == 1
    assert 0.5 < w[63] / (w.sum() / 3) < 1
    runs: list[np.ndarray] = []
    search = design._Search.run

    def spy(self: design._Search, preset: np.ndarray, *args: Any, **kwargs: Any) -> None:
        runs.append(preset.copy())
        search(self, preset, *args, **kwargs)

    monkeypatch.setattr(design._Search, "run", spy)
    reports: list[float] = []
    result = design_territories(
        units, w, 3, tolerance=0.001, seeds=[0, 7, 56], progress=lambda f, m="": reports.append(f)
    )
    assert len(runs) == 2
    held = np.flatnonzero((runs[1] >= 0) & (runs[0] < 0))
    assert 63 in held
    owner = int(runs[1][63])
    graph = grid_neighbours(8)
    assert nx.is_connected(graph.subgraph([*held.tolist(), [0, 7, 56][owner]]))
    assert reports == sorted(reports)
    assert all(result.contiguous)
    assert result.labels[[0, 7, 56]].tolist() == [0, 1, 2]


def _best_one_piece_plan(graph: nx.Graph, w: np.ndarray, homes: list[int]) -> float:
    """The smallest largest excess over the mean (total / mean - 1) of any plan whose
    territories are each one piece holding their home: every assignment tried."""
    k, n = len(homes), len(w)
    free = [u for u in range(n) if u not in homes]
    best = np.inf
    for rest in itertools.product(range(k), repeat=len(free)):
        labels = np.empty(n, dtype=int)
        labels[homes] = range(k)
        labels[free] = rest
        if all(
            nx.is_connected(graph.subgraph(np.flatnonzero(labels == t).tolist())) for t in range(k)
        ):
            totals = np.bincount(labels, weights=w, minlength=k)
            best = min(best, float((totals / totals.mean() - 1).max()))
    return best


def test_the_block_bound_never_exceeds_what_plans_in_one_piece_reach() -> None:
    edges, graph, _ = _grid(3, 4)
    rng = np.random.default_rng(8)
    for trial in range(6):
        w = np.where(rng.random(12) < 0.5, rng.lognormal(0, 1.2, 12), 0.0)
        homes = [0, 11] if trial % 2 else [0, 3, 8]
        found = block_bound(w, edges, homes, len(homes))
        assert found is not None
        assert found.deviation <= _best_one_piece_plan(graph, w, homes) + 1e-9


def test_a_lump_at_the_end_of_a_peninsula_proves_the_band_out_of_reach() -> None:
    # 0 - 1 - 2 - 3 in a line, homes at both ends; off its middle the peninsula 2 - 4,
    # which forks into two tips, 5 and 6, that only 4 leads to
    graph = nx.Graph([(0, 1), (1, 2), (2, 3), (2, 4), (4, 5), (4, 6)])
    pairs = np.array(graph.edges)
    edges = (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])
    w = np.array([2.0, 1.0, 1.0, 3.0, 2.0, 1.0, 1.0])  # mean 5.5 over 2
    found = block_bound(w, edges, [0, 3], 2)
    assert found is not None
    assert found.unit == 4
    assert sorted(found.block.tolist()) == [4, 5, 6]  # both tips lie behind 4
    assert found.way == pytest.approx(4.0)  # from either home: 2 + 1 + 1 or 3 + 1
    assert found.deviation == pytest.approx(8.0 / 5.5 - 1)
    assert found.deviation == pytest.approx(_best_one_piece_plan(graph, w, [0, 3]))
    # a tip by way of the lump proves less (7 / 5.5), the lump alone or shapes aside nothing
    assert found.deviation > 7.0 / 5.5 - 1


def test_the_way_to_a_lump_is_the_lightest_from_any_home_its_weight_counted() -> None:
    edges, graph, _ = _grid(2, 4)  # 0 1 2 3 over 4 5 6 7; homes 0 and 3, the lump at 7
    w = np.array([1.0, 0.5, 0.5, 3.0, 0.5, 0.5, 0.5, 3.0])  # mean 4.75
    found = block_bound(w, edges, [0, 3], 2)
    assert found is not None
    assert (found.unit, found.home) == (7, 0)  # round the bottom: 1 + 1.5, not 3 beside it
    assert found.way == pytest.approx(2.5)
    assert found.via in {4, 5, 6}  # the heaviest on the way, the home aside
    assert found.deviation == pytest.approx(5.5 / 4.75 - 1)
    assert found.deviation == pytest.approx(_best_one_piece_plan(graph, w, [0, 3]))


def test_top_up_near_finds_the_homes_no_mix_of_near_units_tops_up() -> None:
    # a path 0 - 1 - 2 - 3 with a side unit 4 beside 0: the home (0) is 0.9 of a territory
    neighbours = [[1, 4], [0, 2], [1, 3], [2], [0]]
    band = (0.99, 1.01)  # 0.09-0.11 more needed
    share = np.array([0.9, 0.15, 0.15, 0.1, 0.0])
    assert top_up_near(share, 0, neighbours, band=band) == [1, 2]  # 3 is three steps away
    share[2] = 0.1
    assert top_up_near(share, 0, neighbours, band=band) is None  # 2 alone fits
    assert top_up_near(share, 0, neighbours, band=band, others=[2]) == [1]  # another's home
    share[0] = 0.7
    assert top_up_near(share, 0, neighbours, band=band) is None  # not nearly a territory alone
