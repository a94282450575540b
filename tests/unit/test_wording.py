"""Counts in what the user reads: "1 visit", "2 visits", never "1 visits"."""

from __future__ import annotations

import pytest

from territory_planner.formats import plural


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (1, "visit", "1 visit"),
        (2, "visit", "2 visits"),
        (0, "rep", "0 reps"),
        (1, "territory", "1 territory"),
        (3, "territory", "3 territories"),
        (2, "day", "2 days"),
        (2, "address", "2 addresses"),
        (1234, "account", "1,234 accounts"),
        (2, "person", "2 people"),
    ],
)
def test_plural(count: int, noun: str, text: str) -> None:
    many = "people" if noun == "person" else None
    assert plural(count, noun, many) == text
