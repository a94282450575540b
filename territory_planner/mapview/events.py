"""Messages the map page sends to the app, parsed from JSON without Qt.

The page sends one JSON object per event with a ``type`` key; `parse_event`
turns it into one of the dataclasses below (or raises `ValueError`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class PageReady:
    """The page has drawn its layers and the bridge is connected."""

    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MapClicked:
    """A click on the map outside any feature."""

    lat: float
    lon: float


@dataclass(frozen=True)
class AccountClicked:
    """A click on an account point."""

    account_id: str


@dataclass(frozen=True)
class TerritoryClicked:
    """A click on a territory polygon."""

    territory_id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class FeatureDrawn:
    """The user finished drawing a shape (GeoJSON geometry, lon/lat)."""

    geometry: BaseGeometry
    shape: str


@dataclass(frozen=True)
class TerritoryEdited:
    """The user moved vertices of a territory's outline (GeoJSON geometry, lon/lat)."""

    territory_id: str
    geometry: BaseGeometry


MapEvent = (
    PageReady | MapClicked | AccountClicked | TerritoryClicked | FeatureDrawn | TerritoryEdited
)


def parse_event(text: str) -> MapEvent:
    """Parse one message from the page.

    Parameters
    ----------
    text
        The message, a JSON object with a ``type`` ("ready", "map_clicked",
        "account_clicked", "territory_clicked", "territory_edited", "feature_drawn").

    Returns
    -------
    MapEvent
        The event, with its coordinates as floats and geometries as shapely shapes.

    Raises
    ------
    ValueError
        If the text is not JSON or not a known, well-formed event.
    """
    try:
        data = json.loads(text)
        kind = data["type"]
        if kind == "ready":
            return PageReady(stats=dict(data.get("stats", {})))
        if kind == "map_clicked":
            return MapClicked(lat=float(data["lat"]), lon=float(data["lon"]))
        if kind == "account_clicked":
            return AccountClicked(account_id=str(data["id"]))
        if kind == "territory_clicked":
            return TerritoryClicked(
                territory_id=str(data["id"]), lat=float(data["lat"]), lon=float(data["lon"])
            )
        if kind == "territory_edited":
            geometry = shapely.from_geojson(json.dumps(data["geometry"]))
            return TerritoryEdited(territory_id=str(data["id"]), geometry=geometry)
        if kind == "feature_drawn":
            geometry = shapely.from_geojson(json.dumps(data["geometry"]))
            return FeatureDrawn(geometry=geometry, shape=str(data.get("shape", "Polygon")))
    except (KeyError, TypeError, shapely.errors.GEOSException) as exc:
        msg = f"malformed map event: {text[:200]}"
        raise ValueError(msg) from exc
    msg = f"unknown map event type: {kind!r}"
    raise ValueError(msg)
