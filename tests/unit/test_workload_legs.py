"""The leg from the nearest other account in the one workload (`routing.workload`)."""

from __future__ import annotations

import numpy as np

from territory_planner.routing.workload import STOPS_PER_DAY, drive_minutes_per_visit
from territory_planner.routing.workload import _road_minutes as road_minutes


def test_north_south_legs_count_in_full() -> None:
    # Three accounts on one meridian, 0.5 degrees (55.6 km) apart: no home, legs only.
    lon = np.array([-90.0, -90.0, -90.0])
    lat = np.array([40.0, 40.5, 41.0])
    legs = drive_minutes_per_visit(lon, lat, np.nan, np.nan)
    chord = 2 * 6371.0088 * np.sin(np.radians(0.5) / 2)  # the straight chord of 0.5 degrees
    expected = road_minutes(np.array([chord]))[0]
    assert np.allclose(legs, expected, rtol=2e-3)


def test_another_account_at_the_same_spot_is_a_leg_of_zero() -> None:
    lon = np.array([-87.63, -87.63, -80.0])
    lat = np.array([41.88, 41.88, 35.0])
    home = drive_minutes_per_visit(lon, lat, -87.63, 41.88)
    assert home[0] == 0.0
    assert home[1] == 0.0  # the same building: no drive between them, nor from home
    far = drive_minutes_per_visit(lon[2:], lat[2:], -87.63, 41.88)[0]
    assert home[2] > far  # a lone far account: its leg to the nearest other counts
    assert far > 2 * 60 / STOPS_PER_DAY  # and its share of a long trip from home
