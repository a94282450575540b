"""How numbers are shown to a sales manager: $12.3M, 45%, +4%, 1,234, 1 visit, 2 visits."""

from __future__ import annotations

from typing import Any

import pandas as pd


def money(value: Any) -> str:
    """$1,234 (empty for a missing value)."""
    return "" if pd.isna(value) else f"${value:,.0f}"


def money_short(value: Any) -> str:
    """$12.3M, $845K (empty for a missing value)."""
    if pd.isna(value):
        return ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return f"${value / limit:,.1f}{suffix}"
    return f"${value:,.0f}"


def percent(value: Any) -> str:
    """12% (empty for a missing value)."""
    return "" if pd.isna(value) else f"{value:.0%}"


def signed_percent(value: Any) -> str:
    """+4% / -12% (empty for a missing value)."""
    return "" if pd.isna(value) else f"{round(float(value), 2) + 0.0:+.0%}"  # never "-0%"


def decimal2(value: Any) -> str:
    """0.23 (empty for a missing value)."""
    return "" if pd.isna(value) else f"{value:.2f}"


def integer(value: Any) -> str:
    """1,234 (empty for a missing value)."""
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
    """
    return one if count == 1 else many


def log_time(when: str) -> str:
    """A change log entry's ISO time as people read it: "2026-12-06 09:30"."""
    return when.replace("T", " ")[:16]
