"""Two writers, one project: a lock while a program changes the file, and its stamp.

A program that changes a project (a CLI command, the window's Save) holds an
exclusive lock on it from before it reads the file until its save is done, so
two writers take turns instead of the last save silently winning. The lock is
a file beside the project, ``.NAME.lock``, locked with ``flock`` (POSIX) or
``msvcrt.locking`` (Windows); the operating system releases it when the
process ends, however it ends.

A `FileStamp` tells whether the file changed on disk since a program read it:
its identity (device, inode, size, modification time) and the ``save_id`` each
save writes into the ``tp_meta`` table (saves replace the file by a rename, and
a file system may reuse an inode or keep coarse times: the id settles it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from territory_planner._errors import ProjectBusyError, ProjectChangedError, ProjectFileError
from territory_planner.io.project_file import META_LAYER, SAVE_ID_KEY, load_project, save_project
from territory_planner.io.project_tables import CHECK_SECONDS
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, Progress, no_progress

#: Seconds a writer waits for another to finish (this environment variable overrides it).
TIMEOUT_ENV = "TERRITORY_PLANNER_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
POLL_SECONDS = 0.05
#: Reads of a file that keeps changing while it is read before giving up on a stable one.
LOAD_TRIES = 3


class _Msvcrt(Protocol):
    """The part of Windows' ``msvcrt`` module the lock uses (a fake in the tests)."""

    LK_NBLCK: int
    LK_UNLCK: int

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None:
        """Lock or unlock `nbytes` bytes from the file's current position."""


#: errno of a lock held by another open file: EACCES (LK_NBLCK), EDEADLOCK = EDEADLK (LK_LOCK).
_HELD = frozenset({errno.EACCES, errno.EDEADLK})


class _WindowsLocks:
    """The lock on Windows: ``msvcrt.locking`` of the lock file's first byte.

    `msvcrt.locking` locks from the file's current position, so both calls go
    to byte 0 first (a lock and its unlock must name the same range). Windows
    lets a range past the end of a file be locked, so the empty lock file
    needs no content. LK_NBLCK tries once and raises OSError (EACCES) while
    another open file holds the byte; any other error is not "busy".
    """

    def __init__(self, msvcrt: _Msvcrt) -> None:
        self.msvcrt = msvcrt

    def try_lock(self, fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            self.msvcrt.locking(fd, self.msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in _HELD:
                return False
            raise
        return True

    def unlock(self, fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        self.msvcrt.locking(fd, self.msvcrt.LK_UNLCK, 1)


if sys.platform == "win32":
    import msvcrt

    _WINDOWS = _WindowsLocks(msvcrt)
    _try_lock, _unlock = _WINDOWS.try_lock, _WINDOWS.unlock

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # held by another open file; other errors are not "busy"
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(project: str | os.PathLike[str]) -> Path:
    """The lock file of a project: ``.NAME.lock`` beside the file (links followed).

    Parameters
    ----------
    project
        The project file (it need not exist).

    Returns
    -------
    pathlib.Path
        The lock file's path.
    """
    target = Path(project).resolve()
    return target.with_name(f".{target.name}.lock")


def lock_timeout() -> float:
    """How long a writer waits for the lock: `TIMEOUT_ENV` if set, else 30 seconds."""
    try:
        return float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


@contextlib.contextmanager
def project_lock(
    project: str | os.PathLike[str],
    timeout: float | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Iterator[None]:
    """Hold the project's exclusive lock for the ``with`` block (released even on errors).

    Parameters
    ----------
    project
        The project file (it need not exist yet).
    timeout
        Seconds to wait for another program to finish (default: `lock_timeout`).
    progress
        Told while waiting for another program: the fraction of `timeout` gone.
    cancel
        Checked while waiting: Cancel stops the wait, with nothing locked or changed.

    Yields
    ------
    None
        Once the lock is held; it is released when the block ends.

    Raises
    ------
    ProjectBusyError
        If another program still holds the lock after `timeout` seconds.
    ProjectFileError
        If the lock file cannot be created (the folder is missing or read-only).
    TaskCancelledError
        If `cancel` was cancelled while waiting.
    """
    path = lock_path(project)
    wait = lock_timeout() if timeout is None else timeout
    fd = _acquire(path, wait, str(project), progress, cancel)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # removed while still locked, so a waiter sees it
            path.unlink()  # is gone (see `_acquire`); Windows keeps an open file: it stays
        _unlock(fd)
        os.close(fd)


def _acquire(
    path: Path, wait: float, shown: str, progress: Progress, cancel: CancelToken | None
) -> int:
    """Open and lock `path`; retry for `wait` seconds while another program holds it."""
    start = time.monotonic()
    message = f"Waiting for another program to finish changing {Path(shown).name}…"
    while True:
        fd = _open_lock_file(path, shown)
        try:
            locked = _try_lock(fd)
        except OSError as exc:  # e.g. a network folder without locks: say so, do not wait
            os.close(fd)
            reason = exc.strerror or type(exc).__name__
            msg = f"cannot lock the project in this folder ({reason}); copy it to a local folder"
            raise ProjectFileError(msg, file=shown) from exc
        if locked:
            if _is_current(fd, path):
                return fd
            _unlock(fd)  # the holder removed this file as it let go: lock the new one
        os.close(fd)
        if cancel is not None:
            cancel.raise_if_cancelled()
        waited = time.monotonic() - start
        if waited >= wait:
            msg = (
                "another program is changing this project (the app or a territory-planner "
                "command); nothing was changed. Try again when it has finished"
            )
            raise ProjectBusyError(msg, file=shown)
        progress(waited / wait, message)
        time.sleep(POLL_SECONDS)


def _open_lock_file(path: Path, shown: str) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError as exc:
        error: OSError = exc
        with contextlib.suppress(OSError):  # another user's lock file: reading it is enough
            return os.open(path, os.O_RDONLY)
    except OSError as exc:
        error = exc
    reason = error.strerror or type(error).__name__
    msg = f"cannot write in this folder ({reason}); choose another folder"
    raise ProjectFileError(msg, file=shown) from error


def _is_current(fd: int, path: Path) -> bool:
    """Whether the open file `fd` is still the file named `path`."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a project file (``exists`` False: there was none)."""

    exists: bool
    device: int = 0
    inode: int = 0
    size: int = 0
    mtime_ns: int = 0
    save_id: str | None = None


def file_stamp(project: str | os.PathLike[str]) -> FileStamp:
    """The stamp of the project file as it is on disk now (links followed).

    Parameters
    ----------
    project
        The project file.

    Returns
    -------
    FileStamp
        Device, inode, size, modification time and the last save's id; ``exists=False``
        when there is no such file.
    """
    target = Path(project).resolve()
    try:
        status = target.stat()
    except FileNotFoundError:
        return FileStamp(exists=False)
    return FileStamp(
        True, status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, _save_id(target)
    )


def _save_id(path: Path) -> str | None:
    """The id the last save wrote into the file (None: not a project, or saved before ids)."""
    uri = path.as_uri() + "?mode=ro"
    query = f"SELECT value FROM {META_LAYER} WHERE key = ?"  # noqa: S608 (a constant)
    kind = "SELECT type FROM sqlite_master WHERE name = ?"
    deadline = time.monotonic() + CHECK_SECONDS
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.text_factory = lambda raw: raw.decode("utf-8", "replace")
            db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            if db.execute(kind, (META_LAYER,)).fetchone() != ("table",):
                return None  # a view there may never finish (load_project refuses it)
            row = db.execute(query, (SAVE_ID_KEY,)).fetchone()
    except (sqlite3.Error, UnicodeDecodeError):
        return None
    return str(row[0]) if row else None


def check_unchanged(project: str | os.PathLike[str], expected: FileStamp | None) -> None:
    """Refuse to save over a file that changed since it was read as `expected`.

    Nothing to check when `expected` is None, or when the file is gone (saving
    brings it back and loses nothing).

    Parameters
    ----------
    project
        The project file.
    expected
        Its stamp when it was read (`file_stamp`); None: nothing to check.

    Raises
    ------
    ProjectChangedError
        If the file on disk is not the version that was read.
    """
    if expected is None:
        return
    current = file_stamp(project)
    if current.exists and current != expected:
        msg = (
            "the file was changed by another program since it was read, so it was not "
            "saved over and nothing was lost. Open it again (or run the command again) and redo "
            "the change, or save as another file"
        )
        raise ProjectChangedError(msg, file=str(project))


def save_guarded(
    project: Project,
    path: str | os.PathLike[str],
    expected: FileStamp | None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> FileStamp:
    """Save under the project's lock, refusing a file changed since it was read.

    Parameters
    ----------
    project
        The project to save.
    path
        The project file to write.
    expected
        The stamp of the file when `project` was read from it (`file_stamp`
        taken before loading); None to save over whatever is there.
    progress, cancel
        For the wait for another program (see `project_lock`); once the lock
        is held, `cancel` is committed: the save goes through.

    Returns
    -------
    FileStamp
        The stamp of the file just saved: what the next save expects.

    Raises
    ------
    ProjectChangedError, ProjectBusyError, ProjectFileError, TaskCancelledError
        See `check_unchanged`, `project_lock` and `save_project`.
    """
    with project_lock(path, progress=progress, cancel=cancel):
        if cancel is not None:
            cancel.commit()  # Cancel stopped the wait; from here the file is written
        progress(0.0, f"Saving {Path(path).name}…")
        check_unchanged(path, expected)
        save_project(project, path)
        return file_stamp(path)


def load_stamped(path: str | os.PathLike[str]) -> tuple[Project, FileStamp]:
    """Open a project and tell which version of the file was read (see `save_guarded`).

    A file is read in parts; if another program saves it meanwhile, it is read
    again (up to `LOAD_TRIES` times; a stamp of the version read first still
    makes the next guarded save ask rather than lose anything).

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    tuple[Project, FileStamp]
        The project, and the stamp of the version read.
    """
    for _ in range(LOAD_TRIES):
        stamp = file_stamp(path)
        project = load_project(path)
        if file_stamp(path) == stamp:
            break
    return project, stamp
