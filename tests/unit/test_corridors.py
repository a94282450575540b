"""Corridors to far lumps (`plan.corridors`): which lumps, which home takes one, along what."""

from __future__ import annotations

import networkx as nx
import numpy as np

from territory_planner.plan.corridors import far_corridors, far_lumps


def _grid(rows: int, cols: int) -> tuple[tuple[np.ndarray, np.ndarray], nx.Graph, np.ndarray]:
    """Square cells of 100 km (cell r * cols + c): directed edges, the graph, positions."""
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    pairs = np.array(graph.edges)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    cells = np.arange(rows * cols)
    xyz = np.column_stack([cells % cols * 100.0, cells // cols * 100.0, np.zeros(len(cells))])
    return (src, dst), graph, xyz


def test_a_lump_far_from_every_home_is_found_and_one_near_a_home_is_not() -> None:
    _, _, xyz = _grid(10, 10)
    area = np.full(100, 100.0 * 100.0)  # a round territory of 250,000 km²: radius 282 km
    w = np.ones(100)
    w[99] = 60.0  # the far corner: 900 km from the nearest home
    w[11] = 60.0  # 100 km from the home at cell 1
    w[55] = 20.0  # far, but light: a fifth of a mean territory (about 97)
    anchors = {0: 0, 1: 9, 2: 90, 3: 1}
    mean = w.sum() / 4
    assert w[99] >= 0.5 * mean
    assert far_lumps(w, xyz, area, anchors, 4) == [99]
    # a territory without a home could take the lump where it lies: no corridor needed
    assert far_lumps(w, xyz, area, {0: 0, 1: 9, 2: 90}, 4) == []


def test_the_lump_and_its_chain_go_to_the_home_with_most_room() -> None:
    edges, graph, _ = _grid(6, 6)
    w = np.zeros(36)
    w[35] = 6.0  # the lump, in the far corner
    w[[29, 30]] = [3.5, 1.0]  # two homes: the one beside the lump has less room
    w[[33, 21]] = 1.0  # accounts on the straight way; round them the chain costs nothing
    anchors = {0: 29, 1: 30}
    preset = np.full(36, -1)
    preset[[29, 30]] = [0, 1]
    hi = np.array([10.0, 10.0])
    laid = far_corridors(w, edges, [35], anchors=anchors, preset=preset, hi=hi)
    taken = np.flatnonzero(laid == 1)
    assert laid[35] == 1
    assert (laid[laid >= 0] == 1).sum() == len(taken)  # nothing given to the other home
    assert laid[29] == 0
    assert nx.is_connected(graph.subgraph(taken.tolist()))
    assert w[taken].sum() == 7.0  # home and lump only: the accounts on the way avoided
    assert set(np.flatnonzero(laid != preset)) == set(taken) - {30}


def test_a_lump_no_home_has_room_for_stays_free() -> None:
    edges, _, _ = _grid(4, 4)
    w = np.zeros(16)
    w[15], w[0], w[3] = 5.0, 2.0, 2.0
    preset = np.full(16, -1)
    preset[[0, 3]] = [0, 1]
    laid = far_corridors(
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
    laid = far_corridors(
        w, edges, [24], anchors={0: 0, 1: 4}, preset=preset, hi=np.array([6.0, 4.5])
    )
    mine = np.flatnonzero(laid == 0)
    assert 24 in mine
    assert not set(mine) & {2, 7, 12, 17}
    assert 22 in mine  # round the end of the wall
    assert nx.is_connected(graph.subgraph(mine.tolist()))
