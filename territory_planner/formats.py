"""How numbers are shown to a sales manager: $12.3M, 45%, +4%, 1,234."""

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
