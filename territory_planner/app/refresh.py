"""What a view of the project must make anew after an edit, read from the edit's record.

The window's panels and map refresh from the `Changes` an edit returns rather than
from everything: an edit of accounts leaves the territory outlines, the reps and the
gaps and overlaps as they are; a quota, a lock or a rep's details leave the gaps and
overlaps (a renamed territory does not: overlaps are named by their territories); a
changed setting (tolerance, thresholds, a saved segment) leaves the map and the
accounts table, and the KPIs too if no KPI reads it (the quota plan moves them).
"""

from __future__ import annotations

from territory_planner.analysis.market_segments import segments_setting
from territory_planner.analysis.performance_settings import ActivityGoals, Thresholds
from territory_planner.edits import Changes
from territory_planner.mapview.overview import Scope
from territory_planner.settings import setting_entries

#: Settings no territory KPI reads: the performance thresholds and activity goals, the
#: saved market segments, the balance band (it only tints the KPIs shown).
KPI_FREE_SETTINGS = frozenset(
    [
        *Thresholds().as_settings(),
        *ActivityGoals().as_settings(),
        *segments_setting([]),
        *setting_entries(balance_tolerance=0.0),
    ]
)


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
        overlaps when outlines may have; the KPIs unless only settings no KPI reads
        changed.
    """
    territories = changes.territories
    accounts = changes.assignments or bool(changes.accounts) or territories
    kpi_free = bool(changes.settings) and changes.settings <= KPI_FREE_SETTINGS
    return Scope(
        accounts=accounts,
        territories=territories or changes.assignments,
        reps=territories,
        coverage=changes.reshaped,
        kpis=accounts or not kpi_free,
    )
