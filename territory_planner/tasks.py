"""The contract for long-running work: a plain function with progress and cancel.

A task is ``f(inputs..., progress, cancel) -> result``. It reports with
``progress(fraction, message)`` and checks ``cancel.raise_if_cancelled()``
between steps. The UI runs such functions in a worker thread
(``ui/tasks.py``); the CLI and tests call them directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class TaskCancelledError(Exception):
    """Raised inside a task when the user pressed Cancel."""


class Progress(Protocol):
    """Receives progress reports: a fraction in [0, 1] and a short message."""

    def __call__(self, fraction: float, message: str = "") -> None:
        """Report progress."""


def no_progress(fraction: float, message: str = "") -> None:
    """Ignore progress reports (the default for headless callers).

    Parameters
    ----------
    fraction, message
        The report, ignored.
    """


class CancelToken:
    """A thread-safe flag a task polls to know whether to stop.

    A task that reaches a point of no return (a save about to write, once the
    wait for another program is over) calls `commit`: later cancel() calls are
    ignored, so the work done is never dropped as if cancelled.

    Parameters
    ----------
    on_commit
        Called once, on the task's thread, when the task commits (e.g. to remove a
        Cancel button); None: nothing.
    """

    def __init__(self, on_commit: Callable[[], None] | None = None) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._committed = False
        self._on_commit = on_commit

    def cancel(self) -> None:
        """Ask the task to stop at its next check (ignored once it has committed)."""
        with self._lock:
            if not self._committed:
                self._event.set()

    def commit(self) -> None:
        """Go past the point of no return: raise if cancelled, else ignore every later cancel().

        ``on_commit`` (given to the constructor, e.g. to remove a Cancel
        button) is called once, on the task's thread.
        """
        with self._lock:
            if self._committed:
                return
            if self._event.is_set():
                raise TaskCancelledError
            self._committed = True
        if self._on_commit is not None:
            self._on_commit()

    @property
    def committed(self) -> bool:
        """Whether commit() was called (Cancel no longer stops the task)."""
        return self._committed

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise `TaskCancelledError` if cancel() was called."""
        if self._event.is_set():
            raise TaskCancelledError


def scaled(progress: Progress, start: float, end: float) -> Progress:
    """Progress of a step that is the part from `start` to `end` of a larger task.

    Parameters
    ----------
    progress
        The larger task's progress.
    start, end
        The step's share of it, as fractions from 0 to 1.

    Returns
    -------
    Progress
        Reports a fraction of the step (clipped to 0..1) as ``start + (end - start) * f``.
    """

    def report(fraction: float, message: str = "") -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

    return report
