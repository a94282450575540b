"""What the open map page was sent, so that an edit sends only what changed.

With 100k accounts the whole layer set is about 7 MB of JSON; moving a county
changes the colour of a few thousand accounts and two territories. `SentLayers`
remembers what the page holds and turns the project into the smallest update
that brings the page up to date: account colours by position (``recolor``) when
the accounts themselves are the same, the territories only when one changed,
the reps only when they changed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from territory_planner.mapview.map_page import (
    ShapeCache,
    account_arrays,
    project_bounds,
    reps_layer,
    territories_layer,
)
from territory_planner.model import Project

#: The page's layers made from the project.
LAYERS = frozenset({"territories", "accounts", "reps"})


@dataclass
class _Accounts:
    arrays: dict[str, np.ndarray]  # see `account_arrays`

    @classmethod
    def of(cls, project: Project, color_by: str) -> _Accounts:
        return cls(account_arrays(project, color_by))

    @property
    def colors(self) -> np.ndarray:
        return self.arrays["color"]

    def same_points(self, other: _Accounts) -> bool:
        """Whether both hold the same accounts, in the same order and places."""
        mine, theirs = self.arrays, other.arrays
        return len(mine["id"]) == len(theirs["id"]) and all(
            np.array_equal(mine[key], theirs[key]) for key in ("lat", "lon", "id", "name")
        )

    def layer(self) -> dict[str, Any]:
        return {key: values.tolist() for key, values in self.arrays.items()}


@dataclass
class SentLayers:
    """The layers the page was last sent; `payload` and `changes` keep it up to date."""

    accounts: _Accounts | None = None
    territories: dict[str, Any] | None = None
    reps: list[dict[str, Any]] | None = None
    shapes: ShapeCache = field(default_factory=dict)

    def payload(self, project: Project, color_by: str = "territory") -> dict[str, Any]:
        """Every layer of `project` (for a new page), remembered as sent.

        Parameters
        ----------
        project
            The project to draw.
        color_by
            "territory" (default) or "geocode": how the accounts are coloured.

        Returns
        -------
        dict[str, Any]
            ``territories``, ``accounts``, ``reps`` and ``bounds``, as `layers_payload` gives them.
        """
        self.accounts = _Accounts.of(project, color_by)
        self.territories = territories_layer(project, self.shapes)
        self.reps = reps_layer(project)
        return {
            "territories": self.territories,
            "accounts": self.accounts.layer(),
            "reps": self.reps,
            "bounds": project_bounds(project),
        }

    def diff(
        self, project: Project, color_by: str = "territory", layers: Collection[str] = LAYERS
    ) -> MapUpdate:
        """What to send to a page holding what was sent, to show `project` (not yet sent).

        Only the `layers` named are made and compared (the others are known to be as
        sent: an edit of accounts leaves the territories as they were); a layer never
        sent is made anyway. Safe on a worker thread: nothing is recorded until
        `commit` (on the thread that sends it), so an update that is dropped leaves
        this as it was.

        Parameters
        ----------
        project
            The project as it is now.
        color_by
            "territory" (default) or "geocode": how the accounts are coloured.
        layers
            The layers that may have changed, of `LAYERS` (default: all three).

        Returns
        -------
        MapUpdate
            The update's payload (only the layers that differ, or a ``recolor`` of the
            accounts whose colour alone changed) and the layers it brings the page to.
        """
        update: dict[str, Any] = {}
        territories = self.territories
        if territories is None or "territories" in layers:
            territories = territories_layer(project, self.shapes)
            if territories != self.territories:
                update["territories"] = territories
        accounts = self.accounts
        if accounts is None or "accounts" in layers:
            accounts = _Accounts.of(project, color_by)
            if self.accounts is None or not accounts.same_points(self.accounts):
                update["accounts"] = accounts.layer()
            else:
                changed = np.flatnonzero(accounts.colors != self.accounts.colors)
                if len(changed):
                    update["recolor"] = {
                        "index": changed.tolist(),
                        "color": accounts.colors[changed].tolist(),
                    }
        reps = self.reps
        if reps is None or "reps" in layers:
            reps = reps_layer(project)
            if reps != self.reps:
                update["reps"] = reps
        return MapUpdate(update, accounts, territories, reps, base=self)

    def commit(self, update: MapUpdate) -> dict[str, Any]:
        """Record `update` as sent; returns what to send.

        Parameters
        ----------
        update
            An update made by `diff` of this object.

        Returns
        -------
        dict[str, Any]
            The update's payload ({}: nothing to send).
        """
        self.accounts, self.territories, self.reps = (
            update.accounts,
            update.territories,
            update.reps,
        )
        return update.payload

    def changes(self, project: Project, color_by: str = "territory") -> dict[str, Any]:
        """The update that brings a page holding what was sent to `project` ({}: nothing).

        Parameters
        ----------
        project
            The project as it is now.
        color_by
            "territory" (default) or "geocode": how the accounts are coloured.

        Returns
        -------
        dict[str, Any]
            The payload to send, already recorded as sent (`diff` of every layer, then `commit`).
        """
        return self.commit(self.diff(project, color_by))


@dataclass
class MapUpdate:
    """An update for the page (`payload`), and the layers it brings the page to."""

    payload: dict[str, Any]
    accounts: _Accounts
    territories: dict[str, Any]
    reps: list[dict[str, Any]]
    base: SentLayers  # what it was made against: it fits no other page
