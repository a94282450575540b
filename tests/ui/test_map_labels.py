"""Labels on the map do not cover each other: territory names win over city labels.

Read back from the real page (`TP.labels()`): the screen box of every territory name,
rep home, alert badge and city label, and whether the city label is hidden.
"""

from __future__ import annotations

import json
from typing import Any

from territory_planner.mapview.map_page import territories_layer
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, run_js, wait_for_map

DALLAS = (32.78, -96.8)


def labels(qtbot, window: MainWindow) -> list[dict[str, Any]]:
    """Every label the page draws: kind, text, hidden, box [left, top, right, bottom].

    Read once the map has come to rest (the same twice, a fifth of a second apart): during
    a zoom's animation the boxes move and the pass has not run for the new view yet.
    """
    last: list[Any] = [None]

    def settled() -> bool:
        now = json.loads(run_js(qtbot, window, "TP.labels()"))
        same, last[0] = now == last[0], now
        if not same:
            qtbot.wait(200)
        return same

    qtbot.waitUntil(settled, timeout=MAP_TIMEOUT_MS)
    return last[0]


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def collisions(drawn: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of labels that cover each other: a shown city over anything else shown, or a
    territory's name under a rep's home."""
    shown = [d for d in drawn if not d["hidden"]]
    found = []
    for n, a in enumerate(shown):
        for b in shown[n + 1 :]:
            kinds = {a["kind"], b["kind"]}
            if ("city" in kinds or kinds == {"territory", "home"}) and overlap(a["box"], b["box"]):
                found.append((a["text"], b["text"]))
    return found


def test_no_labels_collide_at_the_default_zoom(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    drawn = labels(qtbot, window)
    kinds = {d["kind"] for d in drawn}
    assert {"territory", "home", "city"} <= kinds
    assert all(not d["hidden"] for d in drawn if d["kind"] == "territory")
    assert collisions(drawn) == []
    names = {d["at"]: d["box"] for d in drawn if d["kind"] == "territory"}
    badges = [d for d in drawn if d["kind"] == "alert" and d["at"]]
    assert badges  # the demo has a territory behind pace
    for badge in badges:  # a territory's badge stays just over its name (which may have moved)
        left, top, right, _bottom = names[badge["at"]]
        assert 0 <= top - badge["box"][3] <= 10
        assert left < badge["box"][0] < right
    stats = page_stats(qtbot, window)["basemap"]
    assert stats["cities"] == sum(1 for d in drawn if d["kind"] == "city" and not d["hidden"])


def test_a_territory_name_hides_the_city_under_it(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    lat, lon = DALLAS
    square = [[lon - 2, lat - 2], [lon + 2, lat - 2], [lon + 2, lat + 2], [lon - 2, lat + 2]]
    territory = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[*square, square[0]]]},
        "properties": {"id": "T", "name": "South Central", "rep": "Priya Natarajan",
                       "color": "#4caf50", "accounts": 0, "locked": False, "label": [lat, lon]},
    }  # fmt: skip
    window.map_view.send_update(
        {
            "territories": {"type": "FeatureCollection", "features": [territory]},
            "reps": [],
            "alerts": None,
            "zoomTo": {"lat": lat, "lon": lon, "zoom": 7},
        }
    )
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["zoom"] == 7, timeout=MAP_TIMEOUT_MS)

    def dallas() -> dict[str, Any]:
        return next(d for d in labels(qtbot, window) if d["text"] == "Dallas")

    drawn = labels(qtbot, window)
    name = next(d for d in drawn if d["kind"] == "territory")
    assert dallas()["hidden"]
    assert overlap(dallas()["box"], name["box"])  # it would be drawn over the name
    assert not name["hidden"]
    assert collisions(drawn) == []
    assert any(not d["hidden"] for d in drawn if d["kind"] == "city")  # others still shown

    # the names switched off: the city's label comes back (the pass runs again)
    run_js(qtbot, window, 'TP.showOnly(JSON.stringify(["territories", "accounts"]))')
    assert not dallas()["hidden"]
    run_js(qtbot, window, "TP.showOnly('null')")
    assert dallas()["hidden"]

    # each move draws new city labels: the pass runs again on them
    window.map_view.send_update({"zoomTo": {"lat": lat + 0.3, "lon": lon, "zoom": 8}})
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["zoom"] == 8, timeout=MAP_TIMEOUT_MS)
    assert dallas()["hidden"]
    assert collisions(labels(qtbot, window)) == []


def test_a_territory_name_moves_off_a_rep_home(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    feature = territories_layer(window.project)["features"][0]["properties"]
    lat, lon = feature["label"]
    # a rep living right under the name (the demo's "Linda Park" under "Mountain")
    window.map_view.send_update(
        {"alerts": None, "reps": [{"name": "Linda Park", "lat": lat, "lon": lon, "color": "#fd3"}]}
    )
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["reps"] == 1, timeout=MAP_TIMEOUT_MS)
    drawn = labels(qtbot, window)
    (home,) = [d for d in drawn if d["kind"] == "home"]
    name = next(
        d for d in drawn if d["text"].startswith(feature["name"]) and d["kind"] == "territory"
    )
    left, top, right, bottom = home["box"]
    assert name["box"][0] < (left + right) / 2 < name["box"][2]  # the home is under the name...
    assert not overlap(home["box"], name["box"])  # ...which moved above or below it
    assert name["box"][1] >= bottom or name["box"][3] <= top
    assert collisions(drawn) == []
