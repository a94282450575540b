"""Design's overtime: recombination restarts past the budget while a plan is near its band.

Also `allocation.band_in_reach`, which tells design when no restart can get there.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from territory_planner.plan import design, design_finish, design_plan
from territory_planner.plan.allocation import band_in_reach
from territory_planner.plan.design import design_territories
from tests.unit.test_design import grid

NEAR = design_finish._OVERTIME_EXCESS  # summed excess (mean territories) that is near the band
OVERTIME = "Still balancing: trying again, past the usual time"
SAID: list[str] = []  # the progress messages of the last design


def _restarts(
    monkeypatch: pytest.MonkeyPatch,
    *,
    reach: bool | None = True,
    served: bool = False,
    home_share: float = 0.0,
    **knobs: float,
) -> list[float]:
    """The CPU seconds given to each recombination restart of one design out of band.

    Recombination is replaced by one that never reaches the band and takes all
    the time it is given (the worst case for the budget): what is measured is how
    many restarts design runs, and with how much time, not what they find. The
    band is out of reach on these weights; `reach` True makes design believe
    otherwise, None leaves `band_in_reach` to find out. With `served`, the same
    weights are given per territory (as a workload design gives them). With
    `home_share`, the first home's cell weighs about that share of a mean territory.
    """
    if reach is not None:
        monkeypatch.setattr(design_plan._Plan, "in_reach", lambda _self, _roots: reach)
    monkeypatch.setattr(design, "_DESIGN_SECONDS", 1.0)
    for name, value in {
        "_RECOMBINE_SECONDS": 0.6,
        "_MIN_RESTART_SECONDS": 0.2,
        "_OVERTIME_SECONDS": 1.0,
        "_OVERTIME_RESTART_SECONDS": 0.3,
        "_POLISH_SECONDS": (0.05, 0.1),
        **knobs,
    }.items():
        monkeypatch.setattr(design_finish, name, value)
    given: list[float] = []

    def stuck(labels: np.ndarray, *_args: Any, seconds: float, **_kwargs: Any) -> np.ndarray:
        given.append(seconds)
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
        return np.asarray(labels).copy()

    monkeypatch.setattr(design_finish, "recombine", stuck)
    SAID.clear()
    w = np.random.default_rng(3).integers(1, 4, 36).astype(float)
    w[0] = round(home_share * w[1:].sum() / (3 - home_share)) or w[0]
    w[0] += (1 - w.sum()) % 3  # integer totals around a mean of n + 1/3: the band is unreachable
    assert w.sum() % 3 == 1
    per_territory = np.repeat(w[:, None], 3, axis=1) if served else None
    result = design_territories(
        grid(6),
        w,
        3,
        tolerance=1e-6,
        seeds=[0, 5, 35],
        served=per_territory,
        progress=lambda _f, message="": SAID.append(message),
    )
    totals = np.bincount(result.labels, weights=w, minlength=3)
    excess = np.maximum(np.abs(totals / totals.mean() - 1) - 1e-6, 0).sum()
    assert 0 < excess <= NEAR  # near the band, never in it
    return given


def test_a_plan_near_its_band_gets_overtime_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    given = _restarts(monkeypatch)
    assert len(given) == design_finish._RESTARTS  # every restart: overtime paid for the last three
    assert given[1:] == [pytest.approx(0.3)] * (design_finish._RESTARTS - 1)  # each within its cap
    assert sum(given[1:]) <= 1.0 + 1e-9  # and all within the overtime
    # the user is told why it takes longer
    assert SAID.count(OVERTIME) == design_finish._RESTARTS - 1


def test_without_overtime_the_budget_ends_the_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_restarts(monkeypatch, _OVERTIME_SECONDS=0.0)) == 1
    assert OVERTIME not in SAID


def test_a_plan_far_from_its_band_gets_no_overtime(monkeypatch: pytest.MonkeyPatch) -> None:
    # "far": more summed excess than the threshold (here any excess at all)
    assert len(_restarts(monkeypatch, _OVERTIME_EXCESS=0.0)) == 1


def test_a_workload_design_gets_no_overtime(monkeypatch: pytest.MonkeyPatch) -> None:
    # its rounds redesign from the plan with the drives it has: they follow, not restarts
    assert len(_restarts(monkeypatch, served=True)) == 1


def test_a_stuck_home_nearly_a_territory_ends_the_overtime_after_repeated_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the first home's cell is 0.9 of a territory, and every mix of the cells up to two
    # steps away sums to a whole number, never to the band round a mean of n + 1/3:
    # once restarts have ended at the same total that many times, no more are tried
    assert design_finish._STUCK_ENDS < design_finish._RESTARTS
    assert len(_restarts(monkeypatch, home_share=0.9)) == design_finish._STUCK_ENDS


def test_a_band_out_of_reach_even_in_pieces_gets_no_overtime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(_restarts(monkeypatch, reach=None)) == 1  # HiGHS proves it: no plan in band


def test_band_in_reach_is_false_only_when_no_plan_fits() -> None:
    w = np.array([2.0, 1.0, 1.0, 1.0, 0.0])
    wide = (np.array([2.0, 2.0, 0.0]), np.array([3.0, 3.0, 1.0]))
    assert band_in_reach(w, wide, np.full(5, -1))  # {2}, {1, 1}, {1}
    exact = (np.full(3, 5 / 3 - 0.01), np.full(3, 5 / 3 + 0.01))
    assert not band_in_reach(w, exact, np.full(5, -1))  # integer totals around 5/3
    pinned = np.array([0, 0, -1, -1, -1])  # 2 and 1 together: 3 in territory 0
    assert not band_in_reach(w, (np.full(3, 1.0), np.full(3, 2.0)), pinned)
    assert band_in_reach(w, (np.full(3, 1.0), np.full(3, 3.0)), pinned)
