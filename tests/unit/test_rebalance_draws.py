"""Rebalancing lumpy plans: several recombination draws, the one moving the fewest accounts kept."""

from __future__ import annotations

import numpy as np
import pytest

from territory_planner.plan import rebalance_rounds
from territory_planner.plan.rebalance import rebalance_units
from tests.unit.test_rebalance import columns, grid, pieces, rook

ROWS, COLS = 12, 24


def metros(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Ten small heavy clusters (a cell and the one north of it) on empty land; their accounts."""
    rng = np.random.default_rng(seed)
    weights = np.zeros(ROWS * COLS)
    for _ in range(10):
        r, c = rng.integers(0, ROWS - 1), rng.integers(0, COLS - 1)
        weights[r * COLS + c] += rng.integers(5, 40)
        weights[(r + 1) * COLS + c] += rng.integers(0, 10)
    return weights, np.ceil(weights / 5)


def outcome(
    seed: int, draws: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[float, float, list[int], int]:
    """Accounts moved, the largest deviation recomputed, pieces per territory, recombinations."""
    weights, accounts = metros(seed)
    labels = columns(ROWS, [6, 6, 6, 6])
    called = []
    original = rebalance_rounds._recombine_into_band

    def counted(*args: object, **kwargs: object) -> bool:
        called.append(True)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rebalance_rounds, "_RECOMBINE_DRAWS", draws)
    monkeypatch.setattr(rebalance_rounds, "_recombine_into_band", counted)
    result = rebalance_units(grid(ROWS, COLS), weights, labels, tolerance=0.05, cost=accounts)
    totals = np.bincount(result.labels, weights=weights, minlength=4)
    deviation = float(np.abs(totals / totals.mean() - 1).max())
    moved = float(accounts[result.labels != labels].sum())
    whole = [pieces(rook(ROWS, COLS), result.labels, t) for t in range(4)]
    return moved, deviation, whole, len(called)


@pytest.mark.parametrize("seed", [2, 8])
def test_the_draw_moving_fewest_accounts_is_kept(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Border moves get stuck on these layouts (the metros lie inside the territories),
    # so the plan is recombined; one draw moves twice what the best of eight does.
    one = outcome(seed, 1, monkeypatch)
    eight = outcome(seed, 8, monkeypatch)
    assert one[3] == eight[3] == 1  # recombined once, the draws inside that one call
    for moved, deviation, whole, _ in (one, eight):
        assert deviation <= 0.05 + 1e-9
        assert whole == [1, 1, 1, 1]
        assert moved > 0
    assert eight[0] < one[0]


def test_an_option_that_would_empty_a_territory_does_not_break_the_return_home() -> None:
    # This layout once crashed sending moved pieces home: an option leaving a territory
    # without units had a Polsby-Popper of 0 / 0, and HiGHS refused the NaN in its aim.
    weights, accounts = metros(0)
    labels = columns(ROWS, [6, 6, 6, 6])
    result = rebalance_units(grid(ROWS, COLS), weights, labels, tolerance=0.05, cost=accounts)
    totals = np.bincount(result.labels, weights=weights, minlength=4)
    assert np.abs(totals / totals.mean() - 1).max() <= 0.05 + 1e-9
    assert np.bincount(result.labels, minlength=4).min() > 0
