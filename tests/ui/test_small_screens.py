"""The default window on laptop screens: the map keeps most of the width (issue 17).

Screenshots of each size are saved in the test's output folder (`tmp_path`), to look at.
"""

from __future__ import annotations

import pytest

from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import wait_for_map


@pytest.mark.parametrize("size", [(1366, 768), (1600, 1000)])
def test_the_map_keeps_most_of_the_width(
    qtbot, window: MainWindow, demo_project, tmp_path, size: tuple[int, int]
) -> None:
    width, height = size
    window.resize(width, height)
    window.set_project(demo_project, None)
    wait_for_map(qtbot, window, len(demo_project.accounts))
    qtbot.wait(200)  # the docks settle at the new size
    shot = tmp_path / f"window-{width}x{height}.png"
    assert window.grab().save(str(shot))
    print(f"screenshot: {shot}")
    map_width = window.map_view.width()
    assert map_width >= 0.6 * window.width(), (map_width, window.width())
    assert window.map_view.height() >= 0.45 * window.height()
