"""The main window: the open project, the map, the docked panels around it, menus and toolbar.

What the menus and panels do lives in groups the window owns, one module each:
`files` (File menu, open, save, import), `exports` (File > Export), `map_interaction`
(what a click or a drawing on the map does), `territory_actions` (Territory menu,
assignment, right-click menus), `scenarios` (Plan menu, Scenarios panel), `calendars`,
`kpi_actions`, `navigation` (selection and zooms), `view_actions` (View menu, layout),
`help_actions` and `analysis` (the Performance and Market docks). The window itself
keeps the session, applies every edit through the undo stack and refreshes the panels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QStyle,
    QToolButton,
    QWidget,
)

from territory_planner._errors import PlannerError
from territory_planner.analysis.metrics import balance_tolerance
from territory_planner.app.refresh import refresh_scope
from territory_planner.app.session import Session
from territory_planner.edits import Changes, Edit, RenameTerritory, edit_rep, set_quota
from territory_planner.formats import log_time, plural
from territory_planner.geo.coverage import CoverageItem
from territory_planner.io.project_lock import FileStamp
from territory_planner.mapview.overview import EVERYTHING, Overview, Scope, project_overview
from territory_planner.model import Project, change_log
from territory_planner.ui.analysis_docks import AnalysisDocks
from territory_planner.ui.autosave import DEFAULT_MINUTES, Autosave
from territory_planner.ui.calendar_actions import CalendarActions
from territory_planner.ui.calendar_panel import CalendarPanel
from territory_planner.ui.export_actions import ExportActions
from territory_planner.ui.file_actions import FileActions
from territory_planner.ui.help_actions import HelpActions
from territory_planner.ui.import_wizard import ACCOUNTS, REPS
from territory_planner.ui.kpi_actions import KpiActions
from territory_planner.ui.kpi_panel import COMPACT_TERRITORY_KEYS, KpiPanel, territory_columns
from territory_planner.ui.map_interaction import MapInteraction
from territory_planner.ui.map_view import MapView, PreparedPage
from territory_planner.ui.move_mode import MoveAreasMode
from territory_planner.ui.navigation import Navigation
from territory_planner.ui.panel_overlays import PanelOverlays
from territory_planner.ui.preferences import Preferences
from territory_planner.ui.rules_panel import RulesPanel
from territory_planner.ui.scenario_actions import ScenarioActions
from territory_planner.ui.start_card import StartCard, over
from territory_planner.ui.table_columns import (
    ACCOUNT_COLUMNS,
    ACCOUNT_SUBSETS,
    COVERAGE_COLUMNS,
    REP_COLUMNS,
)
from territory_planner.ui.table_model import FrameModel
from territory_planner.ui.table_panel import TablePanel, make_table
from territory_planner.ui.tasks import Latest, Task
from territory_planner.ui.territory_actions import TerritoryActions
from territory_planner.ui.view_actions import ViewActions

log = logging.getLogger(__name__)
LOG_SHOWN = 500  # entries of earlier sessions shown in the Change Log panel


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
        self.undo_stack.cleanChanged.connect(lambda _clean: self.update_title())
        self.change_log: list[str] = []
        self.last_error = ""
        #: The groups of commands, each with its own module.
        self.files = FileActions(self)
        self.exports = ExportActions(self)
        self.territory_actions = TerritoryActions(self)
        self.calendars = CalendarActions(self)
        self.help_actions = HelpActions(self)
        self.navigation = Navigation(self)
        self.kpi_actions = KpiActions(self)
        self.view_actions = ViewActions(self)
        self.setWindowTitle("Territory Planner")
        self.resize(1400, 900)

        cache = Path(platformdirs.user_cache_dir("territory-planner"))
        self.map_view = MapView(cache / f"map-{id(self)}")
        self.map_view.ready.connect(lambda _stats: self._update_status())
        self.setCentralWidget(self._map_with_start_card())

        self._create_territory_panels()
        self._create_tables()

        self.kpis = pd.DataFrame()
        self.summary = self.project.summary()
        #: Keeps the panels' figures and the map up to date, on the task thread if large.
        self.refresher: Latest[Scope, Overview] = Latest(
            self, lambda: self.project, self._overview_job, self._show_overview, Scope.__or__
        )
        self.refresher.failed.connect(self.show_error)
        self._create_status_bar()
        self.move_mode = MoveAreasMode(self)
        self.map_interaction = MapInteraction(self)
        self._create_docks()
        self._create_actions()
        self.view_actions.restore_layout()
        self.set_project(self.project, None)

    # ----- construction -----

    def _map_with_start_card(self) -> QWidget:
        """The map, with the first steps laid over it while the project lacks data."""
        card = StartCard()
        card.import_accounts.clicked.connect(lambda: self.files.import_dialog(ACCOUNTS))
        card.import_reps.clicked.connect(lambda: self.files.import_dialog(REPS))
        # lambdas: the map interaction and the scenario actions come later, and `checked`
        # must not become a path
        card.draw_territory.clicked.connect(lambda: self.map_interaction.start_drawing())  # noqa: PLW0108
        card.design_territories.clicked.connect(lambda: self.scenarios.ask_design())  # noqa: PLW0108
        card.import_territories.clicked.connect(lambda: self.files.import_territories())  # noqa: PLW0108
        card.demo_requested.connect(self.files.open_demo)
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
            lambda: self.navigation.territory_selected(self.territory_table)
        )
        for number, column in enumerate(columns):
            self.territory_table.setColumnHidden(number, column.key not in COMPACT_TERRITORY_KEYS)
        self.territory_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.territory_table.customContextMenuRequested.connect(
            lambda pos: self.territory_actions.territory_menu(self.territory_table, pos)
        )
        panel = KpiPanel(self.territory_model)  # the same model, every column
        panel.table.selectionModel().selectionChanged.connect(
            lambda: self.navigation.territory_selected(panel.table)
        )
        panel.territory_clicked.connect(self.navigation.select_territory)
        panel.tolerance_changed.connect(self.kpi_actions.set_tolerance)
        panel.shade_toggled.connect(lambda _on: self.kpi_actions.send_shading())
        panel.metric_changed.connect(lambda _key: self.kpi_actions.send_shading())
        panel.quotas_requested.connect(self.kpi_actions.quota_dialog)
        self.kpi_panel = panel
        self.kpi_table = panel.table

    def _create_tables(self) -> None:
        """The Accounts, Gaps && Overlaps and Reps tables."""
        self.account_model = FrameModel(ACCOUNT_COLUMNS, self)
        self.account_panel = TablePanel(
            self.account_model, "Filter accounts (name, city, ZIP, industry…)", ACCOUNT_SUBSETS
        )
        self.account_table = self.account_panel.table
        self.account_filter = self.account_panel.filter
        self.account_table.doubleClicked.connect(self.navigation.zoom_to_account)
        self.account_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.account_table.customContextMenuRequested.connect(self.territory_actions.account_menu)
        self.coverage_model = FrameModel(COVERAGE_COLUMNS, self)
        self.coverage_items: list[CoverageItem] = []
        self.coverage_table = make_table(self.coverage_model)
        self.coverage_table.doubleClicked.connect(self.navigation.zoom_to_coverage)
        self.rep_model = FrameModel(REP_COLUMNS, self)
        self.rep_model.on_edit = self._edit_rep
        self.rep_panel = TablePanel(self.rep_model, "Filter reps (name, city, skills…)")

    def add_dock(
        self,
        title: str,
        name: str,
        widget: QWidget,
        area: Qt.DockWidgetArea,
        *,
        scroll: bool = False,
    ) -> QDockWidget:
        """Dock `widget` (in a scroll area if `scroll`: a wide panel scrolls, the window stays)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        if scroll:
            scrolling = QScrollArea()
            scrolling.setWidgetResizable(True)
            scrolling.setFrameShape(QFrame.Shape.NoFrame)
            scrolling.setWidget(widget)
            widget = scrolling
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _create_docks(self) -> None:
        self.territory_dock = self.add_dock(
            "Territories",
            "territories_dock",
            self.territory_table,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.rep_dock = self.add_dock(
            "Reps", "reps_dock", self.rep_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.rules_panel = RulesPanel()
        self.rules_panel.rules_edited.connect(self.territory_actions.apply_rules)
        self.rules_panel.policy_changed.connect(self.territory_actions.set_parent_policy)
        self.rules_panel.assign_requested.connect(self.territory_actions.assign)
        self.rules_dock = self.add_dock(
            "Rules", "rules_dock", self.rules_panel, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.scenarios = ScenarioActions(self)
        self.scenarios_dock = self.add_dock(
            "Scenarios",
            "scenarios_dock",
            self.scenarios.panel,
            Qt.DockWidgetArea.LeftDockWidgetArea,
        )
        self.account_dock = self.add_dock(
            "Accounts", "accounts_dock", self.account_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.kpi_dock = self.add_dock(
            "Territory KPIs", "kpi_dock", self.kpi_panel, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.coverage_dock = self.add_dock(
            "Gaps && Overlaps",
            "coverage_dock",
            self.coverage_table,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.calendar_panel = CalendarPanel()
        self.calendar_panel.build_requested.connect(self.calendars.build_calendar)
        self.calendar_panel.day_selected.connect(self.calendars.show_day_route)
        self.calendar_panel.export_requested.connect(self.exports.export_calendars)
        self.calendar_panel.roads_requested.connect(self.calendars.load_roads)
        self.calendar_dock = self.add_dock(
            "Calendar", "calendar_dock", self.calendar_panel,
            Qt.DockWidgetArea.BottomDockWidgetArea, scroll=True,
        )  # fmt: skip
        self.panel_overlays = PanelOverlays(self.map_view.send_update)
        self.panel_overlays.watch(self.calendar_dock)
        self.log_list = QListWidget()
        self.log_dock = self.add_dock(
            "Change Log", "log_dock", self.log_list, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.analysis = AnalysisDocks(self)
        # where each panel goes, tabbed with which, at the window's size: `view_actions.arrange`

    def add_action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], Any],
        shortcut: Any = None,
        *,
        tip: str = "",
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        """A menu command: `slot` runs when it is triggered (with its shortcut, tip, icon)."""
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
        self.files.add_menu(bar)
        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(std.Undo))
        self.undo_action.setIcon(self.style().standardIcon(pix.SP_ArrowBack))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence(std.Redo))
        self.redo_action.setIcon(self.style().standardIcon(pix.SP_ArrowForward))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        self.view_actions.add_menu(bar)
        self.territory_actions.add_menu(bar)
        self.scenarios.add_menu(bar)
        self.help_actions.add_menu(bar)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        files = self.files
        toolbar.addActions([files.open_action, files.save_action, files.import_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        for action in (self.undo_action, self.redo_action):  # the long text is in the tooltip
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        toolbar.addSeparator()
        toolbar.addAction(self.view_actions.zoom_action)
        toolbar.addSeparator()
        toolbar.addActions([self.move_mode.action, self.move_mode.lasso])

    def docks(self) -> tuple[QDockWidget, ...]:
        """Every panel, in View menu order."""
        return (
            self.territory_dock, self.rep_dock, self.rules_dock, self.scenarios_dock,
            self.account_dock, self.kpi_dock, self.coverage_dock, self.calendar_dock,
            self.log_dock, self.analysis.performance_dock, self.analysis.market_dock,
        )  # fmt: skip

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
        self.let_go()
        # the next project is shown as the last one was (colours, shading)
        self.session = Session(project, view=replace(self.session.view))
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
        self.analysis.map_layers = {}
        self.panel_overlays.clear()
        self.move_mode.leave()
        self.start_card.show_for(project, new=True)
        self.map_view.show_project(project, page)
        self._refresh_tables(EVERYTHING)  # the overview brings the map's shading too
        self.scenarios.refresh()
        self.update_title()
        self._update_status()
        self.project_opened.emit()

    def let_go(self) -> None:
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
        self.analysis.release()
        self.calendar_panel.plans.clear()  # calendars of the other project's accounts

    def show_again(self) -> None:
        """Show the open project again after `let_go` (another could not be opened)."""
        self.analysis.map_layers = {}
        self.panel_overlays.clear()
        self.map_view.show_project(self.project)
        self._refresh_tables(EVERYTHING)

    def _refresh_tables(self, scope: Scope) -> None:
        """Bring the panels and the map up to date in what `scope` names, and the KPIs."""
        if scope.reps:
            self.rep_model.set_frame(self.project.reps)
            self.calendar_panel.set_reps(self.project)
        self.analysis.mark_stale()
        self.refresher.request(scope)  # KPIs, accounts, rules, the map: `_show_overview`

    def _overview_job(self, project: Project, scope: Scope) -> Callable[..., Overview]:
        """The overview of `project` (or a copy of it), with the map's update, as a task."""
        sent, color_by = self.map_view.sent, self.session.view.color_by
        alerts_as_of = self.analysis.alerts_as_of(project)  # while the panel is hidden
        return lambda **task: project_overview(
            project, scope=scope, sent=sent, color_by=color_by, alerts_as_of=alerts_as_of,
            **task,
        )  # fmt: skip

    def _show_overview(self, overview: Overview) -> Iterator[None]:
        """Show the figures the refresher computed for the project as it is now.

        A generator: the refresher lets the window run at each ``yield`` (large projects).
        """
        if overview.kpis is not None:  # else: as shown (only settings no KPI reads changed)
            self.kpis = overview.kpis
        table = self.kpis
        self.map_view.apply_update(overview.map_update, {"shade": self.kpi_actions.shading()})
        yield
        self.territory_model.set_frame(table)
        self.kpi_panel.refresh(table, balance_tolerance(self.project))
        self.summary = overview.summary
        self._update_status()
        yield
        if overview.accounts is not None:  # else: the accounts are as shown
            self.account_model.set_frame(overview.accounts)
        mask = self.analysis.segment_mask()  # a segment is a setting: it may have changed
        self.account_panel.also = mask
        self.account_panel.apply_subset()
        self.analysis.show_segment(mask)
        yield
        self.analysis.show_alerts(overview.alerts)
        self.territory_actions.refresh_rules(overview.split_parents, overview.placed_by)
        if overview.coverage is not None and overview.coverage_update is not None:
            self._show_coverage(overview.coverage, overview.coverage_update)

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
        self._refresh_tables(refresh_scope(changes))  # only what the edit says changed
        self.start_card.show_for(self.project)
        self.scenarios.refresh()
        self._update_status()
        self.statusBar().showMessage(changes.description, 5000)

    def push_edit(self, edit: Edit) -> None:
        """Apply an edit through the undo stack."""
        self.undo_stack.push(EditCommand(edit, self))

    def update_title(self) -> None:
        """The file's name in the title, marked while there are unsaved changes."""
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

    def show_error(self, exc: Exception) -> None:
        """The one place errors reach the user."""
        log.error("%s", exc)
        self.last_error = str(exc)
        box = QMessageBox(QMessageBox.Icon.Warning, "Territory Planner", str(exc), parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, does not block the event loop

    def open_project(self, path: Path) -> None:
        """Open a project file in the background (`FileActions.open_project`)."""
        self.files.open_project(path)

    # ----- edits typed in the tables, Esc -----

    def _edit_territory(self, row: int, key: str, value: str) -> None:
        territory_id = str(self.territory_model.frame["territory_id"].iloc[row])
        if key == "quota":
            self.try_edit(lambda: set_quota(self.project, territory_id, value))
        else:
            self.try_edit(lambda: RenameTerritory(self.project, territory_id, value))

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        """Esc cancels placing an account or splitting a territory."""
        if event.key() == Qt.Key.Key_Escape and self.map_interaction.cancel():
            return
        super().keyPressEvent(event)

    def try_edit(self, make: Callable[[], Edit]) -> None:
        """Build an edit (which checks the input) and apply it, or show why not."""
        try:
            edit = make()
        except PlannerError as exc:
            self.show_error(exc)
            return
        self.push_edit(edit)

    def _edit_rep(self, row: int, key: str, value: str) -> None:
        rep_id = str(self.rep_model.frame["rep_id"].iloc[row])
        self.try_edit(lambda: edit_rep(self.project, rep_id, key, value))

    # ----- closing -----

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        """Ask about unsaved changes, remember the layout, free the web page."""
        if not self.files.maybe_save():
            event.ignore()
            return
        self.autosave.clear()
        self.view_actions.save_layout()
        self.map_view.dispose()
        event.accept()
