"""Autosave every few minutes to a recovery file, and offer recovery after a crash."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from territory_planner._errors import PlannerError
from territory_planner.io.project_file import load_project
from territory_planner.io.recovery import discard, pending, recovery_file, write_recovery
from territory_planner.ui.tasks import run_in_background

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow

log = logging.getLogger(__name__)
DEFAULT_MINUTES = 3


class Autosave(QObject):
    """Writes the window's project to its recovery file when it has unsaved changes."""

    def __init__(self, window: MainWindow, folder: Path, minutes: float = DEFAULT_MINUTES) -> None:
        super().__init__(window)
        self.window = window
        self.target = recovery_file(folder)
        self.timer = QTimer(self)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.last: Future[None] | None = None

    def tick(self) -> Future[None] | None:
        """Save a recovery copy now if there is unsaved work (in the background)."""
        if self.window.undo_stack.isClean():
            return None
        copy = self.window.project.copy()  # written while the user keeps editing
        self.last = run_in_background(
            write_recovery, copy, self.window.path, self.target, self.window.stamp
        )
        self.last.add_done_callback(_log_failure)
        return self.last

    def clear(self) -> None:
        """The work is saved (or deliberately discarded): drop the recovery copy."""
        if self.last is not None:
            self.last.result()  # never delete under a save that is still running
        discard(self.target)


def _log_failure(future: Future[None]) -> None:
    if future.exception() is not None:
        log.warning("autosave failed: %s", future.exception())


def offer_recovery(window: MainWindow, folder: Path) -> bool:
    """Ask whether to reopen unsaved work left by a crash; True if it was reopened."""
    found = pending(folder)
    if not found:
        return False
    latest = found[0]
    where = f" ({latest.original})" if latest.original else ""
    answer = QMessageBox.question(
        window,
        "Recover unsaved work?",
        f"Territory Planner did not close properly. Unsaved work on “{latest.name}”{where} "
        f"was kept from {latest.saved_at or 'an earlier session'}.\n\nOpen it now?",
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Discard,
    )
    if answer != QMessageBox.StandardButton.Open:
        for recovery in found:
            discard(recovery.file)
        return False
    try:
        project = load_project(latest.file)
    except PlannerError as exc:
        window.show_error(exc)
        return False
    window.set_project(project, latest.original, stamp=latest.stamp)
    window.undo_stack.resetClean()  # unsaved until the user saves
    window.autosave.tick()  # adopt it as this session's recovery copy
    for recovery in found:
        discard(recovery.file)
    return True
