"""Property-based tests (hypothesis): settings that keep the folder fast.

Each test asks for ``max_examples=examples(n)``: ``n`` normally, ten times
more with ``HYPOTHESIS_PROFILE=thorough``. The example database is off (a
failure prints the blob that reproduces it) and so are deadlines (the first
call of a test pays for loading data tables) and the slow "explain" phase.
"""

from __future__ import annotations

import os

from hypothesis import Phase, settings

# No explain phase: on a failure it reruns the test hundreds of times (a minute here).
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
settings.register_profile("default", database=None, deadline=None, print_blob=True, phases=PHASES)
settings.register_profile("thorough", parent=settings.get_profile("default"))
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """How many examples a test runs: `n`, or ten times more in the thorough profile."""
    return n * 10 if PROFILE == "thorough" else n
