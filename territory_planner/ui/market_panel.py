"""The Market panel: segment filter builder, heat map, clusters, whitespace and upsell lists.

A view over `territory_planner.analysis.market` and
`territory_planner.analysis.upsell.upsell_list`. The panel never changes
the project: saving or deleting a segment comes out as an undoable edit
(`segment_saved`, `segment_deleted`), and what the map should show as
signals carrying the layer (`heat_requested`, `clusters_requested`, with
GeoJSON and a legend; None to take it off).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner._errors import PlannerError
from territory_planner.analysis import market
from territory_planner.analysis.market import Clusters, HeatMap, Segment, Whitespace
from territory_planner.analysis.upsell import upsell_list
from territory_planner.formats import integer, money_short, percent, plural
from territory_planner.io.table_export import write_table
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, no_progress
from territory_planner.ui.legend import Legend
from territory_planner.ui.segment_editor import SegmentEditor
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

#: Runs ``fn(progress=, cancel=)`` and hands its result to the callback (the window
#: passes its background task runner; by default the work is done at once).
TaskRunner = Callable[[str, Callable[..., Any], Callable[[Any], None]], None]


class Messages:
    """Every sentence the panel shows, in one place."""

    NO_HEAT = "Tick 'Show on map' to shade the map by the chosen value"
    NO_CLUSTERS = "Press Find to look for clusters of the segment's accounts"
    NO_WHITESPACE = "Press Find to list high-potential accounts no territory or rep covers"
    EXPORTED = "Wrote {rows} to {name}"
    EXPORT_FILTER = "Excel workbook (*.xlsx);;CSV file (*.csv)"


def _or_none(value: Any) -> str:
    return "(no territory)" if value is None or pd.isna(value) or value == "" else str(value)


CLUSTER_COLUMNS = [
    Column("cluster", "Cluster", width=55),
    Column("where", "Where", width=170),
    Column("accounts", "Accounts", integer, numeric=True, width=65),
    Column("potential", "Potential", money_short, numeric=True, width=72),
    Column("revenue", "Revenue", money_short, numeric=True, width=72),
    Column("territory", "Mostly in", width=130),
    Column("nearest_rep", "Nearest rep", width=110),
    Column("home_km", "km to home", integer, numeric=True, width=82),
]
WHITESPACE_COLUMNS = [
    Column("name", "Account", width=190),
    Column("city", "City", width=100),
    Column("state", "State", width=45),
    Column("potential", "Potential", money_short, numeric=True, width=72),
    Column("revenue", "Revenue", money_short, numeric=True, width=72),
    Column("territory", "Territory", _or_none, width=140),
    Column("nearest_rep", "Nearest rep", width=110),
    Column("home_km", "km to home", integer, numeric=True, width=82),
    Column("cluster", "Cluster", width=58),
    Column("reason", "Why", width=260),
]
UPSELL_COLUMNS = [
    Column("territory", "Territory", _or_none, width=150),
    Column("rank", "#", integer, numeric=True, width=35),
    Column("name", "Account", width=190),
    Column("industry", "Industry", width=110),
    Column("revenue", "Revenue", money_short, numeric=True, width=70),
    Column("potential", "Potential", money_short, numeric=True, width=70),
    Column("gap", "Gap", money_short, numeric=True, width=70),
    Column("share_of_wallet", "Wallet", percent, numeric=True, width=55),
    Column("rep", "Rep", width=110),
]


def run_now(_title: str, fn: Callable[..., Any], done: Callable[[Any], None]) -> None:
    """The default task runner: do the work at once, on this thread."""
    done(fn(progress=no_progress, cancel=CancelToken()))


def cluster_table(found: Clusters) -> pd.DataFrame:
    """Clusters as the list shows them (one row each)."""
    rows = [
        {
            "cluster": c.cluster_id,
            "where": c.where.removeprefix("near "),
            "accounts": c.accounts,
            "potential": c.potential,
            "revenue": c.revenue,
            "territory": c.territories[0][0] if c.territories else "",
            "nearest_rep": c.nearest_rep,
            "home_km": c.home_km,
        }
        for c in found.clusters
    ]
    return pd.DataFrame(rows, columns=[c.key for c in CLUSTER_COLUMNS])


class MarketPanel(QWidget):
    """Build and save segments; heat map, clusters, whitespace and upsell lists of a segment."""

    #: A segment was saved (or changed): the undoable `ChangeSettings` edit to push.
    segment_saved = Signal(object)
    #: A segment was deleted: the undoable edit to push.
    segment_deleted = Signal(object)
    #: The segment shown changed: its name ("" for all accounts or an unsaved filter) and
    #: the mask of the project's accounts in it (None: every account), e.g. to filter tables.
    segment_changed = Signal(str, object)
    #: The heat layer for the map (``{"title", "legend", "features"}``), or None to remove it.
    heat_requested = Signal(object)
    #: The clusters or whitespace layer for the map, or None to remove it.
    clusters_requested = Signal(object)
    #: An account picked in a list (its ID): select it and zoom to it.
    account_selected = Signal(str)
    #: Map bounds ``[[south, west], [north, east]]`` to zoom to (a cluster picked).
    zoom_requested = Signal(object)
    #: Something the user asked for failed (a `PlannerError`): the window shows it.
    failed = Signal(object)
    #: A sentence for the status bar.
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = Project.empty()
        self.run_task: TaskRunner = run_now
        self.heat: HeatMap | None = None
        self.clusters: Clusters | None = None
        self.whitespace: Whitespace | None = None
        self.upsell = pd.DataFrame()
        self._loading = False
        self.segments = SegmentEditor()
        self.segments.segment_saved.connect(self.segment_saved)
        self.segments.segment_deleted.connect(self.segment_deleted)
        self.segments.failed.connect(self.failed)
        self.segments.changed.connect(self._segment_changed)
        self._build_heat_widgets()
        self._build_cluster_widgets()
        self._build_whitespace_widgets()
        self._build_upsell_widgets()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.segments)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._heat_tab(), "Heat map")
        self.tabs.addTab(self._clusters_tab(), "Clusters")
        self.tabs.addTab(self._whitespace_tab(), "Whitespace")
        self.tabs.addTab(self._upsell_tab(), "Upsell")
        split.addWidget(self.tabs)
        split.setSizes([480, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    # ----- construction -----

    def _build_heat_widgets(self) -> None:
        self.heat_value = QComboBox()
        self.heat_value.setToolTip("What to add up per cell")
        self.heat_kind = QComboBox()
        self.heat_kind.addItem("Hexagons", "hex")
        self.heat_kind.addItem("Counties", "county")
        self.heat_size = QSpinBox()
        self.heat_size.setRange(0, 500)
        self.heat_size.setSuffix(" km")
        self.heat_size.setSpecialValueText("auto")
        self.heat_size.setToolTip("Hexagon width (auto: about 40 across the accounts)")
        self.heat_on = QCheckBox("Show on map")
        self.heat_note = QLabel(Messages.NO_HEAT)
        self.heat_note.setWordWrap(True)
        self.heat_legend = Legend()
        self.heat_on.toggled.connect(lambda _on: self.update_heat())
        self.heat_value.currentIndexChanged.connect(lambda _i: self._heat_option_changed())
        self.heat_kind.currentIndexChanged.connect(lambda _i: self._heat_option_changed())
        self.heat_size.editingFinished.connect(self._heat_option_changed)

    def _heat_tab(self) -> QWidget:
        box = QWidget()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Value:", self.heat_value)
        over = QHBoxLayout()
        over.addWidget(self.heat_kind)
        over.addWidget(QLabel("size"))
        over.addWidget(self.heat_size)
        over.addStretch(1)
        form.addRow("Over:", over)
        form.addRow("", self.heat_on)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.heat_note)
        layout.addWidget(self.heat_legend)
        layout.addStretch(1)
        return box

    def _build_cluster_widgets(self) -> None:
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0.5, 500.0)
        self.radius.setValue(market.DEFAULT_RADIUS_KM)
        self.radius.setSuffix(" km")
        self.radius.setToolTip("Accounts this near each other are neighbours")
        self.min_accounts = QSpinBox()
        self.min_accounts.setRange(1, 10_000)
        self.min_accounts.setValue(market.DEFAULT_MIN_ACCOUNTS)
        self.min_accounts.setToolTip(
            "An account with this many neighbours (itself included) starts a cluster"
        )
        self.cluster_model = FrameModel(CLUSTER_COLUMNS, self)
        self.cluster_table = make_table(self.cluster_model)
        self.cluster_table.doubleClicked.connect(self._zoom_to_cluster)
        self.cluster_note = QLabel(Messages.NO_CLUSTERS)
        self.cluster_note.setWordWrap(True)
        self.clusters_on = QCheckBox("Show on map")
        self.clusters_on.toggled.connect(lambda _on: self._send_clusters())

    def _clusters_tab(self) -> QWidget:
        find = QPushButton("Find")
        find.clicked.connect(self.find_clusters)
        row = QHBoxLayout()
        row.addWidget(QLabel("Within"))
        row.addWidget(self.radius)
        row.addWidget(QLabel("at least"))
        row.addWidget(self.min_accounts)
        row.addWidget(QLabel("accounts"))
        row.addWidget(find)
        row.addWidget(self.clusters_on)
        row.addStretch(1)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.cluster_note)
        layout.addWidget(self.cluster_table, 1)
        return box

    def _build_whitespace_widgets(self) -> None:
        self.min_potential = QDoubleSpinBox()
        self.min_potential.setRange(0, 1e12)
        self.min_potential.setDecimals(0)
        self.min_potential.setSingleStep(10_000)
        self.min_potential.setPrefix("$")
        self.min_potential.setGroupSeparatorShown(True)
        self.far_km = QSpinBox()
        self.far_km.setRange(0, 5000)
        self.far_km.setSuffix(" km")
        self.far_km.setSpecialValueText("off")
        self.far_km.setToolTip("Also list accounts farther than this from every rep's home")
        self.whitespace_model = FrameModel(WHITESPACE_COLUMNS, self)
        self.whitespace_table = make_table(self.whitespace_model)
        self.whitespace_table.doubleClicked.connect(
            lambda i: self._account_picked(self.whitespace_model, i)
        )
        self.whitespace_note = QLabel(Messages.NO_WHITESPACE)
        self.whitespace_note.setWordWrap(True)

    def _whitespace_tab(self) -> QWidget:
        find = QPushButton("Find")
        find.clicked.connect(self.find_whitespace)
        export = QPushButton("Export…")
        export.clicked.connect(
            lambda: self._export_dialog(self.whitespace_model.frame, "Whitespace")
        )
        row = QHBoxLayout()
        row.addWidget(QLabel("Potential at least"))
        row.addWidget(self.min_potential)
        row.addWidget(QLabel("or farther from a rep than"))
        row.addWidget(self.far_km)
        row.addWidget(find)
        row.addStretch(1)
        row.addWidget(export)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.whitespace_note)
        layout.addWidget(self.whitespace_table, 1)
        return box

    def _build_upsell_widgets(self) -> None:
        self.min_gap = QDoubleSpinBox()
        self.min_gap.setRange(0, 1e12)
        self.min_gap.setDecimals(0)
        self.min_gap.setSingleStep(10_000)
        self.min_gap.setPrefix("$")
        self.min_gap.setGroupSeparatorShown(True)
        self.min_gap.setToolTip("Smallest potential minus revenue to list")
        self.max_share = QSpinBox()
        self.max_share.setRange(0, 100)
        self.max_share.setValue(50)
        self.max_share.setSuffix(" %")
        self.max_share.setToolTip("Largest share of wallet (revenue / potential) to list")
        self.top = QSpinBox()
        self.top.setRange(0, 10_000)
        self.top.setSpecialValueText("all")
        self.top.setValue(10)
        self.top.setToolTip("At most this many accounts per territory")
        for box in (self.min_gap, self.max_share, self.top):
            box.editingFinished.connect(self.update_upsell)
        self.upsell_model = FrameModel(UPSELL_COLUMNS, self)
        self.upsell_table = make_table(self.upsell_model)
        self.upsell_table.doubleClicked.connect(
            lambda i: self._account_picked(self.upsell_model, i)
        )
        self.upsell_note = QLabel()

    def _upsell_tab(self) -> QWidget:
        export = QPushButton("Export…")
        export.clicked.connect(lambda: self._export_dialog(self.upsell, "Upsell"))
        row = QHBoxLayout()
        row.addWidget(QLabel("Gap at least"))
        row.addWidget(self.min_gap)
        row.addWidget(QLabel("share of wallet at most"))
        row.addWidget(self.max_share)
        row.addWidget(QLabel("top"))
        row.addWidget(self.top)
        row.addWidget(QLabel("per territory"))
        row.addStretch(1)
        row.addWidget(export)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.upsell_note)
        layout.addWidget(self.upsell_table, 1)
        return box

    # ----- the project -----

    def release(self) -> None:
        """Let go of the project shown (another replaces it; `refresh` shows that one)."""
        self.project = Project.empty()
        self.segments.project = self.project

    def refresh(self, project: Project) -> None:
        """Show `project` (after it was opened or changed): segments, heat map, upsell list."""
        self.project = project
        value = self.heat_value.currentData()
        self._loading = True
        self.heat_value.clear()
        self.heat_value.addItem("Accounts (count)", market.COUNT)
        for column in market.numeric_columns(project):
            self.heat_value.addItem(market.label(column), column)
        index = self.heat_value.findData(value if value is not None else "potential")
        self.heat_value.setCurrentIndex(max(index, 0))
        self._loading = False
        self.segments.show_project(project)  # then the heat map and upsell list follow it

    # ----- segments -----

    def segment(self) -> Segment | None:
        """The segment the lists and the map are for (None: every account, or a bad filter)."""
        return self.segments.segment()

    def segment_accounts(self) -> np.ndarray | None:
        """The project's accounts in the segment shown (None: every account)."""
        return self.segments.segment_accounts()

    def _segment_changed(self, name: str, mask: np.ndarray | None) -> None:
        """Tell the window, and redo the heat map and the upsell list for the segment."""
        self.segment_changed.emit(name, mask)
        self.update_heat()
        self.update_upsell()

    # ----- heat map -----

    def _heat_option_changed(self) -> None:
        if not self._loading:
            self.update_heat()

    def update_heat(self) -> None:
        """Recompute the heat map and send it to the map (or take it off)."""
        if not self.heat_on.isChecked():
            self.heat_note.setText(Messages.NO_HEAT)
            self.heat_legend.set_legend("", [])
            if self.heat is not None:  # take it off the map (once)
                self.heat = None
                self.heat_requested.emit(None)
            return
        value = self.heat_value.currentData()
        if value is None:
            return
        size = float(self.heat_size.value()) or None
        project, kind, segment = self.project, str(self.heat_kind.currentData()), self.segment()

        def compute(progress: Any, cancel: Any) -> HeatMap:  # runs on the task thread
            return market.heat_map(
                project, str(value), kind=kind,
                segment=segment, cell_km=size, progress=progress, cancel=cancel,
            )  # fmt: skip

        self._run("Drawing the heat map", compute, self._show_heat)

    def _show_heat(self, heat: HeatMap) -> None:
        self.heat = heat
        self.heat_note.setText(heat.describe())
        self.heat_legend.set_legend(heat.title, heat.shading.legend)
        self.heat_requested.emit(heat.as_layer())

    # ----- clusters and whitespace -----

    def find_clusters(self) -> None:
        """Find the segment's clusters (in the background) and list them."""
        segment, radius, least = self.segment(), self.radius.value(), self.min_accounts.value()
        project = self.project

        def compute(progress: Any, cancel: Any) -> Clusters:  # runs on the task thread
            return market.find_clusters(
                project, segment=segment, radius_km=radius, min_accounts=least,
                progress=progress, cancel=cancel,
            )  # fmt: skip

        self._run("Finding clusters", compute, self._show_clusters)

    def _show_clusters(self, found: Clusters) -> None:
        self.clusters = found
        self.cluster_model.set_frame(cluster_table(found))
        self.cluster_note.setText(found.describe())
        self.tabs.setTabText(1, f"Clusters ({len(found.clusters)})")
        self._send_clusters()

    def find_whitespace(self) -> None:
        """List the segment's whitespace accounts (in the background)."""
        segment, least = self.segment(), self.min_potential.value()
        far = float(self.far_km.value()) or None
        radius, count = self.radius.value(), self.min_accounts.value()
        project = self.project

        def compute(progress: Any, cancel: Any) -> Whitespace:  # runs on the task thread
            return market.whitespace(
                project, segment=segment, min_potential=least, far_km=far,
                radius_km=radius, min_accounts=count, progress=progress, cancel=cancel,
            )  # fmt: skip

        self._run("Finding whitespace", compute, self._show_whitespace)

    def _show_whitespace(self, found: Whitespace) -> None:
        self.whitespace = found
        self.whitespace_model.set_frame(found.accounts)
        self.whitespace_note.setText(found.describe())
        self.tabs.setTabText(2, f"Whitespace ({len(found.accounts)})")
        self.clusters_requested.emit(market.whitespace_layer(found))

    def _send_clusters(self) -> None:
        if self.clusters_on.isChecked() and self.clusters is not None:
            self.clusters_requested.emit(self.clusters.as_layer())
        else:
            self.clusters_requested.emit(None)

    def _zoom_to_cluster(self, index: Any) -> None:
        if self.clusters is None:
            return
        cluster = self.clusters.clusters[self.cluster_model.frame_row(index.row())]
        west, south, east, north = cluster.hull.bounds
        self.zoom_requested.emit([[south, west], [north, east]])

    def _account_picked(self, model: FrameModel, index: Any) -> None:
        row = model.frame.iloc[model.frame_row(index.row())]
        self.account_selected.emit(str(row["account_id"]))

    # ----- upsell -----

    def update_upsell(self) -> None:
        """List the segment's accounts whose potential is far above their revenue."""
        if self._loading:
            return
        try:
            table = upsell_list(
                self.project, min_gap=self.min_gap.value(),
                max_share=self.max_share.value() / 100, top=None,
            )  # fmt: skip
        except PlannerError as exc:
            self.failed.emit(exc)
            return
        mask = self.segment_accounts()
        if mask is not None:
            inside = set(self.project.accounts["account_id"][mask])
            table = table[table["account_id"].isin(inside)].copy()
            table["rank"] = table.groupby("territory_id", dropna=False).cumcount() + 1
        if self.top.value():
            table = table[table["rank"] <= self.top.value()]
        self.upsell = table.reset_index(drop=True)
        self.upsell_model.set_frame(self.upsell)
        gap = float(self.upsell["gap"].sum()) if len(self.upsell) else 0.0
        self.upsell_note.setText(
            f"{plural(len(self.upsell), 'account')}, {money_short(gap)} of potential not yet won"
        )

    # ----- shared -----

    def _run(self, title: str, fn: Callable[..., Any], done: Callable[[Any], None]) -> None:
        try:
            self.run_task(title, fn, done)
        except PlannerError as exc:
            self.failed.emit(exc)

    def _export_dialog(self, frame: pd.DataFrame, sheet: str) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self, f"Export {sheet.lower()} list", str(Path.home() / f"{sheet.lower()}.xlsx"),
            Messages.EXPORT_FILTER,
        )  # fmt: skip
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() not in {".csv", ".xlsx"}:
            path = path.with_suffix(".csv" if "csv" in chosen.lower() else ".xlsx")
        self.export(frame, path, sheet)

    def export(self, frame: pd.DataFrame, path: Path, sheet: str) -> int:
        """Write a list to `path` (.csv or .xlsx); returns the rows written."""
        try:
            rows = write_table(frame, path, sheet)
        except PlannerError as exc:
            self.failed.emit(exc)
            return 0
        self.message.emit(Messages.EXPORTED.format(rows=plural(rows, "row"), name=path.name))
        return rows
