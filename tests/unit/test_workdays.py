"""One reader of days and times: what an import stores is what the calendar reads back."""

from __future__ import annotations

import pytest

from territory_planner.workdays import minutes_of_day, normalise_days, normalise_time, weekdays


@pytest.mark.parametrize(
    ("typed", "stored", "minutes"),
    [("8", "08:00", 480), ("8:30", "08:30", 510), ("5pm", "17:00", 1020), ("17.15", "17:15", 1035),
     ("12am", "00:00", 0)],
)  # fmt: skip
def test_a_time_reads_the_same_typed_or_stored(typed: str, stored: str, minutes: int) -> None:
    assert normalise_time(typed, None) == stored
    assert minutes_of_day(typed, -1) == minutes_of_day(stored, -1) == minutes


def test_unreadable_or_empty_times_take_the_default() -> None:
    assert normalise_time("25:00", "08:00") is None  # not a time: the import says so
    assert normalise_time("", "08:00") == "08:00"
    assert minutes_of_day("noon-ish", 480) == 480
    assert minutes_of_day(None, 480) == 480


def test_days_read_the_same_typed_or_stored() -> None:
    assert normalise_days("M-F") == "Mon,Tue,Wed,Thu,Fri"
    assert normalise_days("monday; wednesday") == "Mon,Wed"
    assert weekdays("Mon-Wed") == weekdays(normalise_days("Mon-Wed")) == frozenset({0, 1, 2})
    assert weekdays("Tue,Thu") == frozenset({1, 3})
    assert weekdays("") is None
    assert weekdays("Tue, someday") is None  # unclear: no preference rather than a guess
    assert normalise_days("") == "Mon,Tue,Wed,Thu,Fri"
