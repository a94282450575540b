"""One open project and every change made to it.

The window and the command line change a project the same way: they get an
edit (from `territory_planner.edits` or `territory_planner.app.operations`)
and give it to `Session.apply`, which makes the change and writes it to the
project's change log. Undo gives the edit back to `Session.revert`. The
session keeps the edit stack (`done`, `undone`; `undo` and `redo`), Qt-free:
the window's QUndoStack wraps the same edits and calls `apply` and `revert`,
so both stacks agree; and the view state (`ViewState`: what the window shows
of the project), which the background work reads instead of the widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from territory_planner.edits import Changes, Edit
from territory_planner.model import Project, record_change


class Proposed(Protocol):
    """What an operation returns when it changes the project: the edit that does it."""

    @property
    def edit(self) -> Edit:
        """The edit to apply."""


@dataclass
class ViewState:
    """How the window shows the project: kept with the session, read without Qt.

    The background work (the overview, the map's update) reads it instead of the
    widgets; the selected territory stays with the Territories list.

    Attributes
    ----------
    color_by
        How the map colours accounts: "territory", or "geocode" (how each was placed).
    shade_by
        The KPI the map shades territories by; None: in their own colours.
    """

    color_by: str = "territory"
    shade_by: str | None = None


def _now() -> datetime:
    return datetime.now().astimezone()


class Session:
    """A project being changed: each change is applied, logged and handed to the listeners.

    Parameters
    ----------
    project
        The project to change (changed in place).
    clock
        Gives the time of each change (tests pass a fixed one).
    view
        The view state to start from (e.g. the last project's, a new project opening in
        the same window); default: accounts coloured by territory, no shading.
    """

    def __init__(
        self,
        project: Project,
        clock: Callable[[], datetime] = _now,
        view: ViewState | None = None,
    ) -> None:
        self.project = project
        self.view = ViewState() if view is None else view
        self.clock = clock
        self.listeners: list[Callable[[Changes], None]] = []
        self.last_time: datetime | None = None
        #: This session's entries of the change log: (ISO time, what changed), oldest first.
        self.entries: list[tuple[str, str]] = []
        #: The edits applied and not taken back, oldest first (undo takes the last).
        self.done: list[Edit] = []
        #: The edits taken back, most recent last (redo applies the last again).
        self.undone: list[Edit] = []

    def apply(self, edit: Edit) -> Changes:
        """Make the change `edit` describes; it goes to the change log and the listeners.

        Parameters
        ----------
        edit
            The edit to apply to the session's project.

        Returns
        -------
        Changes
            The edit's change record (what changed, in words and by table).
        """
        changes = edit.apply(self.project)
        if self.undone and self.undone[-1] is edit:
            self.undone.pop()  # applied again: a redo
        else:
            self.undone.clear()  # a new change: what was taken back is gone for good
        self.done.append(edit)
        return self.announce(changes)

    def undo(self) -> Changes | None:
        """Take back the last change applied (`revert`); None when there is none.

        Returns
        -------
        Changes or None
            The change record of the undoing.
        """
        return self.revert(self.done[-1]) if self.done else None

    def redo(self) -> Changes | None:
        """Apply again the change taken back last; None when there is none.

        Returns
        -------
        Changes or None
            The change record of the edit applied again.
        """
        return self.apply(self.undone[-1]) if self.undone else None

    def run(self, operation: Proposed) -> Changes:
        """Apply the edit an operation (`app.operations`, `app.plan_operations`) returned.

        Parameters
        ----------
        operation
            The operation's result: its ``edit`` is applied and logged like any.

        Returns
        -------
        Changes
            The edit's change record.
        """
        return self.apply(operation.edit)

    def revert(self, edit: Edit) -> Changes:
        """Undo `edit` (the last change applied and not yet reverted).

        Parameters
        ----------
        edit
            The edit to take back (the last applied); the undoing is logged like any change.

        Returns
        -------
        Changes
            The change record of the undoing.

        Raises
        ------
        ValueError
            If `edit` is not the last change applied and not taken back.
        """
        if not self.done or self.done[-1] is not edit:
            msg = "only the last change applied can be taken back"
            raise ValueError(msg)
        changes = edit.revert(self.project)
        self.undone.append(self.done.pop())
        return self.announce(changes)

    def announce(self, changes: Changes) -> Changes:
        """Log a change made here (also one with no edit, such as a new project) and pass it on.

        Parameters
        ----------
        changes
            The change record: its description goes to the change log, with the time.

        Returns
        -------
        Changes
            `changes`, as given, after every listener has had it.
        """
        self.last_time = self.clock()
        self.entries.append(record_change(self.project, self.last_time, changes.description))
        for listener in list(self.listeners):
            listener(changes)
        return changes
