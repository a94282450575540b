"""Undoable edits of a project's scenarios: add, copy, rename, delete, and use one as the plan.

Each derives from `territory_planner.edits.Edit`: ``apply`` and ``revert`` change the
project and return a `Changes` record (documented there).
"""

from __future__ import annotations

from territory_planner._errors import InputError
from territory_planner.edits import Changes, Edit
from territory_planner.model import Project, Scenario
from territory_planner.settings import setting_entries


def _scenario_position(project: Project, name: str) -> int:
    for i, stored in enumerate(project.scenarios):
        if stored.name == name:
            return i
    raise KeyError(name)


def _check_scenario_name(project: Project, name: str, *, allow: str | None = None) -> str:
    clean = " ".join(name.split())
    if not clean:
        msg = "a scenario needs a name"
        raise InputError(msg)
    if clean != allow and clean.casefold() in {n.casefold() for n in project.scenario_names()}:
        msg = f"a scenario named '{clean}' already exists; choose another name"
        raise InputError(msg)
    return clean


class AddScenario(Edit):
    """Keep a plan as a new scenario (the plan in use is not changed).

    Parameters
    ----------
    project
        The project.
    scenario
        The plan to keep; its name is tidied (runs of spaces made one) and must be new,
        else `InputError`.
    """

    def __init__(self, project: Project, scenario: Scenario) -> None:
        scenario.name = _check_scenario_name(project, scenario.name)
        self.scenario = scenario

    @property
    def label(self) -> str:
        """Menu text."""
        return f"New scenario '{self.scenario.name}'"

    def apply(self, project: Project) -> Changes:
        """Store the scenario."""
        project.scenarios.append(self.scenario)
        note = f" ({self.scenario.note})" if self.scenario.note else ""
        return Changes(f"Added scenario '{self.scenario.name}'{note}")

    def revert(self, project: Project) -> Changes:
        """Forget it again."""
        project.scenarios.pop(_scenario_position(project, self.scenario.name))
        return Changes(f"Undid: added scenario '{self.scenario.name}'")


def copy_scenario(project: Project, name: str) -> AddScenario:
    """A new scenario holding a copy of the plan in use.

    Parameters
    ----------
    project
        The project.
    name
        The new scenario's name (must be new).

    Returns
    -------
    AddScenario
        The undoable edit that keeps the copy.
    """
    return AddScenario(project, project.snapshot(name, note=f"copy of '{project.scenario_name}'"))


class RenameScenario(Edit):
    """Rename the plan in use or a stored scenario.

    Parameters
    ----------
    project
        The project.
    old
        The plan's name now (unknown: KeyError).
    new
        The new name, tidied; empty, or another plan's name, raises `InputError`.
    """

    def __init__(self, project: Project, old: str, new: str) -> None:
        project.scenario(old)  # KeyError if unknown
        self.old = old
        self.new = _check_scenario_name(project, new, allow=old)

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Rename scenario '{self.old}'"

    @staticmethod
    def _set(project: Project, old: str, new: str) -> None:
        if project.scenario_name == old:
            project.settings.update(setting_entries(scenario=new))
        else:
            project.scenarios[_scenario_position(project, old)].name = new

    def apply(self, project: Project) -> Changes:
        """Rename."""
        self._set(project, self.old, self.new)
        return Changes(f"Renamed scenario '{self.old}' to '{self.new}'")

    def revert(self, project: Project) -> Changes:
        """Give the old name back."""
        self._set(project, self.new, self.old)
        return Changes(f"Undid: renamed scenario '{self.old}' to '{self.new}'")


class DeleteScenario(Edit):
    """Delete a stored scenario (not the plan in use).

    Parameters
    ----------
    project
        The project.
    name
        The stored scenario's name (unknown: KeyError; the plan in use: `InputError`).
    """

    def __init__(self, project: Project, name: str) -> None:
        if name == project.scenario_name:
            msg = f"'{name}' is the plan in use; switch to another scenario before deleting it"
            raise InputError(msg)
        self.position = _scenario_position(project, name)
        self.scenario = project.scenarios[self.position]

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Delete scenario '{self.scenario.name}'"

    def apply(self, project: Project) -> Changes:
        """Remove it."""
        project.scenarios.pop(self.position)
        return Changes(f"Deleted scenario '{self.scenario.name}'")

    def revert(self, project: Project) -> Changes:
        """Put it back where it was."""
        project.scenarios.insert(self.position, self.scenario)
        return Changes(f"Undid: deleted scenario '{self.scenario.name}'")


class UseScenario(Edit):
    """Make a stored scenario the plan in use; the plan in use becomes a stored scenario.

    Parameters
    ----------
    project
        The project.
    name
        The stored scenario's name (unknown: KeyError).
    """

    def __init__(self, project: Project, name: str) -> None:
        _scenario_position(project, name)  # KeyError if unknown
        self.target = name
        self.previous = project.scenario_name

    @property
    def label(self) -> str:
        """Menu text."""
        return f"Switch to scenario '{self.target}'"

    @staticmethod
    def _swap(project: Project, name: str, text: str) -> Changes:
        position = _scenario_position(project, name)
        chosen = project.scenarios[position]
        project.scenarios[position] = project.snapshot()
        project.use_scenario(chosen)
        ids = frozenset(project.accounts["account_id"])
        return Changes(text, territories=True, assignments=True, accounts=ids)

    def apply(self, project: Project) -> Changes:
        """Swap the chosen scenario in."""
        return self._swap(
            project, self.target, f"Switched from scenario '{self.previous}' to '{self.target}'"
        )

    def revert(self, project: Project) -> Changes:
        """Swap the previous plan back in."""
        return self._swap(project, self.previous, f"Undid: switched to scenario '{self.target}'")
