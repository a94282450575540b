"""How a save replaces a file safely: temporary files, permissions, links, write errors.

A save (`project_file.save_project`) writes ``.NAME.<pid>.<random>.saving.gpkg``
beside the target and renames it over the target; this module names those
temporary files (`TEMP_NAME`) and removes the ones killed saves left, follows
links, keeps the previous file's permissions, and says why a write failed in
words a user can act on (`describe_write_error`).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import stat
import threading
from pathlib import Path

from territory_planner._errors import ProjectFileError

TEMP_SUFFIX = ".saving.gpkg"


#: A temporary file of a save of ``NAME``: ``.NAME.<pid>.<random>.saving.gpkg``
#: (plus the SQLite journal GDAL may leave beside it).
TEMP_NAME = re.compile(
    r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[^.]+"
    + re.escape(TEMP_SUFFIX)
    + r"(?P<journal>-journal|-wal|-shm)?$"
)


#: Write permission for anyone: a file without any of these bits is read-only.
WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


# Temporary files this process is writing right now: a save in another thread
# must not take them for leftovers of a killed save.
_saving: set[str] = set()


_saving_lock = threading.Lock()


def _real_path(path: Path) -> Path:
    """The file `path` names, following symbolic links (a save replaces that file)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        msg = f"cannot follow the link ({describe_write_error(exc)}); save to another file"
        raise ProjectFileError(msg, file=str(path)) from exc


def _writable_stat(target: Path, shown: Path) -> os.stat_result | None:
    """The status of the existing file at `target` (None if there is none).

    Raises
    ------
    ProjectFileError
        If the file is read-only. Its mode bits are checked, not `os.access`,
        which says yes to everything for root.
    """
    try:
        status = target.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        msg = f"cannot save over this file ({describe_write_error(exc)}); save to another file"
        raise ProjectFileError(msg, file=str(shown)) from exc
    if not status.st_mode & WRITE_BITS:
        msg = "the file is read-only and was not changed; save as another file, or make it writable"
        raise ProjectFileError(msg, file=str(shown))
    return status


def _copy_permissions(previous: os.stat_result, tmp: Path) -> None:
    """Give the new file the permission bits (and, where allowed, the owner) of the old one."""
    tmp.chmod(stat.S_IMODE(previous.st_mode))
    current = tmp.stat()
    if (current.st_uid, current.st_gid) != (previous.st_uid, previous.st_gid):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(tmp, previous.st_uid, previous.st_gid)


def describe_write_error(exc: BaseException) -> str:
    """Why writing a file failed, in words a user can act on (no traceback).

    Parameters
    ----------
    exc
        The error writing raised.

    Returns
    -------
    str
        "the disk is full", a permission note, the system's message, or the error's
        first line (else its type's name).
    """
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text:
        return "the disk is full"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "no permission to write there; the folder or drive may be read-only"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _first_line(text) or type(exc).__name__


def _remove_stale_temps(target: Path) -> None:
    """Delete temporary files of saves of `target` that were killed mid-way.

    Only files named for exactly this target are considered, and only those of
    processes that are no longer running (or of this process, but not a save
    in progress in another thread).
    """
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*{TEMP_SUFFIX}*"):
        match = TEMP_NAME.match(leftover.name)
        if match is None or match["target"] != target.name:
            continue
        pid = int(match["pid"])
        if pid == os.getpid():
            with _saving_lock:
                busy = leftover.name.removesuffix(match["journal"] or "") in _saving
            if busy:
                continue
        elif process_running(pid):
            continue
        with contextlib.suppress(OSError):
            leftover.unlink()


def process_running(pid: int) -> bool:
    """Whether a process with this id exists.

    Parameters
    ----------
    pid
        The process ID.

    Returns
    -------
    bool
        True when it exists (also one of another user's).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
