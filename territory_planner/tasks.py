"""The contract for long-running work: a plain function with progress and cancel.

A task is ``f(inputs..., progress, cancel) -> result``. It reports with
``progress(fraction, message)`` and checks ``cancel.raise_if_cancelled()``
between steps. The UI runs such functions in a worker thread
(``ui/tasks.py``); the CLI and tests call them directly.
"""

from __future__ import annotations

import threading
from typing import Protocol


class TaskCancelledError(Exception):
    """Raised inside a task when the user pressed Cancel."""


class Progress(Protocol):
    """Receives progress reports: a fraction in [0, 1] and a short message."""

    def __call__(self, fraction: float, message: str = "") -> None:
        """Report progress."""


def no_progress(fraction: float, message: str = "") -> None:
    """Ignore progress reports (the default for headless callers)."""


class CancelToken:
    """A thread-safe flag a task polls to know whether to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise `TaskCancelledError` if cancel() was called."""
        if self._event.is_set():
            raise TaskCancelledError


def scaled(progress: Progress, start: float, end: float) -> Progress:
    """Progress of a step that is the part from `start` to `end` of a larger task."""

    def report(fraction: float, message: str = "") -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

    return report
