"""Files written whole or not at all, with the permissions the user's other files get.

A temporary file from `tempfile.mkstemp` can be read by its owner only (mode
0600), and renamed over a report it keeps that mode: a colleague could not
open the report. The files made here are created as any program creates a
file: mode 0666 less the user's umask (0644 or 0664, usually), or the mode
of the file they replace.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

#: The mode a new file asks for; the operating system takes the umask off.
NEW_FILE_MODE = 0o666
_NAME_ATTEMPTS = 100


class FolderNotWritableError(OSError):
    """The folder of a file to write cannot hold a new file (read-only, full, missing)."""


def new_file(folder: Path, prefix: str = "", suffix: str = "") -> Path:
    """Create a new, empty file with a unique name in `folder`, as `tempfile.mkstemp` does.

    Unlike ``mkstemp``'s file, it has the user's normal permissions (0666 less the umask).

    Parameters
    ----------
    folder
        The folder.
    prefix, suffix
        The name's start and end, around 12 random hex digits.

    Returns
    -------
    pathlib.Path
        The file created.

    Raises
    ------
    OSError
        If the folder cannot hold a new file.
    """
    for _ in range(_NAME_ATTEMPTS):
        path = Path(folder) / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
        except FileExistsError:
            continue
        os.close(handle)
        return path
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(folder))


def keep_mode(target: Path, new: Path) -> None:
    """Give the file `new` the permission bits of the file `target`, if that exists.

    Parameters
    ----------
    target
        The file being replaced.
    new
        The file replacing it.
    """
    try:
        mode = stat.S_IMODE(Path(target).stat().st_mode)
    except FileNotFoundError:
        return
    Path(new).chmod(mode)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write `path` in a temporary folder beside it, then move the complete file in place.

    `write` is given the file name to create; it creates it as any writer does,
    so the file gets the user's normal permissions, or those of the file it
    replaces. If `write` fails, an existing `path` is left as it was.

    Parameters
    ----------
    path
        The file to write.
    write
        Creates and writes the file at the path it is given.

    Raises
    ------
    FolderNotWritableError
        If no temporary folder can be made beside `path`.
    Exception
        Whatever `write` raises, and the `OSError` of a failed move.
    """
    path = Path(path)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        raise FolderNotWritableError(exc.errno, exc.strerror, exc.filename) from exc
    try:
        tmp = scratch / path.name
        write(tmp)
        keep_mode(path, tmp)
        tmp.replace(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
