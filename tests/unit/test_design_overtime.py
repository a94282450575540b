"""Design's overtime: recombination restarts past the budget while a plan is near its band."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from territory_planner.plan import design
from territory_planner.plan.design import design_territories
from tests.unit.test_design import grid

NEAR = design._OVERTIME_EXCESS  # summed excess (mean territories) that is near the band


def _restarts(monkeypatch: pytest.MonkeyPatch, **knobs: float) -> list[float]:
    """The CPU seconds given to each recombination restart of one design out of band.

    Recombination is replaced by one that never reaches the band and takes all
    the time it is given (the worst case for the budget): what is measured is how
    many restarts design runs, and with how much time, not what they find.
    """
    for name, value in {
        "_DESIGN_SECONDS": 1.0,
        "_RECOMBINE_SECONDS": 0.6,
        "_MIN_RESTART_SECONDS": 0.2,
        "_OVERTIME_SECONDS": 1.0,
        "_OVERTIME_RESTART_SECONDS": 0.3,
        "_POLISH_SECONDS": (0.05, 0.1),
        **knobs,
    }.items():
        monkeypatch.setattr(design, name, value)
    given: list[float] = []

    def stuck(labels: np.ndarray, *_args: Any, seconds: float, **_kwargs: Any) -> np.ndarray:
        given.append(seconds)
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
        return np.asarray(labels).copy()

    monkeypatch.setattr(design, "recombine", stuck)
    w = np.random.default_rng(3).integers(1, 4, 36).astype(float)
    w[0] += (1 - w.sum()) % 3  # integer totals around a mean of n + 1/3: the band is unreachable
    assert w.sum() % 3 == 1
    result = design_territories(grid(6), w, 3, tolerance=1e-6, seeds=[0, 5, 35])
    totals = np.bincount(result.labels, weights=w, minlength=3)
    excess = np.maximum(np.abs(totals / totals.mean() - 1) - 1e-6, 0).sum()
    assert 0 < excess <= NEAR  # near the band, never in it
    return given


def test_a_plan_near_its_band_gets_overtime_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    given = _restarts(monkeypatch)
    assert len(given) == design._RESTARTS  # every restart: overtime paid for the last three
    assert given[1:] == [pytest.approx(0.3)] * (design._RESTARTS - 1)  # each within its cap
    assert sum(given[1:]) <= 1.0 + 1e-9  # and all within the overtime


def test_without_overtime_the_budget_ends_the_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_restarts(monkeypatch, _OVERTIME_SECONDS=0.0)) == 1


def test_a_plan_far_from_its_band_gets_no_overtime(monkeypatch: pytest.MonkeyPatch) -> None:
    # "far": more summed excess than the threshold (here any excess at all)
    assert len(_restarts(monkeypatch, _OVERTIME_EXCESS=0.0)) == 1
