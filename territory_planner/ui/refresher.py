"""Keeps the panels' figures (`project_overview`) up to date without freezing the window.

A small project's overview takes milliseconds: it is computed at once. A large
one's (100k accounts: seconds) is computed on a copy of the project in its own
worker thread; the window stays responsive and the panels are filled when it is
done, a few at a time (`show` is a generator: each ``yield`` lets the window run
before the next panel). Edits made meanwhile are not lost: a result that is out
of date when it arrives is dropped and the overview of the latest project is
computed (one run at a time, at most one waiting).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QTimer, Signal

from territory_planner.mapview.overview import Overview
from territory_planner.model import Project

#: Given the project (or a copy of it) and whether to look for gaps and overlaps, the
#: function that computes its overview (made on the GUI thread, run on any).
Job = Callable[[Project, bool], Callable[[], Overview]]
#: Shows an overview in the panels, a part per step of the iteration.
Show = Callable[[Overview], Iterable[None]]

#: Projects with at least this many accounts get their overview in the background.
BACKGROUND_FROM = 20_000


def in_background(project: Project) -> bool:
    """Whether work on `project` is large enough to go to a worker thread."""
    return len(project.accounts) >= BACKGROUND_FROM


_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="territory-planner-refresh")


class Refresher(QObject):
    """Computes the overview of `project()` by `job` when asked, and shows it by `show`."""

    busy = Signal(bool)  # a background run started (True) / the panels caught up (False)
    failed = Signal(object)  # Exception
    _finished = Signal(int, object)  # generation, Future (from the worker thread)

    def __init__(
        self, project: Callable[[], Project], job: Job, show: Show, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.job = job
        self.show = show
        self.generation = 0  # counts requests; a result is shown only if it is the latest
        self.running = False  # computing, or showing, an overview in the background
        self._coverage = False  # gaps and overlaps are wanted in the next run
        self._wanted = False  # the run going looks for gaps and overlaps
        self._steps: Iterator[None] = iter(())
        self._showing = 0  # the generation whose overview is being shown
        self._finished.connect(self._done)

    @property
    def pending(self) -> bool:
        """Whether the panels are behind the project (a run is going)."""
        return self.running

    def request(self, *, coverage: bool) -> None:
        """The project changed: bring the overview up to date (with gaps if `coverage`)."""
        self.generation += 1
        self._coverage = self._coverage or coverage
        project = self.project()
        if not in_background(project) and not self.running:
            wanted, self._coverage = self._coverage, False
            for _ in self.show(self.job(project, wanted)()):
                pass
            return
        if not self.running:  # else: the run going is out of date and starts again when done
            self._start()

    def _start(self) -> None:
        self.running = True
        wanted, self._coverage = self._coverage, False
        generation = self.generation
        copy = self.project().copy()  # the worker reads the copy; edits go on meanwhile
        self.busy.emit(True)
        future = _executor.submit(self.job(copy, wanted))
        self._wanted = wanted
        future.add_done_callback(lambda f: self._finished.emit(generation, f))

    def _done(self, generation: int, future: Future[Overview]) -> None:
        try:
            overview = future.result()
        except Exception as exc:  # noqa: BLE001 (shown through the window's error path)
            self.running = False
            self.busy.emit(False)
            self.failed.emit(exc)
            return
        if generation != self.generation:  # edited meanwhile: this is out of date
            self._coverage = self._coverage or self._wanted
            self._start()
            return
        self._showing = generation
        self._steps = iter(self.show(overview))
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
