"""View > Zoom to All fits everything on the map, not only the accounts, clear of the legends."""

from __future__ import annotations

import json

from territory_planner.mapview.map_page import project_bounds
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, run_js, wait_for_map

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
    window.analysis.performance_panel.on_map.setChecked(False)  # no legend to leave room for
    qtbot.waitUntil(lambda: not page_stats(qtbot, window)["legendsShown"])
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


#: The legend boxes shown (left, top, right, bottom) and where the fitted places are drawn, in
#: pixels of the map, read from the page.
FITTED = """(function () {
  var box = map_tp.getContainer().getBoundingClientRect();
  var legends = Array.prototype.filter.call(document.querySelectorAll(".tp-legend"),
    function (e) { return e.offsetParent !== null; });
  function at(lat, lon) { var p = map_tp.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }
  return JSON.stringify({
    size: [box.width, box.height],
    legends: legends.map(function (e) {
      var r = e.getBoundingClientRect();
      return [r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top];
    }),
    southWest: at(%s, %s), northEast: at(%s, %s), keyWest: at(%s, %s)
  });
})()"""


def legends_clear_of(qtbot, window: MainWindow) -> bool:
    """Whether the map shows the project's whole box, no legend box over any part of it."""
    (south, west), (north, east) = project_bounds(window.project)
    page = json.loads(run_js(qtbot, window, FITTED % (south, west, north, east, *KEY_WEST)))
    (left, bottom), (right, top) = page["southWest"], page["northEast"]
    width, height = page["size"]
    if left < 0 or top < 0 or right > width or bottom > height:
        return False  # not all in view (yet)
    x, y = page["keyWest"]
    return all(
        not (x0 <= x <= x1 and y0 <= y <= y1)  # Florida's tip uncovered
        and (right < x0 or left > x1 or bottom < y0 or top > y1)  # and the whole box
        for x0, y0, x1, y1 in page["legends"]
    )


def test_zoom_to_all_leaves_room_for_the_legends(qtbot, window: MainWindow, demo_file) -> None:
    window.resize(1600, 1000)  # a map wider than tall: Florida's tip at the bottom edge
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.kpi_panel.shade.setChecked(True)  # the shading's legend over the alerts' (bottom right)
    qtbot.waitUntil(lambda: len(page_stats(qtbot, window)["legendsShown"]) == 2)
    assert set(page_stats(qtbot, window)["legendsShown"]) == {"alerts", "shade"}
    window.map_view.send_update({"zoomTo": {"lat": 41.9, "lon": -87.6, "zoom": 9}})
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["zoom"] == 9, timeout=MAP_TIMEOUT_MS)

    window.view_actions.zoom_action.trigger()
    qtbot.waitUntil(lambda: legends_clear_of(qtbot, window), timeout=MAP_TIMEOUT_MS)
    assert page_stats(qtbot, window)["zoom"] >= 4  # the room came from the side, not a far zoom


def test_the_first_fit_makes_room_for_the_legends_that_come_after_it(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.resize(1600, 1000)
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)  # fitted as it opened, before the panels' legends came
    qtbot.waitUntil(lambda: "alerts" in page_stats(qtbot, window)["legendsShown"])
    qtbot.waitUntil(lambda: legends_clear_of(qtbot, window), timeout=MAP_TIMEOUT_MS)

    window.map_view.send_update({"zoomTo": {"lat": 41.9, "lon": -87.6, "zoom": 9}})
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["zoom"] == 9, timeout=MAP_TIMEOUT_MS)
    window.kpi_panel.shade.setChecked(True)  # a view the user chose stays as it is
    qtbot.waitUntil(lambda: "shade" in page_stats(qtbot, window)["legendsShown"])
    assert page_stats(qtbot, window)["zoom"] == 9
