"""What a view of the project must make anew after an edit, read from the edit's record.

The window's panels and map refresh from the `Changes` an edit returns rather than
from everything: an edit of accounts leaves the territory outlines, the reps and the
gaps and overlaps as they are; a quota, a lock or a rep's details leave the gaps and
overlaps (a renamed territory does not: overlaps are named by their territories); a
changed setting (tolerance, thresholds, a saved segment) leaves the map and the
accounts table. The KPIs are always made anew (settings such as the quota plan move
them).
"""

from __future__ import annotations

from territory_planner.edits import Changes
from territory_planner.mapping.overview import Scope


def refresh_scope(changes: Changes) -> Scope:
    """The parts of the overview that `changes` may have made out of date.

    Parameters
    ----------
    changes
        What an edit (or its undo) changed.

    Returns
    -------
    Scope
        The accounts (table and map layer) when accounts or assignments changed, or the
        territories (their names and colours show with the accounts); the map's
        territories when they or the assignments changed (each shows its account count);
        the reps' homes when the territories did (reps and their colours); gaps and
        overlaps when outlines may have.
    """
    territories = changes.territories
    return Scope(
        accounts=changes.assignments or bool(changes.accounts) or territories,
        territories=territories or changes.assignments,
        reps=territories,
        coverage=changes.reshaped,
    )
