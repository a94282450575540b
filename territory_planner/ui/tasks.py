"""The window's one task runner: core tasks (``f(..., progress, cancel)``) on a worker thread.

Tasks run one at a time on a single long-lived Python thread (as Orange and
Anki do). Libraries such as pyproj keep per-thread state that must outlive
the task: Qt's pooled threads come and go, and pyproj crashed in them.

Two ways to run one: `Task`, a job the user asked for, with a progress dialog and a
Cancel that stops it and drops its result; and `Latest`, for work that keeps a view
up to date (the panels' figures): no dialog, and a newer request supersedes the one
running (cancelled through its token, its result dropped), so what is shown is always
of the latest state. Work on a small project runs at once (`in_background`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from territory_planner.model import Project
from territory_planner.tasks import CancelToken, TaskCancelledError

log = logging.getLogger(__name__)
T = TypeVar("T")
W = TypeVar("W")

#: Projects with at least this many accounts get their long work in the background.
BACKGROUND_FROM = 20_000


def in_background(project: Project) -> bool:
    """Whether work on `project` is large enough to go to the task thread."""
    return len(project.accounts) >= BACKGROUND_FROM


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


#: Given the project (or a copy of it) and what is wanted, the job that computes the
#: view's figures as a task (``job(progress=, cancel=)``; made on the GUI thread, run on any).
Job = Callable[[Project, W], Callable[..., T]]
#: Shows the figures, a part per step of the iteration (the window runs between parts).
Show = Callable[[T], Iterable[None]]


class _LatestSignals(QObject):
    busy = Signal(bool)  # a background run started (True) / the view caught up (False)
    failed = Signal(object)  # Exception
    finished = Signal(int, object)  # generation, Future (from the task thread)


class Latest(Generic[W, T]):
    """Keeps a view of `project()` up to date by `job`, shown by `show`; newer requests win.

    A small project's figures are computed and shown at once. A large one's run as a
    task on a copy of the project (edits go on meanwhile) and are shown a few parts at
    a time. A request made while a run is going cancels that run (its token) and
    starts again when it stops: at most one run at a time, the last one always of the
    latest project. ``merge(older, newer)`` combines what two requests want (e.g. "also
    the gaps", or "the newer date").
    """

    def __init__(
        self,
        parent: QObject,
        project: Callable[[], Project],
        job: Job[W, T],
        show: Show[T],
        merge: Callable[[W, W], W],
    ) -> None:
        self.signals = _LatestSignals(parent)
        self.busy = self.signals.busy
        self.failed = self.signals.failed
        self.project = project
        self.job = job
        self.show = show
        self.merge = merge
        self.generation = 0  # counts requests; a result is shown only if it is the latest
        self.running = False  # computing, or showing, figures in the background
        self._wanted: W | None = None  # what the next run must include
        self._running_wants: W | None = None  # what the run going includes
        self._token = CancelToken()
        self._steps: Iterator[None] = iter(())
        self._showing = 0  # the generation whose figures are being shown
        self.signals.finished.connect(self._done)

    @property
    def pending(self) -> bool:
        """Whether the view is behind the project (a run is going)."""
        return self.running

    def request(self, wanted: W) -> None:
        """The project changed: bring the view up to date, including `wanted`."""
        self.generation += 1
        self._wanted = wanted if self._wanted is None else self.merge(self._wanted, wanted)
        project = self.project()
        if not in_background(project) and not self.running:
            now, self._wanted = self._wanted, None
            try:
                result = self.job(project, now)(progress=_ignore, cancel=CancelToken())
            except Exception as exc:  # noqa: BLE001 (the same error path as in the background)
                self.failed.emit(exc)
                return
            for _ in self.show(result):
                pass
            return
        if self.running:  # out of date: stop it; it starts again with the latest project
            self._token.cancel()
        else:
            self._start()

    def _start(self) -> None:
        self.running = True
        wanted, self._wanted = self._wanted, None
        assert wanted is not None  # noqa: S101 (a request was made)
        self._running_wants = wanted
        generation = self.generation
        copy = self.project().copy()  # the worker reads the copy; edits go on meanwhile
        self._token = token = CancelToken()
        self.busy.emit(True)
        future = _executor.submit(self.job(copy, wanted), progress=_ignore, cancel=token)
        future.add_done_callback(lambda f: self.signals.finished.emit(generation, f))

    def _done(self, generation: int, future: Future[T]) -> None:
        try:
            result = future.result()
        except TaskCancelledError:
            generation = -1  # superseded: the request that cancelled it follows
        except Exception as exc:  # noqa: BLE001 (shown through the window's error path)
            self.running = False
            self.busy.emit(False)
            self.failed.emit(exc)
            return
        if generation != self.generation:  # out of date: run again, wanting as much
            if self._wanted is None:  # (edited while the parts were shown)
                self._wanted = self._running_wants
            elif self._running_wants is not None:  # the older first: `merge(older, newer)`
                self._wanted = self.merge(self._running_wants, self._wanted)
            self._start()
            return
        self._showing = generation
        self._steps = iter(self.show(result))
        self._step()

    def _step(self) -> None:
        """Show the next part; the window runs between parts."""
        if next(self._steps, StopIteration) is not StopIteration:
            QTimer.singleShot(0, self._step)
            return
        if self.generation != self._showing:
            self._start()  # edited while the parts were shown
            return
        self.running = False
        self.busy.emit(False)


def _ignore(fraction: float, message: str = "") -> None:
    """No progress shown: a `Latest` view shows a busy bar instead."""
