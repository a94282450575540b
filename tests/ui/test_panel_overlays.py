"""A panel's overlays (day route, heat map, clusters) leave the map with the panel."""

from __future__ import annotations

from territory_planner.analysis import market
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, wait_for_map


def wait_stats(qtbot, window: MainWindow, check) -> dict:
    """The page's stats once `check(stats)` holds."""
    box: list[dict] = []

    def ok() -> bool:
        box[:] = [page_stats(qtbot, window)]
        return bool(check(box[0]))

    qtbot.waitUntil(ok, timeout=MAP_TIMEOUT_MS)
    return box[0]


def show_a_route(window: MainWindow) -> int:
    """Show a day of four visits to the first territory's accounts, as the Calendar does."""
    project = window.project
    rep_id = str(project.territories["rep_id"].iloc[0])
    mine = project.accounts[project.accounts["territory_id"] == project.territories.iloc[0, 0]]
    visits = [
        {"account_id": a, "name": n, "arrival": "09:00", "departure": "10:00"}
        for a, n in zip(mine["account_id"][:4], mine["name"][:4], strict=True)
    ]
    window.calendars.show_day_route({"rep_id": rep_id}, {"visits": visits})
    return len(visits)


def test_leaving_a_panel_takes_its_overlays_off_the_map(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.calendar_dock.raise_()
    stops = show_a_route(window)
    wait_stats(qtbot, window, lambda s: s["routeStops"] == stops)
    window.account_dock.raise_()  # the user moves on to the Accounts panel
    wait_stats(qtbot, window, lambda s: s["routeStops"] == 0)
    window.calendar_dock.raise_()  # and back: the route is there again
    wait_stats(qtbot, window, lambda s: s["routeStops"] == stops)

    window.analysis.market_dock.raise_()
    found = market.find_clusters(window.project, radius_km=50, min_accounts=5)
    assert found.clusters
    window.analysis.market_panel.clusters_requested.emit(found.as_layer())
    stats = wait_stats(qtbot, window, lambda s: s["clusters"] == len(found.clusters))
    assert "clusters" in stats["legends"]
    assert stats["routeStops"] == 0  # the Calendar panel is behind the Market panel
    window.account_dock.raise_()
    stats = wait_stats(qtbot, window, lambda s: s["clusters"] == 0)
    assert "clusters" not in stats["legends"]
    assert stats["routeStops"] == 0
