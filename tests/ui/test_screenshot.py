"""End to end: the screenshot tool opens the app, draws the map, saves a PNG, exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage


def test_screenshot_shows_a_drawn_map(tmp_path, demo_file) -> None:
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "territory_planner.ui.screenshot",
            str(out),
            "--project",
            str(demo_file),
            "--size",
            "1200x800",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Release of profile requested" not in result.stderr  # page deleted before profile
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    # The map (right of the Territories panel) is drawn, not a blank page: many colours.
    colours = {image.pixel(x, y) for x in range(600, 1180, 7) for y in range(100, 500, 7)}
    assert len(colours) > 40
