"""One territory selected everywhere, and where the map looks.

Selecting a territory in the Territories list, the KPI table or chart, the
Performance panel or on the map selects it in all of them. Zooming fits the map
to everything, to the selected territory, to an account or to a gap or overlap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTableView

from territory_planner.mapview.map_page import project_bounds

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


class Navigation(QObject):
    """The territory selection and the map's zooms."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    # ----- the selected territory -----

    def selected_territory(self) -> str | None:
        """The territory selected in the Territories list, if any."""
        window = self.window
        rows = window.territory_table.selectionModel().selectedRows()
        if not rows:
            return None
        row = window.territory_model.frame_row(rows[0].row())
        return str(window.territory_model.frame["territory_id"].iloc[row])

    def select_territory(self, territory_id: str) -> None:
        """Select a territory in the list (and so on the map)."""
        window = self.window
        row = window.territory_model.view_row("territory_id", territory_id)
        if row is not None:
            window.territory_table.selectRow(row)
        window.kpi_panel.chart.select(territory_id)
        window.analysis.performance_panel.select_territory(territory_id)

    def territory_selected(self, table: QTableView) -> None:
        """A row was selected in `table` (the list or the KPI table): select it on the map."""
        model = self.window.territory_model
        rows = table.selectionModel().selectedRows()
        if rows:
            row = model.frame_row(rows[0].row())
            self.window.map_view.send_update({"select": str(model.frame["territory_id"].iloc[row])})

    def step_territory(self, step: int) -> None:
        """Select the next (1) or previous (-1) territory in the list and zoom to it."""
        window = self.window
        rows = window.territory_model.rowCount()
        if rows == 0:
            return
        current = window.territory_table.selectionModel().selectedRows()
        row = (current[0].row() + step) % rows if current else 0
        window.territory_table.selectRow(row)
        self.zoom_to_selected()

    # ----- zooming -----

    def _fit(self, bounds: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        self.window.map_view.send_update({"bounds": [[miny, minx], [maxy, maxx]]})

    def _centre(self, lat: float, lon: float) -> None:
        self.window.map_view.send_update({"zoomTo": {"lat": lat, "lon": lon, "zoom": 13}})

    def zoom_to_all(self) -> None:
        """Fit the map to everything shown: territories, accounts, reps' homes, overlays."""
        window = self.window
        window.map_view.send_update({"fitAll": project_bounds(window.project)})

    def zoom_to_selected(self) -> None:
        """Fit the map to the selected territory."""
        territory_id = self.selected_territory()
        if territory_id is None:
            return
        project = self.window.project
        geometry = project.territories.geometry.iloc[project.territory_index(territory_id)]
        if geometry is not None and not geometry.is_empty:
            self._fit(geometry.bounds)

    def zoom_to_account_id(self, account_id: str) -> None:
        """Centre the map on an account."""
        acc = self.window.project.accounts
        where = acc.loc[acc["account_id"] == account_id, ["lat", "lon"]].to_numpy(dtype=float)
        if len(where) and np.isfinite(where[0]).all():
            lat, lon = (float(v) for v in where[0])
            self._centre(lat, lon)

    def zoom_to_account(self, index: Any) -> None:
        """Centre the map on the account of a row of the Accounts table."""
        model = self.window.account_model
        acc = model.frame.iloc[model.frame_row(index.row())]
        if acc["lat"] == acc["lat"]:  # not NaN
            self._centre(float(acc["lat"]), float(acc["lon"]))

    def zoom_to_coverage(self, index: Any) -> None:
        """Fit the map to the gap or overlap of a row of the Gaps && Overlaps table."""
        window = self.window
        item = window.coverage_items[window.coverage_model.frame_row(index.row())]
        self._fit(item.geometry.bounds)
