"""The Market panel over the hand-checked market fixture (tests/unit/test_market.py).

Healthcare accounts: A1 100k, A2 50k, A3 30k (1 km apart, in West), B1 10k, B2 20k
(1 km apart, ~100 km east, in no territory): 5 accounts, 210k of potential.
"""

from __future__ import annotations

import pandas as pd
import pytest

from territory_planner import segment_edits
from territory_planner.analysis import market
from territory_planner.analysis.conditions import Condition
from territory_planner.analysis.upsell import upsell_list
from territory_planner.edits import ChangeSettings
from territory_planner.model import Project
from territory_planner.ui.main_window import MainWindow
from territory_planner.ui.market_panel import MarketPanel
from territory_planner.ui.segment_editor import ALL_ACCOUNTS
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, wait_for_map
from tests.unit.test_market import make_project


@pytest.fixture
def project() -> Project:
    return make_project()


@pytest.fixture
def panel(qtbot, project) -> MarketPanel:
    widget = MarketPanel()
    qtbot.addWidget(widget)
    widget.resize(1300, 480)

    def push(edit: ChangeSettings) -> None:  # what the window does: apply, then refresh
        edit.apply(project)
        widget.refresh(project)

    widget.segment_saved.connect(push)
    widget.segment_deleted.connect(push)
    widget.refresh(project)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def healthcare(panel: MarketPanel) -> None:
    panel.segments.add_condition(Condition("industry", "=", "Healthcare"))


def test_building_saving_and_deleting_a_segment(qtbot, panel, project) -> None:
    assert panel.segments.summary.text() == "11 of 11 accounts · potential $776.0K · revenue $91.5K"
    with qtbot.waitSignal(panel.segment_changed, timeout=2000) as changed:
        healthcare(panel)
    name, mask = changed.args
    assert name == ""  # not saved yet
    assert project.accounts["account_id"][mask].tolist() == ["A1", "A2", "A3", "B1", "B2"]
    assert panel.segments.summary.text() == "5 of 11 accounts · potential $210.0K · revenue $32.0K"
    panel.segments.save_segment()
    assert panel.segments.error.text() == "type a name for the segment"
    panel.segments.name.setText("Healthcare")
    with qtbot.waitSignal(panel.segment_saved, timeout=2000) as saved:
        panel.segments.save_segment()
    assert saved.args[0].label == "Saved segment 'Healthcare': industry = Healthcare (5 accounts)"
    assert market.segment_names(project) == ["Healthcare"]
    assert [panel.segments.saved.itemText(i) for i in range(panel.segments.saved.count())] == [
        ALL_ACCOUNTS,
        "Healthcare",
    ]
    assert panel.segments.saved.currentText() == "Healthcare"
    assert panel.segments.delete_button.isEnabled()
    assert panel.segments.conditions.rowCount() == 1
    panel.segments.saved.setCurrentIndex(0)
    assert panel.segments.conditions.rowCount() == 0
    assert panel.segments.summary.text().startswith("11 of 11 accounts")
    panel.segments.saved.setCurrentText("Healthcare")  # picking it shows its conditions again
    assert panel.segments._widget(0, 2).currentText() == "Healthcare"
    assert panel.segments.summary.text().startswith("5 of 11 accounts")
    # a condition value the attribute does not take is shown as an error, not raised
    panel.segments.add_condition(Condition("employees", ">", 100))
    panel.segments._widget(1, 2).setCurrentText("many")
    assert "'many' is not a number" in panel.segments.error.text()
    panel.segments.remove_condition()
    assert panel.segments.error.text() == ""
    with qtbot.waitSignal(panel.segment_deleted, timeout=2000):
        panel.segments.delete_button.click()
    assert market.segment_names(project) == []
    assert panel.segments.saved.currentText() == ALL_ACCOUNTS


def test_the_heat_signal_carries_one_polygon_per_cell_with_the_accounts_totals(
    qtbot, panel
) -> None:
    healthcare(panel)
    panel.heat_size.setValue(50)
    panel.heat_value.setCurrentIndex(panel.heat_value.findData("potential"))
    with qtbot.waitSignal(panel.heat_requested, timeout=5000) as shown:
        panel.heat_on.setChecked(True)
    layer = shown.args[0]
    features = layer["features"]["features"]
    assert len(features) == len(panel.heat.cells) == 2  # the A group and the B group
    assert sorted(f["properties"]["accounts"] for f in features) == [2, 3]
    assert sorted(f["properties"]["value"] for f in features) == [30_000.0, 180_000.0]
    assert layer["title"] == "Potential per hexagon · (not saved)"
    assert [entry[0] for entry in layer["legend"]] == ["#fef0d9", "#b30000"]
    assert panel.heat_legend.entries == [tuple(e) for e in layer["legend"]]
    assert panel.heat_note.text() == "Potential of 5 accounts in 2 hexagons (50 km across)"
    with qtbot.waitSignal(panel.heat_requested, timeout=5000) as counted:
        panel.heat_value.setCurrentIndex(panel.heat_value.findData("accounts"))
    values = sorted(f["properties"]["value"] for f in counted.args[0]["features"]["features"])
    assert values == [2.0, 3.0]
    with qtbot.waitSignal(panel.heat_requested, timeout=5000) as counties:
        panel.heat_kind.setCurrentIndex(panel.heat_kind.findData("county"))
    features = counties.args[0]["features"]["features"]
    assert sum(f["properties"]["accounts"] for f in features) == 5
    assert all(f["properties"]["name"].endswith(", IL") for f in features)
    with qtbot.waitSignal(panel.heat_requested, timeout=2000) as off:
        panel.heat_on.setChecked(False)
    assert off.args == [None]


def test_clusters_whitespace_and_upsell_lists(qtbot, panel, project, tmp_path) -> None:
    tasks = []

    def runner(title, fn, done):
        tasks.append(title)
        panel_run(title, fn, done)

    from territory_planner.ui.market_panel import run_now as panel_run

    panel.run_task = runner
    healthcare(panel)
    panel.radius.setValue(5)
    panel.min_accounts.setValue(2)
    panel.find_clusters()
    assert tasks == ["Finding clusters"]
    table = panel.cluster_model.frame
    assert table["cluster"].tolist() == ["C1", "C2"]
    assert table["accounts"].tolist() == [3, 2]
    assert table["potential"].tolist() == [180_000.0, 30_000.0]
    assert table["territory"].tolist() == ["West", "no territory"]
    assert panel.tabs.tabText(1) == "Clusters (2)"
    with qtbot.waitSignal(panel.clusters_requested, timeout=2000) as shown:
        panel.clusters_on.setChecked(True)
    assert len(shown.args[0]["features"]["features"]) == 2
    with qtbot.waitSignal(panel.zoom_requested, timeout=2000) as zoom:
        panel.cluster_table.doubleClicked.emit(panel.cluster_model.index(0, 0))
    (south, west), (north, east) = zoom.args[0]
    assert south < 40 < north
    assert west < -90 < east

    with qtbot.waitSignal(panel.clusters_requested, timeout=2000) as white:
        panel.find_whitespace()
    assert panel.whitespace_model.frame["account_id"].tolist() == ["B2", "B1"]
    assert "2 whitespace accounts, potential $30.0K" in panel.whitespace_note.text()
    points = [f for f in white.args[0]["features"]["features"] if f["geometry"]["type"] == "Point"]
    assert [p["properties"]["account"] for p in points] == ["B2", "B1"]
    with qtbot.waitSignal(panel.account_selected, timeout=2000) as picked:
        panel.whitespace_table.doubleClicked.emit(panel.whitespace_model.index(0, 0))
    assert picked.args == ["B2"]

    expected = upsell_list(project)
    expected = expected[expected["account_id"].isin(["A1", "A2", "A3", "B1", "B2"])]
    assert panel.upsell["account_id"].tolist() == expected["account_id"].tolist()
    # West by gap (A1 90k, A2 30k, A3 30k), then the accounts in no territory (B2 18k, B1 10k)
    assert panel.upsell["account_id"].tolist() == ["A1", "A2", "A3", "B2", "B1"]
    assert panel.upsell["rank"].tolist() == [1, 2, 3, 1, 2]
    panel.top.setValue(1)
    panel.update_upsell()
    assert panel.upsell["account_id"].tolist() == ["A1", "B2"]
    assert panel.export(panel.upsell, tmp_path / "upsell.csv", "Upsell") == 2
    assert pd.read_csv(tmp_path / "upsell.csv")["account_id"].tolist() == ["A1", "B2"]


def test_heat_and_cluster_layers_are_drawn_on_the_offline_map(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    guard = window.map_view.guard
    guard.requests.clear()
    heat = market.heat_map(window.project, "potential", cell_km=100)
    clusters = market.find_clusters(window.project, radius_km=25, min_accounts=5)
    assert len(heat.cells) > 3
    assert clusters.clusters
    window.map_view.send_update({"heat": heat.as_layer(), "clusters": clusters.as_layer()})
    qtbot.waitUntil(
        lambda: (
            page_stats(qtbot, window)["heat"] == len(heat.cells)
            and page_stats(qtbot, window)["clusters"] == len(clusters.clusters)
        ),
        timeout=10_000,
    )
    window.map_view.send_update({"heat": None})
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["heat"] == 0, timeout=10_000)
    assert page_stats(qtbot, window)["clusters"] == len(clusters.clusters)
    assert guard.blocked == []


def test_a_rule_can_test_a_saved_segment(qtbot, project) -> None:
    from territory_planner.ui.rule_dialog import RuleDialog, rule_fields

    assert "segment" not in rule_fields(project)
    segment_edits.save_segment(
        project, market.Segment("Healthcare", (Condition("industry", "=", "Healthcare"),))
    ).apply(project)
    dialog = RuleDialog(project, None)
    qtbot.addWidget(dialog)
    dialog.add_condition(None)
    dialog._widget(0, 0).setCurrentText("segment")
    assert [dialog._widget(0, 2).itemText(i) for i in range(dialog._widget(0, 2).count())] == [
        "Healthcare"
    ]
    dialog._widget(0, 2).setCurrentText("Healthcare")
    assert dialog.preview.text() == "Matches 5 of 11 accounts now"


def test_market_and_performance_panels_in_the_window(qtbot, window: MainWindow, demo_file) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    panel = window.analysis.market_panel
    # hidden behind a tab: not computed
    assert window.analysis.market_dock in window.analysis.stale_panels
    window.analysis.market_dock.raise_()
    qtbot.waitUntil(
        lambda: window.analysis.market_dock not in window.analysis.stale_panels, timeout=5000
    )
    assert panel.project is window.project
    healthcare(panel)
    expected = int((window.project.accounts["industry"] == "Healthcare").sum())
    assert window.account_model.rowCount() == expected  # the Accounts panel shows the segment
    panel.segments.name.setText("Healthcare")
    panel.segments.save_segment()  # an undoable edit through the window
    assert market.segment_names(window.project) == ["Healthcare"]
    assert "Saved segment 'Healthcare'" in window.change_log[-1]
    assert window.account_model.rowCount() == expected  # kept after the tables refresh
    window.undo_stack.undo()
    assert market.segment_names(window.project) == []
    panel.heat_on.setChecked(True)  # computed as a task, drawn on the map
    qtbot.waitUntil(lambda: page_stats(qtbot, window)["heat"] > 0, timeout=MAP_TIMEOUT_MS)
    perf = window.analysis.performance_panel  # refreshed when shown: a row per territory
    window.analysis.performance_dock.raise_()
    qtbot.waitUntil(
        lambda: window.analysis.performance_dock not in window.analysis.stale_panels, timeout=5000
    )
    assert perf.territory_model.rowCount() == len(window.project.territories)
