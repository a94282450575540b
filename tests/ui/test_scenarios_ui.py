"""Design territories in the app: progress and Cancel, a new scenario, use it, undo, compare."""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMessageBox

from territory_planner.demo import make_demo
from territory_planner.geo.areas import us_states
from territory_planner.plan.balance_reasons import DesignFix
from territory_planner.plan.project_design import design_project
from territory_planner.ui.change_dialog import ChangeOptions
from territory_planner.ui.compare_dialog import ScenarioMap
from territory_planner.ui.design_dialog import DesignDialog, DesignOptions
from territory_planner.ui.scenario_actions import _with_fix
from tests.ui.conftest import MAP_TIMEOUT_MS, wait_for_map
from tests.unit.plan_fixtures import spread_accounts, two_homes_beside_each_other

STATES = DesignOptions(
    kind="state", balance="accounts", k=3, tolerance=0.05, use_homes=False, name="Three regions"
)


def _open_demo(qtbot, window, demo_project) -> None:
    window.set_project(demo_project, None)
    wait_for_map(qtbot, window, len(demo_project.accounts))


def test_design_arrives_as_a_scenario_to_use_undo_and_compare(qtbot, window, fresh_demo) -> None:
    _open_demo(qtbot, window, fresh_demo)
    before = list(window.project.territories["territory_id"])
    window.scenarios.design(STATES)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    assert window.project.scenario_names() == ["Current plan", "Three regions"]
    assert list(window.project.territories["territory_id"]) == before  # not an overwrite
    report = window.scenarios.report.text()
    assert "3 territories from" in report
    assert window.scenarios.panel.list.count() == 2

    use = next(b for b in window.scenarios.report.buttons() if b.text() == "Use It Now")
    use.click()
    qtbot.waitUntil(lambda: window.project.scenario_name == "Three regions", timeout=5000)
    assert len(window.project.territories) == 3
    assert window.territory_model.rowCount() == 3
    held = window.project.accounts["territory_id"].value_counts()
    assert held.sum() >= 0.99 * len(window.project.accounts)

    window.undo_stack.undo()
    assert window.project.scenario_name == "Current plan"
    assert list(window.project.territories["territory_id"]) == before

    window.scenarios.compare("Current plan", "Three regions")
    dialog = window.scenarios.compare_dialog
    assert dialog is not None
    old = window.project.accounts.set_index("account_id")["territory_id"].fillna("")
    new = (
        window.project.scenario("Three regions")
        .assignment.set_index("account_id")["territory_id"]
        .fillna("")
    )
    moved = int((old != new.reindex(old.index)).sum())
    assert dialog.move_model.rowCount() == moved
    assert str(moved) in dialog.summary.text()
    image = dialog.grab()
    assert not image.isNull()
    dialog.close()


def test_cancel_leaves_no_scenario(qtbot, window, fresh_demo) -> None:
    _open_demo(qtbot, window, fresh_demo)
    window.scenarios.design(STATES)
    task = window.task
    task.dialog.canceled.emit()  # what the progress bar's Cancel button sends
    qtbot.waitUntil(lambda: task.finished, timeout=MAP_TIMEOUT_MS)
    assert window.project.scenario_names() == ["Current plan"]
    assert window.scenarios.report is None


def test_design_dialog_blends_targets_and_defaults_to_one_territory_per_rep(
    qtbot, window, fresh_demo
) -> None:
    dialog = DesignDialog(fresh_demo, window)
    qtbot.addWidget(dialog)
    assert dialog.count.value() == len(fresh_demo.reps)
    for box in dialog.shares.values():
        box.setValue(0)
    assert not dialog.ok.isEnabled()
    dialog.shares["potential"].setValue(60)
    dialog.shares["workload"].setValue(40)
    assert dialog.options().balance == "potential=60,workload=40"
    assert "60% potential, 40% workload hours" in dialog.explain.text()


def test_dialogs_say_why_workload_is_not_the_default_balance(qtbot, window, fresh_demo) -> None:
    from territory_planner.sample_data import field_project
    from territory_planner.ui.change_dialog import ChangeDialog

    field = field_project(seed=5, accounts=600, reps=6)  # most hours beyond a day trip
    for project, chosen, said in [(field, "potential", True), (fresh_demo, "workload", False)]:
        design = DesignDialog(project, window)
        change = ChangeDialog(project, split=False, parent=window)
        qtbot.addWidget(design)
        qtbot.addWidget(change)
        assert {k for k, box in design.shares.items() if box.value()} == {chosen}
        assert design.options().balance == f"{chosen}=100"
        assert change.balance.currentData() == chosen
        assert change.options().reach  # by default only to reps who reach them on a day trip
        assert change.reach is not None
        change.reach.setChecked(False)
        assert not change.options().reach
        hire = ChangeDialog(project, split=True, parent=window)
        qtbot.addWidget(hire)
        assert hire.reach is None  # (a split keeps the rule: no tick box)
        assert hire.options().reach
        # a new hire is a rep without a territory (one with a territory is refused)
        holding = set(project.territories["rep_id"].dropna())
        offered = [hire.rep.itemData(i) for i in range(hire.rep.count())]
        assert offered == [None, *(r for r in project.reps["rep_id"] if r not in holding)]
        for dialog in (design, change):
            assert dialog.default_note.isVisibleTo(dialog) is said
            text = dialog.default_note.text()
            assert ("not workload hours" in text and "of them" in text) if said else text == ""
        # once the user picks workload after all, "by default" no longer describes it
        design.shares[chosen].setValue(0)
        design.shares["workload"].setValue(100)
        change.balance.setCurrentIndex(change.balance.findData("workload"))
        assert not design.default_note.isVisibleTo(design)
        assert not change.default_note.isVisibleTo(change)
        change.balance.setCurrentIndex(change.balance.findData(chosen))
        assert change.default_note.isVisibleTo(change) is said


def test_scenario_panel_rename_delete_and_errors(qtbot, window, fresh_demo, monkeypatch) -> None:
    _open_demo(qtbot, window, fresh_demo)
    monkeypatch.setattr(
        "territory_planner.ui.scenario_actions.QInputDialog.getText",
        lambda *a, **k: ("Before workshop", True),
    )
    window.scenarios.copy_plan()
    assert window.project.scenario_names() == ["Current plan", "Before workshop"]
    window.scenarios.rename("Before workshop", "Baseline")
    window.scenarios.copy_plan()  # same name again: refused with a message, nothing added
    assert window.project.scenario_names() == ["Current plan", "Baseline", "Before workshop"]
    window.scenarios.copy_plan()
    assert "already exists" in window.last_error
    window.scenarios.delete("Current plan")
    assert "plan in use" in window.last_error
    window.scenarios.delete("Baseline")
    assert window.project.scenario_names() == ["Current plan", "Before workshop"]
    for box in window.findChildren(QMessageBox):
        box.close()


def test_rebalance_and_new_hire_in_the_app_give_move_lists(qtbot, window, tmp_path) -> None:
    project = spread_accounts(600, seed=8)
    outcome = design_project(project, kind="county", balance="potential", k=4, tolerance=0.3)
    project.use_scenario(outcome.scenario)
    window.set_project(project, None)
    wait_for_map(qtbot, window, len(project.accounts))
    before = window.project.accounts.set_index("account_id")["territory_id"].fillna("")

    window.scenarios.change(
        ChangeOptions(kind="county", balance="potential", tolerance=0.05), split=False
    )
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    name = window.project.scenario_names()[-1]
    assert name.startswith("Rebalanced")
    show = next(b for b in window.scenarios.report.buttons() if b.text() == "Show Moves…")
    show.click()
    dialog = window.scenarios.moves_dialog
    after = window.project.scenario(name).assignment.set_index("account_id")["territory_id"]
    moved = int((before != after.reindex(before.index).fillna("")).sum())
    assert moved > 0
    assert dialog.model.rowCount() == moved
    assert dialog.export(tmp_path / "moves.xlsx") == moved
    dialog.close()
    window.scenarios.report.close()
    window.scenarios.report = None

    first = window.project.territories["territory_id"].iloc[0]
    window.scenarios.change(
        ChangeOptions(
            kind="county", balance="potential", tolerance=0.05, sources=(first,),
            territory_name="Newcomer",
        ),
        split=True,
    )  # fmt: skip
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    split = window.project.scenario(window.project.scenario_names()[-1])
    assert split.territories["name"].iloc[-1] == "Newcomer"
    assert len(split.territories) == len(window.project.territories) + 1


def test_design_from_a_file_of_areas_in_the_app(qtbot, window, fresh_demo, tmp_path) -> None:
    _open_demo(qtbot, window, fresh_demo)
    states = us_states()
    areas = tmp_path / "regions.geojson"
    chosen = states[states["abbr"].isin(["IL", "IN", "WI", "MI", "OH", "IA", "MN", "MO"])]
    chosen[["name", "geometry"]].to_file(areas)
    dialog = DesignDialog(window.project, window)
    qtbot.addWidget(dialog)
    dialog.set_areas_file(areas)
    dialog.count.setValue(2)
    options = dialog.options()
    assert options.kind == "file"
    assert options.areas_file == areas
    window.scenarios.design(options)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    assert "2 territories from 8 areas" in window.scenarios.report.text()
    designed = window.project.scenario(window.project.scenario_names()[-1]).territories
    assert len(designed) == 2
    assert abs(designed.geometry.union_all().area - chosen.geometry.union_all().area) < 0.05


def test_a_missed_band_offers_fixes_that_design_again(qtbot, window, fresh_demo) -> None:
    """States cannot balance three territories within 1%: the result box offers finer units
    and a band the plan holds; trying the band designs again and the new plan is within it."""
    _open_demo(qtbot, window, fresh_demo)
    tight = DesignOptions(
        kind="state", balance="potential", k=3, tolerance=0.01, use_homes=False, name="Tight"
    )
    window.scenarios.design(tight)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    first = window.scenarios.report
    labels = [b.text() for b in first.buttons()]
    tries = [t for t in labels if t.startswith("Try ")]
    assert "Try ZIP areas" in tries
    band = next(t for t in tries if t.startswith("Try ±"))
    percent = int(band.removeprefix("Try ±").removesuffix("%"))
    assert percent > 1
    # listed under the report, one per line, each label whole (a row of them was cut short)
    fixes = [b for b in first.buttons() if b.text().startswith("Try ")]
    qtbot.waitUntil(lambda: all(b.isVisible() for b in fixes), timeout=MAP_TIMEOUT_MS)
    assert len({b.mapTo(first, QPoint(0, 0)).y() for b in fixes}) == len(fixes)
    for b in fixes:
        assert b.width() >= b.fontMetrics().horizontalAdvance(b.text())
    next(b for b in first.buttons() if b.text() == band).click()
    qtbot.waitUntil(lambda: window.scenarios.report is not first, timeout=MAP_TIMEOUT_MS)
    names = window.project.scenario_names()
    assert len(names) == 3  # the current plan, the tight design and the retried one
    retried = window.project.scenario(names[-1])
    assert f"within ±{percent}%" in retried.note
    potential = fresh_demo.accounts.set_index("account_id")["potential"].fillna(0)
    held = retried.assignment.set_index("account_id")["territory_id"]
    totals = potential.groupby(held.reindex(potential.index)).sum()
    assert (abs(totals / totals.mean() - 1) <= percent / 100 + 1e-9).all()


def test_the_fix_without_one_reps_home_designs_again_in_the_app(qtbot, window) -> None:
    """Two reps live side by side and half the accounts are in Chicago: the result box offers
    designing one rep's territory without their home; trying it balances the plan."""
    project = two_homes_beside_each_other()
    _open_demo(qtbot, window, project)
    options = DesignOptions(
        kind="county", balance="accounts", k=2, tolerance=0.05, use_homes=True, name="Homes"
    )
    window.scenarios.design(options)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    first = window.scenarios.report
    button = next(b for b in first.buttons() if b.text().endswith("'s home"))
    assert button.text().startswith("Try Without ")
    button.click()
    qtbot.waitUntil(lambda: window.scenarios.report is not first, timeout=MAP_TIMEOUT_MS)
    retried = window.project.scenario(window.project.scenario_names()[-1])
    counts = retried.assignment["territory_id"].value_counts()
    assert sorted(counts.tolist()) == [100, 100]
    assert set(retried.territories["rep_id"]) == set(project.reps["rep_id"])


def test_compare_says_which_map_is_which_scenario(qtbot, window, fresh_demo) -> None:
    fresh_demo.scenarios.append(fresh_demo.snapshot("Northeast split"))
    window.set_project(fresh_demo, None)
    window.scenarios.compare("Northeast split", "Current plan")
    dialog = window.scenarios.compare_dialog
    dialog.show()
    qtbot.waitExposed(dialog)
    titles = [label.text() for label in dialog.map_titles]
    assert "A: Northeast split</b> · 4 territories" in titles[0]
    assert "in use" not in titles[0]
    assert "B: Current plan</b> (the plan in use) · 4 territories" in titles[1]
    maps = dialog.findChildren(ScenarioMap)
    assert len(maps) == 2
    for label, shown in zip(dialog.map_titles, maps, strict=True):  # each heads its own map
        assert label.isVisible()
        assert label.geometry().bottom() < shown.geometry().top()
        assert abs(label.geometry().left() - shown.geometry().left()) < 20
    dialog.close()


def test_the_zip_areas_fix_designs_again_with_those_counties_split() -> None:
    """The result box's "Try ZIP areas in New York, Cook and 10 more counties" keeps the
    options and adds the counties; a second fix adds to them, a fresh name each time."""
    options = DesignOptions("county", "potential", 8, 0.01, True, "Plan A", free_homes=("r1",))
    fixed = _with_fix(options, DesignFix("ZIP areas in New York", zip_in=("36061",)))
    assert fixed.zip_in == ("36061",)
    assert (fixed.kind, fixed.tolerance, fixed.free_homes, fixed.name) == (
        "county", 0.01, ("r1",), None,
    )  # fmt: skip
    again = _with_fix(fixed, DesignFix("ZIP areas in Cook", zip_in=("36061", "17031")))
    assert again.zip_in == ("36061", "17031")
    wider = _with_fix(fixed, DesignFix("±2%", tolerance=0.02))
    assert (wider.zip_in, wider.tolerance) == (("36061",), 0.02)
    # "Try balancing potential" (most workload hours beyond a day trip) keeps the rest too
    workload = replace(options, balance="workload")
    other = _with_fix(workload, DesignFix("balancing potential", balance="potential"))
    assert (other.balance, other.kind, other.tolerance, other.name) == (
        "potential", "county", 0.01, None,
    )  # fmt: skip


def test_a_rebalance_the_day_trips_hold_offers_one_allowing_nights_away(qtbot, window) -> None:
    """Four metros beyond each other's day trips: under the rule no account can change
    hands; the report says so and offers the rebalance without the rule, which moves."""
    project = make_demo(accounts=300, reps=4, seed=11)
    window.set_project(project, None)
    wait_for_map(qtbot, window, len(project.accounts))
    options = ChangeOptions(kind="county", balance="potential", tolerance=0.05)
    window.scenarios.change(options, split=False)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    report = window.scenarios.report
    assert "may change hands" in report.text()
    held = window.project.scenario(window.project.scenario_names()[-1])
    assert (held.territories["geometry"].geom_equals(project.territories["geometry"])).all()
    assert not any(b.text().startswith("Try ZIP") for b in report.buttons())  # (no help)
    again = next(b for b in report.buttons() if b.text() == "Allow Nights Away")
    window.scenarios.report = None
    again.click()
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    assert "may change hands" not in window.scenarios.report.text()
    assert not any(b.text() == "Allow Nights Away" for b in window.scenarios.report.buttons())
    names = window.project.scenario_names()
    assert names[1:] == ["Rebalanced (potential)", "Rebalanced (potential, nights away)"]
    freed = window.project.scenario(names[-1]).assignment.set_index("account_id")
    before = project.accounts.set_index("account_id")["territory_id"]
    assert (freed["territory_id"].reindex(before.index) != before).sum() > 0
    for box in window.findChildren(QMessageBox):
        box.close()


def test_a_rebalance_counties_hold_back_offers_zip_areas(qtbot, window) -> None:
    project = make_demo(accounts=600, reps=6, seed=3)  # Los Angeles, Cook, ... are lumps
    window.set_project(project, None)
    wait_for_map(qtbot, window, len(project.accounts))
    options = ChangeOptions(kind="county", balance="potential", tolerance=0.02, reach=False)
    window.scenarios.change(options, split=False)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    finer = next(
        b for b in window.scenarios.report.buttons() if b.text().startswith("Try ZIP areas in")
    )
    window.scenarios.report = None
    finer.click()
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    name = window.project.scenario_names()[-1]
    assert name == "Rebalanced (potential, nights away, ZIP areas in 12 counties)"
    found = re.search(r"largest deviation ([\d.]+)%", window.scenarios.report.text())
    assert found is not None
    assert float(found[1]) <= 2.0  # within ±2% (26% with whole counties)
    assert "Why the target is not met" not in window.scenarios.report.text()
    for box in window.findChildren(QMessageBox):
        box.close()


def test_a_new_hire_counties_hold_back_offers_zip_areas(qtbot, window) -> None:
    """Southern California split in two: Los Angeles County alone is 1.7 halves."""
    _open_demo(qtbot, window, make_demo())
    source = window.project.territories.set_index("name").loc["Southern California"]
    options = ChangeOptions(
        kind="county", balance="potential", tolerance=0.05,
        sources=(str(source["territory_id"]),), territory_name="Newcomer",
    )  # fmt: skip
    window.scenarios.change(options, split=True)
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    assert "Why the target is not met" in window.scenarios.report.text()
    finer = next(
        b for b in window.scenarios.report.buttons() if b.text().startswith("Try ZIP areas in")
    )
    window.scenarios.report = None
    finer.click()
    qtbot.waitUntil(lambda: window.scenarios.report is not None, timeout=MAP_TIMEOUT_MS)
    text = window.scenarios.report.text()
    assert "outside ±" not in text  # the halves within ±5% of their equal share
    assert not any(b.text().startswith("Try ZIP") for b in window.scenarios.report.buttons())
    split = window.project.scenario(window.project.scenario_names()[-1])
    assert split.territories["name"].iloc[-1] == "Newcomer"
    for box in window.findChildren(QMessageBox):
        box.close()
