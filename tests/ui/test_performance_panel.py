"""The Performance panel over the hand-checked actuals fixture (as of 2026-03-31: 90/365).

North (T1): sales to date 25,000 against a pro-rated quota of 29,589 (84%, behind pace);
South (T2): 6,500 against 14,795 (44%, below the 80% alert threshold).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PySide6.QtCore import QDate, QPoint, Qt

from territory_planner.analysis.performance import default_as_of, performance
from territory_planner.analysis.performance_alerts import alerts
from territory_planner.analysis.performance_settings import ActivityGoals, Thresholds
from territory_planner.edits import ChangeSettings
from territory_planner.io.actuals_import import actuals_after_import, read_actuals
from territory_planner.model import Project
from territory_planner.ui.performance_charts import ALERT, BELOW_PACE, TITLE_HEIGHT
from territory_planner.ui.performance_panel import PerformancePanel
from territory_planner.ui.performance_tables import EVERY_TERRITORY
from tests.unit.actuals_fixture import ACTUALS_CSV, make_project

AS_OF = dt.date(2026, 3, 31)


@pytest.fixture
def project(tmp_path) -> Project:
    p = make_project()
    path = tmp_path / "actuals.csv"
    path.write_text(ACTUALS_CSV, encoding="utf-8")
    p.actuals, _ = actuals_after_import(p, read_actuals(path, p.accounts["account_id"]))
    p.settings.update(ActivityGoals(default={"calls": 100}).as_settings())
    return p


@pytest.fixture
def panel(qtbot, project) -> PerformancePanel:
    widget = PerformancePanel()
    qtbot.addWidget(widget)
    widget.resize(1300, 520)
    widget.refresh(project)
    assert widget.selected_date() == default_as_of(project.actuals)  # A6's April: 2026-04-30
    widget.as_of.setDate(QDate(AS_OF.year, AS_OF.month, AS_OF.day))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_tables_chart_and_trend_show_the_hand_checked_figures(panel, project) -> None:
    assert panel.selected_date() == AS_OF
    frame = panel.territory_model.frame.set_index("territory_id")
    assert frame.loc["T1", "sales_to_date"] == 25_000
    assert frame.loc["T2", "sales_to_date"] == 6_500
    assert frame.loc["T1", "quota_to_date"] == pytest.approx(120_000 * 90 / 365)
    assert panel.territory_model.rowCount() == 2
    assert panel.rep_model.frame["rep"].tolist() == ["Ann", "Bob"]
    column = [c.key for c in panel.territory_model.columns].index("attainment_to_date")
    cell = panel.territory_model.index(panel.territory_model.view_row("territory_id", "T2"), column)
    assert cell.data() == "44%"
    assert cell.data(Qt.ItemDataRole.BackgroundRole).name() == "#f8d7da"  # below the threshold
    chart = panel.chart
    assert chart.data.ids == ["T1", "T2"]
    assert chart.shares().tolist() == pytest.approx([25_000 * 365 / (120_000 * 90),
                                                     6_500 * 365 / (60_000 * 90)])  # fmt: skip
    assert chart.colors() == [BELOW_PACE, ALERT]
    assert chart.texts() == ["84% · $25.0K of $29.6K", "44% · $6.5K of $14.8K"]
    trend = panel.trend.data
    assert trend.periods == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert trend.values.tolist() == [
        [30_000, 10_000, 8_000, 0, 25_000],
        [4_000, 0, 0, 2_000, 6_500],
    ]
    assert trend.names == ["North", "South"]
    assert "25% of 2026 gone by" in panel.status.text()


def test_a_click_on_a_bar_selects_its_territory(qtbot, panel) -> None:
    panel.tabs.setCurrentIndex(0)
    chart = panel.chart
    qtbot.waitExposed(chart)
    second_row = int(chart._plot().top()) + 30
    assert chart.row_at(second_row) == "T2"
    assert chart.row_at(TITLE_HEIGHT) is None
    with qtbot.waitSignal(panel.territory_clicked, timeout=2000) as blocker:
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(300, second_row))
    assert blocker.args == ["T2"]
    assert chart.selected == "T2"
    assert panel.trend.selected == "T2"


def test_the_as_of_date_changes_the_figures(panel) -> None:
    panel.as_of.setDate(QDate(2026, 2, 28))
    assert panel.as_of_pinned
    frame = panel.territory_model.frame.set_index("territory_id")
    assert frame.loc["T1", "sales_to_date"] == 6_000 + 7_000 + 9_000  # 2026Q1 has begun
    assert frame.loc["T2", "sales_to_date"] == 5_000
    panel.latest.click()
    assert panel.selected_date() == dt.date(2026, 4, 30)
    assert not panel.as_of_pinned
    assert panel.territory_model.frame.set_index("territory_id").loc["T2", "sales_to_date"] == (
        6_500 + 7_000
    )


def test_alerts_are_listed_and_exported(panel, project, tmp_path) -> None:
    expected = alerts(performance(project, AS_OF), Thresholds.from_settings(project.settings))
    assert len(expected) > 0
    shown = panel.alert_model.frame
    assert len(shown) == len(expected)
    assert panel.tabs.tabText(2) == f"Alerts ({len(expected)})"
    south = shown[(shown["key"] == "T2") & (shown["kind"] == "attainment_below")]
    assert south["what"].tolist() == ["Behind pace"]
    assert south["alert"].iloc[0].startswith("sales to date of $6,500 are 44% of the pro-rated")
    assert panel.export_alerts(tmp_path / "alerts.csv") == len(expected)
    written = pd.read_csv(tmp_path / "alerts.csv")
    assert written["alert"].tolist() == [a.text for a in expected]
    assert set(written["as_of"]) == {"2026-03-31"}
    assert panel.export_alerts(tmp_path / "alerts.xlsx") == len(expected)
    sheet = openpyxl.load_workbook(tmp_path / "alerts.xlsx")["Alerts"]
    assert sheet.max_row == len(expected) + 1
    failures = []
    panel.failed.connect(failures.append)
    assert panel.export_alerts(tmp_path / "alerts.txt") == 0
    assert "csv or .xlsx" in str(failures[0])


def test_thresholds_are_edited_as_one_undoable_setting(qtbot, panel, project) -> None:
    edits = []
    panel.thresholds_changed.connect(edits.append)
    assert panel.threshold_edits["attainment_below"].text() == "80%"
    assert panel.threshold_edits["potential_per_rep_above"].text() == "off"
    panel.apply_thresholds()
    assert edits == []
    assert panel.threshold_error.text() == "The thresholds are as saved"
    panel.threshold_edits["attainment_below"].setText("lots")
    panel.apply_thresholds()
    assert "'lots' is not a number" in panel.threshold_error.text()
    panel.threshold_edits["attainment_below"].setText("40%")
    panel.threshold_edits["potential_per_rep_above"].setText("$150,000")
    panel.apply_thresholds()
    (edit,) = edits
    assert isinstance(edit, ChangeSettings)
    assert edit.label == (
        "Alert thresholds: attainment below 80% → 40%; potential per rep above off → $150,000"
    )
    edit.apply(project)  # what the window's undo stack does
    panel.refresh(project)
    kinds = set(zip(panel.alert_model.frame["key"], panel.alert_model.frame["kind"], strict=True))
    assert ("T2", "attainment_below") not in kinds  # 44% is above 40%
    assert ("R1", "potential_per_rep_above") in kinds  # Ann: 180,000 of potential
    assert panel.chart.data.alert_below == 0.4
    edit.revert(project)
    panel.refresh(project)
    assert panel.threshold_edits["attainment_below"].text() == "80%"
    kinds = set(zip(panel.alert_model.frame["key"], panel.alert_model.frame["kind"], strict=True))
    assert ("T2", "attainment_below") in kinds


def test_an_empty_project_says_what_to_import(qtbot) -> None:
    widget = PerformancePanel()
    qtbot.addWidget(widget)
    widget.refresh(Project.empty())
    assert "No sales imported yet" in widget.status.text()
    assert widget.territory_model.rowCount() == 0
    assert not widget.export_button.isEnabled()


def activity_alerts(panel: PerformancePanel) -> set[tuple[str, str]]:
    frame = panel.alert_model.frame
    chosen = frame[frame["kind"] == "activity_below"]
    words = chosen["alert"].str.split().str[1]  # "22 calls to date ...", "1 meeting to date ..."
    return set(zip(chosen["key"], words.str.removesuffix("s") + "s", strict=True))


def goal_cell(panel: PerformancePanel, key: str, activity: str):
    model = panel.goal_model
    column = [c.key for c in model.columns].index(activity)
    return model.index(model.view_row("key", key), column)


def test_activity_goals_are_edited_per_territory_and_rep_as_undoable_settings(
    panel, project
) -> None:
    """Calls to date (as of 31 March): North 22 (A1: 10 + 8 + 4), South 5 (A4); the goal of
    every territory is 100 a year, 24.7 pro-rated: North is at 89%, South at 20%."""
    edits: list[ChangeSettings] = []
    panel.goals_changed.connect(edits.append)

    def push(edit: ChangeSettings) -> None:  # what the window's undo stack does
        edit.apply(project)
        panel.refresh(project)

    goals = panel.goal_model.frame
    assert goals["level"].tolist() == [EVERY_TERRITORY, "Territory", "Territory", "Rep", "Rep"]
    assert goal_cell(panel, "", "calls").data() == "100"
    assert goal_cell(panel, "T1", "calls").data() == "(100)"  # inherited
    assert goal_cell(panel, "R1", "calls").data() == "(100)"  # Ann: North's goal
    assert goal_cell(panel, "T1", "calls").data(Qt.ItemDataRole.EditRole) == ""
    frame = panel.territory_model.frame.set_index("territory_id")
    assert frame.loc["T1", "calls_vs_goal"] == pytest.approx(22 / (100 * 90 / 365))
    assert activity_alerts(panel) == {("T1", "calls"), ("T2", "calls"), ("R1", "calls"),
                                      ("R2", "calls")}  # fmt: skip

    # North's own goal: 80 calls a year (19.7 to date): 22 calls are above it
    assert panel.goal_model.setData(goal_cell(panel, "T1", "calls"), "80")
    (edit,) = edits
    assert edit.label == "Activity goal: calls for territory North 80 a year (was 100 inherited)"
    push(edit)
    assert ActivityGoals.from_settings(project.settings).territories == {"T1": {"calls": 80.0}}
    assert goal_cell(panel, "T1", "calls").data() == "80"
    assert goal_cell(panel, "R1", "calls").data() == "(80)"  # the rep follows the territory
    frame = panel.territory_model.frame.set_index("territory_id")
    assert frame.loc["T1", "calls_goal"] == 80
    assert frame.loc["T1", "calls_vs_goal"] == pytest.approx(22 / (80 * 90 / 365))
    assert panel.rep_model.frame.set_index("rep_id").loc["R1", "calls_goal"] == 80
    assert activity_alerts(panel) == {("T2", "calls"), ("R2", "calls")}

    # Bob's own meetings goal: 10 a year (2.5 to date); he had 1 meeting (A4)
    assert panel.goal_model.setData(goal_cell(panel, "R2", "meetings"), "10")
    push(edits[-1])
    assert panel.rep_model.frame.set_index("rep_id").loc["R2", "meetings_vs_goal"] == (
        pytest.approx(1 / (10 * 90 / 365))
    )
    assert ("R2", "meetings") in activity_alerts(panel)

    # a bad number is explained, not saved; the same value again is no edit
    assert panel.goal_model.setData(goal_cell(panel, "T2", "calls"), "lots")
    assert "'lots' is not a number" in panel.goal_error.text()
    panel.goal_model.setData(goal_cell(panel, "T1", "calls"), "80")
    assert len(edits) == 2

    # undo (in reverse order) puts the project and the panel back
    edits[1].revert(project)
    edits[0].revert(project)
    panel.refresh(project)
    assert ActivityGoals.from_settings(project.settings) == ActivityGoals(default={"calls": 100})
    assert goal_cell(panel, "T1", "calls").data() == "(100)"
    assert activity_alerts(panel) == {("T1", "calls"), ("T2", "calls"), ("R1", "calls"),
                                      ("R2", "calls")}  # fmt: skip

    # clearing a goal makes the territory inherit again
    panel.goal_model.setData(goal_cell(panel, "", "calls"), "")
    assert edits[-1].label == "Activity goal: calls for every territory cleared (was 100)"
    push(edits[-1])
    assert goal_cell(panel, "T1", "calls").data() == ""
    assert np.isnan(panel.territory_model.frame.set_index("territory_id").loc["T1", "calls_goal"])
    assert activity_alerts(panel) == set()


def test_a_large_project_is_computed_on_the_task_thread_the_latest_date_wins(
    qtbot, project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from territory_planner.ui import performance_panel, tasks

    monkeypatch.setattr(tasks, "BACKGROUND_FROM", 0)  # as with 100k accounts
    threads: list[str] = []

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return performance(*args, **kwargs)

    monkeypatch.setattr(performance_panel, "performance", recorded)
    widget = PerformancePanel()
    qtbot.addWidget(widget)
    widget.refresh(project)
    assert widget.figures.pending  # the window goes on meanwhile
    widget.as_of.setDate(QDate(AS_OF.year, AS_OF.month, AS_OF.day))  # asked again at once
    qtbot.waitUntil(lambda: not widget.figures.pending, timeout=30_000)

    assert threads
    assert all(name.startswith("territory-planner-task") for name in threads)
    frame = widget.territory_model.frame.set_index("territory_id")
    assert frame.loc["T1", "sales_to_date"] == 25_000  # of AS_OF, not of the first date
    assert "31 Mar 2026" in widget.status.text()
