"""What the Territory KPIs panel asks of the window: shade the map, set the balance band, quotas.

The band and the quota plan are project settings, so each change is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt

from territory_planner.analysis.metrics import METRICS, balance_tolerance
from territory_planner.app.operations import set_balance_band, set_quotas
from territory_planner.colors import Shading, balance_shading, value_shading
from territory_planner.ui.quota_dialog import QuotaDialog

if TYPE_CHECKING:
    from territory_planner.ui.main_window import MainWindow


class KpiActions(QObject):
    """The map's shading by a KPI, the balance band and the quota plan."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.quotas: QuotaDialog | None = None  # the last quota dialog opened

    def shading(self) -> dict[str, Any] | None:
        """How the map shades territories now, by the view state (None: in their own colours)."""
        window = self.window
        if window.session.view.shade_by is None or window.kpis.empty:
            return None
        metric = METRICS[window.session.view.shade_by]
        kpis = window.kpis.set_index("territory_id")
        shading: Shading
        if metric.balanced:
            deviations = kpis[f"{metric.key}_vs_mean"]
            shading = balance_shading(metric.title, deviations, balance_tolerance(window.project))
        else:
            shading = value_shading(metric.title, kpis[metric.key], metric.fmt)
        return shading.as_dict()

    def send_shading(self) -> None:
        """Shade the map by the KPI panel's metric, or stop shading (the view state follows)."""
        panel = self.window.kpi_panel
        self.window.session.view.shade_by = panel.metric_key if panel.shade.isChecked() else None
        self.window.map_view.send_update({"shade": self.shading()})

    def set_tolerance(self, tolerance: float) -> None:
        """A new balance band (one undo step)."""
        self.window.push_edit(set_balance_band(self.window.project, tolerance).edit)

    def quota_dialog(self) -> None:
        """Ask for the quota plan; apply it as one undo step."""
        window = self.window
        dialog = QuotaDialog(window.project, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.quotas = dialog

        def accepted() -> None:
            plan = dialog.plan()
            if plan is None:
                return
            window.push_edit(set_quotas(window.project, plan).edit)

        dialog.accepted.connect(accepted)
        dialog.open()
