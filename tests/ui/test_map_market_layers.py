"""The Market panel's segment and the Performance panel's alerts, drawn on the real map page."""

from __future__ import annotations

import json
from typing import Any

from territory_planner.analysis import market
from territory_planner.analysis.conditions import Condition
from territory_planner.analysis.performance import performance
from territory_planner.analysis.performance_alerts import alerts
from territory_planner.analysis.performance_settings import ActivityGoals, Thresholds
from territory_planner.edits import ChangeSettings
from territory_planner.ui.main_window import MainWindow
from tests.ui.conftest import MAP_TIMEOUT_MS, page_stats, run_js, wait_for_map

#: Opens the tooltip of every alert badge and returns the texts shown.
ALERT_TOOLTIPS = """
(function () {
  var texts = [];
  map_tp.eachLayer(function (layer) {
    if (layer.options && layer.options.pane === 'tp-alerts' && layer.getTooltip()) {
      layer.openTooltip();
      texts.push(layer.getTooltip().getElement().textContent);
    }
  });
  return JSON.stringify(texts);
})()
"""


def record_updates(window: MainWindow) -> list[dict[str, Any]]:
    """Every partial update the window sends to the page from now on."""
    sent: list[dict[str, Any]] = []
    original = window.map_view.send_update

    def send(update: dict[str, Any]) -> None:
        sent.append(update)
        original(update)

    window.map_view.send_update = send  # type: ignore[method-assign]
    return sent


def wait_stats(qtbot, window: MainWindow, check) -> dict[str, Any]:
    box: list[dict[str, Any]] = []

    def ok() -> bool:
        box[:] = [page_stats(qtbot, window)]
        return bool(check(box[0]))

    qtbot.waitUntil(ok, timeout=MAP_TIMEOUT_MS)
    return box[0]


def test_the_segment_is_ringed_on_the_map_by_ids_alone(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    window.analysis.market_dock.raise_()
    qtbot.waitUntil(
        lambda: window.analysis.market_dock not in window.analysis.stale_panels, timeout=5000
    )
    sent = record_updates(window)
    acc = window.project.accounts
    healthcare = acc.loc[acc["industry"] == "Healthcare", "account_id"].tolist()
    assert 0 < len(healthcare) < len(acc)

    window.analysis.market_panel.segments.add_condition(Condition("industry", "=", "Healthcare"))
    stats = wait_stats(qtbot, window, lambda s: s["segmentShown"] == len(healthcare))
    assert stats["segment"] == "Filter: industry = Healthcare"
    assert "segment" in stats["legends"]
    (update,) = [u for u in sent if "segment" in u]
    assert set(update) == {"segment"}  # not the account layer again
    assert sorted(update["segment"]["ids"]) == sorted(healthcare)

    # Saved, the legend names it; the edit redraws the accounts, the ring stays on them.
    window.analysis.market_panel.segments.name.setText("Healthcare")
    window.analysis.market_panel.segments.save_segment()
    assert market.segment_names(window.project) == ["Healthcare"]
    stats = wait_stats(qtbot, window, lambda s: s["segment"] == "Segment: Healthcare")
    assert stats["segmentShown"] == len(healthcare)
    legend = json.loads(
        run_js(qtbot, window, "JSON.stringify(Array.prototype.map.call("
            "document.querySelectorAll('.tp-legend'), function (n) { return n.textContent; }))")
    )  # fmt: skip
    assert any(
        text.startswith("Segment: Healthcare")
        and f"{len(healthcare)} of {len(acc)} accounts, ringed" in text
        for text in legend
    ), legend

    window.analysis.market_panel.segments.saved.setCurrentIndex(
        0
    )  # All accounts: no highlight, no legend
    stats = wait_stats(qtbot, window, lambda s: s["segment"] is None)
    assert stats["segmentShown"] == 0
    assert "segment" not in stats["legends"]


def badges(found) -> set[tuple[str, str]]:
    return {(a.level, a.key) for a in found}


def test_breached_alerts_are_badges_on_the_map_kept_current_and_switchable(
    qtbot, window: MainWindow, demo_file
) -> None:
    window.open_project(demo_file)
    wait_for_map(qtbot, window, 300)
    project = window.project
    panel = window.analysis.performance_panel
    window.analysis.performance_dock.raise_()
    qtbot.waitUntil(
        lambda: window.analysis.performance_dock not in window.analysis.stale_panels, timeout=5000
    )
    expected = badges(panel.alerts)
    assert expected, "the demo has breached alerts"
    stats = wait_stats(qtbot, window, lambda s: s["alerts"] == len(expected))
    assert "alerts" in stats["legends"]
    tooltips = json.loads(run_js(qtbot, window, ALERT_TOOLTIPS))
    assert len(tooltips) == len(expected)
    first = panel.alerts[0]
    assert any(first.name in t and f"{first.what}: {first.text}" in t for t in tooltips)

    panel.on_map.setChecked(False)  # switched off
    stats = wait_stats(qtbot, window, lambda s: s["alerts"] == 0)
    assert "alerts" not in stats["legends"]
    panel.on_map.setChecked(True)
    wait_stats(qtbot, window, lambda s: s["alerts"] == len(expected))

    # A goal typed in the Goals tab is one undoable step of the window: 100,000 calls a
    # year for every territory puts every territory and rep below its goal.
    model = panel.goal_model
    cell = model.index(model.view_row("key", ""), [c.key for c in model.columns].index("calls"))
    assert model.setData(cell, "100,000")
    assert "Activity goal: calls for every territory 100,000 a year" in window.change_log[-1]
    assert ActivityGoals.from_settings(project.settings).default == {"calls": 100_000}
    every = len(project.territories) + project.territories["rep_id"].nunique()
    wait_stats(qtbot, window, lambda s: s["alerts"] == every)
    window.undo_stack.undo()
    assert ActivityGoals.from_settings(project.settings).default == {}
    wait_stats(qtbot, window, lambda s: s["alerts"] == len(expected))

    # With the panel hidden behind another tab, an edit still updates the badges (computed
    # on the task thread): every territory and rep over 0% of capacity breaches.
    window.account_dock.raise_()
    qtbot.waitUntil(lambda: window.account_dock.visibleRegion().isEmpty() is False, timeout=5000)
    window.push_edit(
        ChangeSettings(project, {"alert_capacity_above": "0.0"}, "Alert at any workload")
    )
    # not recomputed on screen
    assert window.analysis.performance_dock in window.analysis.stale_panels
    now = alerts(performance(project, panel.selected_date()), Thresholds.from_settings(
        project.settings))  # fmt: skip
    assert badges(now) > expected
    wait_stats(qtbot, window, lambda s: s["alerts"] == len(badges(now)))
    window.undo_stack.undo()
    wait_stats(qtbot, window, lambda s: s["alerts"] == len(expected))
