"""What the Territory menu, the Rules panel and the tables' right-click menus do.

Assigning accounts (by the rules, the parent-company policy, then geography)
runs at once on a small project and on the task thread on a large one; splitting,
merging, locking, deleting and pinning are undoable edits like every other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QMenuBar, QTableView

from territory_planner._errors import PlannerError
from territory_planner.app.operations import assign, assignment
from territory_planner.edits import (
    Edit,
    MoveAccounts,
    delete_territory,
    merge_territories,
    set_territory_lock,
    unlock_accounts,
)
from territory_planner.formats import plural
from territory_planner.model import Project
from territory_planner.plan.parents import parent_policy, policy_setting
from territory_planner.plan.rules import (
    Reassignment,
    Rule,
    rules_setting,
    saved_rules,
)
from territory_planner.tasks import CancelToken
from territory_planner.ui.rules_panel import POLICIES
from territory_planner.ui.tasks import Task, in_background

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow

T = TypeVar("T")


class TerritoryActions(QObject):
    """The Territory menu, assignment by rules, and the territory and account context menus."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.territory_context: QMenu | None = None  # the last territory's right-click menu

    def add_menu(self, bar: QMenuBar) -> None:
        """The Territory menu."""
        window, add = self.window, self.window.add_action
        on_map, move_mode = window.map_interaction, window.move_mode
        territory_menu = bar.addMenu("&Territory")
        self.assign_action = add(
            territory_menu, "&Assign Accounts", self.assign, "Ctrl+Shift+A",
            tip="Put every unlocked account in the territory that contains it",
        )  # fmt: skip
        territory_menu.addSeparator()
        add(
            territory_menu, "&Split Selected Territory with a Line", on_map.start_split, "Ctrl+K",
            tip="Draw a line across the selected territory to cut off a new one",
        )  # fmt: skip
        add(territory_menu, "&Delete Selected Territory", self.delete_selected)
        territory_menu.addAction(on_map.overlap_action)
        territory_menu.addSeparator()
        territory_menu.addActions([move_mode.action, move_mode.lasso])
        move_mode.add_units_menu(territory_menu)

    # ----- assignment -----

    def assign(self) -> None:
        """Assign accounts by the project's rules, then geography (one undoable step)."""
        self._reassign_with({}, "Assigned accounts")

    def _reassign_with(self, setting: dict[str, str], description: str) -> None:
        """Store a setting (rules, parent policy) and re-assign by it, as one undo step.

        The assign operation runs as `compute` runs it (on a copy for a large project),
        so the edit is made again for the window's project from the reassignment found.
        """

        def done(found: tuple[Edit, Reassignment]) -> None:
            result = found[1]
            self.window.push_edit(assignment(self.window.project, result, description, setting))

        self.compute(
            "Assigning accounts",
            lambda project, cancel: assign(project, setting, description, cancel=cancel),
            done,
        )

    def compute(
        self, title: str, fn: Callable[[Project, CancelToken], T], done: Callable[[T], None]
    ) -> None:
        """`done(fn(project, cancel))`: at once for a small project, else on the task thread.

        For a large project `fn` runs on a copy on the task thread (progress dialog,
        the window stays responsive) and `done` follows unless the project was changed
        meanwhile.
        """
        window = self.window
        if not in_background(window.project):
            try:
                result = fn(window.project, CancelToken())
            except PlannerError as exc:
                window.show_error(exc)
                return
            done(result)
            return
        project, copy, step = window.project, window.project.copy(), window.undo_stack.index()

        def finished(result: T) -> None:
            if window.project is not project or window.undo_stack.index() != step:
                window.statusBar().showMessage(
                    f"{title}: the project changed meanwhile, so nothing was done; try again",
                    10000,
                )
                return
            done(result)

        window.task = Task(
            window, title, lambda cancel, **_: fn(copy, cancel), finished, window.show_error
        )

    def apply_rules(self, rules: list[Rule], description: str) -> None:
        """New or changed rules: saved in the project, accounts re-assigned."""
        self._reassign_with(rules_setting(rules), description)

    def set_parent_policy(self, policy: str) -> None:
        """How divisions of a parent company are placed; accounts re-assigned."""
        text = dict(POLICIES)[policy]
        self._reassign_with(policy_setting(policy), f"Divisions of parent companies {text}")

    def refresh_rules(self, split_parents: pd.DataFrame, placed_by: pd.Series) -> None:
        """Show the project's saved rules in the Rules panel (or why they cannot be used)."""
        window = self.window
        try:
            rules = saved_rules(window.project)
        except PlannerError as exc:
            rules = []
            window.statusBar().showMessage(f"The saved rules cannot be used: {exc}", 10000)
        window.rules_panel.show_rules(
            window.project, rules, parent_policy(window.project), split_parents, placed_by
        )

    # ----- territories -----

    def delete_selected(self) -> None:
        """Delete the territory selected in the list (undoable)."""
        window = self.window
        territory_id = window.navigation.selected_territory()
        if territory_id is not None:
            window.try_edit(lambda: delete_territory(window.project, territory_id))

    def territory_menu(self, table: QTableView, pos: Any) -> None:
        """The right-click menu of a row of the Territories list or the KPI table."""
        model = self.window.territory_model
        index = table.indexAt(pos)
        if not index.isValid():
            return
        row = model.frame_row(index.row())
        territory_id = str(model.frame["territory_id"].iloc[row])
        menu = self.territory_actions_menu(territory_id)
        self.territory_context = menu
        menu.popup(table.viewport().mapToGlobal(pos))

    def territory_submenu(
        self, menu: QMenu, title: str, act: Callable[[str], Edit], exclude: str | None = None
    ) -> QMenu:
        """A submenu listing the territories; choosing one applies ``act(territory_id)``."""
        window = self.window
        territories = window.project.territories
        submenu = menu.addMenu(title)
        for territory_id, name in zip(
            territories["territory_id"], territories["name"], strict=True
        ):
            if territory_id != exclude:
                action = submenu.addAction(str(name))
                action.triggered.connect(
                    lambda _c=False, t=territory_id: window.try_edit(lambda: act(t))
                )
        return submenu

    def territory_actions_menu(self, territory_id: str) -> QMenu:
        """Split, merge and delete for one territory."""
        window = self.window
        project = window.project
        name = project.territories["name"].iloc[project.territory_index(territory_id)]
        menu = QMenu(window)
        menu.addAction(
            f"Split '{name}' with a Line", lambda: window.map_interaction.start_split(territory_id)
        )
        self.territory_submenu(
            menu,
            f"Merge '{name}' Into",
            lambda other: merge_territories(window.project, other, territory_id),
            exclude=territory_id,
        )
        locked = bool(project.territories_locked()[project.territory_index(territory_id)])
        lock = menu.addAction(f"Unlock '{name}'" if locked else f"Lock '{name}'")
        lock.triggered.connect(
            lambda: window.try_edit(
                lambda: set_territory_lock(window.project, territory_id, locked=not locked)
            )
        )
        menu.addSeparator()
        menu.addAction(
            f"Delete '{name}'",
            lambda: window.try_edit(lambda: delete_territory(window.project, territory_id)),
        )
        return menu

    # ----- accounts -----

    def account_menu(self, pos: Any) -> None:
        """The right-click menu of the selected accounts: place, pin, unlock."""
        window = self.window
        table, model = window.account_table, window.account_model
        rows = {i.row() for i in table.selectionModel().selectedRows()}
        if not rows:
            return
        ids = [str(model.frame["account_id"].iloc[model.frame_row(r)]) for r in rows]
        menu = QMenu(window)
        if len(ids) == 1:
            on_map = window.map_interaction
            menu.addAction(
                "Place on the Map (click the spot)…", lambda: on_map.start_placing(ids[0])
            )
            menu.addAction("Place at a ZIP Code…", lambda: on_map.place_at_zip(ids[0]))
            menu.addSeparator()
        self.territory_submenu(
            menu,
            f"Pin {plural(len(ids), 'account')} to Territory",
            lambda t: MoveAccounts(window.project, ids, t),
        )
        pin = menu.addMenu(f"Pin {plural(len(ids), 'account')} to Rep")
        project = window.project
        for rep_id, territory_id in zip(
            project.territories["rep_id"], project.territories["territory_id"], strict=True
        ):
            rep = project.reps.set_index("rep_id")["name"].get(rep_id)
            if rep is not None:
                action = pin.addAction(str(rep))
                action.triggered.connect(
                    lambda _c=False, t=territory_id: window.push_edit(
                        MoveAccounts(window.project, ids, t)
                    )
                )
        unlock = menu.addAction("Unlock and Place Again")
        unlock.triggered.connect(
            lambda: window.try_edit(lambda: unlock_accounts(window.project, ids))
        )
        menu.exec(table.viewport().mapToGlobal(pos))
