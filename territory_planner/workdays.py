"""Days of the week and times of day as people type them: one reader for every module.

Rep imports and edits store what they read as "Mon,Tue,Wed" and "08:30";
the calendar reads those (and accounts' preferred days and visit windows)
back into weekday numbers and minutes from midnight with the same rules.
"""

from __future__ import annotations

import re

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WORK_DAYS = "Mon,Tue,Wed,Thu,Fri"


def normalise_days(text: object, default: str | None = WORK_DAYS) -> str | None:
    """Read days: "Mon-Fri", "monday, tuesday", "M-F" -> "Mon,Tue,..."; None if unclear.

    Empty text gives `default`.

    Parameters
    ----------
    text
        The days as written (not text, or blank: `default`).
    default
        What empty text gives; the working week by default.

    Returns
    -------
    str | None
        Day abbreviations joined by commas, in week order.
    """
    if not isinstance(text, str) or not text.strip():
        return default
    s = text.strip().lower().replace("m-f", "mon-fri")
    found: list[str] = []
    for part in re.split(r"[,;/ ]+", s):
        bounds = [p[:3].capitalize() for p in part.split("-") if p]
        if not bounds or any(b not in DAYS for b in bounds):
            return None
        first, last = DAYS.index(bounds[0]), DAYS.index(bounds[-1])
        found.extend(DAYS[first : last + 1])
    return ",".join(d for d in DAYS if d in found)


def normalise_time(text: object, default: str | None) -> str | None:
    """Read a time of day: "8", "8:30", "5pm", "17.00" -> "HH:MM"; None if not a time.

    Empty text gives `default`.

    Parameters
    ----------
    text
        The time as written (not text, or blank: `default`).
    default
        What empty text gives.

    Returns
    -------
    str | None
        The time as "HH:MM" (24-hour clock).
    """
    if not isinstance(text, str) or not text.strip():
        return default
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?", text.strip().lower())
    if m is None:
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if m[3] == "pm" and hour < 12:  # noqa: PLR2004
        hour += 12
    if m[3] == "am" and hour == 12:  # noqa: PLR2004
        hour = 0
    if hour > 23 or minute > 59:  # noqa: PLR2004
        return None
    return f"{hour:02d}:{minute:02d}"


def minutes_of_day(text: object, default: float) -> float:
    """Minutes from midnight of a time such as "08:30" (510); `default` when empty or unreadable.

    Parameters
    ----------
    text
        The time as written (see `normalise_time`).
    default
        The minutes to give when there is no readable time.

    Returns
    -------
    float
    """
    clock = normalise_time(text, None)
    if clock is None:
        return default
    return int(clock[:2]) * 60 + int(clock[3:])


def weekdays(text: object) -> frozenset[int] | None:
    """Weekday numbers (Mon 0) of days such as "Tue,Thu" or "Mon-Wed"; None if empty or unclear.

    Parameters
    ----------
    text
        The days as written (see `normalise_days`).

    Returns
    -------
    frozenset[int] | None
    """
    days = normalise_days(text, None)
    return frozenset(DAYS.index(d) for d in days.split(",")) if days else None
