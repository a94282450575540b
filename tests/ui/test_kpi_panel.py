"""The Territory KPIs panel: chart, balance band, alerts, quotas and map shading."""

from __future__ import annotations

import numpy as np
import pytest

from territory_planner.analysis.metrics import balance_alerts, territory_kpis
from territory_planner.edits import reshape_territory
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import page_stats, wait_for_map


def column(window: MainWindow, key: str) -> int:
    return [c.key for c in window.territory_model.columns].index(key)


def test_chart_shading_and_coverage_follow_the_kpis(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    panel = window.kpi_panel
    panel.metric_box.setCurrentIndex(panel.metric_box.findData("potential"))
    kpis = territory_kpis(window.project)
    assert panel.chart.data.ids == kpis["territory_id"].tolist()
    assert panel.chart.data.values == pytest.approx(kpis["potential"].to_numpy())
    assert panel.chart.mean() == pytest.approx(kpis["potential"].mean())
    off = [abs(d) > 0.05 for d in kpis["potential_vs_mean"]]
    assert panel.chart.off_band() == off
    assert page_stats(qtbot, window)["shade"] is None
    panel.shade.setChecked(True)
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["shade"] == "Potential vs team mean")
    assert window.session.view.shade_by == "potential"  # the view state, Qt-free
    panel.metric_box.setCurrentIndex(panel.metric_box.findData("compactness"))
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["shade"] == "Compactness")
    assert window.session.view.shade_by == "compactness"
    assert page_stats(qtbot, window)["coverage"] == len(window.coverage_items)
    t01 = window.project.territories.geometry.iloc[0]
    window.push_edit(reshape_territory(window.project, "T01", t01.buffer(-0.3)))
    assert any(item.kind == "gap" for item in window.coverage_items)
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["coverage"] == len(window.coverage_items))
    # clicking a bar selects the territory everywhere
    panel.chart.territory_clicked.emit("T03")
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["selected"] == "T03")


def test_tolerance_band_is_an_undoable_setting(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    panel = window.kpi_panel
    kpis = territory_kpis(window.project)
    assert panel.alerts.count() == len(balance_alerts(kpis, 0.05))
    panel.band.setValue(40.0)
    panel.band.editingFinished.emit()
    assert window.project.settings["balance_tolerance"] == "0.4"
    wide = balance_alerts(kpis, 0.4)
    assert len(wide) < len(balance_alerts(kpis, 0.05))
    assert panel.alerts.count() == max(len(wide), 1)
    assert "Balance band set to ±40.0%" in window.change_log[-1]
    window.undo_stack.undo()
    assert "balance_tolerance" not in window.project.settings
    assert panel.band.value() == 5.0


def test_quota_typed_in_the_table_and_the_quota_dialog(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    model = window.territory_model
    assert model.setData(model.index(0, column(window, "quota")), "1.5M")
    tid = model.frame["territory_id"].iloc[model.frame_row(0)]
    assert window.project.territories.set_index("territory_id").loc[tid, "quota"] == 1_500_000
    window.kpi_panel.quotas_requested.emit()
    dialog = window.kpi_actions.quotas
    dialog.target.setText("9,000,000")
    dialog.blend.setValue(100)
    assert dialog.model.frame["quota"].sum() == pytest.approx(9_000_000)
    bad = "lots"
    dialog.target.setText(bad)
    assert not dialog.ok.isEnabled()
    dialog.target.setText("9000000")
    dialog.accept()
    kpis = territory_kpis(window.project).set_index("territory_id")
    assert kpis["quota"].sum() == pytest.approx(9_000_000)
    assert kpis.loc[tid, "quota"] == 1_500_000
    rest = kpis.drop(tid)
    assert (rest["quota"] / rest["quota"].sum()).to_numpy() == pytest.approx(
        (rest["potential"] / rest["potential"].sum()).to_numpy()
    )
    window.undo_stack.undo()  # the plan
    window.undo_stack.undo()  # the typed quota
    assert np.isnan(window.project.territories["quota"]).all()
    assert "quota_target" not in window.project.settings


def test_missing_columns_show_as_unknown_with_a_note(qtbot, window: MainWindow, tmp_path) -> None:
    from territory_planner.io.project_file import save_project
    from territory_planner.plan.project_design import design_project
    from territory_planner.sample_data import field_project

    project = field_project(0, accounts=200, reps=3, potential=False, frequencies=False)
    plan = design_project(project, balance="accounts", tolerance=0.2).scenario
    project.territories = plan.territories
    project.accounts["territory_id"] = plan.assignment["territory_id"].to_numpy()
    path = tmp_path / "crm.gpkg"
    save_project(project, path)
    window.open_project(path)
    wait_for_map(qtbot, window, 200)
    qtbot.waitUntil(lambda: window.kpi_panel.note.text() != "")
    panel = window.kpi_panel
    assert "no account has a potential" in panel.note.text()
    assert "visit frequenc" in panel.note.text()
    panel.metric_box.setCurrentIndex(panel.metric_box.findData("potential"))
    assert panel.chart.data.title == "Potential: no data"
    assert "import a potential column" in panel.chart.data.empty
    model = window.territory_model
    assert model.rowCount() == 3
    for key in ("potential", "potential_vs_mean", "workload_hours"):
        assert model.index(0, column(window, key)).data() == "—"
    assert model.index(0, column(window, "accounts")).data() not in {"", "—"}
    # accounts beyond a day trip of their rep are counted, tinted and alerted, with no hours
    # (without visit frequencies the hours are unknown, but the calendar still skips them)
    from PySide6.QtCore import Qt

    far = column(window, "beyond_day_trip")
    counts = [int(model.index(r, far).data().replace(",", "")) for r in range(3)]
    assert sum(counts) == territory_kpis(window.project)["beyond_day_trip"].sum() > 0
    for r, count in enumerate(counts):
        tint = model.index(r, far).data(Qt.ItemDataRole.BackgroundRole)
        assert (tint is not None) == (count > 0)
    tip = model.headerData(far, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "day trip" in tip
    texts = [panel.alerts.item(i).text() for i in range(panel.alerts.count())]
    told = [t for t in texts if "beyond a day trip" in t]
    assert len(told) == sum(c > 0 for c in counts)
    assert all(
        t.endswith("from the rep's home: the calendar cannot plan their visits") for t in told
    )
