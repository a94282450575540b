"""Recovery files: what autosave writes, and finding those left by a session that crashed.

Each running app writes ``recovery-<pid>.gpkg`` plus a ``.json`` note (the
project's own path and name, and when) into the user's data folder. A file
whose process is no longer running is work that was never saved.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from territory_planner.io.project_file import save_project
from territory_planner.io.project_lock import FileStamp
from territory_planner.io.safe_save import _remove_stale_temps, process_running
from territory_planner.model import Project


@dataclass(frozen=True)
class Recovery:
    """One recovery file: the project copy and what it was."""

    file: Path
    original: Path | None
    name: str
    saved_at: str
    #: The version of `original` the work started from (a later Save asks if it changed).
    stamp: FileStamp | None = None


def recovery_file(folder: Path, pid: int | None = None) -> Path:
    """The recovery file of process `pid` (default: this one) in `folder`.

    Parameters
    ----------
    folder
        The folder of recovery files.
    pid
        The process ID; None: this process.

    Returns
    -------
    pathlib.Path
        ``recovery-<pid>.gpkg`` in `folder`.
    """
    return folder / f"recovery-{os.getpid() if pid is None else pid}.gpkg"


def write_recovery(
    project: Project, original: Path | None, target: Path, stamp: FileStamp | None = None
) -> None:
    """Save `project` to `target` (atomically) with its note beside it.

    `stamp`: the version of `original` the work started from, if known.

    Parameters
    ----------
    project
        The project to save.
    original
        The project's own file; None: never saved.
    target
        The recovery file (its folder is created if needed).
    stamp
        The version of `original` the work started from; None: unknown.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    save_project(project, target)
    note = {
        "original": str(original) if original else "",
        "name": project.name,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "original_stamp": asdict(stamp) if stamp else None,
    }
    target.with_suffix(".json").write_text(json.dumps(note), encoding="utf-8")


def discard(target: Path) -> None:
    """Remove a recovery file and its note (after a save or a clean exit).

    Also what a crash in the middle of an autosave left beside it: each
    process autosaves to a file of its own, so no later save would.

    Parameters
    ----------
    target
        The recovery file (missing files are fine).
    """
    for path in (target, target.with_suffix(".json")):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    _remove_stale_temps(target)


def pending(folder: Path) -> list[Recovery]:
    """Recovery files left by processes that are no longer running, newest first.

    Parameters
    ----------
    folder
        The folder of recovery files.

    Returns
    -------
    list[Recovery]
        Each file with its original, project name, time saved and stamp.
    """
    found = []
    for file in folder.glob("recovery-*.gpkg"):
        try:
            pid = int(file.stem.removeprefix("recovery-"))
        except ValueError:
            continue
        if pid != os.getpid() and process_running(pid):
            continue
        try:
            note = json.loads(file.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            note = {}
        original = note.get("original") or ""
        found.append(
            Recovery(
                file,
                Path(original) if original else None,
                note.get("name", file.stem),
                note.get("saved_at", ""),
                _stamp(note.get("original_stamp")),
            )
        )
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def _stamp(data: object) -> FileStamp | None:
    """The stamp a note recorded (None if it has none, or one this version cannot read)."""
    if not isinstance(data, dict):
        return None
    try:
        return FileStamp(**data)
    except TypeError:
        return None
