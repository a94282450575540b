"""The error types every layer raises; the UI and the CLI show their message as is."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class: a problem the user can act on, with a message written for them."""


class InputError(PlannerError):
    """A file or value supplied by the user is wrong (CLI exit code 1).

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    file, row, column
        Where the problem is, when known; they are prefixed to the message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.reason = message
        where = [
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column '{column}'" if column is not None else None,
            )
            if part
        ]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ProjectFileError(InputError):
    """A project file cannot be opened or saved."""


class ProjectBusyError(ProjectFileError):
    """Another program is changing the project file and did not finish in time."""


class ProjectChangedError(ProjectFileError):
    """The project file was changed by another program since it was opened."""
