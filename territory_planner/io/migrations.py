"""Upgrades of project tables from older schema versions, one pure function per step.

`migrate` runs every step from the file's version up to
`territory_planner.model.SCHEMA_VERSION`. A step takes and returns the raw
tables (``accounts``, ``reps``, ``territories``, as read from the file).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from territory_planner.model import SCHEMA_VERSION

Tables = dict[str, pd.DataFrame]


def _v1_to_v2(tables: Tables) -> Tables:
    """Version 2 gives reps skills (industries/products they cover) and a start date."""
    reps = tables["reps"].copy()
    reps["skills"] = pd.Series([""] * len(reps), dtype="str", index=reps.index)
    reps["start_date"] = pd.Series([None] * len(reps), dtype="str", index=reps.index)
    return {**tables, "reps": reps}


STEPS: dict[int, Callable[[Tables], Tables]] = {1: _v1_to_v2}


def migrate(tables: Tables, version: int) -> Tables:
    """Bring tables saved with schema `version` up to the current schema."""
    for step in range(version, SCHEMA_VERSION):
        tables = STEPS[step](tables)
    return tables
