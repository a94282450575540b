"""The main window: menus, toolbar, docked panels around the central map."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import platformdirs
from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QCursor,
    QKeySequence,
    QPalette,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMenuBar,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QStyle,
    QTableView,
    QToolButton,
    QWidget,
)

from territory_planner import __version__
from territory_planner import demo as demo_module
from territory_planner._errors import InputError, PlannerError, ProjectChangedError
from territory_planner.analysis import market
from territory_planner.analysis.metrics import METRICS, balance_tolerance
from territory_planner.analysis.performance import PerformanceAlert
from territory_planner.app.operations import (
    assignment,
    import_accounts,
    import_actuals,
    import_reps,
)
from territory_planner.app.session import Session
from territory_planner.bundle import build_stamp, version_text
from territory_planner.colors import Shading, balance_shading, value_shading
from territory_planner.demo import make_demo
from territory_planner.edits import (
    Changes,
    ChangeSettings,
    Edit,
    MoveAccounts,
    RenameTerritory,
    add_territory,
    delete_territory,
    edit_rep,
    merge_territories,
    move_area,
    place_account,
    place_account_at_zip,
    replace_territories,
    reshape_territory,
    set_quota,
    set_territory_lock,
    split_territory,
    unlock_accounts,
)
from territory_planner.formats import integer, log_time, money, plural
from territory_planner.geo.assign import containing_polygon
from territory_planner.geo.coverage import CoverageItem
from territory_planner.geo.units import UNIT_KINDS, Units, unit_at, units_in
from territory_planner.io import export
from territory_planner.io.account_import import AccountImport
from territory_planner.io.actuals_import import (
    ACTUALS_SPEC,
    FIGURES,
    ActualsImport,
)
from territory_planner.io.calendar_export import write_calendar_ics, write_calendar_xlsx
from territory_planner.io.outputs import refuse_project_target
from territory_planner.io.project_file import load_project, save_project
from territory_planner.io.project_lock import FileStamp, file_stamp, load_stamped, save_guarded
from territory_planner.io.territory_import import read_territories
from territory_planner.mapview.events import (
    AccountClicked,
    FeatureDrawn,
    MapClicked,
    MapEvent,
    TerritoryClicked,
    TerritoryEdited,
)
from territory_planner.mapview.map_page import (
    alerts_layer,
    project_bounds,
    route_layer,
    segment_layer,
)
from territory_planner.mapview.overview import Overview, project_overview
from territory_planner.model import Project, change_log
from territory_planner.plan.parents import SETTINGS_KEY as PARENT_POLICY_KEY
from territory_planner.plan.parents import parent_policy
from territory_planner.plan.rules import (
    Reassignment,
    Rule,
    reassign,
    rules_setting,
    saved_rules,
)
from territory_planner.resources import credits as bundled_credits
from territory_planner.routing.calendar_inputs import DayRules
from territory_planner.routing.schedule import build_schedule, schedule_record
from territory_planner.routing.travel import RoadNetwork
from territory_planner.routing.travel import load_roads as read_roads
from territory_planner.ui.autosave import DEFAULT_MINUTES, Autosave
from territory_planner.ui.calendar_panel import CalendarPanel
from territory_planner.ui.file_conflict import Conflict, ask_conflict, copy_beside
from territory_planner.ui.import_wizard import (
    ACCOUNTS,
    REPS,
    ImportKind,
    ImportWizard,
    actuals_kind,
)
from territory_planner.ui.kpi_panel import COMPACT_TERRITORY_KEYS, KpiPanel, territory_columns
from territory_planner.ui.map_report import write_map_report
from territory_planner.ui.map_view import MapView, PreparedPage
from territory_planner.ui.market_panel import MarketPanel
from territory_planner.ui.move_mode import MoveAreasMode
from territory_planner.ui.panel_overlays import PanelOverlays
from territory_planner.ui.performance_panel import PerformancePanel
from territory_planner.ui.preferences import Preferences
from territory_planner.ui.quota_dialog import QuotaDialog
from territory_planner.ui.refresher import Refresher, in_background
from territory_planner.ui.rep_pages import write_rep_pages
from territory_planner.ui.report_layers import DEFAULT_REPORT_LAYERS, ask_report_layers
from territory_planner.ui.rules_panel import POLICIES, RulesPanel
from territory_planner.ui.scenario_actions import ScenarioActions
from territory_planner.ui.start_card import StartCard, over
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import Subset, TablePanel, make_table
from territory_planner.ui.tasks import Task

T = TypeVar("T")
log = logging.getLogger(__name__)
LOG_SHOWN = 500  # entries of earlier sessions shown in the Change Log panel

PROJECT_FILTER = "Territory Planner projects (*.gpkg)"
DEMO_ARGS = {"accounts": 1500, "reps": 8, "seed": 7}

ACCOUNT_COLUMNS = [
    Column("account_id", "ID", width=70),
    Column("name", "Name", width=280),
    Column("territory", "Territory", width=150),
    Column("city", "City", width=130),
    Column("state", "State", width=50),
    Column("zip", "ZIP", width=60),
    Column("industry", "Industry", width=130),
    Column("size_band", "Size", width=90),
    Column("annual_revenue", "Revenue", money, numeric=True, width=100),
    Column("potential", "Potential", money, numeric=True, width=100),
    Column("visit_frequency", "Visits", width=80),
    Column("geocode", "Placed by", width=80),
    Column("placed_by", "Assigned by", width=120),
]
REP_COLUMNS = [
    Column("name", "Rep", editable=True, width=130),
    Column("email", "Email", editable=True, width=170),
    Column("home_zip", "Home ZIP", editable=True, width=70),
    Column("home_city", "Home city", editable=True, width=110),
    Column("weekly_capacity_hours", "Hours/week", integer, numeric=True, editable=True, width=80),
    Column("work_days", "Days", editable=True, width=140),
    Column("day_start", "Start", editable=True, width=55),
    Column("day_end", "End", editable=True, width=55),
    Column("skills", "Skills", editable=True, width=140),
    Column("start_date", "Start date", editable=True, width=90),
]
ACCOUNT_SUBSETS: list[Subset] = [
    ("All accounts", None),
    ("Not placed", lambda f: (f["geocode"] == "unplaced").to_numpy()),
    ("Not in a territory", lambda f: f["territory"].isna().to_numpy()),
    ("Locked", lambda f: f["locked"].to_numpy(dtype=bool)),
    ("Placed by ZIP", lambda f: (f["geocode"] == "zip").to_numpy()),
    ("Placed by city", lambda f: (f["geocode"] == "city").to_numpy()),
    ("Placed by hand", lambda f: (f["geocode"] == "manual").to_numpy()),
]
COVERAGE_COLUMNS = [
    Column("kind", "Kind", width=70),
    Column("where", "Where", width=260),
    Column("area_km2", "Area km²", integer, numeric=True, width=80),
    Column("accounts", "Accounts", integer, numeric=True, width=70),
]


def demo_path() -> Path:
    """Where the generated demo project is kept (made on first use, again when the demo changes)."""
    folder = Path(platformdirs.user_cache_dir("territory-planner"))
    tag = "-".join(f"{k}{v}" for k, v in DEMO_ARGS.items())
    try:
        source = hashlib.sha256(Path(demo_module.__file__ or "").read_bytes()).hexdigest()[:8]
    except OSError:  # the self-contained build holds no sources: a new build may change the demo
        source = re.sub(r"\D", "", build_stamp().get("time", "")) or "build"
    return folder / f"demo-{__version__}-{tag}-{source}.gpkg"


class EditCommand(QUndoCommand):
    """Puts a core `Edit` on Qt's undo stack."""

    def __init__(self, edit: Edit, window: MainWindow) -> None:
        super().__init__(edit.label)
        self.edit = edit
        self.window = window

    def redo(self) -> None:
        """Apply (also called once when pushed)."""
        self.window.on_changes(self.window.session.apply(self.edit))

    def undo(self) -> None:
        """Revert."""
        self.window.on_changes(self.window.session.revert(self.edit))


def scrolling(panel: QWidget) -> QScrollArea:
    """`panel` in a scroll area: a wide panel scrolls rather than widen the whole window."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(panel)
    return scroll


class MainWindow(QMainWindow):
    """The application window."""

    #: A project was opened or created (the map page starts loading it).
    project_opened = Signal()

    def __init__(
        self,
        settings: QSettings | None = None,
        data_folder: Path | None = None,
        autosave_minutes: float = DEFAULT_MINUTES,
    ) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.preferences = Preferences(self.settings)
        self.data_folder = data_folder or Path(platformdirs.user_data_dir("territory-planner"))
        self.autosave = Autosave(self, self.data_folder / "recovery", autosave_minutes)
        #: The open project and its change log: every edit goes through it.
        self.session = Session(Project.empty())
        self.path: Path | None = None
        #: The version of the file at `path` the project was read from or last saved as.
        self.stamp: FileStamp | None = None
        self.task: Task | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.change_log: list[str] = []
        self.last_error = ""
        self.setWindowTitle("Territory Planner")
        self.resize(1400, 900)

        cache = Path(platformdirs.user_cache_dir("territory-planner"))
        self.map_view = MapView(cache / f"map-{id(self)}")
        self.map_view.map_event.connect(self._on_map_event)
        self.map_view.ready.connect(lambda _stats: self._update_status())
        self.setCentralWidget(self._map_with_start_card())

        self._create_territory_panels()
        self.account_model = FrameModel(ACCOUNT_COLUMNS, self)
        self.account_panel = TablePanel(
            self.account_model, "Filter accounts (name, city, ZIP, industry…)", ACCOUNT_SUBSETS
        )
        self.account_table = self.account_panel.table
        self.account_filter = self.account_panel.filter
        self.account_table.doubleClicked.connect(self._zoom_to_account)
        self.account_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.account_table.customContextMenuRequested.connect(self._account_menu)
        self.coverage_model = FrameModel(COVERAGE_COLUMNS, self)
        self.coverage_items: list[CoverageItem] = []
        self.coverage_table = make_table(self.coverage_model)
        self.coverage_table.doubleClicked.connect(self._zoom_to_coverage)
        self.rep_model = FrameModel(REP_COLUMNS, self)
        self.rep_model.on_edit = self._edit_rep
        self.rep_panel = TablePanel(self.rep_model, "Filter reps (name, city, skills…)")
        self.placing: str | None = None  # account waiting for a click on the map
        self.splitting: str | None = None  # territory waiting for a line drawn across it
        self.color_by = "territory"
        self.roads: RoadNetwork | None = None  # calendars drive on these when loaded

        self.kpis = pd.DataFrame()
        self.summary = self.project.summary()
        self.refresher = Refresher(
            lambda: self.project, self._overview_job, self._show_overview, self
        )
        self.refresher.failed.connect(self.show_error)
        self._create_status_bar()
        self.move_mode = MoveAreasMode(self)
        self.move_mode.lasso_toggled.connect(self._lasso_toggled)
        self._create_docks()
        self._create_actions()
        self._restore_layout()
        self.set_project(self.project, None)

    # ----- construction -----

    def _map_with_start_card(self) -> QWidget:
        """The map, with the first steps laid over it while the project lacks data."""
        card = StartCard()
        card.import_accounts.clicked.connect(lambda: self.import_dialog(ACCOUNTS))
        card.import_reps.clicked.connect(lambda: self.import_dialog(REPS))
        card.draw_territory.clicked.connect(self.start_drawing)
        # lambdas: the scenario actions come later, and `checked` must not become a path
        card.design_territories.clicked.connect(lambda: self.scenarios.ask_design())  # noqa: PLW0108
        card.import_territories.clicked.connect(lambda: self.import_territories())  # noqa: PLW0108
        card.demo_requested.connect(self.open_demo)
        self.start_card = card
        return over(self.map_view, card)

    def _create_status_bar(self) -> None:
        """Counts, saved state, and a busy bar while the panels' figures are updated."""
        self.status_counts = QLabel()
        self.status_saved = QLabel()
        self.status_busy = QProgressBar()
        self.status_busy.setRange(0, 0)
        self.status_busy.setMaximumWidth(120)
        self.status_busy.setTextVisible(False)
        self.status_busy.setToolTip("Updating the figures in the panels…")
        self.status_busy.hide()
        self.refresher.busy.connect(self.status_busy.setVisible)
        self.statusBar().addPermanentWidget(self.status_busy)
        self.statusBar().addPermanentWidget(self.status_counts)
        self.statusBar().addPermanentWidget(self.status_saved)

    def _create_territory_panels(self) -> None:
        """The narrow Territories list and the KPI panel, over one model."""
        columns = territory_columns(lambda: balance_tolerance(self.project))
        self.territory_model = FrameModel(columns, self)
        self.territory_model.color_key = "color"
        self.territory_model.on_edit = self._edit_territory
        self.territory_table = make_table(self.territory_model)
        self.territory_table.selectionModel().selectionChanged.connect(
            lambda: self._territory_selected(self.territory_table)
        )
        for number, column in enumerate(columns):
            self.territory_table.setColumnHidden(number, column.key not in COMPACT_TERRITORY_KEYS)
        self.territory_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.territory_table.customContextMenuRequested.connect(
            lambda pos: self._territory_menu(self.territory_table, pos)
        )
        panel = KpiPanel(self.territory_model)  # the same model, every column
        panel.table.selectionModel().selectionChanged.connect(
            lambda: self._territory_selected(panel.table)
        )
        panel.territory_clicked.connect(self.select_territory)
        panel.tolerance_changed.connect(self.set_tolerance)
        panel.shade_toggled.connect(lambda _on: self.send_shading())
        panel.metric_changed.connect(lambda _key: self.send_shading())
        panel.quotas_requested.connect(self.quota_dialog)
        self.kpi_panel = panel
        self.kpi_table = panel.table

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _create_docks(self) -> None:
        self.territory_dock = self._dock(
            "Territories",
            "territories_dock",
            self.territory_table,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.rep_dock = self._dock(
            "Reps", "reps_dock", self.rep_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.rules_panel = RulesPanel()
        self.rules_panel.rules_edited.connect(self.apply_rules)
        self.rules_panel.policy_changed.connect(self.set_parent_policy)
        self.rules_panel.assign_requested.connect(self.assign)
        self.rules_dock = self._dock(
            "Rules", "rules_dock", self.rules_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.scenarios = ScenarioActions(self)
        self.scenarios_dock = self._dock(
            "Scenarios",
            "scenarios_dock",
            self.scenarios.panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.tabifyDockWidget(self.territory_dock, self.rep_dock)
        self.tabifyDockWidget(self.rep_dock, self.rules_dock)
        self.tabifyDockWidget(self.rules_dock, self.scenarios_dock)
        self.territory_dock.raise_()
        self.account_dock = self._dock(
            "Accounts", "accounts_dock", self.account_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.kpi_dock = self._dock(
            "Territory KPIs", "kpi_dock", self.kpi_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.coverage_dock = self._dock(
            "Gaps && Overlaps",
            "coverage_dock",
            self.coverage_table,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.calendar_panel = CalendarPanel()
        self.calendar_panel.build_requested.connect(self.build_calendar)
        self.calendar_panel.day_selected.connect(self.show_day_route)
        self.calendar_panel.export_requested.connect(self.export_calendars)
        self.calendar_panel.roads_requested.connect(self.load_roads)
        self.calendar_dock = self._dock(
            "Calendar", "calendar_dock", scrolling(self.calendar_panel),
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )  # fmt: skip
        self.panel_overlays = PanelOverlays(self.map_view.send_update)
        self.panel_overlays.watch(self.calendar_dock)
        self.log_list = QListWidget()
        self.log_dock = self._dock(
            "Change Log", "log_dock", self.log_list, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self._create_market_docks()
        self.tabifyDockWidget(self.account_dock, self.kpi_dock)
        self.tabifyDockWidget(self.kpi_dock, self.coverage_dock)
        self.tabifyDockWidget(self.coverage_dock, self.calendar_dock)
        self.tabifyDockWidget(self.calendar_dock, self.log_dock)
        self.tabifyDockWidget(self.log_dock, self.performance_dock)
        self.tabifyDockWidget(self.performance_dock, self.market_dock)
        self.account_dock.raise_()
        self.resizeDocks([self.territory_dock], [500], Qt.Orientation.Horizontal)
        self.resizeDocks([self.account_dock], [260], Qt.Orientation.Vertical)

    def _create_market_docks(self) -> None:
        """The Performance panel (actuals against quota, alerts) and the Market panel."""
        status = self.statusBar()
        self.performance_panel = PerformancePanel()
        self.performance_panel.thresholds_changed.connect(self.push_edit)
        self.performance_panel.goals_changed.connect(self.push_edit)
        self.performance_panel.map_alerts.connect(self._panel_alerts)
        self.map_layers: dict[str, Any] = {}  # the segment and alerts shown: sent to a new page
        self.performance_panel.territory_clicked.connect(self.select_territory)
        self.performance_panel.failed.connect(self.show_error)
        self.performance_panel.message.connect(lambda text: status.showMessage(text, 5000))
        self.performance_dock = self._dock(
            "Performance", "performance_dock", scrolling(self.performance_panel),
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )  # fmt: skip
        self.segment = ""  # the market segment the Accounts panel shows ("" for all)
        panel = MarketPanel()
        panel.run_task = lambda title, fn, done: setattr(
            self, "task", Task(self, title, fn, done, self.show_error)
        )
        panel.segment_saved.connect(self.push_edit)
        panel.segment_deleted.connect(self.push_edit)
        panel.zoom_requested.connect(lambda bounds: self.map_view.send_update({"bounds": bounds}))
        panel.segment_changed.connect(self._segment_chosen)
        panel.account_selected.connect(self.zoom_to_account_id)
        panel.failed.connect(self.show_error)
        panel.message.connect(lambda text: status.showMessage(text, 5000))
        self.market_panel = panel
        self.market_dock = self._dock(
            "Market", "market_dock", scrolling(panel), Qt.DockWidgetArea.BottomDockWidgetArea
        )
        overlays, market_dock = self.panel_overlays, self.market_dock
        overlays.watch(market_dock)
        panel.heat_requested.connect(lambda layer: overlays.show(market_dock, "heat", layer))
        panel.clusters_requested.connect(
            lambda layer: overlays.show(market_dock, "clusters", layer)
        )
        self.stale_panels: set[QDockWidget] = set()
        for dock in (self.performance_dock, self.market_dock):
            dock.visibilityChanged.connect(
                lambda shown, d=dock: (
                    shown and QTimer.singleShot(0, lambda: self._refresh_if_shown(d))
                )
            )

    def _refresh_if_shown(self, dock: QDockWidget) -> None:
        """Bring a costly panel up to date when it is on screen; until then it waits.

        With 100k accounts the Performance and Market panels take seconds to
        recompute, so edits do not pay for them while they are hidden behind a tab.
        """
        if dock not in self.stale_panels or dock.visibleRegion().isEmpty():
            return
        self.stale_panels.discard(dock)
        panel = self.performance_panel if dock is self.performance_dock else self.market_panel
        panel.refresh(self.project)

    def _segment_chosen(self, name: str, mask: Any) -> None:
        self.segment = name or ""
        self.account_panel.set_also(mask)
        self._show_segment(mask)

    def _send_map_layer(self, key: str, layer: dict[str, Any] | None) -> None:
        """Send a layer kept across page loads ("segment", "alerts"); None takes it off."""
        self.map_layers[key] = layer
        self.map_view.send_update({key: layer})

    def _show_segment(self, mask: np.ndarray | None) -> None:
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
        self._send_map_layer("segment", segment_layer(self.project, title, mask))

    def _panel_alerts(self, found: list[PerformanceAlert] | None) -> None:
        """The Performance panel's alerts (None: not on the map)."""
        layer = (
            None
            if found is None
            else alerts_layer(self.project, found, self.performance_panel.selected_date())
        )
        self._send_map_layer("alerts", layer)

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], Any],
        shortcut: Any = None,
        *,
        tip: str = "",
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _create_actions(self) -> None:
        std = QKeySequence.StandardKey
        pix = QStyle.StandardPixmap
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._action(
            file_menu, "&New", self.new_project, std.New, tip="Start an empty project"
        )
        self.open_action = self._action(
            file_menu, "&Open…", self.open_dialog, std.Open,
            tip="Open a project file", icon=pix.SP_DialogOpenButton,
        )  # fmt: skip
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.demo_action = self._action(
            file_menu, "Open &Demo", self.open_demo, tip="Open the demo project"
        )
        file_menu.addSeparator()
        self.import_action = self._action(
            file_menu, "&Import Accounts…", lambda: self.import_dialog(ACCOUNTS), "Ctrl+I",
            tip="Import or update accounts from a CSV or Excel file",
        )  # fmt: skip
        self._action(
            file_menu, "Import &Territories…", self.import_territories,
            tip="Replace the territories with the polygons of a GeoJSON, GeoPackage or Shapefile",
        )  # fmt: skip
        self._action(
            file_menu, "Import &Reps…", lambda: self.import_dialog(REPS),
            tip="Import or update reps from a CSV or Excel file",
        )  # fmt: skip
        self._action(
            file_menu, "Import &Sales && Activities…",
            lambda: self.import_dialog(actuals_kind(self.project.accounts["account_id"])),
            tip="Sales, calls, meetings and emails per account and month or quarter",
        )  # fmt: skip
        file_menu.addSeparator()
        self.save_action = self._action(
            file_menu, "&Save", self.save, std.Save,
            tip="Save the project", icon=pix.SP_DialogSaveButton,
        )  # fmt: skip
        self.save_as_action = self._action(file_menu, "Save &As…", self.save_as, std.SaveAs)
        export_menu = file_menu.addMenu("&Export")
        self.report_layers: Sequence[str] = DEFAULT_REPORT_LAYERS  # what a printed map shows
        self._action(
            export_menu, "Map &Report (PDF)…", lambda: self.export_report("pdf"), "Ctrl+P",
            tip="The map with title, legend, north arrow and date, then the KPI table",
        )  # fmt: skip
        self._action(export_menu, "Map &Image (PNG)…", lambda: self.export_report("png"))
        self._action(
            export_menu, "Rep &One-Pagers (PDF)…", self.export_rep_pages,
            tip="A page per rep: their territory map, KPIs, calendar summary and top accounts",
        )  # fmt: skip
        export_menu.addSeparator()
        self._action(export_menu, "Accounts as &CSV…", self.export_csv)
        self._action(export_menu, "Accounts as &Excel…", self.export_xlsx)
        self._action(export_menu, "Accounts as GeoJSON…", self.export_accounts_geojson)
        self._action(export_menu, "Territories as &GeoJSON…", self.export_geojson)
        self._action(export_menu, "Territory &KPIs as CSV…", self.export_territories_csv)
        self._action(
            export_menu, "Change &Log as CSV…",
            lambda: self._export(
                "Export change log", "CSV files (*.csv)", export.export_change_log, "changes"
            ),
        )  # fmt: skip
        self._action(
            export_menu, "Accounts and Territories as &Shapefiles…", self.export_shapefiles
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, std.Quit)

        self._create_edit_view_help_menus(bar)

    def _create_edit_view_help_menus(self, bar: QMenuBar) -> None:
        std = QKeySequence.StandardKey
        pix = QStyle.StandardPixmap
        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(std.Undo))
        self.undo_action.setIcon(self.style().standardIcon(pix.SP_ArrowBack))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence(std.Redo))
        self.redo_action.setIcon(self.style().standardIcon(pix.SP_ArrowForward))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        view_menu = bar.addMenu("&View")
        self.zoom_action = self._action(
            view_menu, "&Zoom to All", self.zoom_to_all, "Ctrl+0",
            tip="Fit the map to everything on it", icon=pix.SP_FileDialogContentsView,
        )  # fmt: skip
        color_menu = view_menu.addMenu("&Colour Accounts By")
        group = QActionGroup(self)
        for key, text in (("territory", "&Territory"), ("geocode", "How They Were &Placed")):
            action = color_menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(key == self.color_by)
            action.triggered.connect(lambda _c=False, k=key: self.set_color_by(k))
            group.addAction(action)
        view_menu.addSeparator()
        for dock in self.docks():
            view_menu.addAction(dock.toggleViewAction())
        self._action(
            view_menu, "Zoom to Selected &Territory", self.zoom_to_selected, "Ctrl+T",
            tip="Fit the map to the territory selected in the list",
        )  # fmt: skip
        self._action(view_menu, "&Next Territory", lambda: self.step_territory(1), "Ctrl+]")
        self._action(view_menu, "&Previous Territory", lambda: self.step_territory(-1), "Ctrl+[")
        view_menu.addSeparator()
        self._action(view_menu, "&Reset Layout", self.reset_layout)

        self._create_territory_menu(bar)
        self._create_plan_menu(bar)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "&About Territory Planner", self.about)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.open_action, self.save_action, self.import_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        for action in (self.undo_action, self.redo_action):  # the long text is in the tooltip
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        toolbar.addSeparator()
        toolbar.addAction(self.zoom_action)
        toolbar.addSeparator()
        toolbar.addActions([self.move_mode.action, self.move_mode.lasso])

    def _create_plan_menu(self, bar: QMenuBar) -> None:
        plan_menu = bar.addMenu("&Plan")
        self.design_action = self._action(
            plan_menu, "&Design Territories…", self.scenarios.ask_design, "Ctrl+Shift+D",
            tip="Let the optimizer design balanced, contiguous, compact territories",
        )  # fmt: skip
        self._action(
            plan_menu, "&New Hire: Carve a Territory…",
            lambda: self.scenarios.ask_change(split=True),
            tip="Make a territory for a new rep out of existing ones, balanced against the rest",
        )  # fmt: skip
        self._action(
            plan_menu, "&Rebalance…", lambda: self.scenarios.ask_change(split=False),
            tip="Bring every territory within tolerance, moving the fewest accounts",
        )  # fmt: skip
        plan_menu.addSeparator()
        self._action(
            plan_menu, "&Copy Plan as Scenario…", self.scenarios.copy_plan,
            tip="Keep a copy of the plan in use to try changes on",
        )  # fmt: skip
        self._action(
            plan_menu, "Compare with &Selected Scenario…",
            lambda: self.scenarios.compare(
                self.project.scenario_name, self.scenarios.panel.selected()
            ),
            tip="The plan in use beside the scenario selected in the Scenarios panel",
        )  # fmt: skip
        self._action(plan_menu, "Show &Scenarios", self.scenarios_dock.raise_)

    def _create_territory_menu(self, bar: QMenuBar) -> None:
        territory_menu = bar.addMenu("&Territory")
        self.assign_action = self._action(
            territory_menu, "&Assign Accounts", self.assign, "Ctrl+Shift+A",
            tip="Put every unlocked account in the territory that contains it",
        )  # fmt: skip
        territory_menu.addSeparator()
        self._action(
            territory_menu, "&Split Selected Territory with a Line", self.start_split, "Ctrl+K",
            tip="Draw a line across the selected territory to cut off a new one",
        )  # fmt: skip
        self._action(territory_menu, "&Delete Selected Territory", self.delete_selected)
        self.overlap_action = self._action(
            territory_menu, "Allow &Overlaps When Drawing", lambda: None,
            tip="Keep drawn and edited shapes whole instead of cutting them back at neighbours",
        )  # fmt: skip
        self.overlap_action.setCheckable(True)
        territory_menu.addSeparator()
        territory_menu.addActions([self.move_mode.action, self.move_mode.lasso])
        self.move_mode.add_units_menu(territory_menu)

    def _restore_layout(self) -> None:
        self._default_state = self.saveState()
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def docks(self) -> tuple[QDockWidget, ...]:
        """Every panel, in View menu order."""
        return (
            self.territory_dock, self.rep_dock, self.rules_dock, self.scenarios_dock,
            self.account_dock, self.kpi_dock, self.coverage_dock, self.calendar_dock,
            self.log_dock, self.performance_dock, self.market_dock,
        )  # fmt: skip

    def reset_layout(self) -> None:
        """Show every panel in its default place."""
        self.restoreState(self._default_state)
        for dock in self.docks():
            dock.show()

    # ----- project -----

    def set_project(
        self,
        project: Project,
        path: Path | None,
        page: PreparedPage | None = None,
        stamp: FileStamp | None = None,
    ) -> None:
        """Show `project` everywhere; `path` is where Save writes (None: ask).

        `page`: its map page, if already written (e.g. by the task that opened it).
        `stamp`: the version of the file at `path` the project was read from; a
        Save asks first if the file has changed since (None: it does not check).
        """
        self.autosave.clear()  # the previous project was saved or discarded
        self._let_go()
        self.session = Session(project)
        self.path = path
        self.stamp = stamp
        self.undo_stack.clear()
        self.change_log.clear()
        self.log_list.clear()
        for when, text in change_log(project)[-LOG_SHOWN:]:  # earlier sessions, greyed
            item = QListWidgetItem(f"{log_time(when)}  {text}")
            item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            self.log_list.addItem(item)
        self.log_list.scrollToBottom()
        self.map_layers = {}
        self.panel_overlays.clear()
        self.move_mode.leave()
        self.start_card.show_for(project, new=True)
        self.map_view.show_project(project, page)
        self._refresh_tables(coverage=True)  # the overview brings the map's shading too
        self.scenarios.refresh()
        self._update_title()
        self._update_status()
        self.project_opened.emit()

    def _let_go(self) -> None:
        """Drop what the panels hold of the project shown: another one replaces it.

        Its figures would go when the next project's arrive (seconds later at 100k
        accounts); a hidden Performance or Market panel would keep the whole project
        until shown again. Each panel is filled from the next project as usual.
        """
        for model in (self.account_model, self.territory_model, self.coverage_model):
            model.clear()
        self.coverage_items = []
        self.kpis = pd.DataFrame()
        self.rules_panel.project = Project.empty()
        self.performance_panel.release()
        self.market_panel.release()
        self.calendar_panel.plans.clear()  # calendars of the other project's accounts

    def _show_again(self) -> None:
        """Show the open project again after `_let_go` (another could not be opened)."""
        self.map_layers = {}
        self.panel_overlays.clear()
        self.map_view.show_project(self.project)
        self._refresh_tables(coverage=True)

    def _refresh_tables(self, *, coverage: bool) -> None:
        """Bring the panels up to date (gaps and overlaps too if `coverage`)."""
        self.rep_model.set_frame(self.project.reps)
        self.calendar_panel.set_reps(self.project)
        self.stale_panels = {self.performance_dock, self.market_dock}
        for dock in self.stale_panels.copy():
            self._refresh_if_shown(dock)
        self.refresher.request(coverage=coverage)  # KPIs, accounts, rules: `_show_overview`

    def _overview_job(self, project: Project, coverage: bool) -> Callable[[], Overview]:
        """The overview of `project` (or a copy of it), with the map's update, to run."""
        sent, color_by = self.map_view.sent, self.color_by
        # the map's alerts, while the Performance panel is hidden (else the panel sends them)
        hidden = self.performance_dock in self.stale_panels
        wanted = hidden and self.performance_panel.on_map.isChecked()
        alerts_as_of = self.performance_panel.as_of_for(project) if wanted else None
        return lambda: project_overview(
            project, coverage=coverage, sent=sent, color_by=color_by, alerts_as_of=alerts_as_of
        )

    def _show_overview(self, overview: Overview) -> Iterator[None]:
        """Show the figures the refresher computed for the project as it is now.

        A generator: the refresher lets the window run at each ``yield`` (large projects).
        """
        table = overview.kpis
        self.kpis = table
        self.map_view.apply_update(overview.map_update, {"shade": self.shading()})
        yield
        self.territory_model.set_frame(table)
        self.kpi_panel.refresh(table, balance_tolerance(self.project))
        self.summary = overview.summary
        self._update_status()
        yield
        self.account_model.set_frame(overview.accounts)
        mask = self._segment_mask()
        self.account_panel.also = mask
        self.account_panel.apply_subset()
        self._show_segment(mask)
        yield
        if overview.alerts is not None and self.performance_panel.on_map.isChecked():
            day, found = overview.alerts
            self._send_map_layer("alerts", alerts_layer(self.project, found, day))
        self._refresh_rules(overview.split_parents, overview.placed_by)
        if overview.coverage is not None and overview.coverage_update is not None:
            self._show_coverage(overview.coverage, overview.coverage_update)

    def _segment_mask(self) -> np.ndarray | None:
        """The chosen market segment's accounts (None: no segment, or it was deleted)."""
        if not self.segment:
            return None
        try:
            return market.segment_mask(self.project, self.segment)
        except (KeyError, InputError):
            self.segment = ""
            return None

    def _show_coverage(self, items: list[CoverageItem], update: str) -> None:
        """List the gaps and overlaps found; `update` shows them on the map (JSON text)."""
        self.coverage_items = items
        rows = [
            {"kind": c.kind, "where": c.where, "area_km2": c.area_km2, "accounts": c.accounts}
            for c in self.coverage_items
        ]
        self.coverage_model.set_frame(pd.DataFrame(rows, columns=[c.key for c in COVERAGE_COLUMNS]))
        self.map_view.send_json(update)
        count = len(self.coverage_items)
        self.coverage_dock.setWindowTitle(
            f"Gaps && Overlaps ({count})" if count else "Gaps && Overlaps"
        )

    def _zoom_to_coverage(self, index: Any) -> None:
        item = self.coverage_items[self.coverage_model.frame_row(index.row())]
        minx, miny, maxx, maxy = item.geometry.bounds
        self.map_view.send_update({"bounds": [[miny, minx], [maxy, maxx]]})

    @property
    def project(self) -> Project:
        """The open project (the session's)."""
        return self.session.project

    def on_changes(self, changes: Changes) -> None:
        """Refresh what an edit changed (the one path for edits and undo; the session logged it)."""
        now = self.session.last_time or datetime.now().astimezone()
        entry = f"{now:%H:%M:%S}  {changes.description}"
        self.change_log.append(entry)
        self.log_list.addItem(entry)
        self.log_list.scrollToBottom()
        self._refresh_tables(coverage=changes.territories)
        self.start_card.show_for(self.project)
        self.scenarios.refresh()
        self._update_status()
        self.statusBar().showMessage(changes.description, 5000)

    def shading(self) -> dict[str, Any] | None:
        """How the map shades territories now (None: in their own colours)."""
        if not self.kpi_panel.shade.isChecked() or self.kpis.empty:
            return None
        metric = METRICS[self.kpi_panel.metric_key]
        kpis = self.kpis.set_index("territory_id")
        shading: Shading
        if metric.balanced:
            deviations = kpis[f"{metric.key}_vs_mean"]
            shading = balance_shading(metric.title, deviations, balance_tolerance(self.project))
        else:
            shading = value_shading(metric.title, kpis[metric.key], metric.fmt)
        return shading.as_dict()

    def send_shading(self) -> None:
        """Shade the map by the KPI panel's metric, or stop shading."""
        self.map_view.send_update({"shade": self.shading()})

    def set_tolerance(self, tolerance: float) -> None:
        """A new balance band (one undo step)."""
        self.push_edit(
            ChangeSettings(
                self.project,
                {"balance_tolerance": repr(tolerance)},
                f"Balance band set to ±{tolerance:.1%}",
            )
        )

    def quota_dialog(self) -> None:
        """Ask for the quota plan; apply it as one undo step."""
        dialog = QuotaDialog(self.project, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.quotas = dialog

        def accepted() -> None:
            plan = dialog.plan()
            if plan is None:
                return
            target = money(plan.target(self.project.accounts))
            text = (
                f"Quotas: team target {target}, split {plan.potential_weight:.0%} by potential, "
                f"{1 - plan.potential_weight:.0%} by last year's sales"
            )
            self.push_edit(ChangeSettings(self.project, plan.as_settings(), text))

        dialog.accepted.connect(accepted)
        dialog.open()

    def push_edit(self, edit: Edit) -> None:
        """Apply an edit through the undo stack."""
        self.undo_stack.push(EditCommand(edit, self))

    def _update_title(self) -> None:
        name = self.path.name if self.path else self.project.name
        self.setWindowModified(not self.undo_stack.isClean())
        self.setWindowTitle(f"{name}[*] — Territory Planner")
        self._update_status()

    def _update_status(self) -> None:
        s = self.summary  # of the latest overview
        self.status_counts.setText(
            f"{plural(s.accounts, 'account')} · {plural(s.territories, 'territory')} · "
            f"{plural(s.reps, 'rep')} · "
            f"{s.unassigned:,} unassigned"
        )
        if not self.undo_stack.isClean():
            self.status_saved.setText("Unsaved changes")
        elif self.path is None:
            self.status_saved.setText("Not saved yet")
        else:
            self.status_saved.setText(f"Saved: {self.path.name}")

    # ----- file actions -----

    def show_error(self, exc: Exception) -> None:
        """The one place errors reach the user."""
        log.error("%s", exc)
        self.last_error = str(exc)
        box = QMessageBox(QMessageBox.Icon.Warning, "Territory Planner", str(exc), parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; False if the user cancels."""
        if self.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "This project has changes that are not saved. Save them?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self) -> None:
        """Start an empty project."""
        if self.maybe_save():
            self.set_project(Project.empty(), None)

    def open_dialog(self) -> None:
        """Ask for a project file and open it."""
        if not self.maybe_save():
            return
        folder = str(self.settings.value("paths/last_folder", str(Path.home())))
        name, _ = QFileDialog.getOpenFileName(self, "Open project", folder, PROJECT_FILTER)
        if name:
            self.open_project(Path(name))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.preferences.recent_files()
        for number, path in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{number} {path.name}")
            action.setToolTip(str(path))
            action.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if not files:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear the List", self.preferences.clear_recent)

    def _open_recent(self, path: Path) -> None:
        if self.maybe_save():
            self.open_project(path)

    def open_project(self, path: Path) -> None:
        """Open a project file in the background.

        The map page and the panels' figures of the project shown are let go first, so
        that two large projects are never held at once; if the file cannot be opened (or
        Cancel is pressed) the project shown comes back.
        """
        self.settings.setValue("paths/last_folder", str(path.parent))
        self.map_view.release()
        self._let_go()

        def read(progress: Any, cancel: Any) -> tuple[Project, PreparedPage, FileStamp]:
            progress(0.0, f"Reading {path.name}")
            project, stamp = load_stamped(path)
            cancel.raise_if_cancelled()
            progress(0.7, "Drawing the map")
            return project, self.map_view.prepare_page(project), stamp

        def done(opened: tuple[Project, PreparedPage, FileStamp]) -> None:
            project, page, stamp = opened
            self.set_project(project, path, page, stamp)
            self.settings.setValue("paths/last_project", str(path))
            self.preferences.add_recent(path)

        def failed(exc: Exception) -> None:
            self._show_again()
            self.show_error(exc)

        self.task = Task(
            self, f"Opening {path.name}", read, done, failed, on_cancel=self._show_again
        )
        self.start_card.hide_while(self.task)

    def open_demo(self) -> None:
        """Open the demo project (generated on first use, as `territory-planner demo` does)."""
        if not self.maybe_save():
            return
        target = demo_path()

        def build(progress: Any, cancel: Any) -> Project:
            if target.exists():
                progress(0.5, "Opening the demo project")
                return load_project(target)
            project = make_demo(**DEMO_ARGS, progress=progress, cancel=cancel)
            target.parent.mkdir(parents=True, exist_ok=True)
            save_guarded(project, target, None)  # another window may be making it too
            return project

        self.task = Task(
            self,
            "Preparing the demo project",
            build,
            lambda p: self.set_project(p, None),
            self.show_error,
        )
        self.start_card.hide_while(self.task)

    def save(self) -> bool:
        """Save to the current file (asks for one the first time)."""
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path, self.stamp)

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        folder = str(self.settings.value("paths/last_folder", str(Path.home())))
        name, _ = QFileDialog.getSaveFileName(self, "Save project as", folder, PROJECT_FILTER)
        if not name:
            return False
        path = Path(name) if name.endswith(".gpkg") else Path(name + ".gpkg")
        return self._save_to(path)

    def _save_to(self, path: Path, expected: FileStamp | None = None) -> bool:
        """Save a copy of the project on the task thread; the window stays responsive.

        `expected`: the version of the file the project was read from; if the
        file has changed since, the user chooses what happens (`_resolve_conflict`).
        """
        copy = self.project.copy()
        outcome = self._run_save(path, partial(save_guarded, copy, path, expected))
        if outcome is None:  # Cancel while another program held the file: nothing written
            self.statusBar().showMessage(f"Not saved: another program had {path.name}", 10000)
            return False
        if isinstance(outcome, ProjectChangedError):
            return self._resolve_conflict(path)
        if isinstance(outcome, Exception):
            self.show_error(outcome)
            return False
        self.path, self.stamp = path, outcome
        self.settings.setValue("paths/last_project", str(path))
        self.preferences.add_recent(path)
        self.undo_stack.setClean()
        self.autosave.clear()
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _run_save(self, path: Path, save: Callable[..., FileStamp]) -> FileStamp | Exception | None:
        """Run `save(progress=, cancel=)` on the task thread and wait (the window keeps repainting).

        None: Cancel stopped it (a save may be cancelled until it commits the token).
        """
        outcome: list[FileStamp | Exception | None] = []
        loop = QEventLoop()

        def finish(result: FileStamp | Exception | None) -> None:
            outcome.append(result)
            loop.quit()

        self.task = Task(
            self, f"Saving {path.name}…", save, finish, finish, on_cancel=lambda: finish(None)
        )
        if not outcome:
            loop.exec()  # until saved: input waits behind the progress dialog
        return outcome[0]

    def _resolve_conflict(self, path: Path) -> bool:
        """The file changed on disk since it was opened: ask, and lose nothing; True if saved."""
        choice = ask_conflict(self, path)
        if choice is Conflict.OVERWRITE:
            return self._save_to(path)
        if choice is Conflict.SAVE_AS:
            return self.save_as()
        if choice is Conflict.RELOAD:
            self._reload_keeping_copy(path)
        return False

    def _reload_keeping_copy(self, path: Path) -> None:
        """Keep the window's version in a copy beside `path`, then open `path` as it is now."""
        kept = copy_beside(path)
        copy = self.project.copy()

        def save_copy(**_: Any) -> FileStamp:
            save_project(copy, kept)
            return file_stamp(kept)

        outcome = self._run_save(kept, save_copy)
        if not isinstance(outcome, FileStamp):  # nothing reloaded: the changes are still here
            if outcome is not None:  # (None: Cancel)
                self.show_error(outcome)
            return
        self.preferences.add_recent(kept)
        self.undo_stack.setClean()  # they are in the copy
        self.open_project(path)
        self.statusBar().showMessage(f"Your changes were kept in {kept}", 15000)

    def _export(
        self, title: str, file_filter: str, write: Callable[[Project, Path], int], noun: str
    ) -> None:
        folder = str(self.settings.value("paths/last_folder", str(Path.home())))
        target = self._save_target(title, folder, file_filter)
        if target is None:
            return
        name = str(target)
        try:
            count = write(self.project, target)
        except PlannerError as exc:
            self.show_error(exc)
            return
        self.statusBar().showMessage(f"Exported {count:,} {noun} to {name}", 8000)

    def _save_target(self, title: str, default: str, file_filter: str) -> Path | None:
        """Ask where to write an export; None if cancelled or it is the project file itself."""
        name, _ = QFileDialog.getSaveFileName(self, title, default, file_filter)
        if not name:
            return None
        try:
            refuse_project_target(Path(name), self.path)
        except PlannerError as exc:
            self.show_error(exc)
            return None
        return Path(name)

    def export_report(
        self, kind: str, path: Path | None = None, layers: Sequence[str] | None = None
    ) -> Path | None:
        """Write the map report as PDF (map and KPIs) or PNG (the map page).

        `layers`: the map layers it shows (see `REPORT_LAYERS`); asked after the file
        when `path` is None, else the last ones chosen (at first the plan's own).
        """
        if path is None:
            path = self._save_target(
                "Export map report", f"{self.project.name}.{kind}",
                "PDF documents (*.pdf)" if kind == "pdf" else "PNG images (*.png)",
            )  # fmt: skip
            layers = None if path is None else ask_report_layers(self.report_layers, self)
            if path is None or layers is None:
                return None
            self.report_layers = layers
        layers = self.report_layers if layers is None else layers
        image = self.map_view.grab_for_print(layers)
        try:
            written = write_map_report(
                path, self.project.name, image, self.kpis,
                layers=layers, changes=self.session.entries,
            )  # fmt: skip
        except PlannerError as exc:
            self.show_error(exc)
            return None
        self.statusBar().showMessage(f"Exported the map report to {written}", 8000)
        return written

    def export_rep_pages(self, path: Path | None = None) -> Path | None:
        """Write a one-page PDF summary per rep with a territory (map, KPIs, calendar, accounts)."""
        if path is None:
            path = self._save_target(
                "Export rep one-pagers", f"{self.project.name} reps.pdf", "PDF documents (*.pdf)"
            )
            if path is None:
                return None
        staffed = set(self.project.territories["rep_id"].dropna())
        reps = [r for r in self.project.reps["rep_id"] if r in staffed]
        try:
            written = write_rep_pages(
                path, self.project, self.kpis, reps, self.calendar_panel.plans
            )
        except PlannerError as exc:
            self.show_error(exc)
            return None
        self.statusBar().showMessage(
            f"Exported {plural(len(reps), 'rep one-pager')} to {written}", 8000
        )
        return written

    def export_csv(self) -> None:
        """Export accounts with their territory and rep."""
        self._export("Export accounts", "CSV files (*.csv)", export.export_accounts_csv, "accounts")

    def export_xlsx(self) -> None:
        """Export accounts as an Excel sheet."""
        self._export("Export accounts", "Excel (*.xlsx)", export.export_accounts_xlsx, "accounts")

    def export_accounts_geojson(self) -> None:
        """Export accounts as GeoJSON points."""
        self._export(
            "Export accounts", "GeoJSON (*.geojson)", export.export_accounts_geojson, "accounts"
        )

    def export_geojson(self) -> None:
        """Export territories with their totals."""
        self._export(
            "Export territories", "GeoJSON (*.geojson)", export.export_territories_geojson,
            "territories",
        )  # fmt: skip

    def export_territories_csv(self) -> None:
        """Export one row per territory with every KPI."""
        self._export(
            "Export territory KPIs",
            "CSV files (*.csv)",
            export.export_territories_csv,
            "territories",
        )

    def export_shapefiles(self) -> None:
        """Export accounts and territories as shapefiles into a folder."""
        folder = QFileDialog.getExistingDirectory(self, "Export shapefiles into")
        if not folder:
            return
        try:
            counts = export.export_shapefiles(self.project, Path(folder))
        except PlannerError as exc:
            self.show_error(exc)
            return
        self.statusBar().showMessage(
            f"Exported {plural(counts['accounts'], 'account')} and "
            f"{plural(counts['territories'], 'territory')} "
            f"to {folder}",
            8000,
        )

    # ----- map and panels -----

    def zoom_to_all(self) -> None:
        """Fit the map to everything shown: territories, accounts, reps' homes, overlays."""
        self.map_view.send_update({"fitAll": project_bounds(self.project)})

    def _territory_selected(self, table: QTableView) -> None:
        rows = table.selectionModel().selectedRows()
        if rows:
            row = self.territory_model.frame_row(rows[0].row())
            self.map_view.send_update(
                {"select": str(self.territory_model.frame["territory_id"].iloc[row])}
            )

    def zoom_to_selected(self) -> None:
        """Fit the map to the selected territory."""
        territory_id = self.selected_territory()
        if territory_id is None:
            return
        geometry = self.project.territories.geometry.iloc[
            self.project.territory_index(territory_id)
        ]
        if geometry is not None and not geometry.is_empty:
            minx, miny, maxx, maxy = geometry.bounds
            self.map_view.send_update({"bounds": [[miny, minx], [maxy, maxx]]})

    def step_territory(self, step: int) -> None:
        """Select the next (1) or previous (-1) territory in the list and zoom to it."""
        rows = self.territory_model.rowCount()
        if rows == 0:
            return
        current = self.territory_table.selectionModel().selectedRows()
        row = (current[0].row() + step) % rows if current else 0
        self.territory_table.selectRow(row)
        self.zoom_to_selected()

    def selected_territory(self) -> str | None:
        """The territory selected in the Territories list, if any."""
        rows = self.territory_table.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.territory_model.frame_row(rows[0].row())
        return str(self.territory_model.frame["territory_id"].iloc[row])

    def _territory_menu(self, table: QTableView, pos: Any) -> None:
        index = table.indexAt(pos)
        if not index.isValid():
            return
        row = self.territory_model.frame_row(index.row())
        territory_id = str(self.territory_model.frame["territory_id"].iloc[row])
        menu = self.territory_actions_menu(territory_id)
        self.territory_context = menu
        menu.popup(table.viewport().mapToGlobal(pos))

    def _territory_submenu(
        self, menu: QMenu, title: str, act: Callable[[str], Edit], exclude: str | None = None
    ) -> QMenu:
        """A submenu listing the territories; choosing one applies ``act(territory_id)``."""
        submenu = menu.addMenu(title)
        for territory_id, name in zip(
            self.project.territories["territory_id"], self.project.territories["name"], strict=True
        ):
            if territory_id != exclude:
                action = submenu.addAction(str(name))
                action.triggered.connect(
                    lambda _c=False, t=territory_id: self._try_edit(lambda: act(t))
                )
        return submenu

    def territory_actions_menu(self, territory_id: str) -> QMenu:
        """Split, merge and delete for one territory."""
        name = self.project.territories["name"].iloc[self.project.territory_index(territory_id)]
        menu = QMenu(self)
        menu.addAction(f"Split '{name}' with a Line", lambda: self.start_split(territory_id))
        self._territory_submenu(
            menu,
            f"Merge '{name}' Into",
            lambda other: merge_territories(self.project, other, territory_id),
            exclude=territory_id,
        )
        locked = bool(self.project.territories_locked()[self.project.territory_index(territory_id)])
        lock = menu.addAction(f"Unlock '{name}'" if locked else f"Lock '{name}'")
        lock.triggered.connect(
            lambda: self._try_edit(
                lambda: set_territory_lock(self.project, territory_id, locked=not locked)
            )
        )
        menu.addSeparator()
        menu.addAction(
            f"Delete '{name}'",
            lambda: self._try_edit(lambda: delete_territory(self.project, territory_id)),
        )
        return menu

    def delete_selected(self) -> None:
        """Delete the territory selected in the list (undoable)."""
        territory_id = self.selected_territory()
        if territory_id is not None:
            self._try_edit(lambda: delete_territory(self.project, territory_id))

    def start_split(self, territory_id: str | None = None) -> None:
        """The next line drawn on the map splits this territory (default: the selected one)."""
        territory_id = territory_id or self.selected_territory()
        if territory_id is None:
            self.statusBar().showMessage("Select the territory to split first", 5000)
            return
        self.splitting = territory_id
        self.map_view.send_update({"select": territory_id, "draw": "Line"})
        name = self.project.territories["name"].iloc[self.project.territory_index(territory_id)]
        self.statusBar().showMessage(
            f"Draw a line across '{name}', click the last point again to finish (Esc cancels)"
        )

    def select_territory(self, territory_id: str) -> None:
        """Select a territory in the list (and so on the map)."""
        row = self.territory_model.view_row("territory_id", territory_id)
        if row is not None:
            self.territory_table.selectRow(row)
        self.kpi_panel.chart.select(territory_id)
        self.performance_panel.select_territory(territory_id)

    def zoom_to_account_id(self, account_id: str) -> None:
        """Centre the map on an account."""
        acc = self.project.accounts
        where = acc.loc[acc["account_id"] == account_id, ["lat", "lon"]].to_numpy(dtype=float)
        if len(where) and np.isfinite(where[0]).all():
            lat, lon = (float(v) for v in where[0])
            self.map_view.send_update({"zoomTo": {"lat": lat, "lon": lon, "zoom": 13}})

    def _edit_territory(self, row: int, key: str, value: str) -> None:
        territory_id = str(self.territory_model.frame["territory_id"].iloc[row])
        if key == "quota":
            self._try_edit(lambda: set_quota(self.project, territory_id, value))
        else:
            self._try_edit(lambda: RenameTerritory(self.project, territory_id, value))

    def _zoom_to_account(self, index: Any) -> None:
        row = self.account_model.frame_row(index.row())
        acc = self.account_model.frame.iloc[row]
        if acc["lat"] == acc["lat"]:  # not NaN
            self.map_view.send_update(
                {"zoomTo": {"lat": float(acc["lat"]), "lon": float(acc["lon"]), "zoom": 13}}
            )

    def _account_menu(self, pos: Any) -> None:
        rows = {i.row() for i in self.account_table.selectionModel().selectedRows()}
        if not rows:
            return
        ids = [
            str(self.account_model.frame["account_id"].iloc[self.account_model.frame_row(r)])
            for r in rows
        ]
        menu = QMenu(self)
        if len(ids) == 1:
            menu.addAction("Place on the Map (click the spot)…", lambda: self.start_placing(ids[0]))
            menu.addAction("Place at a ZIP Code…", lambda: self.place_at_zip(ids[0]))
            menu.addSeparator()
        self._territory_submenu(
            menu,
            f"Pin {plural(len(ids), 'account')} to Territory",
            lambda t: MoveAccounts(self.project, ids, t),
        )
        pin = menu.addMenu(f"Pin {plural(len(ids), 'account')} to Rep")
        for rep_id, territory_id in zip(
            self.project.territories["rep_id"],
            self.project.territories["territory_id"],
            strict=True,
        ):
            rep = self.project.reps.set_index("rep_id")["name"].get(rep_id)
            if rep is not None:
                action = pin.addAction(str(rep))
                action.triggered.connect(
                    lambda _c=False, t=territory_id: self.push_edit(
                        MoveAccounts(self.project, ids, t)
                    )
                )
        unlock = menu.addAction("Unlock and Place Again")
        unlock.triggered.connect(lambda: self._try_edit(lambda: unlock_accounts(self.project, ids)))
        menu.exec(self.account_table.viewport().mapToGlobal(pos))

    def ask_new_territory(self, event: FeatureDrawn) -> None:
        """Offer to make a drawn shape a territory (named by the user)."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("New territory")
        dialog.setLabelText(
            "Name of the new territory (it takes only ground no other territory covers):"
        )
        dialog.setTextValue(f"Territory {len(self.project.territories) + 1}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(
            lambda name: self._try_edit(
                lambda: add_territory(
                    self.project,
                    event.geometry,
                    name,
                    allow_overlap=self.overlap_action.isChecked(),
                )
            )
        )
        self.name_dialog = dialog
        dialog.open()

    def start_drawing(self) -> None:
        """Start drawing a new territory on the map (its name is asked once it is closed)."""
        self.map_view.send_update({"draw": "Polygon"})
        self.statusBar().showMessage(
            "Click the corners of the new territory on the map, then the first one again", 10000
        )

    def import_territories(self, path: Path | None = None) -> None:
        """Replace the territories with a file's polygons (one undo step)."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "Import territories", "", "Polygons (*.geojson *.json *.gpkg *.shp)"
            )
            if not name:
                return
            path = Path(name)
        self._try_edit(lambda: replace_territories(self.project, read_territories(path), path.name))

    def offer_unit_move(self, lon: float, lat: float, territory_id: str | None) -> None:
        """A menu at the click: move the unit (state, county, ZIP area) under it to a territory."""
        try:
            units = unit_at(self.move_mode.unit_kind, lon, lat)
        except PlannerError as exc:
            self.show_error(exc)
            return
        if units is not None:
            self.offer_units(units, exclude=territory_id)

    def offer_units(self, units: Units, exclude: str | None = None) -> None:
        """A menu at the cursor: "Move <units> to ▸ <territory>"."""
        if not units.names or self.project.territories.empty:
            self.statusBar().showMessage(f"No {UNIT_KINDS[units.kind][1]} there", 5000)
            return
        acc = self.project.accounts
        inside = containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), [units.geometry])
        count = int((inside == 0).sum())
        menu = QMenu(self)
        self._territory_submenu(
            menu,
            f"Move {units.describe()} ({plural(count, 'account')}) to",
            lambda t: move_area(self.project, units.geometry, t, units.describe()),
            exclude=exclude,
        )
        self.unit_menu = menu
        menu.popup(QCursor.pos())

    def _try_units(self, find: Callable[[], Units]) -> None:
        try:
            units = find()
        except (PlannerError, ValueError) as exc:
            self.show_error(exc)
            return
        self.offer_units(units)
        self._lasso_toggled(self.move_mode.lasso.isChecked())  # ready for the next lasso

    def _lasso_toggled(self, on: bool) -> None:
        if on:
            self.map_view.send_update({"draw": "Polygon"})
            self.statusBar().showMessage(
                f"Lasso: click around the {self.move_mode.noun} to move, "
                "then click the first point",
                8000,
            )
        else:
            self.map_view.run_js("map_tp.pm.disableDraw()")

    def assign(self) -> None:
        """Assign accounts by the project's rules, then geography (one undoable step)."""

        def done(result: Reassignment) -> None:
            self.push_edit(assignment(self.project, result))

        self._compute("Assigning accounts", reassign, done)

    def _reassign_with(self, setting: dict[str, str], description: str, **kwargs: Any) -> None:
        """Store a setting (rules, parent policy) and re-assign by it, as one undo step."""

        def done(result: Reassignment) -> None:
            self.push_edit(assignment(self.project, result, description, setting))

        self._compute("Assigning accounts", lambda project: reassign(project, **kwargs), done)

    def _compute(self, title: str, fn: Callable[[Project], T], done: Callable[[T], None]) -> None:
        """`done(fn(project))`: at once for a small project, else on the task thread.

        For a large project `fn` runs on a copy on the task thread (progress dialog,
        the window stays responsive) and `done` follows unless the project was changed
        meanwhile.
        """
        if not in_background(self.project):
            try:
                result = fn(self.project)
            except PlannerError as exc:
                self.show_error(exc)
                return
            done(result)
            return
        project, copy, step = self.project, self.project.copy(), self.undo_stack.index()

        def finished(result: T) -> None:
            if self.project is not project or self.undo_stack.index() != step:
                self.statusBar().showMessage(
                    f"{title}: the project changed meanwhile, so nothing was done; try again",
                    10000,
                )
                return
            done(result)

        self.task = Task(self, title, lambda **_: fn(copy), finished, self.show_error)

    def apply_rules(self, rules: list[Rule], description: str) -> None:
        """New or changed rules: saved in the project, accounts re-assigned."""
        self._reassign_with(rules_setting(rules), description, rules=rules)

    def set_parent_policy(self, policy: str) -> None:
        """How divisions of a parent company are placed; accounts re-assigned."""
        text = dict(POLICIES)[policy]
        self._reassign_with(
            {PARENT_POLICY_KEY: policy}, f"Divisions of parent companies {text}", policy=policy
        )

    def build_calendar(
        self, rep_id: str, weeks: int, start: date, overtime: bool, rules: DayRules | None = None
    ) -> None:
        """Plan a rep's calendar in the background (progress and Cancel), then show it."""
        rules = rules or DayRules()
        snapshot = self.project.copy()  # the calendar plans on it while the user edits on

        roads = self.roads

        def plan(progress: Any, cancel: Any) -> dict[str, Any]:
            schedule = build_schedule(
                snapshot, rep_id, weeks or None, start=start, allow_overtime=overtime,
                travel=roads, lunch=rules.lunch, max_drive=rules.max_drive,
                days_off=rules.days_off, progress=progress, cancel=cancel,
            )  # fmt: skip
            return schedule_record(schedule, snapshot.accounts)

        self.task = Task(
            self, "Building the visit calendar", plan, self.calendar_panel.add_plan, self.show_error
        )

    def load_roads(self, path: Path | None = None) -> None:
        """Read a road network in the background; calendars then drive on it."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "Road network", "", "Road networks (*.osm.pbf *.pbf *.graphml)"
            )
            if not name:
                return
            path = Path(name)

        def done(roads: RoadNetwork) -> None:
            self.roads = roads
            self.calendar_panel.roads.setText(
                f"Travel: roads of {path.name} ({roads.graph.number_of_edges():,} road links)"
            )

        def read(progress: Any, cancel: Any) -> RoadNetwork:
            progress(0.05, f"Reading {path.name}")
            cancel.raise_if_cancelled()
            return read_roads(path)

        self.task = Task(self, "Reading the road network", read, done, self.show_error)

    def show_day_route(self, plan: dict[str, Any], day: dict[str, Any]) -> None:
        """Draw a day's route on the map (numbered stops from home and back)."""
        layer = route_layer(self.project, str(plan["rep_id"]), day["visits"])
        self.panel_overlays.show(self.calendar_dock, "route", layer)

    def export_calendars(self, kind: str) -> None:
        """Write the calendars built so far as Excel or .ics files."""
        plans = list(self.calendar_panel.plans.values())
        try:
            if kind == "xlsx":
                target = self._save_target(
                    "Export calendars", "calendars.xlsx", "Excel workbooks (*.xlsx)"
                )
                if target is not None:
                    write_calendar_xlsx(plans, target)
                    self.statusBar().showMessage(
                        f"Exported {plural(len(plans), 'calendar')} to {target}", 8000
                    )
            else:
                folder = QFileDialog.getExistingDirectory(self, "Folder for the .ics files")
                if folder:
                    files = write_calendar_ics(plans, Path(folder))
                    self.statusBar().showMessage(
                        f"Wrote {plural(len(files), '.ics file')} to {folder}", 8000
                    )
        except PlannerError as exc:
            self.show_error(exc)

    def _refresh_rules(self, split_parents: pd.DataFrame, placed_by: pd.Series) -> None:
        try:
            rules = saved_rules(self.project)
        except PlannerError as exc:
            rules = []
            self.statusBar().showMessage(f"The saved rules cannot be used: {exc}", 10000)
        self.rules_panel.show_rules(
            self.project, rules, parent_policy(self.project), split_parents, placed_by
        )

    def start_placing(self, account_id: str) -> None:
        """The next click on the map places this account there."""
        self.placing = account_id
        name = str(self.project.accounts.set_index("account_id").loc[account_id, "name"])
        self.statusBar().showMessage(f"Click the spot on the map where {name} is (Esc cancels)")

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        """Esc cancels placing an account."""
        if event.key() == Qt.Key.Key_Escape and (self.placing or self.splitting):
            self.placing = self.splitting = None
            self.map_view.run_js("map_tp.pm.disableDraw()")
            self.statusBar().showMessage("Cancelled", 3000)
            return
        super().keyPressEvent(event)

    def place_at_zip(self, account_id: str) -> None:
        """Ask for a ZIP code and put the account at its centroid."""
        text, ok = QInputDialog.getText(
            self, "Place at a ZIP code", f"ZIP code for account {account_id}:"
        )
        if ok and text.strip():
            self._try_edit(lambda: place_account_at_zip(self.project, account_id, text))

    def _try_edit(self, make: Callable[[], Edit]) -> None:
        """Build an edit (which checks the input) and apply it, or show why not."""
        try:
            edit = make()
        except PlannerError as exc:
            self.show_error(exc)
            return
        self.push_edit(edit)

    def _edit_rep(self, row: int, key: str, value: str) -> None:
        rep_id = str(self.rep_model.frame["rep_id"].iloc[row])
        self._try_edit(lambda: edit_rep(self.project, rep_id, key, value))

    def set_color_by(self, key: str) -> None:
        """Colour accounts on the map by territory or by how they were placed."""
        self.color_by = key
        self.refresher.request(coverage=False)  # the map's update comes with the overview

    def import_dialog(self, kind: ImportKind) -> None:
        """Run the Import wizard; on Import, apply the result as one undoable edit."""
        existing = {
            "accounts": self.project.accounts, "reps": self.project.reps,
        }.get(kind.noun, self.project.actuals)  # fmt: skip
        wizard = ImportWizard(kind, existing, self)
        self.wizard = wizard
        wizard.accepted.connect(lambda: self.apply_import(wizard))
        wizard.open()

    def apply_import(self, wizard: ImportWizard) -> None:
        """Merge what the wizard read into the project (undoable)."""
        if wizard.frame is None or wizard.report is None:
            return
        name = wizard.path.name
        if wizard.kind is ACCOUNTS:
            result = AccountImport(wizard.frame, wizard.report)
            done = import_accounts(self.project, result, name)
        elif wizard.kind.spec is ACTUALS_SPEC:
            given = [f for f in FIGURES if f in wizard.report.mapping]
            done = import_actuals(
                self.project, ActualsImport(wizard.frame, wizard.report, given), name
            )
        else:
            done = import_reps(self.project, wizard.frame, wizard.report, name)
        self.push_edit(done.edit)

    def _on_map_event(self, event: MapEvent) -> None:
        if isinstance(event, MapClicked) and self.placing is not None:
            account_id, self.placing = self.placing, None
            self._try_edit(lambda: place_account(self.project, account_id, event.lat, event.lon))
        elif isinstance(event, MapClicked) and self.move_mode.is_on:
            self.offer_unit_move(event.lon, event.lat, None)
        elif isinstance(event, TerritoryClicked):
            self.select_territory(event.territory_id)
            if self.move_mode.is_on:
                self.offer_unit_move(event.lon, event.lat, event.territory_id)
        elif isinstance(event, AccountClicked):
            row = self.account_model.view_row("account_id", event.account_id)
            if row is not None:
                self.account_table.selectRow(row)
                self.account_table.scrollTo(self.account_model.index(row, 0))
        elif isinstance(event, TerritoryEdited):
            self._try_edit(
                lambda: reshape_territory(
                    self.project,
                    event.territory_id,
                    event.geometry,
                    allow_overlap=self.overlap_action.isChecked(),
                )
            )
        elif isinstance(event, FeatureDrawn) and self.splitting is not None:
            territory_id, self.splitting = self.splitting, None
            self._try_edit(lambda: split_territory(self.project, territory_id, event.geometry, ""))
        elif isinstance(event, FeatureDrawn) and self.move_mode.lasso.isChecked():
            self._try_units(lambda: units_in(self.move_mode.unit_kind, event.geometry))
        elif isinstance(event, FeatureDrawn):
            self.ask_new_territory(event)
            acc = self.project.accounts
            inside = (
                containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), [event.geometry])
                == 0
            )
            self.last_drawn_count = int(inside.sum())
            self.statusBar().showMessage(
                f"The {event.shape.lower()} you drew contains "
                f"{plural(self.last_drawn_count, 'account')}",
                10000,
            )

    def about_text(self) -> str:
        """The About box: version, and credits for every bundled component and data set."""
        rows = "".join(
            f"<li><b>{html.escape(c['name'])}</b> {html.escape(c['version'])} — "
            f"{html.escape(c['what'])} ({html.escape(c['license'])})</li>"
            for c in bundled_credits()
        )
        return (
            f"<h3>Territory Planner {html.escape(version_text())}</h3>"
            "<p>Plan sales territories and routes on your laptop, fully offline.</p>"
            f"<p>Bundled software and data:</p><ul>{rows}</ul>"
            "<p>Built with Qt for Python (PySide6, LGPL), folium, geopandas, shapely.</p>"
        )

    def shortcuts_text(self) -> str:
        """Every menu command that has a keyboard shortcut, by menu, as HTML."""
        sections = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if not isinstance(menu, QMenu):
                continue
            rows = []
            stack = list(menu.actions())
            while stack:
                action = stack.pop(0)
                submenu = action.menu()
                if isinstance(submenu, QMenu):
                    stack[:0] = submenu.actions()
                elif not action.shortcut().isEmpty():
                    key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    name = action.text().replace("&", "").rstrip("…")
                    rows.append(f"<tr><td>{html.escape(name)}</td><td><b>{key}</b></td></tr>")
            if rows:
                title = menu_action.text().replace("&", "")
                sections.append(f"<h4>{title}</h4><table>{''.join(rows)}</table>")
        return "".join(sections)

    def show_shortcuts(self) -> None:
        """List the keyboard shortcuts."""
        QMessageBox.information(self, "Keyboard shortcuts", self.shortcuts_text())

    def about(self) -> None:
        """Show the About box."""
        QMessageBox.about(self, "About Territory Planner", self.about_text())

    # ----- closing -----

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        """Ask about unsaved changes, remember the layout, free the web page."""
        if not self.maybe_save():
            event.ignore()
            return
        self.autosave.clear()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.map_view.dispose()
        event.accept()
