"""Table-driven checks of the cell parsers and the offline geocoder on hand-checked values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from territory_planner.geo.geocode import geocode, swapped_coordinates, zip_centroids
from territory_planner.io.fields import (
    parse_frequency,
    parse_minutes,
    parse_number,
    parse_series,
    parse_zip,
)
from territory_planner.io.project_file import load_project
from tests.conftest import run_cli


def xfail(reason: str):
    return pytest.mark.xfail(reason=reason, strict=True)


NUMBERS = [
    ("1234.5", 1234.5),
    ("  42 ", 42.0),
    ("0", 0.0),
    (".5", 0.5),
    ("+7", 7.0),
    ("-3.25", -3.25),
    ("1,234.56", 1234.56),
    ("1,234", 1234.0),  # one comma and three digits: thousands
    ("1,5", 1.5),  # one comma and not three digits: decimals
    ("1,23", 1.23),
    ("1,234,567", 1234567.0),
    ("1.234.567", 1234567.0),
    ("1.234,56", 1234.56),
    ("12.500,00", 12500.0),
    ("1.234.567,89", 1234567.89),
    ("1 234,56", 1234.56),
    ("1\u00a0234,56", 1234.56),  # no-break space, as French Excel writes it
    ("1'234.50", 1234.5),  # Swiss
    ("10,00,000", 1000000.0),  # Indian grouping
    ("$12k", 12000.0),
    ("12K", 12000.0),
    ("12 k", 12000.0),
    ("1,5k", 1500.0),
    ("2.5M", 2500000.0),
    ("3mm", 3000000.0),
    ("$1.2bn", 1.2e9),
    ("1b", 1e9),
    ("€ 3,5 m", 3500000.0),
    ("£99", 99.0),
    ("¥ 1,000", 1000.0),
    ("USD 1,200", 1200.0),
    ("1,200 EUR", 1200.0),
    ("$ 1,200.00", 1200.0),
    ("(1,200)", -1200.0),
    ("($1,200.50)", -1200.5),
    ("$-1,200", -1200.0),
    ("-1,200", -1200.0),
    ("twelve", None),
    ("12 apples", None),
    ("1-2", None),
    ("$", None),
    ("#N/A", None),  # an Excel error value
    ("12%", None),
    ("1e3", None),  # not a form parse_number reads (the vectorised pass does, see below)
]
NUMBER_BUGS = [
    pytest.param(
        "-$1,200",
        -1200.0,
    ),
    pytest.param(
        "1.5.2020",
        None,
    ),
]
BLANKS = ["", "   ", "-", "n/a", "N/A", "na", "null", "None"]


@pytest.mark.parametrize(("text", "expected"), NUMBERS + NUMBER_BUGS)
def test_parse_number(text: str, expected: float | None) -> None:
    got = parse_number(text)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize("text", BLANKS)
def test_parse_number_blank_is_nan(text: str) -> None:
    got = parse_number(text)
    assert got is not None
    assert math.isnan(got)


def test_parse_series_numbers_agree_with_parse_number() -> None:
    texts = [text for text, _ in NUMBERS]
    values, bad = parse_series(pd.Series(texts, dtype=object), "number")
    for text, value, flagged in zip(texts, values, bad, strict=True):
        scalar = parse_number(text)
        if text == "1e3":  # pandas' fast pass reads scientific notation (Excel writes 1.2E+06)
            assert (value, flagged) == (1000.0, False)
        elif scalar is None:
            assert flagged, text
            assert math.isnan(value), text
        else:
            assert not flagged, text
            assert value == pytest.approx(scalar), text
    blank, bad = parse_series(pd.Series(BLANKS, dtype=object), "number")
    assert blank.isna().all()
    assert not bad.any()


def test_parse_series_integer_reads_european_thousands() -> None:
    values, bad = parse_series(pd.Series(["1.234", "250", "12.345.678", "1.5", "x"]), "integer")
    assert values.tolist()[:3] == [1234.0, 250.0, 12345678.0]
    assert bad.tolist() == [False, False, False, True, True]  # 1.5 employees: not a count


@pytest.mark.parametrize("text", ["inf", "-Infinity", "1e400"])
def test_parse_series_refuses_infinity(text: str) -> None:
    values, bad = parse_series(pd.Series([text]), "number")
    assert bad.tolist() == [True]
    assert math.isnan(values.iloc[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02134", "02134"),
        ("2134", "02134"),  # leading zero lost by Excel
        ("2134.0", "02134"),
        ("02134-1234", "02134"),
        ("2134-1234", "02134"),
        ("02134 1234", "02134"),
        ("021341234", "02134"),
        ("21341234", "02134"),  # ZIP+4 stored as a number
        ("5011234", "00501"),
        ("501", "00501"),  # Holtsville, NY
        ("601", "00601"),  # Adjuntas, PR
        (" 60601 ", "60601"),
        ("", ""),
        ("   ", ""),
        ("ABCDE", None),
        ("1", None),
        ("12", None),
        ("123456", None),
        ("60601-12", None),
        ("6O6O1", None),  # letter O
        ("K1A 0B6", None),  # Canadian postal code
        ("60601.5", None),
    ],
)
def test_parse_zip(text: str, expected: str | None) -> None:
    assert parse_zip(text) == expected


def test_parse_series_zip_agrees_with_parse_zip() -> None:
    texts = ["02134", "2134", "02134-1234", "ABCDE", "", "60601", "1"]
    values, bad = parse_series(pd.Series(texts), "zip")
    assert values.tolist()[:3] == ["02134", "02134", "02134"]
    assert values.iloc[5] == "60601"
    assert values.isna().tolist() == [False, False, False, True, True, False, True]
    assert bad.tolist() == [False, False, False, True, False, False, True]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Weekly", "weekly"),
        ("WEEKLY", "weekly"),
        ("weekly ", "weekly"),
        ("Every week", "weekly"),
        ("52", "weekly"),
        ("Every 2 weeks", "biweekly"),
        ("every two weeks", "biweekly"),
        ("Fortnightly", "biweekly"),
        ("bi-weekly", "biweekly"),
        ("Bi Weekly", "biweekly"),
        ("26", "biweekly"),
        ("Monthly", "monthly"),
        ("every 4 weeks", "monthly"),
        ("12", "monthly"),
        ("Quarterly", "quarterly"),
        ("Every 3 months", "quarterly"),
        ("4", "quarterly"),
        ("", ""),
        ("sometimes", None),
        ("daily", None),
        ("annually", None),
        ("1", None),
        pytest.param("Every month", "monthly"),
        pytest.param("every other week", "biweekly"),
    ],
)
def test_parse_frequency(text: str, expected: str | None) -> None:
    assert parse_frequency(text) == expected


def test_parse_series_frequency_agrees_with_parse_frequency() -> None:
    texts = ["Weekly", "Every 2 weeks", "Fortnightly", "sometimes", "", "4"]
    values, bad = parse_series(pd.Series(texts), "frequency")
    assert values.tolist()[:3] == ["weekly", "biweekly", "biweekly"]
    assert values.iloc[5] == "quarterly"
    assert values.isna().tolist() == [False, False, False, True, True, False]
    assert bad.tolist() == [False, False, False, True, False, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", 45),
        ("45 min", 45),
        ("45min", 45),
        ("45 mins", 45),
        ("30 minutes", 30),
        ("90m", 90),
        ("1h", 60),
        ("1 hr", 60),
        ("2 hrs", 120),
        ("1 hour", 60),
        ("1.5 hours", 90),
        ("1,5 h", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("forever", None),
        ("soon", None),
        ("1:3", None),
        pytest.param("1h30", 90),
        pytest.param("1 hr 30 min", 90),
        pytest.param(
            "1:30:00",
            90,
        ),
        pytest.param("-30", None),
    ],
)
def test_parse_minutes(text: str, expected: float | None) -> None:
    assert parse_minutes(text) == expected


def test_parse_minutes_blank_is_nan() -> None:
    got = parse_minutes("  ")
    assert got is not None
    assert math.isnan(got)


# ----- geocoding -----

NAN = float("nan")
# (lat, lon, zip, city, state) -> (method, lat, lon); positions checked on a map.
PLACES = [
    ((NAN, NAN, "02134", None, None), ("zip", 42.35, -71.13)),  # Allston, Boston
    ((NAN, NAN, "60601", None, None), ("zip", 41.89, -87.62)),  # the Loop, Chicago
    ((NAN, NAN, "10001", None, None), ("zip", 40.75, -74.00)),  # Midtown Manhattan
    ((NAN, NAN, "94103", None, None), ("zip", 37.77, -122.41)),  # San Francisco
    ((NAN, NAN, "99501", None, None), ("zip", 61.22, -149.87)),  # Anchorage
    ((NAN, NAN, "96813", None, None), ("zip", 21.32, -157.85)),  # Honolulu
    ((NAN, NAN, "00601", None, None), ("zip", 18.20, -66.74)),  # Adjuntas, Puerto Rico
    ((41.8781, -87.6298, "02134", None, None), ("exact", 41.8781, -87.6298)),  # given wins
    ((0.0, 0.0, "02134", None, None), ("zip", 42.35, -71.13)),  # (0, 0) is a placeholder
    ((NAN, -87.6, "60601", None, None), ("zip", 41.89, -87.62)),  # half a position
    ((NAN, NAN, None, "Saint Louis", "MO"), ("city", 38.63, -90.20)),
    ((NAN, NAN, None, "St. Louis", "Missouri"), ("city", 38.63, -90.20)),
    ((NAN, NAN, None, "saint louis", "mo"), ("city", 38.63, -90.20)),
    ((NAN, NAN, None, "Fort Worth", "TX"), ("city", 32.73, -97.32)),
    ((NAN, NAN, None, "Mount Vernon", "NY"), ("city", 40.91, -73.84)),
    ((NAN, NAN, None, "New York", "NY"), ("city", 40.76, -73.98)),
    ((NAN, NAN, None, "Springfield", "Illinois"), ("city", 39.80, -89.64)),
    ((NAN, NAN, None, "Washington", "DC"), ("city", 38.90, -77.04)),
    ((NAN, NAN, "99999", "Chicago", "IL"), ("city", 41.85, -87.65)),  # unknown ZIP, known city
    ((NAN, NAN, "99999", None, None), ("unplaced", NAN, NAN)),
    ((NAN, NAN, None, "Springfield", None), ("unplaced", NAN, NAN)),  # which Springfield?
    ((NAN, NAN, None, "Atlantis", "ZZ"), ("unplaced", NAN, NAN)),
    ((NAN, NAN, None, None, None), ("unplaced", NAN, NAN)),
]


def test_geocode_hand_checked_places() -> None:
    inputs = [given for given, _ in PLACES]
    placement = geocode(
        np.array([g[0] for g in inputs]),
        np.array([g[1] for g in inputs]),
        pd.Series([g[2] for g in inputs], dtype=object),
        pd.Series([g[3] for g in inputs], dtype=object),
        pd.Series([g[4] for g in inputs], dtype=object),
    )
    for i, (given, (method, lat, lon)) in enumerate(PLACES):
        assert placement.method[i] == method, given
        if method == "unplaced":
            assert np.isnan(placement.lat[i]), given
            assert np.isnan(placement.lon[i]), given
        else:
            assert placement.lat[i] == pytest.approx(lat, abs=0.02), given
            assert placement.lon[i] == pytest.approx(lon, abs=0.02), given
    assert placement.counts() == {"exact": 1, "zip": 9, "city": 9, "unplaced": 4}


def test_geocode_accepts_missing_values_of_any_kind() -> None:
    placement = geocode(
        np.array([NAN, NAN]),
        np.array([NAN, NAN]),
        pd.Series(["60601", None], dtype="str"),
        pd.Series([None, "Boston"], dtype="str"),
        pd.Series([pd.NA, "MA"], dtype="str"),
    )
    assert placement.method.tolist() == ["zip", "city"]
    assert placement.lat[1] == pytest.approx(42.36, abs=0.05)


def test_geocode_puerto_rico_city() -> None:
    placement = geocode(
        np.array([NAN]),
        np.array([NAN]),
        pd.Series([None], dtype=object),
        pd.Series(["San Juan"], dtype=object),
        pd.Series(["PR"], dtype=object),
    )
    assert placement.method.tolist() == ["city"]


# (lat, lon, account expected in the US) -> looks swapped
SWAPS = [
    ((-87.6298, 41.8781, True), True),  # Chicago, exchanged
    ((41.8781, -87.6298, True), False),  # Chicago, right
    ((-122.4194, 37.7749, True), True),  # San Francisco, exchanged (latitude out of range)
    ((-122.4194, 37.7749, False), True),  # out of range whatever the country
    ((-71.06, 42.36, True), True),  # Boston, exchanged, latitude within range
    ((-71.06, 42.36, False), False),  # ... but a valid point (Antarctica) for a foreign account
    ((-157.85, 21.31, True), True),  # Honolulu, exchanged
    ((51.5074, -0.1278, False), False),  # London
    ((51.5074, -0.1278, True), False),  # London in a US file: not a swap
    ((-0.1278, 51.5074, True), False),  # nor is this: neither way round is in the US
    ((-33.87, 151.21, True), False),  # Sydney
    ((95.0, 95.0, True), False),  # nonsense, not a swap
    ((123.4, -200.0, True), False),  # out of range both ways
    ((NAN, 41.88, True), False),
    ((41.88, NAN, True), False),
    ((0.0, 0.0, True), False),
]


def test_swapped_coordinates_hand_checked() -> None:
    lat = np.array([s[0][0] for s in SWAPS])
    lon = np.array([s[0][1] for s in SWAPS])
    us = np.array([s[0][2] for s in SWAPS])
    got = swapped_coordinates(lat, lon, us)
    assert got.dtype == bool
    for i, (given, expected) in enumerate(SWAPS):
        assert bool(got[i]) is expected, given


def test_a_po_box_zip_without_a_position_is_not_placed_in_the_gulf_of_guinea(tmp_path) -> None:
    """Some PO box ZIPs carry 0, 0 for "not known": the city is used, else the row is unplaced."""
    known = zip_centroids()
    assert "11805" not in known  # Hicksville PO boxes: 0, 0 in the ZIP table
    assert not any(abs(lat) < 1 and abs(lon) < 1 for lat, lon in known.values())
    source = tmp_path / "accounts.csv"
    source.write_text(
        "Account ID,Name,City,State,ZIP\nA1,Box One,Hicksville,NY,11805\nA2,Box Two,,,90085\n"
    )
    project = tmp_path / "p.gpkg"
    assert run_cli("import", str(project), str(source)).returncode == 0
    acc = load_project(project).accounts.set_index("account_id")
    assert acc.loc["A1", "geocode"] == "city"
    assert acc.loc["A1", "lat"] == pytest.approx(40.77, abs=0.1)  # Hicksville, Long Island
    assert acc.loc["A2", "geocode"] == "unplaced"
    assert np.isnan(acc.loc["A2", "lat"])
