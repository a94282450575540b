"""The Rules panel: add, edit, reorder and remove rules; parent policy; all undoable."""

from __future__ import annotations

import json

from territory_planner.plan.parents import split_parents_report
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import wait_for_map


def add_rule(window: MainWindow, name: str, target: str, condition: tuple[str, str, str]) -> None:
    field, op, value = condition
    panel = window.rules_panel
    panel.add_rule()
    dialog = panel.dialog
    assert dialog is not None
    dialog.name.setText(name)
    dialog.target.setCurrentIndex(dialog.target.findData(target))
    dialog.add_condition(None)
    dialog._widget(0, 0).setCurrentText(field)
    dialog._widget(0, 1).setCurrentText(op)
    dialog._widget(0, 2).setCurrentText(value)
    dialog.try_accept()


def test_rules_edited_in_the_panel_reassign_in_one_step(qtbot, window: MainWindow, demo_file):
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    acc = window.project.accounts
    healthcare = (acc["industry"] == "Healthcare").to_numpy()
    big = (acc["employees"].astype(float) > 500).to_numpy()
    add_rule(window, "Healthcare", "T03", ("industry", "=", "Healthcare"))
    acc = window.project.accounts
    assert (acc.loc[healthcare, "territory_id"] == "T03").all()
    assert (acc.loc[healthcare, "placed_by"] == "Healthcare").all()
    assert window.rules_panel.table.rowCount() == 1
    assert window.rules_panel.table.item(0, 3).text() == f"{healthcare.sum():,}"
    assert "Added rule 'Healthcare'" in window.change_log[-1]
    add_rule(window, "Big", "T04", ("employees", ">", "500"))
    assert window.rules_panel.dialog.preview.text().startswith(f"Matches {big.sum():,} of")
    acc = window.project.accounts
    # the first rule wins where both match
    assert (acc.loc[healthcare & big, "territory_id"] == "T03").all()
    assert (acc.loc[big & ~healthcare, "territory_id"] == "T04").all()
    window.rules_panel.table.selectRow(1)
    window.rules_panel.move_rule(-1)
    acc = window.project.accounts
    assert (acc.loc[healthcare & big, "territory_id"] == "T04").all()
    assert [r["name"] for r in json.loads(window.project.settings["rules"])] == [
        "Big",
        "Healthcare",
    ]
    window.undo_stack.undo()  # the move
    window.undo_stack.undo()  # the second rule
    window.undo_stack.undo()  # the first rule
    assert json.loads(window.project.settings.get("rules", "[]")) == []
    assert not (window.project.accounts["placed_by"] == "Healthcare").any()


def test_bad_rule_values_are_explained(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    add_rule(window, "Big", "T02", ("employees", ">", "lots"))
    dialog = window.rules_panel.dialog
    assert dialog.isVisible()
    assert "'lots' is not a number" in dialog.error.text()
    assert "rules" not in window.project.settings
    dialog.reject()


def test_parent_policy_keeps_divisions_together(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    panel = window.rules_panel
    split = len(split_parents_report(window.project))
    assert split > 0
    assert panel.parent_model.rowCount() == split
    window.territory_actions.set_parent_policy("follow_parent")
    assert panel.parent_model.rowCount() == 0
    assert panel.policy.currentData() == "follow_parent"
    assert window.change_log[-1].count("follow the parent company's territory") == 1
    window.undo_stack.undo()
    assert panel.parent_model.rowCount() == split
    assert "parent_policy" not in window.project.settings
