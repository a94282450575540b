"""The balance target design, rebalance and split take when none is given.

Workload hours where visit frequencies are known and the calendar can plan most
of them; else potential, else account counts.
"""

from __future__ import annotations

from territory_planner.analysis.account_workload import (
    UNPLANNABLE_SHARE,
    far_hours,
    has_home,
    nearest_home,
)
from territory_planner.formats import plural
from territory_planner.model import VISIT_FREQUENCIES, Project
from territory_planner.plan.unit_plan import BALANCE_TARGETS


def default_balance(project: Project, passed_over: str | None = None) -> str:
    """Workload when visit frequencies are known and most of it can be planned, else potential.

    Account counts where no account has potential. Workload is passed over where
    accounts beyond a day trip from their nearest rep carry much of it
    (`workload_passed_over`): balancing hours the calendar never plans would
    balance little of the reps' weeks.

    Parameters
    ----------
    project
        The project (its accounts' ``visit_frequency`` and ``potential``, the reps' homes).
    passed_over
        `workload_passed_over` of the project, if the caller has it already.

    Returns
    -------
    str
        "workload", "potential" or "accounts".
    """
    why = workload_passed_over(project) if passed_over is None else passed_over
    if _has_frequencies(project) and not why:
        return "workload"
    return balance_without_workload(project)


def _has_frequencies(project: Project) -> bool:
    """Whether any account has a visit frequency the calendar knows."""
    return bool(project.accounts["visit_frequency"].isin(list(VISIT_FREQUENCIES)).any())


def workload_passed_over(project: Project) -> str:
    """Why the default balance is not workload though visit frequencies are known, in words.

    When the accounts beyond a day trip from their nearest rep's home (there, a
    visit and back in a working day; the calendar leaves their visits out) carry
    `UNPLANNABLE_SHARE` of the workload hours or more, each account served by
    that nearest rep. Field teams spread thinly over a country are like that:
    the drives to far accounts, a day trip each, make much of the hours. Never
    while a rep has no home: where they start from is not known, so no account
    is beyond their reach.

    Parameters
    ----------
    project
        The project (accounts, their visit frequencies, the reps' homes and hours).

    Returns
    -------
    str
        The sentence, or "" when workload is not passed over (or unknown).
    """
    if not _has_frequencies(project) or not has_home(project).all():
        return ""
    count, far, total = far_hours(project, nearest_home(project))
    if total <= 0 or far < UNPLANNABLE_SHARE * total:
        return ""
    return (
        f"Balancing {BALANCE_TARGETS[balance_without_workload(project)]} by default, not "
        f"workload hours: {plural(count, 'account')} beyond a day trip from the nearest rep's "
        f"home carry {far / total:.0%} of them ({far:,.0f} of {total:,.0f} h a year), visits "
        "the calendar cannot plan"
    )


def balance_without_workload(project: Project) -> str:
    """Potential when any account has some, else account counts: `default_balance` less workload.

    What design offers instead where most workload hours cannot be planned.

    Parameters
    ----------
    project
        The project (its accounts' ``potential``).

    Returns
    -------
    str
        "potential" or "accounts".
    """
    return "potential" if project.accounts["potential"].fillna(0).sum() > 0 else "accounts"
