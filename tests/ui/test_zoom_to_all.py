"""View > Zoom to All fits everything on the map, not only the accounts."""

from __future__ import annotations

from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, wait_for_map

KEY_WEST = (24.56, -81.78)
NORTHERN_MAINE = (47.35, -68.3)
EASTERN_MAINE = (44.8, -67.05)
PUERTO_RICO = (18.2, -66.5)


def shows(stats: dict, *places: tuple[float, float]) -> bool:
    """Whether the page's view holds every (lat, lon) in `places`."""
    (south, west), (north, east) = stats["view"]
    return all(south <= lat <= north and west <= lon <= east for lat, lon in places)


def test_zoom_to_all_fits_the_territories_and_the_overlays_shown(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.resize(1600, 1000)  # a map wider than tall: a fit leaves no room for Puerto Rico
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.map_view.send_update({"zoomTo": {"lat": 41.9, "lon": -87.6, "zoom": 9}})
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["zoom"] == 9, timeout=MAP_TIMEOUT_MS)
    assert not shows(page_stats(qtbot, window), KEY_WEST)

    window.view_actions.zoom_action.trigger()
    qtbot.waitUntil(
        lambda: shows(page_stats(qtbot, window), KEY_WEST, NORTHERN_MAINE, EASTERN_MAINE),
        timeout=MAP_TIMEOUT_MS,
    )  # the accounts alone span Texas to Massachusetts: Florida and Maine used to be cut off
    assert not shows(page_stats(qtbot, window), PUERTO_RICO)

    point = {"type": "Point", "coordinates": [PUERTO_RICO[1], PUERTO_RICO[0]]}
    clusters = {
        "title": "Clusters",
        "legend": [],
        "features": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": point,
                    "properties": {"name": "San Juan", "color": "#d81b60", "label": ""},
                }
            ],
        },
    }
    window.map_view.send_update({"clusters": clusters})
    window.view_actions.zoom_action.trigger()
    qtbot.waitUntil(
        lambda: shows(page_stats(qtbot, window), PUERTO_RICO, NORTHERN_MAINE),
        timeout=MAP_TIMEOUT_MS,
    )
