"""How numbers are shown to a sales manager: $12.3M, 45%, +4%, 1,234, 1 visit, 2 visits."""

from __future__ import annotations

from typing import Any

import pandas as pd


def money(value: Any) -> str:
    """$1,234 (empty for a missing value).

    Parameters
    ----------
    value
        A number of dollars. Missing (None, NaN, NA) gives "".

    Returns
    -------
    str
        The amount, rounded to whole dollars, with thousands separators.
    """
    return "" if pd.isna(value) else f"${value:,.0f}"


def money_short(value: Any) -> str:
    """$12.3M, $845K (empty for a missing value).

    Parameters
    ----------
    value
        A number of dollars. Missing (None, NaN, NA) gives "".

    Returns
    -------
    str
        Billions, millions or thousands with one decimal and B, M or K; whole dollars below 1,000.
    """
    if pd.isna(value):
        return ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return f"${value / limit:,.1f}{suffix}"
    return f"${value:,.0f}"


def percent(value: Any) -> str:
    """12% (empty for a missing value).

    Parameters
    ----------
    value
        A fraction (0.12 is 12%). Missing (None, NaN, NA) gives "".

    Returns
    -------
    str
        The percentage, rounded to a whole number.
    """
    return "" if pd.isna(value) else f"{value:.0%}"


def band(tolerance: float) -> str:
    """±5%, ±2.5%, ±0.1%: a balance band as precise as it was given (to 0.01%).

    Parameters
    ----------
    tolerance
        The band's half-width, as a fraction (0.05 is ±5%).

    Returns
    -------
    str
        "±" and the percentage without trailing zeros.
    """
    return f"±{round(float(tolerance) * 100, 2):g}%"


def small_percent(fraction: float) -> str:
    """12.5%, 0.04%: a share to one decimal, or to two significant digits below 0.1%.

    Parameters
    ----------
    fraction
        The share (0.125 is 12.5%).

    Returns
    -------
    str
        The percentage; never "0.0%" for a share above zero.
    """
    value = float(fraction)
    return f"{value:.1%}" if value >= _TENTH or value == 0 else f"{value * 100:.2g}%"


_TENTH = 0.001  # 0.1%: below it a share is shown to two significant digits


def signed_percent(value: Any) -> str:
    """+4% / -12% (empty for a missing value).

    Parameters
    ----------
    value
        A fraction (0.04 is +4%). Missing (None, NaN, NA) gives "".

    Returns
    -------
    str
        The percentage with its sign, rounded to a whole number (never "-0%").
    """
    return "" if pd.isna(value) else f"{round(float(value), 2) + 0.0:+.0%}"  # never "-0%"


def decimal2(value: Any) -> str:
    """0.23 (empty for a missing value).

    Parameters
    ----------
    value
        A number. Missing (None, NaN, NA) gives "".

    Returns
    -------
    str
        It with two decimals.
    """
    return "" if pd.isna(value) else f"{value:.2f}"


def integer(value: Any) -> str:
    """1,234 (empty for a missing value).

    Parameters
    ----------
    value
        A number (its fraction is dropped). Missing (None, NaN, NA) gives "".

    Returns
    -------
    str
        It as a whole number with thousands separators.
    """
    return "" if pd.isna(value) else f"{int(value):,}"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """A count and its noun, singular for exactly one: "1 visit", "2 visits", "1,234 accounts".

    Parameters
    ----------
    count
        How many (shown with thousands separators).
    noun
        The noun for one ("visit", "territory", "address").
    many
        The noun for several, when it is not the regular English plural
        ("territory" -> "territories", "address" -> "addresses", "rep" -> "reps").

    Returns
    -------
    str
        E.g. "2 territories".
    """
    if count == 1:
        return f"1 {noun}"
    if many is None:
        if noun.endswith("y") and noun[-2:-1] not in set("aeiou"):
            many = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "z", "ch", "sh")):
            many = noun + "es"
        else:
            many = noun + "s"
    return f"{count:,} {many}"


def agree(count: int, one: str, many: str) -> str:
    """The word that agrees with `count`: ``agree(n, "has", "have")``, ``agree(n, "it", "them")``.

    Parameters
    ----------
    count
        How many.
    one, many
        The word for exactly one, and for any other count.

    Returns
    -------
    str
        `one` when `count` is 1, else `many`.
    """
    return one if count == 1 else many


def log_time(when: str) -> str:
    """A change log entry's ISO time as people read it: "2026-12-06 09:30".

    Parameters
    ----------
    when
        The entry's ISO time ("2026-12-06T09:30:15+01:00").

    Returns
    -------
    str
        Date and time to the minute, without the offset.
    """
    return when.replace("T", " ")[:16]
