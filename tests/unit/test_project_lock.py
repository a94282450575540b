"""Two writers, one project (issue 15): the lock, the file's stamp, and the CLI's writers."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from territory_planner._errors import ProjectBusyError, ProjectChangedError, ProjectFileError
from territory_planner.cli import main
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.project_lock import (
    TIMEOUT_ENV,
    _WindowsLocks,
    check_unchanged,
    file_stamp,
    lock_path,
    project_lock,
    save_guarded,
)
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, TaskCancelledError

DATA = Path(__file__).parents[1] / "data" / "import"
ACCOUNTS, REPS = DATA / "crm_headers.csv", DATA / "reps.csv"
RUNS = 6


WORKER = Path(__file__).with_name("cli_worker.py")


def _worker() -> subprocess.Popen[str]:
    """A child process running CLI commands sent on its stdin (see `cli_worker`)."""
    process = subprocess.Popen(
        [sys.executable, str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_concurrent_import_and_reps_both_land(tmp_path) -> None:
    """`import` and `reps` started together on one project: both changes are saved, every run."""
    workers = {"import": _worker(), "reps": _worker()}
    try:
        for run in range(RUNS):
            project = tmp_path / f"P{run}.gpkg"
            if run % 2:  # every other run, the first of the two creates the project
                save_project(Project.empty(project.stem), project)
            for command, file in (("import", ACCOUNTS), ("reps", REPS)):
                stdin = workers[command].stdin
                assert stdin is not None
                stdin.write(json.dumps([command, str(project), str(file)]) + "\n")
                stdin.flush()
            codes = [w.stdout.readline() for w in workers.values() if w.stdout is not None]
            assert codes == ["0\n", "0\n"], run
            saved = load_project(project)
            assert (len(saved.accounts), len(saved.reps)) == (1, 3), run
    finally:
        for worker in workers.values():
            worker.communicate(timeout=30)
    assert len(list(tmp_path.iterdir())) == RUNS  # the projects, no lock or temporary file


def test_a_held_lock_makes_a_writer_wait_then_fail(tmp_path, monkeypatch, capsys) -> None:
    project = tmp_path / "P.gpkg"
    save_project(Project.empty("P"), project)
    monkeypatch.setenv(TIMEOUT_ENV, "0.3")
    with project_lock(project):
        start = time.monotonic()
        code = main(["reps", str(project), str(REPS)])
        waited = time.monotonic() - start
    assert code == 1
    assert waited >= 0.3
    err = capsys.readouterr().err
    assert str(project) in err
    assert "another program is changing this project" in err
    assert len(load_project(project).reps) == 0  # nothing changed
    assert main(["reps", str(project), str(REPS)]) == 0  # free again
    assert len(load_project(project).reps) == 3


def test_a_writer_waits_for_the_lock_to_be_let_go(tmp_path) -> None:
    project = tmp_path / "P.gpkg"
    held = threading.Event()

    def hold() -> None:
        with project_lock(project):
            held.set()
            time.sleep(0.2)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    start = time.monotonic()
    with project_lock(project, timeout=5):
        assert time.monotonic() - start >= 0.1
    holder.join()
    assert not lock_path(project).exists()  # no lock file is left behind


def test_the_lock_is_let_go_after_an_error(tmp_path) -> None:
    project = tmp_path / "P.gpkg"

    def fail_while_locked() -> None:
        with project_lock(project):
            msg = "boom"
            raise ValueError(msg)

    with pytest.raises(ValueError, match="boom"):
        fail_while_locked()
    with project_lock(project, timeout=0):
        pass


def test_a_busy_project_raises_a_typed_error(tmp_path) -> None:
    project = tmp_path / "P.gpkg"
    with (
        project_lock(project),
        pytest.raises(ProjectBusyError, match=r"P\.gpkg"),
        project_lock(project, timeout=0),
    ):
        pass


def test_the_stamp_tells_another_save_apart(tmp_path) -> None:
    project = tmp_path / "P.gpkg"
    assert not file_stamp(project).exists
    stamp = save_guarded(Project.empty("P"), project, file_stamp(project))
    assert stamp == file_stamp(project)
    check_unchanged(project, stamp)  # the same version: nothing to say
    save_project(Project.empty("other"), project)  # another program saves
    with pytest.raises(ProjectChangedError, match="changed by another program"):
        save_guarded(Project.empty("mine"), project, stamp)
    assert load_project(project).name == "other"  # not saved over
    save_guarded(Project.empty("mine"), project, None)  # overwrite on purpose
    assert load_project(project).name == "mine"
    project.unlink()
    check_unchanged(project, stamp)  # gone: saving brings it back, nothing is lost


def test_the_cli_refuses_a_file_changed_while_it_ran(tmp_path, monkeypatch, capsys) -> None:
    """A program that ignores the lock (QGIS, say) saves while `reps` runs: `reps` refuses."""
    from territory_planner.io import rep_import

    project = tmp_path / "P.gpkg"
    save_project(Project.empty("P"), project)
    read_reps = rep_import.read_reps

    def read_and_meanwhile_save(*args: object, **kwargs: object) -> object:
        save_project(Project.empty("meanwhile"), project)
        return read_reps(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rep_import, "read_reps", read_and_meanwhile_save)
    assert main(["reps", str(project), str(REPS)]) == 1
    err = capsys.readouterr().err
    assert str(project) in err
    assert "changed by another program" in err
    assert load_project(project).name == "meanwhile"


def test_read_only_commands_take_no_lock(demo_file) -> None:
    with project_lock(demo_file, timeout=0):
        assert main(["check", str(demo_file)]) == 0
    assert not lock_path(demo_file).exists()


def test_a_file_saved_while_it_is_read_is_read_again(tmp_path, monkeypatch) -> None:
    from territory_planner.io import project_lock

    project = tmp_path / "P.gpkg"
    save_project(Project.empty("first"), project)
    reads: list[str] = []

    def read_while_another_saves(path: Path) -> Project:
        read = load_project(path)
        reads.append(read.name)
        if len(reads) == 1:
            save_project(Project.empty("second"), path)
        return read

    monkeypatch.setattr(project_lock, "load_project", read_while_another_saves)
    opened, stamp = project_lock.load_stamped(project)
    assert reads == ["first", "second"]
    assert opened.name == "second"
    assert stamp == file_stamp(project)


def test_a_folder_where_no_lock_can_be_made_is_named(tmp_path) -> None:
    project = tmp_path / "missing" / "P.gpkg"
    with (
        pytest.raises(ProjectFileError, match=r"P\.gpkg: cannot write in this folder"),
        project_lock(project),
    ):
        pass


def test_cancel_stops_the_wait_and_touches_nothing(tmp_path) -> None:
    project = tmp_path / "P.gpkg"
    save_project(Project.empty("P"), project)
    before = project.read_bytes()
    token = CancelToken()
    reports: list[tuple[float, str]] = []

    def waiting(fraction: float, message: str = "") -> None:
        reports.append((fraction, message))
        token.cancel()  # the user presses Cancel as soon as the wait shows

    with project_lock(project):
        with pytest.raises(TaskCancelledError):
            save_guarded(Project.empty("mine"), project, None, progress=waiting, cancel=token)
        assert len(reports) == 1  # stopped at the first check after Cancel, not at the timeout
    fraction, message = reports[0]
    assert 0.0 <= fraction < 1.0
    assert message == "Waiting for another program to finish changing P.gpkg…"
    assert project.read_bytes() == before
    assert not lock_path(project).exists()
    with pytest.raises(TaskCancelledError):
        token.commit()  # a cancelled task cannot go on


def test_once_the_lock_is_held_the_save_cannot_be_cancelled(tmp_path) -> None:
    project = tmp_path / "P.gpkg"
    committed: list[bool] = []
    token = CancelToken(on_commit=lambda: committed.append(True))
    stamp = save_guarded(Project.empty("mine"), project, None, cancel=token)
    assert committed == [True]
    token.cancel()  # too late: the file is written and the window must know it
    assert not token.cancelled
    token.raise_if_cancelled()
    assert load_project(project).name == "mine"
    assert stamp == file_stamp(project)


class FakeMsvcrt:
    """Windows' ``msvcrt.locking`` as documented, over real files: what the Windows branch sees.

    A lock covers `nbytes` from the file's current position and belongs to the
    open file (here: the descriptor) that took it; LK_NBLCK tries once and raises
    OSError(EACCES) if another open file holds an overlapping range (so does the
    same one: Windows does not nest locks); LK_UNLCK must name a range exactly as
    locked. A range past the end of the file may be locked.
    """

    LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2

    def __init__(self) -> None:
        self.held: dict[tuple[int, int, int, int], int] = {}  # (dev, ino, start, fd) -> nbytes
        self.fail: int | None = None  # an errno every call raises (a folder without locks)
        self.calls = 0

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None:
        self.calls += 1
        if self.fail is not None:
            raise OSError(self.fail, os.strerror(self.fail))
        status = os.fstat(fd)
        start = os.lseek(fd, 0, os.SEEK_CUR)
        key = (status.st_dev, status.st_ino, start, fd)
        if mode == self.LK_UNLCK:
            if self.held.pop(key, None) != nbytes:
                raise OSError(errno.EACCES, "not locked")
            return
        assert mode == self.LK_NBLCK
        for (dev, ino, begin, _fd), size in self.held.items():
            same_file = (dev, ino) == (status.st_dev, status.st_ino)
            if same_file and begin < start + nbytes and start < begin + size:
                raise OSError(errno.EACCES, "Permission denied")
        self.held[key] = nbytes


@pytest.fixture
def windows(monkeypatch) -> FakeMsvcrt:
    """The lock's Windows branch over a fake msvcrt; files cannot be removed while open."""
    from territory_planner.io import project_lock as module

    fake = FakeMsvcrt()
    locks = module._WindowsLocks(fake)
    monkeypatch.setattr(module, "_try_lock", locks.try_lock)
    monkeypatch.setattr(module, "_unlock", locks.unlock)
    opened_lock_files: set[Path] = set()
    real_open, real_unlink = os.open, Path.unlink

    def open_(path, flags, *args):  # type: ignore[no-untyped-def]
        opened_lock_files.add(Path(path))
        return real_open(path, flags, *args)

    def unlink(self, missing_ok=False):  # type: ignore[no-untyped-def]
        if self in opened_lock_files and fake.held:  # held means open: a sharing violation
            raise PermissionError(errno.EACCES, "being used by another process")
        return real_unlink(self, missing_ok)

    monkeypatch.setattr(module.os, "open", open_)
    monkeypatch.setattr(Path, "unlink", unlink)
    return fake


def test_windows_lock_takes_turns_whatever_the_file_position(tmp_path, windows) -> None:
    project = tmp_path / "P.gpkg"
    with project_lock(project):
        assert len(windows.held) == 1
        ((_dev, _ino, start, _fd), size), *_ = windows.held.items()
        assert (start, size) == (0, 1)  # the first byte of the (empty) lock file
        with pytest.raises(ProjectBusyError, match=r"P\.gpkg"), project_lock(project, timeout=0):
            pass
        other = os.open(lock_path(project), os.O_RDWR)
        try:
            os.lseek(other, 5, os.SEEK_SET)  # a file read or written elsewhere: still byte 0
            assert not _WindowsLocks(windows).try_lock(other)
        finally:
            os.close(other)
    assert windows.held == {}  # unlocked with the range it was locked with
    assert lock_path(project).exists()  # Windows could not remove it while it was open
    with project_lock(project, timeout=0):  # the file left behind is locked again
        assert len(windows.held) == 1
    assert windows.held == {}


def test_windows_lock_error_that_is_not_busy_is_named_at_once(tmp_path, windows) -> None:
    project = tmp_path / "P.gpkg"
    windows.fail = errno.EINVAL
    with (
        pytest.raises(ProjectFileError, match=r"P\.gpkg: cannot lock the project in this folder"),
        project_lock(project, timeout=30),
    ):
        pass
    assert windows.calls == 1  # not taken for another program's lock and waited on


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_folder_without_locks_is_named_not_waited_on(tmp_path, monkeypatch) -> None:
    import fcntl

    calls: list[int] = []

    def no_locks(fd: int, operation: int) -> None:
        calls.append(operation)
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    project = tmp_path / "P.gpkg"
    with (
        pytest.raises(ProjectFileError, match=r"P\.gpkg: cannot lock the project in this folder"),
        project_lock(project, timeout=30),
    ):
        pass
    assert len(calls) == 1
