"""What the Scenarios panel and the Plan menu do: design, split, rebalance, copy, use, compare.

Long work (design, split, rebalance) runs as a background task with a
progress bar and Cancel; its result arrives as a new scenario (an undoable
edit), never over the plan in use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMenuBar, QMessageBox

from territory_planner._errors import InputError
from territory_planner.app import plan_operations as ops
from territory_planner.app.operations import Operation
from territory_planner.formats import agree, band, plural
from territory_planner.model import Project, Scenario
from territory_planner.plan.balance_reasons import DesignFix
from territory_planner.plan.plan_changes import PlanChange
from territory_planner.plan.project_design import PlanOutcome
from territory_planner.plan.scenarios import compare_scenarios, plan_kpis, scenario_project
from territory_planner.ui.change_dialog import ChangeDialog, ChangeOptions, MovesDialog
from territory_planner.ui.compare_dialog import CompareDialog
from territory_planner.ui.design_dialog import DesignDialog, DesignOptions
from territory_planner.ui.report_box import ReportBox
from territory_planner.ui.scenarios_panel import ScenariosPanel
from territory_planner.ui.tasks import Task

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


def _with_fix(options: DesignOptions, fix: DesignFix) -> DesignOptions:
    """The same design with what the fix changes (a fresh name: the first one is taken)."""
    changes: dict[str, Any] = {"name": None}
    if fix.kind is not None:
        changes.update(kind=fix.kind, areas_file=None)
    if fix.tolerance is not None:
        changes["tolerance"] = fix.tolerance
    if fix.use_homes is not None:
        changes["use_homes"] = fix.use_homes
    if fix.free_home is not None:
        changes["free_homes"] = (*options.free_homes, fix.free_home)
    if fix.zip_in is not None:
        changes["zip_in"] = fix.zip_in
    if fix.balance is not None:
        changes["balance"] = fix.balance
    return replace(options, **changes)


def _change_fixes(
    change: PlanChange, options: ChangeOptions, *, split: bool
) -> list[tuple[str, ChangeOptions]]:
    """The changes to offer after one that missed its band, with their buttons' labels.

    ZIP areas in the heaviest counties (`PlanChange.fixes`), and for a rebalance
    whose moves kept the day-trip rule, the same without it (it may be what
    holds the plan).
    """
    fixes = [(f"Try {f.label}", replace(options, zip_in=f.zip_in or ())) for f in change.fixes]
    if not split and change.day_trips and change.missed_band():
        fixes.insert(0, ("Allow Nights Away", replace(options, reach=False)))
    return fixes


def outcome_text(outcome: PlanOutcome, project: Project, tolerance: float) -> str:
    """In words: how balanced, contiguous and compact a new plan is, and what it missed."""
    plan = scenario_project(project, outcome.scenario)
    kpis = plan_kpis(plan)
    result = outcome.result
    lines = [
        f"'{outcome.scenario.name}': {plural(len(kpis), 'territory')} "
        f"from {outcome.units.describe()}.",
        f"Largest deviation from the mean: {result.max_deviation:.1%} "
        f"({'within' if result.max_deviation <= tolerance + 1e-9 else 'outside'} "
        f"{band(tolerance)}).",
        "Every territory is one connected piece."
        if all(result.contiguous)
        else f"{plural(result.contiguous.count(False), 'territory')} "
        f"{agree(result.contiguous.count(False), 'is', 'are')} in several pieces.",
        f"Mean compactness (Polsby-Popper): {kpis['compactness'].mean():.2f}.",
    ]
    if result.violations:
        missed = result.max_deviation > tolerance + 1e-9 or not all(result.contiguous)
        heading = "Why the target is not met:" if missed else "Notes:"
        lines += ["", heading, *(f"• {v}" for v in result.violations)]
    return "\n".join(lines)


class ScenarioActions(QObject):
    """Connects the Scenarios panel to the window's project, undo stack and tasks."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = ScenariosPanel()
        self.report: QMessageBox | None = None  # the last design's result box
        self.compare_dialog: CompareDialog | None = None
        self.design_dialog: DesignDialog | None = None
        self.change_dialog: ChangeDialog | None = None
        self.moves_dialog: MovesDialog | None = None
        self.panel.design_requested.connect(self.ask_design)
        self.panel.split_requested.connect(lambda: self.ask_change(split=True))
        self.panel.rebalance_requested.connect(lambda: self.ask_change(split=False))
        self.panel.copy_requested.connect(self.copy_plan)
        self.panel.use_requested.connect(self.use)
        self.panel.rename_requested.connect(self.rename)
        self.panel.delete_requested.connect(self.delete)
        self.panel.compare_requested.connect(self.compare)

    def add_menu(self, bar: QMenuBar) -> None:
        """The Plan menu."""
        window, add = self.window, self.window.add_action
        plan_menu = bar.addMenu("&Plan")
        self.design_action = add(
            plan_menu, "&Design Territories…", self.ask_design, "Ctrl+Shift+D",
            tip="Let the optimizer design balanced, contiguous, compact territories",
        )  # fmt: skip
        add(
            plan_menu, "&New Hire: Carve a Territory…", lambda: self.ask_change(split=True),
            tip="Make a territory for a new rep out of existing ones, balanced against the rest",
        )  # fmt: skip
        add(
            plan_menu, "&Rebalance…", lambda: self.ask_change(split=False),
            tip="Bring every territory within tolerance, moving the fewest accounts",
        )  # fmt: skip
        plan_menu.addSeparator()
        add(
            plan_menu, "&Copy Plan as Scenario…", self.copy_plan,
            tip="Keep a copy of the plan in use to try changes on",
        )  # fmt: skip
        add(
            plan_menu, "Compare with &Selected Scenario…",
            lambda: self.compare(window.project.scenario_name, self.panel.selected()),
            tip="The plan in use beside the scenario selected in the Scenarios panel",
        )  # fmt: skip
        add(plan_menu, "Show &Scenarios", window.scenarios_dock.raise_)

    def refresh(self) -> None:
        """Show the project's scenarios."""
        self.panel.refresh(self.window.project)

    def _push(self, make: Callable[..., Operation], *args: Any) -> bool:
        try:
            edit = make(self.window.project, *args).edit
        except InputError as exc:
            self.window.show_error(exc)
            return False
        except KeyError as exc:
            self.window.show_error(InputError(f"no scenario named {exc}"))
            return False
        self.window.push_edit(edit)
        return True

    # ----- design -----

    def ask_design(self) -> None:
        """Open the Design dialog; Design runs it in the background."""
        dialog = DesignDialog(self.window.project, self.window)
        dialog.accepted.connect(lambda: self.design(dialog.options()))
        self.design_dialog = dialog
        dialog.open()

    def design(self, options: DesignOptions) -> None:
        """Design territories in the background; the result becomes a new scenario."""
        snapshot = self.window.project.copy()

        def run(progress: Any, cancel: Any) -> PlanOutcome:
            return ops.design(snapshot, options, progress, cancel).found

        self.window.task = Task(
            self.window,
            "Designing territories",
            run,
            lambda outcome: self.arrived(outcome, options),
            self.window.show_error,
        )

    def arrived(self, outcome: PlanOutcome, options: DesignOptions) -> None:
        """Keep a designed plan as a scenario; offer to use or compare it, or to try a fix."""
        tries = [
            (f"Try {fix.label}", partial(self.design, _with_fix(options, fix)))
            for fix in outcome.fixes
        ]
        text = outcome_text(outcome, self.window.project, options.tolerance)
        self._offer(outcome.scenario, text, tries=tries)

    def _offer(
        self,
        scenario: Scenario,
        text: str,
        moves: pd.DataFrame | None = None,
        tries: Sequence[tuple[str, Callable[[], object]]] = (),
    ) -> None:
        """Keep `scenario` (renamed if its name is taken); offer to use, compare or list moves.

        `tries` lists a button per fix under the report (its label and what it runs: a
        design again).
        """
        if not self._push(ops.keep_scenario, scenario):
            return
        box = ReportBox("New scenario", text, self.window)
        use = box.addButton("Use It Now", QMessageBox.ButtonRole.AcceptRole)
        compare = box.addButton("Compare…", QMessageBox.ButtonRole.ActionRole)
        show = box.addButton("Show Moves…", QMessageBox.ButtonRole.ActionRole)
        show.setVisible(moves is not None)
        box.addButton("Keep for Later", QMessageBox.ButtonRole.RejectRole)
        box.add_fixes(tries)

        def clicked(button: Any) -> None:
            if button is use:
                self.use(scenario.name)
            elif button is compare:
                self.compare(self.window.project.scenario_name, scenario.name)
            elif button is show and moves is not None:
                self.show_moves(scenario.name, moves)

        box.buttonClicked.connect(clicked)
        self.report = box
        box.open()

    def show_moves(self, name: str, moves: pd.DataFrame) -> None:
        """The move list of a change: account, from, to, reason."""
        dialog = MovesDialog(
            f"Moves of '{name}'",
            f"{plural(len(moves), 'account')} {agree(len(moves), 'changes', 'change')} territory.",
            moves,
            self.window,
        )
        self.moves_dialog = dialog
        dialog.open()

    # ----- split and rebalance -----

    def ask_change(self, *, split: bool) -> None:
        """Open the New Hire or Rebalance dialog; OK runs it in the background."""
        dialog = ChangeDialog(self.window.project, split=split, parent=self.window)
        dialog.accepted.connect(lambda: self.change(dialog.options(), split=split))
        self.change_dialog = dialog
        dialog.open()

    def change(self, options: ChangeOptions, *, split: bool) -> None:
        """Split or rebalance in the background; the result becomes a new scenario."""
        snapshot = self.window.project.copy()

        def run(progress: Any, cancel: Any) -> PlanChange:
            change = ops.split if split else ops.rebalance
            return change(snapshot, options, progress, cancel).found

        def done(change: PlanChange) -> None:
            lines = [f"'{change.scenario.name}': {change.describe()}."]
            if change.result.violations:  # (within the band: notes, e.g. on day trips)
                lines += ["", "Why the target is not met:" if change.missed_band() else "Notes:"]
                lines += [f"• {v}" for v in change.result.violations]
            tries = [
                (label, partial(self.change, again, split=split))
                for label, again in _change_fixes(change, options, split=split)
            ]
            self._offer(change.scenario, "\n".join(lines), change.moves, tries)

        title = "Carving the new territory" if split else "Rebalancing"
        self.window.task = Task(self.window, title, run, done, self.window.show_error)

    # ----- list actions -----

    def copy_plan(self) -> None:
        """Keep a copy of the plan in use as a new scenario (asks its name)."""
        project = self.window.project
        name, ok = QInputDialog.getText(
            self.window, "Copy plan", "Name of the copy:", text=f"{project.scenario_name} copy"
        )
        if ok:
            self._push(ops.copy_plan, name)

    def use(self, name: str) -> None:
        """Make a stored scenario the plan in use (undoable)."""
        if name and name != self.window.project.scenario_name:
            self._push(ops.use_scenario, name)

    def rename(self, name: str, new: str | None = None) -> None:
        """Rename a scenario (asks the new name when `new` is None)."""
        if not name:
            return
        if new is None:
            new, ok = QInputDialog.getText(self.window, "Rename scenario", "New name:", text=name)
            if not ok:
                return
        self._push(ops.rename_scenario, name, new)

    def delete(self, name: str) -> None:
        """Delete a stored scenario (undoable)."""
        if name:
            self._push(ops.delete_scenario, name)

    def compare(self, a: str, b: str) -> None:
        """Show scenarios `a` and `b` side by side."""
        project = self.window.project
        try:
            comparison = compare_scenarios(project, a, b)
        except KeyError as exc:
            self.window.show_error(InputError(f"no scenario named {exc}"))
            return
        dialog = CompareDialog(
            comparison,
            (project.scenario(a).territories, project.scenario(b).territories),
            project.accounts,
            self.window,
            in_use=project.scenario_name,
        )
        self.compare_dialog = dialog
        dialog.open()
