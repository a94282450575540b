"""Property-based tests (hypothesis): settings that keep the folder fast.

Each test asks for ``max_examples=examples(n)``: ``n`` normally, ten times
more with ``HYPOTHESIS_PROFILE=thorough``. The example database is off (a
failure prints the blob that reproduces it) and so are deadlines (the first
call of a test pays for loading data tables) and the slow "explain" phase.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import Phase, settings

from territory_planner.plan import design, design_finish, rebalance_returns, rebalance_rounds

# No explain phase: on a failure it reruns the test hundreds of times (a minute here).
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
settings.register_profile("default", database=None, deadline=None, print_blob=True, phases=PHASES)
settings.register_profile("thorough", parent=settings.get_profile("default"))
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """How many examples a test runs: `n`, or ten times more in the thorough profile."""
    return n * 10 if PROFILE == "thorough" else n


@pytest.fixture
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """CPU-time limits that do not bind: the design and the rebalance end on their step,
    node and try limits, so the figures are the same on a slow or busy machine (a run beside
    other work once moved 459 accounts here instead of 215). The polish keeps its least
    (1 s): design holds that back from recombination."""
    hour = 3600.0
    monkeypatch.setattr(design, "_DESIGN_SECONDS", hour)
    for name in ("_RECOMBINE_SECONDS", "_SHAPE_RESTART_SECONDS"):
        monkeypatch.setattr(design_finish, name, hour)
    monkeypatch.setattr(design_finish, "_POLISH_SECONDS", (1.0, hour))  # (the first: kept for it)
    monkeypatch.setattr(rebalance_rounds, "_RECOMBINE_SECONDS", hour)
    for name in ("_SEND_HOME_SECONDS", "_SEND_HOME_SHARE", "_TIME_LIMIT"):
        monkeypatch.setattr(rebalance_returns, name, hour)
