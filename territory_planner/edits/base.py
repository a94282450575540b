"""The edit contract: `Edit`, the `Changes` record it returns, and `Batch` of several."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from territory_planner.model import Project


@dataclass(frozen=True)
class Changes:
    """What an edit changed, and a sentence for the change log.

    The window refreshes from it only what depends on what changed: `territories`
    (the territories table or its rows: names, colours, quotas, reps, outlines),
    `assignments` (which account is in which territory), `accounts` (the IDs of the
    accounts edited), `shapes` (territory outlines: gaps and overlaps; None: as
    `territories`, when in doubt), `settings` (the keys of the project settings
    changed). No flag and no account: only settings or scenarios.
    """

    description: str
    territories: bool = False
    assignments: bool = False
    accounts: frozenset[str] = field(default_factory=frozenset)
    shapes: bool | None = None
    settings: frozenset[str] = field(default_factory=frozenset)

    @property
    def reshaped(self) -> bool:
        """Whether territory outlines may have changed."""
        return self.territories if self.shapes is None else self.shapes


class Edit(Protocol):
    """An undoable change: ``apply`` then ``revert`` leaves the project as it was.

    The edits here and in `territory_planner.scenario_edits` derive from it, so their
    ``apply`` and ``revert`` share the documentation below.
    """

    @property
    def label(self) -> str:
        """Short text for the Undo/Redo menu items."""

    def apply(self, project: Project) -> Changes:
        """Make the change.

        Parameters
        ----------
        project
            The project the edit was made for (changed in place).

        Returns
        -------
        Changes
            What changed, in words and by part of the project.
        """

    def revert(self, project: Project) -> Changes:
        """Undo the change.

        Parameters
        ----------
        project
            The project the edit was applied to (changed in place).

        Returns
        -------
        Changes
            What changed back, in words and by part of the project.
        """


class Batch(Edit):
    """Several edits as one undo step (e.g. new rules and the re-assignment they cause).

    Parameters
    ----------
    edits
        The edits, in the order they apply; their change records merge into one.
    description
        The step's text in the change log and the Undo menu.
    """

    def __init__(self, edits: list[Edit], description: str) -> None:
        self.edits = edits
        self.description = description

    @property
    def label(self) -> str:
        """Menu text."""
        return self.description

    @staticmethod
    def _merge(changes: list[Changes], text: str) -> Changes:
        return Changes(
            text,
            territories=any(c.territories for c in changes),
            assignments=any(c.assignments for c in changes),
            accounts=frozenset().union(*(c.accounts for c in changes)),
            shapes=any(c.reshaped for c in changes),
            settings=frozenset().union(*(c.settings for c in changes)),
        )

    def apply(self, project: Project) -> Changes:
        """Apply every edit in order."""
        return self._merge([e.apply(project) for e in self.edits], self.description)

    def revert(self, project: Project) -> Changes:
        """Revert every edit, last first."""
        changes = [e.revert(project) for e in reversed(self.edits)]
        return self._merge(changes, f"Undid: {self.description}")
