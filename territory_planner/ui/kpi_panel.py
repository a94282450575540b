"""The Territory KPIs panel: the full KPI table, a bar chart per metric, and alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner.analysis.metrics import METRICS, Alert, balance_alerts
from territory_planner.formats import decimal2, integer, money_short, percent, signed_percent
from territory_planner.ui.balance_chart import BalanceChart, ChartData
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

#: What the narrow Territories panel shows; the Territory KPIs panel shows every column.
COMPACT_TERRITORY_KEYS = {"name", "rep", "accounts", "workload_hours", "workload_hours_vs_mean"}


_RED = "#f8d7da"


def balance_tint(deviation: Any, tolerance: float) -> str | None:
    """Green inside the tolerance band, amber up to twice it, red beyond."""
    if pd.isna(deviation):
        return None
    if abs(deviation) <= tolerance + 1e-12:
        return "#dff0d8"
    return "#fcf3cf" if abs(deviation) <= 2 * tolerance else _RED


def red_above(limit: float) -> Callable[[Any], str | None]:
    """A tint: red where a known value is over `limit` (capacity use over 1, far accounts)."""

    def tint(value: Any) -> str | None:
        return _RED if not pd.isna(value) and value > limit else None

    return tint


_TOO_FAR = (
    "Accounts beyond a day trip from the rep's home: the drive there, the visit and the drive "
    "back take longer than a working day, so the calendar leaves them out"
)


def dash(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    """`fmt`, with "—" for a value that is unknown (the project has no data for it)."""

    def show(value: Any) -> str:
        return "—" if value is None or pd.isna(value) else fmt(value)

    return show


def missing_note(kpis: pd.DataFrame) -> str:
    """What "—" means in the table: which data the project lacks, and what to import."""
    missing: dict[str, str] = kpis.attrs.get("missing", {})
    notes = list(dict.fromkeys(missing.values()))
    return "— " + "; ".join(notes) if notes else ""


def territory_columns(tolerance: Callable[[], float]) -> list[Column]:
    """The KPI table's columns; deviations are tinted against the current `tolerance`."""
    integer_, money_, percent_ = dash(integer), dash(money_short), dash(percent)

    def vs_mean(key: str) -> Column:
        return Column(
            key, "vs mean", dash(signed_percent), numeric=True, width=60,
            tint=lambda v: balance_tint(v, tolerance()),
        )  # fmt: skip

    return [
        Column("name", "Territory", editable=True, width=150),
        Column("rep", "Rep", width=115),
        Column("accounts", "Accounts", integer_, numeric=True, width=65),
        vs_mean("accounts_vs_mean"),
        Column("revenue", "Revenue", money_, numeric=True, width=68),
        vs_mean("revenue_vs_mean"),
        Column("potential", "Potential", money_, numeric=True, width=68),
        vs_mean("potential_vs_mean"),
        Column("workload_hours", "Workload h", integer_, numeric=True, width=78),
        vs_mean("workload_hours_vs_mean"),
        Column("drive_hours", "Drive h", integer_, numeric=True, width=60),
        Column("capacity_use", "Capacity", percent_, numeric=True, width=64, tint=red_above(1)),
        Column(
            "beyond_day_trip",
            "Too far",
            integer,
            numeric=True,
            width=56,
            tint=red_above(0),
            tip=_TOO_FAR,
        ),
        Column("quota", "Quota", money_, numeric=True, editable=True, width=72),
        Column("last_year_sales", "Last year", money_, numeric=True, width=70),
        Column("attainment", "Attain.", percent_, numeric=True, width=56),
        Column("share_of_wallet", "Wallet", percent_, numeric=True, width=56),
        Column("area_km2", "Area km²", integer, numeric=True, width=72),
        Column("compactness", "Compact.", decimal2, numeric=True, width=62),
        Column("parts", "Parts", integer, numeric=True, width=45),
    ]


class KpiPanel(QWidget):
    """KPI table beside a bar chart of the chosen metric, with the alerts underneath.

    The panel does no arithmetic: the window hands it the KPI frame
    (`territory_planner.analysis.metrics.territory_kpis`) and the tolerance.
    """

    metric_changed = Signal(str)
    tolerance_changed = Signal(float)
    shade_toggled = Signal(bool)
    quotas_requested = Signal()
    territory_clicked = Signal(str)

    def __init__(self, model: FrameModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kpis = pd.DataFrame()
        self.tolerance = 0.05
        self.table = make_table(model)
        self.metric_box = QComboBox()
        for key, metric in METRICS.items():
            self.metric_box.addItem(metric.title, key)
        self.metric_box.setCurrentIndex(self.metric_box.findData("workload_hours"))
        self.metric_box.currentIndexChanged.connect(self._metric_changed)
        self.band = QDoubleSpinBox()
        self.band.setRange(0.5, 50.0)
        self.band.setSingleStep(0.5)
        self.band.setDecimals(1)
        self.band.setPrefix("±")
        self.band.setSuffix(" %")
        self.band.setValue(5.0)
        self.band.setToolTip(
            "How far from the team mean a territory may be and still count as balanced"
        )
        self.band.editingFinished.connect(self._band_changed)
        self.shade = QCheckBox("Shade map")
        self.shade.setToolTip("Colour the territories on the map by this metric")
        self.shade.toggled.connect(self.shade_toggled.emit)
        self.chart = BalanceChart()
        self.chart.territory_clicked.connect(self.territory_clicked.emit)
        self.alerts = QListWidget()
        self.alerts.itemClicked.connect(
            lambda item: self.territory_clicked.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._toolbar())
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        layout.addWidget(self.note)
        layout.addWidget(self._panes(), 1)

    def _toolbar(self) -> QHBoxLayout:
        quotas = QPushButton("Quotas…")
        quotas.setToolTip("Split the team target into territory quotas")
        quotas.clicked.connect(self.quotas_requested.emit)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Chart:"))
        # the metric's box gives way first when the panel is narrow (a column beside the map)
        box = self.metric_box
        box.setMaximumWidth(box.sizeHint().width())
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(8)
        bar.addWidget(box, 1)
        bar.addWidget(QLabel("Balanced within"))
        bar.addWidget(self.band)
        bar.addWidget(self.shade)
        bar.addStretch(1)
        bar.addWidget(quotas)
        return bar

    def _panes(self) -> QSplitter:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart)
        self.tabs = QTabWidget()
        self.tabs.addTab(scroll, "Chart")
        self.tabs.addTab(self.alerts, "Alerts")
        self.alerts.setToolTip("Click an alert to select its territory")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.tabs)
        split.setSizes([760, 520])
        return split

    @property
    def metric_key(self) -> str:
        """The metric charted (and shaded on the map)."""
        return str(self.metric_box.currentData())

    def _metric_changed(self) -> None:
        self._update_chart()
        self.metric_changed.emit(self.metric_key)

    def _band_changed(self) -> None:
        value = round(self.band.value() / 100, 4)
        if value != round(self.tolerance, 4):
            self.tolerance_changed.emit(value)

    def refresh(self, kpis: pd.DataFrame, tolerance: float) -> None:
        """Show new KPIs (after any edit)."""
        self.kpis = kpis
        self.tolerance = tolerance
        self.band.blockSignals(True)
        self.band.setValue(tolerance * 100)
        self.band.blockSignals(False)
        note = missing_note(kpis)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self._update_chart()
        self._update_alerts(balance_alerts(kpis, tolerance))

    def _update_chart(self) -> None:
        metric, kpis = METRICS[self.metric_key], self.kpis
        if kpis.empty:
            self.chart.set_data(ChartData(title=metric.title))
            return
        missing = kpis.attrs.get("missing", {})
        if metric.key in missing:
            note = missing[metric.key]
            self.chart.set_data(ChartData(title=f"{metric.title}: no data", empty=f"— {note}"))
            return
        self.chart.set_data(
            ChartData(
                title=f"{metric.title} per territory",
                ids=kpis["territory_id"].astype(str).tolist(),
                names=kpis["name"].astype(str).tolist(),
                colors=kpis["color"].fillna("").astype(str).tolist(),
                values=kpis[metric.key].to_numpy(dtype=float, na_value=np.nan),
                fmt=metric.fmt,
                tolerance=self.tolerance if metric.balanced else None,
            )
        )

    def _update_alerts(self, alerts: list[Alert]) -> None:
        self.alerts.clear()
        for alert in alerts:
            item = QListWidgetItem(f"{alert.name}: {alert.text}")
            item.setData(Qt.ItemDataRole.UserRole, alert.territory_id)
            self.alerts.addItem(item)
        if not alerts:
            self.alerts.addItem(
                "No alerts: every territory is within the band and its rep's capacity"
            )
        self.tabs.setTabText(1, f"Alerts ({len(alerts)})" if alerts else "Alerts")
