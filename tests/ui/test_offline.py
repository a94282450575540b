"""The map page never asks the network for anything."""

from __future__ import annotations

from PySide6.QtCore import QUrl

from territory_planner.ui.main_window import MainWindow
from territory_planner.ui.map_view import LOCAL_SCHEMES, MapView
from tests.ui.conftest import MAP_TIMEOUT_MS, wait_for_map

CDN_SCRIPT = "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"


def test_demo_map_makes_only_local_requests(qtbot, window: MainWindow) -> None:
    guard = window.map_view.guard
    guard.requests.clear()
    guard.blocked.clear()
    window.files.open_demo()
    wait_for_map(qtbot, window, 1500)
    assert any(r.endswith("leaflet/leaflet.js") for r in guard.requests)
    assert any("basemap.js" in r for r in guard.requests)
    leaving = [r for r in guard.requests if QUrl(r).scheme() not in LOCAL_SCHEMES]
    assert leaving == []
    assert guard.blocked == []


def test_an_injected_cdn_url_is_caught_and_blocked(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    page = window.map_view.page_folder / "index.html"
    tampered = page.with_name("tampered.html")
    tampered.write_text(
        page.read_text(encoding="utf-8").replace(
            "<head>", f'<head><script src="{CDN_SCRIPT}"></script>', 1
        ),
        encoding="utf-8",
    )
    view: MapView = window.map_view
    with qtbot.waitSignal(view.loadFinished, timeout=MAP_TIMEOUT_MS):
        view.load(QUrl.fromLocalFile(str(tampered)))
    assert CDN_SCRIPT in view.guard.blocked
