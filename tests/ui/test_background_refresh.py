"""Large projects: the panels' figures are computed in the background, never out of date.

The demo is small, so the threshold is lowered to make it take the background path
a 100k-account project takes.
"""

from __future__ import annotations

import pytest

from territory_planner.analysis.metrics import territory_kpis
from territory_planner.edits import MoveAccounts
from territory_planner.geo.coverage import find_gaps, find_overlaps
from territory_planner.ui import tasks
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, CancelledAtOnce, wait_for_map


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "BACKGROUND_FROM", 0)


def shown_counts(window: MainWindow) -> dict[str, int]:
    frame = window.territory_model.frame
    return dict(zip(frame["territory_id"], frame["accounts"].astype(int), strict=True))


def assert_counts_current(window: MainWindow) -> None:
    """The Territories panel shows the accounts per territory of the project as it is."""
    truth = territory_kpis(window.project)
    assert shown_counts(window) == dict(
        zip(truth["territory_id"], truth["accounts"].astype(int), strict=True)
    )


def open_and_settle(qtbot, window: MainWindow, demo_file) -> None:
    """Open the demo and wait for its map and its figures."""
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)


def test_edits_in_quick_succession_end_with_the_latest_figures(
    qtbot, window: MainWindow, demo_file, background
) -> None:
    open_and_settle(qtbot, window, demo_file)
    assert len(window.account_model.frame) == 300
    expected_gaps = len(find_gaps(window.project)) + len(find_overlaps(window.project))
    assert len(window.coverage_items) == expected_gaps

    ids = window.project.territories["territory_id"].tolist()
    accounts = window.project.accounts["account_id"].tolist()
    busy_seen = []
    window.refresher.busy.connect(busy_seen.append)
    tokens = []  # each background run's cancel token
    job = window.refresher.job

    def recorded(project, scope):
        run = job(project, scope)

        def task(**kwargs):
            tokens.append(kwargs["cancel"])
            return run(**kwargs)

        return task

    window.refresher.job = recorded
    # three edits before the first result can arrive: the first runs are out of date
    window.push_edit(MoveAccounts(window.project, accounts[:40], ids[0]))
    assert window.refresher.pending
    window.push_edit(MoveAccounts(window.project, accounts[40:90], ids[1]))
    window.push_edit(MoveAccounts(window.project, accounts[90:100], ids[2]))
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)

    assert_counts_current(window)
    truth = territory_kpis(window.project)
    names = dict(zip(truth["territory_id"], truth["name"], strict=True))
    table = window.account_model.frame.set_index("account_id")
    assert (table.loc[accounts[:40], "territory"] == names[ids[0]]).all()
    assert (table.loc[accounts[90:100], "territory"] == names[ids[2]]).all()
    assert busy_seen[0] is True
    assert busy_seen[-1] is False
    assert not window.status_busy.isVisible()
    assert tokens[0].cancelled  # the first run was out of date: stopped, not waited for
    assert not tokens[-1].cancelled
    assert len(tokens) == 2  # at most one run waits: the latest

    window.undo_stack.undo()  # undo goes the same way
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)
    assert_counts_current(window)


def test_save_runs_on_the_task_thread_and_writes_the_project(
    qtbot, window: MainWindow, demo_file, tmp_path
) -> None:
    from territory_planner.io.project_file import load_project

    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    ids = window.project.territories["territory_id"].tolist()
    moved = window.project.accounts["account_id"].tolist()[:5]
    window.push_edit(MoveAccounts(window.project, moved, ids[-1]))
    target = tmp_path / "saved.gpkg"
    assert window.files._save_to(target)
    assert window.undo_stack.isClean()
    saved = load_project(target)
    held = saved.accounts.set_index("account_id").loc[moved, "territory_id"]
    assert (held == ids[-1]).all()
    assert len(saved.accounts) == 300


def test_assign_of_a_large_project_runs_on_a_copy_in_the_background(
    qtbot, window: MainWindow, demo_file, background
) -> None:
    from territory_planner.plan.rules import reassign

    open_and_settle(qtbot, window, demo_file)
    ids = window.project.territories["territory_id"].tolist()
    stray = window.project.accounts["account_id"].tolist()[:30]
    window.project.accounts.loc[:29, "territory_id"] = None  # as if imported unassigned
    expected = reassign(window.project).accounts["territory_id"].tolist()
    assert window.project.accounts["territory_id"].iloc[:30].isna().all()

    window.territory_actions.assign()
    assert window.project.accounts["territory_id"].iloc[:30].isna().all()  # not yet: a task
    qtbot.waitUntil(
        lambda: window.task is not None and window.task.finished, timeout=MAP_TIMEOUT_MS
    )
    assert window.project.accounts["territory_id"].tolist() == expected
    assert "Assigned accounts" in window.change_log[-1]
    qtbot.waitUntil(lambda: not window.refresher.pending, timeout=MAP_TIMEOUT_MS)
    assert_counts_current(window)

    # an edit made while the assignment runs: its result would undo the edit, so it is dropped
    window.project.accounts.loc[:29, "territory_id"] = None
    before_edit = window.undo_stack.index()
    window.territory_actions.assign()
    window.push_edit(MoveAccounts(window.project, stray[:1], ids[0]))
    qtbot.waitUntil(lambda: window.task.finished, timeout=MAP_TIMEOUT_MS)
    assert window.undo_stack.index() == before_edit + 1  # only the move
    assert "changed meanwhile" in window.statusBar().currentMessage()
    assert window.project.accounts["territory_id"].iloc[1:30].isna().all()


def test_a_cancelled_assignment_is_dropped_even_though_it_finished(
    qtbot, window: MainWindow, demo_file, background, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_and_settle(qtbot, window, demo_file)
    window.project.accounts.loc[:29, "territory_id"] = None  # as if imported unassigned
    before = window.project.accounts["territory_id"].tolist()
    step = window.undo_stack.index()
    monkeypatch.setattr(tasks, "CancelToken", CancelledAtOnce)
    window.territory_actions.assign()  # reassign() polls the token: it stops at its first check
    qtbot.waitUntil(
        lambda: window.task is not None and window.task.finished, timeout=MAP_TIMEOUT_MS
    )
    assert window.project.accounts["territory_id"].tolist() == before  # nothing applied
    assert window.undo_stack.index() == step
    assert not any("Assigned accounts" in entry for entry in window.change_log)
