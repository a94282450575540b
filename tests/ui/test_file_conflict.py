"""Saving in the window after another program changed the file (issue 15): nothing is lost."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton

from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.project_lock import TIMEOUT_ENV, project_lock
from territory_planner.ui import file_actions
from territory_planner.ui.file_conflict import Conflict, copy_beside
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import wait_for_map


def _names(path: Path) -> set[str]:
    return set(load_project(path).territories["name"])


def _rename_first(window: MainWindow, name: str) -> None:
    model = window.territory_model
    assert model.setData(model.index(0, 0), name)


def _change_outside(path: Path, name: str) -> None:
    """What another program (the CLI, another window) does: a save of its own."""
    project = load_project(path)
    project.name = name
    save_project(project, path)


def _answer(monkeypatch, choice: Conflict) -> list[Path]:
    """Answer the window's question with `choice`; returns the files it was asked about."""
    asked: list[Path] = []

    def ask(_parent: object, path: Path) -> Conflict:
        asked.append(path)
        return choice

    monkeypatch.setattr(file_actions, "ask_conflict", ask)
    return asked


@pytest.fixture
def opened(qtbot, window: MainWindow, demo_file, tmp_path) -> Path:
    path = tmp_path / "P.gpkg"
    shutil.copy(demo_file, path)
    window.open_project(path)
    wait_for_map(qtbot, window, 300)
    return path


def test_without_outside_change_save_asks_nothing(window, opened, monkeypatch) -> None:
    asked = _answer(monkeypatch, Conflict.CANCEL)
    _rename_first(window, "Mine")
    assert window.files.save()
    _rename_first(window, "Mine again")
    assert window.files.save()  # the window's own save is not an outside change
    assert asked == []
    assert "Mine again" in _names(opened)
    assert not window.isWindowModified()


def test_save_as_keeps_both_versions(window, opened, monkeypatch, tmp_path) -> None:
    _change_outside(opened, "outside")
    _rename_first(window, "Mine")
    asked = _answer(monkeypatch, Conflict.SAVE_AS)
    other = tmp_path / "mine.gpkg"
    monkeypatch.setattr(
        file_actions.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(other), "")
    )
    assert window.files.save()
    assert asked == [opened]
    assert load_project(opened).name == "outside"  # the other program's save is kept
    assert "Mine" not in _names(opened)
    assert "Mine" in _names(other)
    assert window.path == other
    assert not window.isWindowModified()


def test_reload_keeps_my_changes_in_a_copy(qtbot, window, opened, monkeypatch, tmp_path) -> None:
    _change_outside(opened, "outside")
    _rename_first(window, "Mine")
    _answer(monkeypatch, Conflict.RELOAD)
    assert not window.files.save()
    qtbot.waitUntil(lambda: window.project.name == "outside", timeout=10_000)
    wait_for_map(qtbot, window, 300)
    assert window.path == opened
    assert "Mine" not in set(window.project.territories["name"])
    copies = [p for p in tmp_path.iterdir() if p.name.startswith("P (my changes ")]
    assert len(copies) == 1
    assert "Mine" in _names(copies[0])
    assert load_project(opened).name == "outside"
    _rename_first(window, "After reload")
    _answer(monkeypatch, Conflict.CANCEL)
    assert window.files.save()  # the reloaded version is the one the window now expects
    assert "After reload" in _names(opened)


def test_overwrite_and_cancel(window, opened, monkeypatch) -> None:
    _change_outside(opened, "outside")
    _rename_first(window, "Mine")
    asked = _answer(monkeypatch, Conflict.CANCEL)
    assert not window.files.save()
    assert asked == [opened]
    assert load_project(opened).name == "outside"
    assert window.isWindowModified()  # still the user's to save
    _answer(monkeypatch, Conflict.OVERWRITE)
    assert window.files.save()
    assert "Mine" in _names(opened)
    assert not window.isWindowModified()


def test_a_copy_beside_never_takes_an_existing_name(tmp_path) -> None:
    path = tmp_path / "P.gpkg"
    first = copy_beside(path)
    first.touch()
    second = copy_beside(path)
    assert first != second
    assert second.parent == tmp_path
    assert second.suffix == ".gpkg"


@pytest.mark.parametrize("export", ["csv", "xlsx", "report", "calendars"])
def test_no_export_from_the_window_over_the_open_project(
    window, opened, monkeypatch, export: str
) -> None:
    """Choosing the project file itself as an export's target is refused; the file is kept."""
    before = opened.read_bytes()
    errors: list[str] = []
    monkeypatch.setattr(window, "show_error", lambda exc: errors.append(str(exc)))
    monkeypatch.setattr(
        file_actions.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(opened), "")
    )
    run = {
        "csv": window.exports.export_csv,
        "xlsx": window.exports.export_xlsx,
        "report": lambda: window.exports.export_report("pdf"),
        "calendars": lambda: window.exports.export_calendars("xlsx"),
    }[export]
    run()
    assert opened.read_bytes() == before
    assert len(errors) == 1
    assert "names the project file itself" in errors[0]
    assert str(opened) in errors[0]


def _when_waiting(window: MainWindow, act: Callable[[QPushButton], None]) -> list[str]:
    """Call `act(cancel_button)` once the save's dialog shows it waits for another program."""
    seen: list[str] = []

    def poll() -> None:
        task = window.task
        dialog = None if task is None or task.finished else task.dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            button = dialog.findChild(QPushButton)
            if "Waiting for another program" in dialog.labelText() and button is not None:
                seen.append(dialog.labelText())
                act(button)
                return
        QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)
    return seen


def test_cancel_stops_waiting_for_another_program(window, opened, monkeypatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "60")  # without Cancel, the save would give up after this
    errors: list[Exception] = []
    monkeypatch.setattr(window, "show_error", errors.append)
    _rename_first(window, "Mine")
    before = opened.read_bytes()
    with project_lock(opened):  # another program is changing the project
        seen = _when_waiting(window, QPushButton.click)
        assert not window.files.save()
    assert seen == ["Waiting for another program to finish changing P.gpkg…"]
    assert errors == []
    assert opened.read_bytes() == before  # untouched
    assert window.isWindowModified()  # the change is still the user's to save
    assert "Not saved" in window.statusBar().currentMessage()

    with contextlib.ExitStack() as held:  # the other program finishes while the window waits
        held.enter_context(project_lock(opened))
        seen = _when_waiting(window, lambda _button: held.close())
        assert window.files.save()
    assert len(seen) == 1
    assert errors == []
    assert "Mine" in _names(opened)
    assert not window.isWindowModified()
