"""Sending moved units home together (`rebalance_returns.send_home`) on small grids."""

from __future__ import annotations

import numpy as np

from territory_planner.geo.unit_graph import unit_graph
from territory_planner.plan.rebalance import _setup
from territory_planner.plan.rebalance_returns import send_home
from territory_planner.plan.rebalance_steps import _band
from tests.unit.test_rebalance import columns, grid, pieces, rook

ROWS, COLS = 4, 6


def sent(
    original: np.ndarray, now: np.ndarray, weights: np.ndarray, tolerance: float
) -> np.ndarray:
    """The labels after `send_home` on a grid plan `now` that started as `original`."""
    units = grid(ROWS, COLS)
    k = int(original.max()) + 1
    setup = _setup(
        units, weights, now, k=k, graph=unit_graph(units), fixed=np.zeros(len(units), dtype=bool)
    )
    everywhere = np.ones(k, dtype=bool)
    send_home(
        setup.plan,
        original,
        np.ones(len(units)),
        _band(k, float(weights.sum()) / k, tolerance),
        active=everywhere,
        movable=np.ones(len(units), dtype=bool),
    )
    return np.asarray(setup.plan.label)


def test_a_trade_no_single_return_can_undo_is_undone_together() -> None:
    original = columns(ROWS, [3, 3])  # 12 | 12 cells of weight 1
    now = original.copy()
    now[0 * COLS + 2] = 1  # A gave a cell to B...
    now[3 * COLS + 3] = 0  # ...and B one to A: still 12 | 12, two cells moved
    weights = np.ones(ROWS * COLS)
    # one cell home alone makes 11 | 13, outside ±5%: only both together keep the band
    after = sent(original, now, weights, 0.05)
    assert (after == original).all()


def test_a_piece_goes_home_only_as_far_as_the_band_allows() -> None:
    original = columns(ROWS, [3, 3])
    third = [r * COLS + 2 for r in range(ROWS)]
    weights = np.ones(ROWS * COLS)
    weights[third] = 3.0  # A 8 + 12 = 20, B 12: mean 16
    now = original.copy()
    now[third] = 1  # A's heavy third column went to B: 8 | 24
    # ±20% of 16 is 12.8 .. 19.2: j cells home make 8 + 3j | 24 - 3j, so two or three fit
    # and four (20 | 12) do not; the most cost saved is three
    after = sent(original, now, weights, 0.20)
    assert np.flatnonzero(after != now).tolist() == third[:3]
    assert np.bincount(after, weights=weights).tolist() == [17.0, 15.0]
    adjacency = rook(ROWS, COLS)
    assert pieces(adjacency, after, 0) == 1
    assert pieces(adjacency, after, 1) == 1
