"""Opening one project after another in a window (issue 15): nothing of the first is kept.

The first project, its panels' figures and its map page must all go when the next is
opened, else each project opened adds its memory to the last one's.
"""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import pytest
import shiboken6

from territory_planner._errors import InputError
from territory_planner.demo import make_demo
from territory_planner.io.project_file import save_project
from territory_planner.tasks import TaskCancelledError
from territory_planner.ui import file_actions
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, run_js, wait_for_map

OTHER = {"accounts": 200, "reps": 3, "seed": 5}


@pytest.fixture
def other_file(tmp_path: Path) -> Path:
    """A second, smaller demo project on disk."""
    path = tmp_path / "other.gpkg"
    save_project(make_demo(**OTHER), path)
    return path


def open_and_settle(qtbot, window: MainWindow, path: Path, accounts: int) -> None:
    window.open_project(path)
    qtbot.waitUntil(lambda: window.path == path, timeout=MAP_TIMEOUT_MS)
    wait_for_map(qtbot, window, accounts)
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)


def test_the_first_project_and_its_page_are_freed(
    qtbot, window: MainWindow, demo_file: Path, other_file: Path
) -> None:
    open_and_settle(qtbot, window, demo_file, 300)
    # the Performance and Market panels hold the project they show, also once hidden
    for dock in (window.analysis.performance_dock, window.analysis.market_dock):
        dock.raise_()
        qtbot.waitUntil(
            lambda d=dock: d not in window.analysis.stale_panels, timeout=MAP_TIMEOUT_MS
        )
    assert window.analysis.market_panel.project is window.project
    window.account_dock.raise_()
    first = weakref.ref(window.project)
    first_accounts = weakref.ref(window.project.accounts)
    first_ids = set(window.project.accounts["account_id"])
    first_page = window.map_view.page()

    open_and_settle(qtbot, window, other_file, OTHER["accounts"])
    gc.collect()

    assert first() is None, gc.get_referrers(first())
    assert first_accounts() is None
    qtbot.waitUntil(lambda: not shiboken6.isValid(first_page))  # deleted, its JS heap too
    # hidden: refreshed when shown
    assert window.analysis.market_panel.project is not window.project
    assert len(window.analysis.market_panel.project.accounts) == 0
    # the page draws the second project only
    stats = page_stats(qtbot, window)
    assert stats["accounts"] == OTHER["accounts"]
    assert stats["territories"] == len(window.project.territories)
    assert stats["load"] == f"?load={window.map_view.load_number}"
    ids = window.project.accounts["account_id"].tolist()
    drawn = json.loads(
        run_js(qtbot, window, f"JSON.stringify({json.dumps(ids)}.map(TP.accountColor))")
    )
    assert None not in drawn  # every account of the second project is drawn
    gone = sorted(first_ids - set(ids))
    assert gone
    assert run_js(qtbot, window, f"{json.dumps(gone)}.some(TP.accountColor)") is False
    assert len(window.account_model.frame) == OTHER["accounts"]


@pytest.mark.parametrize(
    "error", [InputError("not a project file"), TaskCancelledError()], ids=["error", "cancel"]
)
def test_a_project_that_cannot_be_opened_leaves_the_open_one_shown(  # noqa: PLR0917
    qtbot,
    window: MainWindow,
    demo_file: Path,
    other_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
) -> None:
    open_and_settle(qtbot, window, demo_file, 300)
    shown = window.project

    def fail(path: Path) -> None:
        raise error

    monkeypatch.setattr(file_actions, "load_stamped", fail)
    load = window.map_view.load_number
    window.open_project(other_file)
    qtbot.waitUntil(lambda: window.map_view.load_number > load + 1, timeout=MAP_TIMEOUT_MS)
    wait_for_map(qtbot, window, 300)
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)

    assert window.project is shown
    assert window.path == demo_file
    assert len(window.account_model.frame) == 300
    assert len(window.territory_model.frame) == len(shown.territories)
    assert window.last_error == ("not a project file" if isinstance(error, InputError) else "")
