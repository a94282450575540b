"""UI test setup: offscreen Qt with WebEngine, isolated settings and cache folders."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tp-test-cache-")

from territory_planner.ui.app import create_application

create_application()  # before pytest-qt's qapp: WebEngine needs its attributes set first

import shiboken6  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from territory_planner.tasks import CancelToken  # noqa: E402
from territory_planner.ui.main_window import MainWindow  # noqa: E402

MAP_TIMEOUT_MS = 30_000


class CancelledAtOnce(CancelToken):
    """A token whose Cancel was pressed before the job even started (patch it in as
    ``territory_planner.ui.tasks.CancelToken``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cancel()


def wait_for_map(qtbot, window: MainWindow, accounts: int) -> None:
    """Wait until the page reports `accounts` drawn points."""
    qtbot.waitUntil(
        lambda: window.map_view.is_ready and window.map_view.last_stats.get("accounts") == accounts,
        timeout=MAP_TIMEOUT_MS,
    )


def run_js(qtbot, window: MainWindow, script: str) -> Any:
    """Run a script in the map page and return its result."""
    box: list[Any] = []
    window.map_view.run_js(script, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=MAP_TIMEOUT_MS)
    return box[0]


def page_stats(qtbot, window: MainWindow) -> dict:
    """Read back what the page shows, through the bridge."""
    box: list[dict] = []
    window.map_view.request_stats(box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=MAP_TIMEOUT_MS)
    return box[0]


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, data_folder=tmp_path / "data")
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.undo_stack.setClean()  # no "save changes?" prompt
    win.close()
    shiboken6.delete(win)  # the view and its page go before the web profile
