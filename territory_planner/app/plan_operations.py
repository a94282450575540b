"""Operations that make or choose plans: design, split for a new hire, rebalance, scenarios.

A new plan is never laid over the plan in use: design, split and rebalance return
the edit that keeps it as a new scenario, with what the engine found (its report,
its move list). The work is long, so each takes ``progress`` and ``cancel`` (the
contract of `territory_planner.tasks`); the window runs it on a copy of the project
on its task thread, the command line calls it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from territory_planner import scenario_edits
from territory_planner.app.operations import Operation, raise_if_cancelled
from territory_planner.edits import Edit
from territory_planner.io.territory_import import read_territories
from territory_planner.model import Project, Scenario
from territory_planner.plan.plan_changes import PlanChange, rebalance_project
from territory_planner.plan.project_design import PlanOutcome, design_project
from territory_planner.plan.split_project import split_project
from territory_planner.tasks import CancelToken, Progress, no_progress

R = TypeVar("R", PlanOutcome, PlanChange)


@dataclass(frozen=True)
class DesignParams:
    """What the user asked the optimizer for (see `design_project` for each field)."""

    kind: str = "county"
    balance: str = "potential"  # e.g. "potential=60,workload=40" (see `unit_plan.parse_balance`)
    k: int | None = None  # None: one territory per rep
    tolerance: float = 0.05
    use_homes: bool = True
    name: str | None = None
    areas_file: Path | None = None  # kind "file": the polygons to build from
    free_homes: tuple[str, ...] = ()  # IDs of reps designed without the home rule
    zip_in: tuple[str, ...] = ()  # counties (FIPS) made of their ZIP areas


@dataclass(frozen=True)
class ChangeParams:
    """What to rebalance on, or how to split for a new hire (see `plan_changes`)."""

    kind: str = "county"
    balance: str = "potential"
    tolerance: float = 0.05
    minimise: str = "accounts"  # rebalance: what a move costs
    sources: tuple[str, ...] = ()  # split: the territories to take from
    rep_id: str | None = None  # split: the new hire
    territory_name: str | None = None  # split: the new territory's name
    name: str | None = None  # the new scenario's name; None: says how it was made
    reach: bool = True  # rebalance: never hand an account beyond its new rep's day trip
    zip_in: tuple[str, ...] = ()  # county units: counties moved as their ZIP areas


@dataclass(frozen=True)
class PlanOperation(Generic[R]):
    """The edit keeping a new plan as a scenario, and the engine's report on that plan."""

    edit: Edit
    found: R


def keep_scenario(project: Project, scenario: Scenario) -> Operation:
    """The edit keeping `scenario` in `project` (the plan in use is not changed).

    Parameters
    ----------
    project
        The project to keep it in.
    scenario
        The new plan; named "<name> (2)", "<name> (3)"... when its name is taken (by a
        scenario added since the plan was made, say).

    Returns
    -------
    Operation
        The undoable edit adding the scenario.
    """
    scenario.name = project.fresh_scenario_name(scenario.name)
    return Operation(scenario_edits.AddScenario(project, scenario))


def design(
    project: Project,
    params: DesignParams,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlanOperation[PlanOutcome]:
    """Design territories as a new scenario (the areas file, if any, is read here).

    Parameters
    ----------
    project
        The project to design for; not changed (apply the edit for that).
    params
        The design asked for.
    progress, cancel
        The task contract (see `territory_planner.tasks`); a cancel raises `TaskCancelledError`.

    Returns
    -------
    PlanOperation[PlanOutcome]
        The edit adding the designed plan as a scenario, and the design's outcome.
    """
    raise_if_cancelled(cancel)
    areas = None
    if params.areas_file is not None:
        progress(0.0, f"Reading {params.areas_file.name}")
        areas = read_territories(params.areas_file)
    outcome = design_project(
        project, kind=params.kind, balance=params.balance, k=params.k,
        tolerance=params.tolerance, use_homes=params.use_homes,
        free_homes=params.free_homes, zip_in=params.zip_in, name=params.name,
        areas=areas, progress=progress, cancel=cancel,
    )  # fmt: skip
    raise_if_cancelled(cancel)
    kept = keep_scenario(project, outcome.scenario)
    return PlanOperation(kept.edit, outcome)


def split(
    project: Project,
    params: ChangeParams,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlanOperation[PlanChange]:
    """Carve a territory for a new hire out of ``params.sources``, as a new scenario.

    Parameters
    ----------
    project
        The project; not changed (apply the edit for that).
    params
        The sources, the new rep and territory name, the units and the balance.
    progress, cancel
        The task contract (see `territory_planner.tasks`); a cancel raises `TaskCancelledError`.

    Returns
    -------
    PlanOperation[PlanChange]
        The edit adding the changed plan as a scenario, and the change (its move list).
    """
    raise_if_cancelled(cancel)
    change = split_project(
        project, list(params.sources), rep_id=params.rep_id,
        territory_name=params.territory_name, kind=params.kind, balance=params.balance,
        tolerance=params.tolerance, name=params.name, zip_in=params.zip_in, progress=progress,
        cancel=cancel,
    )  # fmt: skip
    raise_if_cancelled(cancel)
    kept = keep_scenario(project, change.scenario)
    return PlanOperation(kept.edit, change)


def rebalance(
    project: Project,
    params: ChangeParams,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlanOperation[PlanChange]:
    """Bring every territory within the band moving the fewest accounts, as a new scenario.

    Parameters
    ----------
    project
        The project; not changed (apply the edit for that).
    params
        The units, the balance, the band and what a move costs.
    progress, cancel
        The task contract (see `territory_planner.tasks`); a cancel raises `TaskCancelledError`.

    Returns
    -------
    PlanOperation[PlanChange]
        The edit adding the rebalanced plan as a scenario, and the change (its move list).
    """
    raise_if_cancelled(cancel)
    change = rebalance_project(
        project, kind=params.kind, balance=params.balance, tolerance=params.tolerance,
        minimise=params.minimise, name=params.name, reach=params.reach, zip_in=params.zip_in,
        progress=progress, cancel=cancel,
    )  # fmt: skip
    raise_if_cancelled(cancel)
    kept = keep_scenario(project, change.scenario)
    return PlanOperation(kept.edit, change)


def copy_plan(project: Project, name: str) -> Operation:
    """Keep a copy of the plan in use as a new scenario named `name`.

    Parameters
    ----------
    project
        The project.
    name
        The copy's name (must be new, else `InputError`).

    Returns
    -------
    Operation
        The edit adding the copy.
    """
    return Operation(scenario_edits.copy_scenario(project, name))


def use_scenario(project: Project, name: str) -> Operation:
    """Make the stored scenario `name` the plan in use (the plan in use is stored).

    Parameters
    ----------
    project
        The project.
    name
        A stored scenario's name (unknown: `KeyError`).

    Returns
    -------
    Operation
        The edit swapping the plans.
    """
    return Operation(scenario_edits.UseScenario(project, name))


def rename_scenario(project: Project, name: str, new: str) -> Operation:
    """Rename the plan in use or a stored scenario.

    Parameters
    ----------
    project
        The project.
    name
        The scenario's name (unknown: `KeyError`).
    new
        Its new name (must be free, else `InputError`).

    Returns
    -------
    Operation
        The edit renaming it.
    """
    return Operation(scenario_edits.RenameScenario(project, name, new))


def delete_scenario(project: Project, name: str) -> Operation:
    """Delete a stored scenario.

    Parameters
    ----------
    project
        The project.
    name
        A stored scenario's name (unknown: `KeyError`).

    Returns
    -------
    Operation
        The edit deleting it.
    """
    return Operation(scenario_edits.DeleteScenario(project, name))
