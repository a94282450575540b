"""Files a command or the window writes: never the open project itself."""

from __future__ import annotations

from pathlib import Path

from territory_planner._errors import InputError


def same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are one file (through links, or one name of a file not there yet).

    Parameters
    ----------
    a, b
        The two paths.

    Returns
    -------
    bool
        True when they are the same file, or (when one does not exist) resolve to one path.
    """
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist (yet)
        return a.resolve() == b.resolve()


def refuse_project_target(target: Path, project: Path | None, what: str = "the export") -> None:
    """Refuse to write `what` over the project file.

    Parameters
    ----------
    target
        The file about to be written.
    project
        The open project's file; None: no project file (nothing to refuse).
    what
        What is written, for the message; "the export" by default.

    Raises
    ------
    InputError
        If `target` is the project file (the message names it and says what to do).
    """
    if project is not None and same_file(target, project):
        msg = (
            f"{what} names the project file itself; writing there would destroy the "
            "project. Choose another file name"
        )
        raise InputError(msg, file=str(target))
