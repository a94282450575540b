"""The Performance panel over the hand-checked actuals fixture (as of 2026-03-31: 90/365).

North (T1): sales to date 25,000 against a pro-rated quota of 29,589 (84%, behind pace);
South (T2): 6,500 against 14,795 (44%, below the 80% alert threshold).
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from PySide6.QtCore import QDate, QPoint, Qt

from territory_planner.edits import ChangeSettings
from territory_planner.io.actuals_import import actuals_after_import, read_actuals
from territory_planner.mapping.performance import (
    ActivityGoals,
    Thresholds,
    alerts,
    default_as_of,
    performance,
)
from territory_planner.model import Project
from territory_planner.ui.performance_charts import ALERT, BELOW_PACE, TITLE_HEIGHT
from territory_planner.ui.performance_panel import PerformancePanel
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
