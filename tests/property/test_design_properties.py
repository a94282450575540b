"""Automatic design on small random maps: units conserved, territories connected.

The map is a random rook-connected set of grid cells (so its unit graph is
connected without bridges); weights are random and may be zero. Whatever
the balance, every unit gets exactly one territory 0..k-1, every territory
gets units, the weight totals are conserved, each territory is one connected
piece of `unit_graph`, and a plan outside the tolerance says why.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from hypothesis import given, note, settings
from hypothesis import strategies as st

from territory_planner.plan.design import design_territories, unit_graph
from tests.property.conftest import examples

CELL = 0.1  # degrees


@st.composite
def maps(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, list[tuple[int, int]]]:
    """Up to 6x6 grid cells grown from one cell by random rook steps (so connected)."""
    side = draw(st.integers(2, 6))
    size = draw(st.integers(2, side * side))
    start = (draw(st.integers(0, side - 1)), draw(st.integers(0, side - 1)))
    cells = [start]
    taken = {start}
    while len(cells) < size:
        frontier = sorted(
            {
                (r + dr, c + dc)
                for r, c in cells
                for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0))
                if 0 <= r + dr < side and 0 <= c + dc < side
            }
            - taken
        )
        if not frontier:
            break
        cell = draw(st.sampled_from(frontier))
        cells.append(cell)
        taken.add(cell)
    boxes = [
        shapely.box(-100 + c * CELL, 40 + r * CELL, -100 + (c + 1) * CELL, 40 + (r + 1) * CELL)
        for r, c in cells
    ]
    names = [f"cell {r}-{c}" for r, c in cells]
    return gpd.GeoDataFrame({"name": names}, geometry=boxes, crs=4326), cells


def rook_graph(cells: list[tuple[int, int]]) -> nx.Graph:
    """Neighbours by index arithmetic (independent of `unit_graph`)."""
    index = {cell: i for i, cell in enumerate(cells)}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(cells)))
    for (r, c), i in index.items():
        for other in ((r + 1, c), (r, c + 1)):
            if other in index:
                graph.add_edge(i, index[other])
    return graph


weight = st.one_of(st.just(0.0), st.floats(0, 100), st.integers(1, 5).map(float))


@settings(max_examples=examples(40))
@given(
    drawn=maps(),
    data=st.data(),
    tolerance=st.sampled_from([0.02, 0.05, 0.2, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_every_unit_in_one_connected_territory(
    drawn: tuple[gpd.GeoDataFrame, list[tuple[int, int]]],
    data: st.DataObject,
    tolerance: float,
    seed: int,
) -> None:
    units, cells = drawn
    n = len(units)
    weights = np.array(data.draw(st.lists(weight, min_size=n, max_size=n), label="weights"))
    k = data.draw(st.integers(1, min(n, 4)), label="k")
    graph = unit_graph(units)
    neighbours = rook_graph(cells)
    assert {tuple(sorted(e)) for e in graph.edges} == {tuple(sorted(e)) for e in neighbours.edges}
    assert nx.is_connected(graph)

    result = design_territories(units, weights, k, tolerance=tolerance, seed=seed, starts=1)
    labels = result.labels
    note(f"labels: {labels.tolist()}, totals: {result.totals}, {result.violations}")
    assert labels.shape == (n,)
    assert set(labels.tolist()) == set(range(k)), "every territory gets units, no other label"
    totals = np.bincount(labels, weights=weights, minlength=k)
    np.testing.assert_allclose(result.totals, totals, rtol=1e-9, atol=1e-9)
    assert np.isclose(result.totals.sum(), weights.sum(), rtol=1e-9, atol=1e-9)
    for t in range(k):
        members = np.flatnonzero(labels == t).tolist()
        assert nx.is_connected(graph.subgraph(members)), f"territory {t} is in pieces"
    assert result.contiguous == [True] * k
    mean = weights.sum() / k
    deviation = float(np.abs(totals / mean - 1).max()) if mean > 0 else 0.0
    assert np.isclose(result.max_deviation, deviation, atol=1e-9)
    if deviation > tolerance + 1e-9:
        assert result.violations, "a plan outside the tolerance says why"
    if not result.violations:
        assert deviation <= tolerance + 1e-9


@settings(max_examples=examples(25))
@given(drawn=maps(), data=st.data())
def test_locked_units_keep_their_territory(
    drawn: tuple[gpd.GeoDataFrame, list[tuple[int, int]]], data: st.DataObject
) -> None:
    units, _cells = drawn
    n = len(units)
    k = data.draw(st.integers(1, min(n, 3)), label="k")
    weights = np.array(data.draw(st.lists(weight, min_size=n, max_size=n), label="weights"))
    locked = np.array(
        data.draw(st.lists(st.integers(-1, k - 1), min_size=n, max_size=n), label="locked")
    )
    result = design_territories(units, weights, k, locked=locked, starts=1)
    labels = result.labels
    assert labels.shape == (n,)
    assert ((labels >= 0) & (labels < k)).all()
    assert (labels[locked >= 0] == locked[locked >= 0]).all()
    np.testing.assert_allclose(
        result.totals, np.bincount(labels, weights=weights, minlength=k), atol=1e-9
    )
    free = int((locked < 0).sum())
    with_locks = len(set(locked[locked >= 0].tolist()))
    if free >= k - with_locks:  # enough free units for the territories without locked ones
        assert set(labels.tolist()) == set(range(k)), "every territory gets units"
    graph = unit_graph(units)
    for t, whole in enumerate(result.contiguous):
        members = np.flatnonzero(labels == t).tolist()
        assert whole == (len(members) > 0 and nx.is_connected(graph.subgraph(members)))
        if not whole:
            assert any(f"territory {t + 1} " in v for v in result.violations), (
                "a piece is explained"
            )
