"""Edits of reps: one field typed in the Reps panel, checked and converted."""

from __future__ import annotations

from typing import Any

import pandas as pd

from territory_planner._errors import InputError
from territory_planner.edits.tables import SetCells
from territory_planner.geo.geocode import fill_from_zip, zip_centroids
from territory_planner.io.fields import parse_number, parse_zip
from territory_planner.model import Project
from territory_planner.workdays import normalise_days, normalise_time

#: Rep fields kept as typed (empty text clears them).
REP_TEXT_COLUMNS = {"email", "home_street", "home_city", "skills", "start_date"}


def edit_rep(project: Project, rep_id: str, column: str, text: str) -> SetCells:
    """An edit of one rep field typed in the Reps panel, checked and converted.

    Parameters
    ----------
    project
        The project.
    rep_id
        The rep.
    column
        The field: "name", one of `REP_TEXT_COLUMNS`, "weekly_capacity_hours",
        "work_days", "day_start", "day_end" or "home_zip" (which also moves the home
        and fills its city and state).
    text
        What the user typed.

    Returns
    -------
    SetCells
        The edit of the rep's row.

    Raises
    ------
    InputError
        With what to type instead, when the text does not fit the field.
    """
    text = text.strip()
    values: dict[str, Any]
    if column == "name":
        if not text:
            msg = "a rep needs a name"
            raise InputError(msg)
        values = {"name": text}
    elif column in REP_TEXT_COLUMNS:
        values = {column: text or None}
    elif column == "weekly_capacity_hours":
        hours = parse_number(text)
        if hours is None or not 0 <= hours <= 168:  # noqa: PLR2004 (hours in a week)
            msg = f"'{text}' is not a number of hours per week (0 to 168)"
            raise InputError(msg)
        values = {column: hours}
    elif column == "work_days":
        days = normalise_days(text)
        if days is None:
            msg = f"'{text}' is not a list of days; type e.g. Mon-Fri or Mon,Wed,Fri"
            raise InputError(msg)
        values = {column: days}
    elif column in {"day_start", "day_end"}:
        time = normalise_time(text, "")
        if not time:
            msg = f"'{text}' is not a time of day; type e.g. 08:00"
            raise InputError(msg)
        values = {column: time}
    elif column == "home_zip":
        code = parse_zip(text)
        position = zip_centroids().get(code or "")
        if position is None:
            msg = f"'{text}' is not a known US ZIP code; type 5 digits, e.g. 60601"
            raise InputError(msg)
        values = {"home_zip": code, "lat": position[0], "lon": position[1]}
        rep = project.reps.loc[project.reps["rep_id"] == rep_id, ["home_city", "home_state"]]
        city, state = fill_from_zip(rep["home_city"], rep["home_state"], pd.Series([code]))
        values |= {"home_city": city.iloc[0], "home_state": state.iloc[0]}
    else:
        msg = f"the rep field '{column}' cannot be edited here"
        raise InputError(msg)
    name = str(project.reps.set_index("rep_id").loc[rep_id, "name"]) if column != "name" else text
    return SetCells(
        project, "reps", rep_id, values, f"Changed {column.replace('_', ' ')} of {name}"
    )
