"""Which units a plan covers: enclaves inside covered land are covered too (issue 14)."""

from __future__ import annotations

import numpy as np

from territory_planner.geo.areas import us_counties
from territory_planner.plan.unit_scope import _enclosed


def test_enclaves_inside_kept_land_are_kept_and_open_land_is_not() -> None:
    counties = us_counties().reset_index(drop=True)
    fips = counties["fips"].to_numpy()
    virginia = counties["state_fips"].to_numpy() == "51"
    # Manassas and Manassas Park lie side by side inside Prince William County
    keep = virginia & ~np.isin(fips, ["51683", "51685"])
    found = _enclosed(counties.geometry.to_numpy(), keep)
    assert set(fips[found]) == {"51683", "51685"}
    # without Prince William around them they lie open to the land left out
    keep &= fips != "51153"
    found = _enclosed(counties.geometry.to_numpy(), keep)
    assert not ({"51683", "51685"} & set(fips[found]))
