"""Upgrades of project tables from older schema versions, one pure function per step.

`migrate` runs every step from the file's version up to
`territory_planner.model.SCHEMA_VERSION`. A step takes and returns the raw
tables (``accounts``, ``reps``, ``territories``, as read from the file); tables
added by later versions are read as empty when a file lacks them.
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


def _v2_to_v3(tables: Tables) -> Tables:
    """Version 3 adds tables, not columns: actuals and stored scenarios (none in older files).

    The version still changes so that an older app refuses these files
    rather than open them and drop the new tables on its next save.
    """
    return tables


STEPS: dict[int, Callable[[Tables], Tables]] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(tables: Tables, version: int) -> Tables:
    """Bring tables saved with schema `version` up to the current schema.

    Parameters
    ----------
    tables
        The project's tables as read from the file.
    version
        The schema version they were saved with (at most `SCHEMA_VERSION`).

    Returns
    -------
    Tables
        The tables after every step from `version` on (as given when already current).
    """
    for step in range(version, SCHEMA_VERSION):
        tables = STEPS[step](tables)
    return tables
