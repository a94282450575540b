"""Exports of tables and shapes are written on the task thread, from a copy of the project."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest

from territory_planner.edits import RenameTerritory
from territory_planner.io import export
from territory_planner.ui import export_actions
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, wait_for_map


def test_accounts_csv_is_written_on_the_task_thread_as_the_project_was(
    qtbot, window: MainWindow, demo_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    target = tmp_path / "accounts.csv"
    monkeypatch.setattr(
        export_actions.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), "")
    )
    threads: list[str] = []
    write = export.export_accounts_csv

    def recorded(project, path) -> int:
        threads.append(threading.current_thread().name)
        return write(project, path)

    monkeypatch.setattr(export, "export_accounts_csv", recorded)
    territory = str(window.project.territories["territory_id"].iloc[0])
    old_name = str(window.project.territories["name"].iloc[0])
    window.exports.export_csv()
    task = window.task
    assert task is not None
    window.push_edit(RenameTerritory(window.project, territory, "Renamed meanwhile"))
    qtbot.waitUntil(lambda: task.finished, timeout=MAP_TIMEOUT_MS)

    assert len(threads) == 1
    assert threads[0].startswith("territory-planner-task")
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 300
    names = {row["territory"] for row in rows if row["territory_id"] == territory}
    assert names == {old_name}  # written from the project as it was when asked
    assert window.statusBar().currentMessage() == f"Exported 300 accounts to {target}"
