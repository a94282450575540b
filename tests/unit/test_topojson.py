"""Decoding the bundled TopoJSON into real geometries."""

from __future__ import annotations

import json

import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.geo.areas import contiguous_us_states, us_counties, us_states
from territory_planner.geo.topojson import read_topojson


def test_states_are_valid_with_names_and_abbreviations() -> None:
    states = us_states()
    assert len(states) == 56  # 50 states, DC and 5 territories
    assert states.geometry.is_valid.all()
    by_abbr = states.set_index("abbr")
    assert by_abbr.loc["CA", "name"] == "California"
    # Colorado is a near-rectangle: 102°03'W-109°03'W, 37°N-41°N.
    minx, miny, maxx, maxy = by_abbr.loc["CO", "geometry"].bounds
    assert minx == pytest.approx(-109.05, abs=0.05)
    assert maxx == pytest.approx(-102.04, abs=0.05)
    assert (miny, maxy) == (pytest.approx(36.99, abs=0.05), pytest.approx(41.0, abs=0.05))
    assert len(contiguous_us_states()) == 49


def test_points_fall_in_the_right_state() -> None:
    states = us_states()
    cities = {
        "CA": (-118.24, 34.05),
        "TX": (-96.80, 32.78),
        "IL": (-87.63, 41.88),
        "NY": (-74.0, 40.71),
    }
    for abbr, (lon, lat) in cities.items():
        hits = states[states.contains(shapely.Point(lon, lat))]
        assert list(hits["abbr"]) == [abbr]


def test_counties_tile_their_state() -> None:
    counties = us_counties()
    assert len(counties) > 3200
    assert counties["fips"].str.len().eq(5).all()
    colorado = us_states().set_index("abbr").loc["CO", "geometry"]
    union = shapely.union_all(counties[counties["state_fips"] == "08"].geometry.to_numpy())
    assert union.symmetric_difference(colorado).area / colorado.area < 0.001


def test_reversed_arcs_and_holes(tmp_path) -> None:
    # A square with a square hole; the hole uses arc 1 reversed (~1 = -2).
    topo = {
        "type": "Topology",
        "arcs": [
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]],
        ],
        "objects": {
            "shapes": {
                "type": "GeometryCollection",
                "geometries": [
                    {
                        "type": "Polygon",
                        "id": 7,
                        "properties": {"name": "ring"},
                        "arcs": [[0], [-2]],
                    }
                ],
            }
        },
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(topo))
    frame = read_topojson(path, "shapes")
    assert frame.loc[0, "name"] == "ring"
    assert frame.loc[0, "id"] == "7"
    assert frame.geometry[0].area == pytest.approx(100 - 4)


def test_missing_object_names_the_file(tmp_path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"type": "Topology", "arcs": [], "objects": {}}')
    with pytest.raises(InputError, match=r"t\.json.*'states'"):
        read_topojson(path, "states")
