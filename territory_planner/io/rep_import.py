"""Import reps (name, home base, capacity, working days and hours, skills)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from territory_planner.geo.geocode import fill_from_zip
from territory_planner.io.account_import import normalise_states
from territory_planner.io.fields import REP_FIELDS
from territory_planner.io.records_import import ImportReport, ImportSpec, read_records
from territory_planner.model import REP_COLUMNS, conform
from territory_planner.tasks import CancelToken, Progress, no_progress
from territory_planner.workdays import WORK_DAYS, normalise_days, normalise_time

REP_SPEC = ImportSpec(
    noun="rep",
    fields=REP_FIELDS,
    id_field="rep_id",
    name_field="name",
    zip_field="home_zip",
    city_field="home_city",
    state_field="home_state",
    id_prefix="REP",
    model_columns=frozenset(REP_COLUMNS) | {"geocode"},
)
DEFAULT_CAPACITY_HOURS = 40.0
DEFAULTS = {"work_days": WORK_DAYS, "day_start": "08:00", "day_end": "17:00"}


def read_reps(
    path: str | Path,
    *,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[pd.DataFrame, ImportReport]:
    """Read a rep roster, validated and with home bases geocoded.

    A home given by its ZIP code alone gets that ZIP's city and state.

    Parameters
    ----------
    path
        The CSV or XLSX file.
    columns
        The user's field to header choices over the detected mapping; None: none.
    sheet, header_row
        For workbooks and files with rows above the header.
    progress, cancel
        The task contract (`territory_planner.tasks`).

    Returns
    -------
    tuple[pandas.DataFrame, ImportReport]
        The reps (`REP_COLUMNS`; working days, hours and capacity defaulted where not
        given or unreadable) and the import report.
    """
    parsed = read_records(
        path, REP_SPEC, columns=columns, sheet=sheet, header_row=header_row,
        progress=progress, cancel=cancel,
    )  # fmt: skip
    frame, report = parsed.frame, parsed.report
    if "home_state" in frame:
        frame["home_state"] = normalise_states(frame["home_state"])
    if "home_zip" in frame:  # a home placed by its ZIP gets that ZIP's city (and state)
        blank = pd.Series(None, index=frame.index, dtype=object)
        frame["home_city"], frame["home_state"] = fill_from_zip(
            frame.get("home_city", blank), frame.get("home_state", blank), frame["home_zip"]
        )
    for column, value in DEFAULTS.items():
        if column not in frame:
            frame[column] = value
    capacity = frame.get("weekly_capacity_hours", pd.Series(np.nan, index=frame.index))
    frame["weekly_capacity_hours"] = capacity.fillna(DEFAULT_CAPACITY_HOURS)
    checks: tuple[tuple[str, Callable[[object], str | None], str], ...] = (
        ("work_days", normalise_days, "working days such as Mon-Fri"),
        ("day_start", lambda t: normalise_time(t, DEFAULTS["day_start"]), "time such as 08:00"),
        ("day_end", lambda t: normalise_time(t, DEFAULTS["day_end"]), "time such as 17:00"),
    )
    for column, parse, expected in checks:
        values = [parse(v) for v in frame[column]]
        for i, text in enumerate(values):
            if text is None:
                report.warn(
                    int(parsed.rows[i]),
                    report.mapping.get(column),
                    f"'{frame[column].iloc[i]}' is not a {expected}; using {DEFAULTS[column]}",
                )
        frame[column] = [DEFAULTS[column] if v is None else v for v in values]
    for i in range(len(frame)):
        if frame["geocode"].iloc[i] == "unplaced":
            report.warn(
                int(parsed.rows[i]),
                None,
                f"no home base for {frame['name'].iloc[i]}: "
                "give coordinates, a ZIP or a city and state",
            )
    return conform(frame, REP_COLUMNS), report


#: A rep's home base: a file giving any of these gives the whole home (and its position).
HOME_COLUMNS = ("home_street", "home_city", "home_state", "home_zip", "lat", "lon")


def provided_columns(report: ImportReport) -> set[str]:
    """The rep columns a file gave (what a re-import may overwrite).

    Parameters
    ----------
    report
        The file's import report (its mapping and custom columns).

    Returns
    -------
    set[str]
        ``rep_id``, ``name``, the mapped and custom columns, and every `HOME_COLUMNS`
        when the file gave any of them.
    """
    given = {"rep_id", "name", *report.mapping, *report.custom_columns}
    if given & set(HOME_COLUMNS):
        given |= set(HOME_COLUMNS)
    return given


def merge_reps(
    existing: pd.DataFrame, imported: pd.DataFrame, provided: set[str] | None = None
) -> tuple[pd.DataFrame, int, int]:
    """Reps matched by ID: imported ones update their namesakes, others stay.

    A known rep takes the file's values for the `provided` columns (default:
    all) and keeps the rest: a roster without home columns keeps every
    rep's home base, working hours and capacity as they were.

    Returns the merged table, the number added and the number updated.

    Parameters
    ----------
    existing
        The project's reps.
    imported
        The reps read from the file.
    provided
        The columns the file gave (`provided_columns`); None: all.

    Returns
    -------
    tuple[pandas.DataFrame, int, int]
        The merged reps, the number added and the number updated.
    """
    added = int((~imported["rep_id"].isin(existing["rep_id"])).sum())
    kept = existing[~existing["rep_id"].isin(imported["rep_id"])]
    incoming = imported.copy()
    if provided is not None and len(existing):
        old = existing.drop_duplicates("rep_id", keep="last").set_index("rep_id")
        known = incoming["rep_id"].isin(old.index).to_numpy()
        ids = incoming.loc[known, "rep_id"]
        for column in old.columns:
            if column not in provided:
                if column not in incoming:
                    incoming[column] = pd.Series(dtype=old[column].dtype)
                incoming.loc[known, column] = old.loc[ids, column].to_numpy()
    merged = pd.concat([kept, incoming], ignore_index=True) if len(kept) else incoming
    return conform(merged, REP_COLUMNS), added, len(imported) - added
