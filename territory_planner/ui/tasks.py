"""Runs core tasks (``f(..., progress, cancel)``) in a worker thread with a progress dialog.

Tasks run one at a time on a single long-lived Python thread (as Orange and
Anki do). Libraries such as pyproj keep per-thread state that must outlive
the task: Qt's pooled threads come and go, and pyproj crashed in them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from territory_planner.tasks import CancelToken, TaskCancelledError

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Signals(QObject):
    progress = Signal(float, str)
    committed = Signal()
    done = Signal(object)
    failed = Signal(object)


_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="territory-planner-task")


def run_in_background(fn: Callable[..., T], *args: Any) -> Future[T]:
    """Run `fn(*args)` on the task thread without a dialog (e.g. an autosave)."""
    return _executor.submit(fn, *args)


def _run(fn: Callable[..., Any], signals: _Signals, token: CancelToken) -> None:
    """Run `fn`; a result that arrives after Cancel was pressed is dropped, never applied."""
    try:
        result = fn(progress=lambda f, m="": signals.progress.emit(f, m), cancel=token)
        token.raise_if_cancelled()  # (a job that does not poll the token stops here)
    except Exception as exc:  # noqa: BLE001 (handed to the GUI thread's error path)
        signals.failed.emit(exc)
    else:
        signals.done.emit(result)


class Task(QObject):
    """One running task: a progress dialog with Cancel, and done/failed/cancelled callbacks.

    Cancel goes away when the task commits its token (a save once it may write).
    """

    def __init__(
        self,
        parent: QWidget,
        title: str,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        *,
        cancellable: bool = True,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.signals = _Signals(self)
        self.token = CancelToken(on_commit=self.signals.committed.emit)
        self.dialog = QProgressDialog(title, "Cancel", 0, 1000, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.token.cancel)
        if not cancellable:  # e.g. a save: stopping half-way would help no one
            self.dialog.setCancelButton(None)
        self.signals.progress.connect(self._progress)
        self.signals.committed.connect(lambda: self.dialog.setCancelButton(None))
        self.signals.done.connect(lambda result: self._finish(on_done, result))
        self.signals.failed.connect(self._failed(on_error, on_cancel or (lambda: None)))
        self.finished = False
        _executor.submit(_run, fn, self.signals, self.token)

    def _progress(self, fraction: float, message: str) -> None:
        self.dialog.setValue(int(fraction * 1000))
        if message:
            self.dialog.setLabelText(message)

    def _failed(
        self, on_error: Callable[[Exception], None], on_cancel: Callable[[], None]
    ) -> Callable[[Exception], None]:
        def handle(exc: Exception) -> None:
            if isinstance(exc, TaskCancelledError):
                self._finish(lambda _: on_cancel(), None)
            else:
                self._finish(lambda _: on_error(exc), None)

        return handle

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self.finished = True
        self.dialog.reset()
        self.dialog.deleteLater()
        callback(value)
        self.deleteLater()
