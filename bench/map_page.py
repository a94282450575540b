"""Time from loading the map page to its 'ready' message, with N accounts drawn."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import big_project

from territory_planner.model import Project
from territory_planner.ui.app import create_application

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
create_application()

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from territory_planner.ui.map_view import MapView  # noqa: E402


def time_to_ready(view: MapView, project: Project) -> tuple[float, int]:
    loop = QEventLoop()
    stats: dict = {}
    view.ready.connect(lambda s: (stats.update(s), loop.quit()))
    QTimer.singleShot(300_000, loop.quit)
    start = time.perf_counter()
    view.show_project(project)  # includes writing the page and its data file
    loop.exec()
    view.ready.disconnect()
    return time.perf_counter() - start, int(stats.get("accounts", -1))


def main() -> None:
    view = MapView(Path(tempfile.mkdtemp(prefix="tp-bench-")))
    view.resize(1400, 900)
    view.show()
    time_to_ready(view, Project.empty())  # warm up Chromium and write basemap.js
    t_empty, _ = time_to_ready(view, Project.empty())
    print(f"{'accounts':>9} {'ready s':>8} {'empty page s':>13} {'ratio':>6}")
    for n in (10_000, 100_000):
        t, drawn = time_to_ready(view, big_project(n))
        assert drawn == n, drawn
        print(f"{n:>9,} {t:>8.2f} {t_empty:>13.2f} {t / t_empty:>6.1f}")
    view.dispose()


if __name__ == "__main__":
    main()
