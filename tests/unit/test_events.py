"""Messages from the map page are parsed strictly."""

from __future__ import annotations

import json

import pytest
import shapely

from territory_planner.mapview.events import (
    AccountClicked,
    FeatureDrawn,
    MapClicked,
    PageReady,
    TerritoryClicked,
    parse_event,
)


def test_known_events() -> None:
    assert parse_event('{"type": "ready", "stats": {"accounts": 3}}') == PageReady({"accounts": 3})
    assert parse_event('{"type": "map_clicked", "lat": 1.5, "lon": -2}') == MapClicked(1.5, -2.0)
    assert parse_event('{"type": "account_clicked", "id": "A1"}') == AccountClicked("A1")
    assert parse_event(
        '{"type": "territory_clicked", "id": "T1", "lat": 0, "lon": 0}'
    ) == TerritoryClicked("T1", 0, 0)
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    event = parse_event(
        json.dumps({"type": "feature_drawn", "shape": "Rectangle", "geometry": square})
    )
    assert isinstance(event, FeatureDrawn)
    assert event.shape == "Rectangle"
    assert event.geometry.equals(shapely.box(0, 0, 1, 1))


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"no_type": 1}',
        '{"type": "explode"}',
        '{"type": "map_clicked", "lat": "north"}',
        '{"type": "feature_drawn", "geometry": {"type": "Polygon", "coordinates": "x"}}',
    ],
)
def test_malformed_events_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_event(text)
