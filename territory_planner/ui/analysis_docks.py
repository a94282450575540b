"""The Performance and Market docks: kept up to date only while on screen, and their map layers.

With 100k accounts these two panels take seconds to recompute, so an edit marks
them stale and each catches up when it is shown. The market segment chosen rings
its accounts on the map and filters the Accounts table; the Performance panel's
alerts are drawn on the map too. Both layers are kept across page loads.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from territory_planner._errors import InputError
from territory_planner.analysis import market
from territory_planner.analysis.performance_alerts import PerformanceAlert
from territory_planner.mapview.overlays import alerts_layer, segment_layer
from territory_planner.model import Project
from territory_planner.ui.market_panel import MarketPanel
from territory_planner.ui.performance_panel import PerformancePanel
from territory_planner.ui.tasks import Task

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow

BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


class AnalysisDocks(QObject):
    """The Performance panel (actuals against quota, alerts) and the Market panel, docked."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        status = window.statusBar()
        self.performance_panel = PerformancePanel()
        self.performance_panel.thresholds_changed.connect(window.push_edit)
        self.performance_panel.goals_changed.connect(window.push_edit)
        self.performance_panel.map_alerts.connect(self._panel_alerts)
        self.map_layers: dict[str, Any] = {}  # the segment and alerts shown: sent to a new page
        self.performance_panel.territory_clicked.connect(window.navigation.select_territory)
        self.performance_panel.failed.connect(window.show_error)
        self.performance_panel.message.connect(lambda text: status.showMessage(text, 5000))
        self.performance_dock = window.add_dock(
            "Performance", "performance_dock", self.performance_panel, BOTTOM, scroll=True
        )
        self.segment = ""  # the market segment the Accounts panel shows ("" for all)
        panel = MarketPanel()
        panel.run_task = lambda title, fn, done: setattr(
            window, "task", Task(window, title, fn, done, window.show_error)
        )
        panel.segment_saved.connect(window.push_edit)
        panel.segment_deleted.connect(window.push_edit)
        panel.zoom_requested.connect(lambda bounds: window.map_view.send_update({"bounds": bounds}))
        panel.segment_changed.connect(self._segment_chosen)
        panel.account_selected.connect(window.navigation.zoom_to_account_id)
        panel.failed.connect(window.show_error)
        panel.message.connect(lambda text: status.showMessage(text, 5000))
        self.market_panel = panel
        self.market_dock = window.add_dock("Market", "market_dock", panel, BOTTOM, scroll=True)
        overlays, market_dock = window.panel_overlays, self.market_dock
        overlays.watch(market_dock)
        panel.heat_requested.connect(lambda layer: overlays.show(market_dock, "heat", layer))
        panel.clusters_requested.connect(
            lambda layer: overlays.show(market_dock, "clusters", layer)
        )
        self.stale_panels: set[QDockWidget] = set()
        for dock in (self.performance_dock, self.market_dock):
            dock.visibilityChanged.connect(
                lambda shown, d=dock: (
                    shown and QTimer.singleShot(0, lambda: self.refresh_if_shown(d))
                )
            )

    # ----- keeping up with the project -----

    def mark_stale(self) -> None:
        """The project changed: each panel catches up now if on screen, else when shown."""
        self.stale_panels = {self.performance_dock, self.market_dock}
        for dock in self.stale_panels.copy():
            self.refresh_if_shown(dock)

    def refresh_if_shown(self, dock: QDockWidget) -> None:
        """Bring a costly panel up to date when it is on screen; until then it waits.

        With 100k accounts the Performance and Market panels take seconds to
        recompute, so edits do not pay for them while they are hidden behind a tab.
        """
        if dock not in self.stale_panels or dock.visibleRegion().isEmpty():
            return
        self.stale_panels.discard(dock)
        panel = self.performance_panel if dock is self.performance_dock else self.market_panel
        panel.refresh(self.window.project)

    def release(self) -> None:
        """Let go of the project shown (another one replaces it)."""
        self.performance_panel.release()
        self.market_panel.release()

    def alerts_as_of(self, project: Project) -> date | None:
        """The day the overview finds the map's alerts for, while the panel is hidden.

        None when the panel is on screen (it sends them itself) or the alerts are not
        on the map.
        """
        hidden = self.performance_dock in self.stale_panels
        wanted = hidden and self.performance_panel.on_map.isChecked()
        return self.performance_panel.as_of_for(project) if wanted else None

    # ----- map layers -----

    def _send_map_layer(self, key: str, layer: dict[str, Any] | None) -> None:
        """Send a layer kept across page loads ("segment", "alerts"); None takes it off."""
        self.map_layers[key] = layer
        self.window.map_view.send_update({key: layer})

    def segment_mask(self) -> np.ndarray | None:
        """The chosen market segment's accounts (None: no segment, or it was deleted)."""
        if not self.segment:
            return None
        try:
            return market.segment_mask(self.window.project, self.segment)
        except (KeyError, InputError):
            self.segment = ""
            return None

    def _segment_chosen(self, name: str, mask: Any) -> None:
        self.segment = name or ""
        self.window.account_panel.set_also(mask)
        self.show_segment(mask)

    def show_segment(self, mask: np.ndarray | None) -> None:
        """Ring the segment's accounts on the map and grey the others (None: every account)."""
        if mask is None:
            if self.map_layers.get("segment") is not None:
                self._send_map_layer("segment", None)
            return
        if self.segment:
            title = f"Segment: {self.segment}"
        else:
            draft = self.market_panel.segment()
            title = f"Filter: {draft.describe() if draft else 'every account'}"
        self._send_map_layer("segment", segment_layer(self.window.project, title, mask))

    def show_alerts(self, alerts: tuple[date, list[PerformanceAlert]] | None) -> None:
        """The alerts an overview found, on the map if the panel puts them there."""
        if alerts is not None and self.performance_panel.on_map.isChecked():
            day, found = alerts
            self._send_map_layer("alerts", alerts_layer(self.window.project, found, day))

    def _panel_alerts(self, found: list[PerformanceAlert] | None) -> None:
        """The Performance panel's alerts (None: not on the map)."""
        layer = (
            None
            if found is None
            else alerts_layer(self.window.project, found, self.performance_panel.selected_date())
        )
        self._send_map_layer("alerts", layer)
