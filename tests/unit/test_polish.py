"""The polish for shape: in a band no single move keeps, swaps still straighten the borders."""

from __future__ import annotations

import networkx as nx
import numpy as np

from territory_planner.analysis.metrics import polsby_popper
from territory_planner.geo.unit_graph import _lonlat, _measures
from territory_planner.plan.design import unit_graph
from territory_planner.plan.design_plan import _Plan
from territory_planner.plan.polish import polish
from tests.unit.test_design import grid, grid_neighbours


def test_pairs_of_moves_straighten_a_border_no_single_move_may_change() -> None:
    side = 8
    units = grid(side)
    graph = unit_graph(units)
    weights = np.ones(side * side)  # every cell counts: any single move breaks the band
    area, perimeter = _measures(graph, _lonlat(units))
    homes = [0, side - 1]  # the west and east corners of the first row
    fixed = np.zeros(side * side, dtype=bool)
    fixed[homes] = True
    plan = _Plan(graph, weights, area, perimeter, fixed=fixed, k=2)
    cols = np.tile(np.arange(side), side)
    rows = np.repeat(np.arange(side), side)
    start = (cols >= side // 2).astype(int)
    teeth = (rows % 2 == 1) & ((cols == side // 2 - 1) | (cols == side // 2))
    start[teeth] = 1 - start[teeth]  # every other row: the two cells at the border swapped
    plan.assign(start)
    plan.set_band(0.0)  # exactly half each
    assert np.bincount(start).tolist() == [32, 32]
    before = [polsby_popper(units.geometry[start == t].union_all()) for t in range(2)]

    moves = polish(plan, np.random.default_rng(1), 20_000, 0.004)

    labels = np.asarray(plan.label)
    assert moves >= 2
    assert np.bincount(labels, minlength=2).tolist() == [32, 32]  # the band kept exactly
    assert (labels[homes] == start[homes]).all()
    adjacency = grid_neighbours(side)
    for t in range(2):
        assert nx.is_connected(adjacency.subgraph(np.flatnonzero(labels == t).tolist()))
    after = [polsby_popper(units.geometry[labels == t].union_all()) for t in range(2)]
    assert np.mean(after) > np.mean(before) + 0.05
    assert (labels != start).sum() >= 2
