"""Runs core tasks (``f(..., progress, cancel)``) in a worker thread with a progress dialog."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from territory_planner.tasks import CancelToken, TaskCancelledError

log = logging.getLogger(__name__)


class _Signals(QObject):
    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(object)


class _Worker(QRunnable):
    def __init__(self, fn: Callable[..., Any], signals: _Signals, token: CancelToken) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.token = token

    def run(self) -> None:
        try:
            result = self.fn(
                progress=lambda f, m="": self.signals.progress.emit(f, m), cancel=self.token
            )
        except Exception as exc:  # noqa: BLE001 (handed to the GUI thread's error path)
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class Task(QObject):
    """One running task: a progress dialog with Cancel, and done/failed callbacks."""

    def __init__(
        self,
        parent: QWidget,
        title: str,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        super().__init__(parent)
        self.token = CancelToken()
        self.signals = _Signals(self)
        self.dialog = QProgressDialog(title, "Cancel", 0, 1000, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.token.cancel)
        self.signals.progress.connect(self._progress)
        self.signals.done.connect(lambda result: self._finish(on_done, result))
        self.signals.failed.connect(self._failed(on_error))
        self.finished = False
        QThreadPool.globalInstance().start(_Worker(fn, self.signals, self.token))

    def _progress(self, fraction: float, message: str) -> None:
        self.dialog.setValue(int(fraction * 1000))
        if message:
            self.dialog.setLabelText(message)

    def _failed(self, on_error: Callable[[Exception], None]) -> Callable[[Exception], None]:
        def handle(exc: Exception) -> None:
            if isinstance(exc, TaskCancelledError):
                self._finish(lambda _: None, None)
            else:
                self._finish(lambda _: on_error(exc), None)

        return handle

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self.finished = True
        self.dialog.reset()
        self.dialog.deleteLater()
        callback(value)
        self.deleteLater()
