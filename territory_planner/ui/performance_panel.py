"""The Performance panel: sales against quota per territory and rep, trend, alerts, thresholds.

A view over `territory_planner.analysis.performance` (and `sales_trend`): the
window calls `PerformancePanel.refresh` with the project after every change;
the panel never changes the project. New thresholds come out as an undoable
edit (`thresholds_changed`) for the window to push.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from territory_planner._errors import InputError, PlannerError
from territory_planner.analysis.performance import Performance, default_as_of, performance
from territory_planner.analysis.performance_alerts import PerformanceAlert, alerts
from territory_planner.analysis.performance_settings import (
    ActivityGoals,
    Thresholds,
)
from territory_planner.analysis.sales_trend import Trend, sales_trend
from territory_planner.edits import ChangeSettings
from territory_planner.formats import plural
from territory_planner.io.fields import parse_number
from territory_planner.io.table_export import write_table
from territory_planner.model import Project
from territory_planner.tasks import CancelToken
from territory_planner.ui.performance_charts import (
    AttainmentChart,
    AttainmentData,
    TrendChart,
    TrendData,
)
from territory_planner.ui.performance_tables import (
    ALERT_VIEW_COLUMNS,
    GOAL_COLUMNS,
    THRESHOLD_TEXT,
    GoalCell,
    alert_table,
    goal_table,
    goal_text,
    performance_columns,
    read_threshold,
    threshold_text,
)
from territory_planner.ui.table_model import FrameModel
from territory_planner.ui.table_panel import make_table
from territory_planner.ui.tasks import Latest


class Messages:
    """Every sentence the panel shows, in one place."""

    NO_ACTUALS = (
        "No sales imported yet: import actuals (territory-planner import-actuals) to see "
        "attainment, trend and alerts."
    )
    AS_OF = "As of {date}: {elapsed:.0%} of {year} gone by · {rows} of actuals"
    NO_ALERTS = "No alerts: every territory and rep is within its thresholds"
    EXPORTED = "Wrote {rows} to {name}"
    UNCHANGED = "The thresholds are as saved"
    EXPORT_FILTER = "Excel workbook (*.xlsx);;CSV file (*.csv)"


@dataclass(frozen=True)
class _Figures:
    """The panel's figures for one day."""

    day: dt.date
    perf: Performance
    trend: Trend


class PerformancePanel(QWidget):
    """Performance table (territories, reps), attainment and trend charts, alerts, thresholds."""

    #: The alert thresholds typed in the editor, as an undoable `ChangeSettings` edit.
    thresholds_changed = Signal(object)
    #: An activity goal typed in the Goals table, as an undoable `ChangeSettings` edit.
    goals_changed = Signal(object)
    #: The breached alerts to show on the map (a list of `PerformanceAlert`), or None
    #: when the user switched them off; sent after every recompute.
    map_alerts = Signal(object)
    #: A territory picked in the chart, the table or the alerts (its ID).
    territory_clicked = Signal(str)
    #: A rep picked in the reps table or the alerts (their ID).
    rep_clicked = Signal(str)
    #: Something the user asked for failed (a `PlannerError`): the window shows it.
    failed = Signal(object)
    #: A sentence for the status bar (e.g. after an export).
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = Project.empty()
        self.perf: Performance | None = None
        #: Computes the figures (the latest date asked wins), on the task thread if large.
        self.figures: Latest[dt.date, _Figures] = Latest(
            self, lambda: self.project, self._figures, self._show, lambda _old, new: new
        )
        self.figures.failed.connect(self.failed.emit)
        self.thresholds = Thresholds()
        self.alerts: list[PerformanceAlert] = []
        self.as_of_pinned = False  # the user picked a date: keep it when the project changes
        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("d MMM yyyy")
        self.as_of.setToolTip("The day the figures are for (sales of every period begun by then)")
        self.as_of.dateChanged.connect(self._date_picked)
        self.latest = QPushButton("Latest")
        self.latest.setToolTip("The end of the latest period with actuals")
        self.latest.clicked.connect(self._latest)
        self.status = QLabel()
        self.status.setWordWrap(True)
        limit = lambda: self.thresholds.attainment_below  # noqa: E731
        self.territory_model = FrameModel(performance_columns("territory", limit), self)
        self.rep_model = FrameModel(performance_columns("rep", limit), self)
        self.territory_table = make_table(self.territory_model)
        self.rep_table = make_table(self.rep_model)
        self.territory_table.clicked.connect(lambda i: self._row_clicked(self.territory_table, i))
        self.rep_table.clicked.connect(lambda i: self._row_clicked(self.rep_table, i))
        self.chart = AttainmentChart()
        self.chart.territory_clicked.connect(self._chart_clicked)
        self.trend = TrendChart()
        self.alert_model = FrameModel(ALERT_VIEW_COLUMNS, self)
        self.alert_table = make_table(self.alert_model)
        self.alert_table.clicked.connect(self._alert_clicked)
        self.alert_note = QLabel()
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the alerts as an Excel workbook or a CSV file")
        self.export_button.clicked.connect(self._export_dialog)
        self.on_map = QCheckBox("Show on map")
        self.on_map.setChecked(True)
        self.on_map.setToolTip(
            "A warning badge at each territory (and rep home) with breached thresholds; "
            "hover it for the alerts"
        )
        self.on_map.toggled.connect(lambda _on: self._send_map_alerts())
        self._build_goal_widgets()
        self.threshold_edits: dict[str, QLineEdit] = {}
        self.threshold_error = QLabel()
        self.threshold_error.setStyleSheet("color: #b00020")
        self.threshold_error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._toolbar())
        layout.addWidget(self._panes(), 1)

    def _build_goal_widgets(self) -> None:
        self.goals = ActivityGoals()
        self.goal_model = FrameModel(GOAL_COLUMNS, self)
        self.goal_model.on_edit = self._goal_edited
        self.goal_table = make_table(self.goal_model)
        self.goal_error = QLabel()
        self.goal_error.setStyleSheet("color: #b00020")
        self.goal_error.setWordWrap(True)

    # ----- layout -----

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("As of:"))
        bar.addWidget(self.as_of)
        bar.addWidget(self.latest)
        bar.addWidget(self.status, 1)
        return bar

    def _panes(self) -> QSplitter:
        tables = QTabWidget()
        tables.addTab(self.territory_table, "Territories")
        tables.addTab(self.rep_table, "Reps")
        self.tables = tables
        chart_scroll = QScrollArea()
        chart_scroll.setWidgetResizable(True)
        chart_scroll.setWidget(self.chart)
        self.alerts_page = self._alerts_tab()
        #: The pages beside the tables: tabs of their own, or after the tables' in a side column.
        self.chart_pages: list[QWidget] = [
            chart_scroll, self.trend, self.alerts_page, self._thresholds_tab(), self._goals_tab(),
        ]  # fmt: skip
        self.tabs = QTabWidget()
        for page, title in zip(
            self.chart_pages, ["Attainment", "Trend", "Alerts", "Thresholds", "Goals"], strict=True
        ):
            self.tabs.addTab(page, title)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(tables)
        split.addWidget(self.tabs)
        split.setSizes([640, 640])
        # The panes take the height left over (their preferred height, with the status line
        # wrapped, made the panel scroll in a dock as low as the least they need).
        split.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.split = split
        self._set_least_height()
        return split

    def _set_least_height(self) -> None:
        """The panes' least height: that of the taller tab widget (every tab's page whole)."""
        shown = [self.tables, self.tabs] if self.tabs.isVisibleTo(self) else [self.tables]
        self.split.setMinimumHeight(max(tabs.minimumSizeHint().height() for tabs in shown))

    def set_side(self, side: bool) -> None:
        """In a side column (`side`), the charts are tabs after the tables', each seen whole.

        Stacked under the table, the chart tabs would need more height than a laptop's
        column of panels has (issue 17): the trend chart would only show by scrolling.
        """
        home, away = (self.tables, self.tabs) if side else (self.tabs, self.tables)
        current = self.tables.currentWidget() if side else None
        for page in self.chart_pages:
            index = away.indexOf(page)
            if index >= 0:
                title = away.tabText(index)
                away.removeTab(index)
                home.addTab(page, title)
        if current is not None:
            self.tables.setCurrentWidget(current)
        self.tabs.setVisible(not side)
        self._set_least_height()

    def chart_tabs(self) -> QTabWidget:
        """The tab widget holding the charts (the tables' own in a side column)."""
        return self.tabs if self.tabs.indexOf(self.trend) >= 0 else self.tables

    def _alerts_tab(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.alert_note, 1)
        row.addWidget(self.on_map)
        row.addWidget(self.export_button)
        layout.addLayout(row)
        layout.addWidget(self.alert_table, 1)
        return box

    def _thresholds_tab(self) -> QWidget:
        box = QWidget()
        form = QFormLayout()
        for name, (text, share) in THRESHOLD_TEXT.items():
            edit = QLineEdit()
            edit.setPlaceholderText("off")
            edit.setToolTip(
                ("a percentage such as 80%" if share else "an amount such as 2,000,000")
                + ", or 'off' for no alert"
            )
            edit.setMaximumWidth(140)
            edit.returnPressed.connect(self.apply_thresholds)
            self.threshold_edits[name] = edit
            form.addRow(text + ":", edit)
        apply = QPushButton("Apply")
        apply.setToolTip("Save the thresholds in the project (one undo step)")
        apply.clicked.connect(self.apply_thresholds)
        reset = QPushButton("Revert")
        reset.setToolTip("Show the thresholds as saved")
        reset.clicked.connect(self._show_thresholds)
        buttons = QHBoxLayout()
        buttons.addWidget(apply)
        buttons.addWidget(reset)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.threshold_error)
        layout.addStretch(1)
        scroll = QScrollArea()  # the form scrolls in its tab, not the panel in its dock
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(box)
        return scroll

    def _goals_tab(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        note = QLabel(
            "Yearly goals (pro-rated to date in the table). Double-click a cell to type a goal; "
            "clear it to inherit the one in brackets: a territory's from 'Every territory', "
            "a rep's the sum of their territories'."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.goal_table, 1)
        layout.addWidget(self.goal_error)
        return box

    # ----- data -----

    def release(self) -> None:
        """Let go of the project shown (another replaces it; `refresh` shows that one)."""
        self.project = Project.empty()
        self.perf = None

    def refresh(self, project: Project) -> None:
        """Show `project`'s figures (after it was opened or changed)."""
        self.project = project
        try:
            self.thresholds = Thresholds.from_settings(project.settings)
        except PlannerError as exc:
            self.failed.emit(exc)
            self.thresholds = Thresholds()
        self._show_thresholds()
        try:
            self.goals = ActivityGoals.from_settings(project.settings)
        except PlannerError as exc:
            self.failed.emit(exc)
            self.goals = ActivityGoals()
        self.goal_model.set_frame(goal_table(project, self.goals))
        self.goal_error.setText("")
        if not self.as_of_pinned:
            self._set_date(default_as_of(project.actuals))
        self._recompute()

    def selected_date(self) -> dt.date:
        """The as-of date picked."""
        q = self.as_of.date()
        return dt.date(q.year(), q.month(), q.day())

    def _set_date(self, day: dt.date) -> None:
        self.as_of.blockSignals(True)
        self.as_of.setDate(QDate(day.year, day.month, day.day))
        self.as_of.blockSignals(False)

    def _date_picked(self) -> None:
        self.as_of_pinned = True
        self._recompute()

    def _latest(self) -> None:
        self.as_of_pinned = False
        self._set_date(default_as_of(self.project.actuals))
        self._recompute()

    def _recompute(self) -> None:
        """Compute the figures for the date picked: at once, or on the task thread if large."""
        self.figures.request(self.selected_date())

    @staticmethod
    def _figures(project: Project, day: dt.date) -> Callable[..., _Figures]:
        """The job computing `project`'s figures as of `day` (on a copy if in the background)."""

        def job(cancel: CancelToken, **_task: object) -> _Figures:
            return _Figures(day, performance(project, day, cancel), sales_trend(project, day))

        return job

    def _show(self, figures: _Figures) -> tuple[()]:
        """Show figures computed for the project as it is now (no parts: one step)."""
        project, day, perf, trend = self.project, figures.day, figures.perf, figures.trend
        self.perf = perf
        self.alerts = alerts(perf, self.thresholds)
        self.territory_model.set_frame(perf.territories)
        self.rep_model.set_frame(perf.reps)
        if project.actuals.empty:
            self.status.setText(Messages.NO_ACTUALS)
        else:
            self.status.setText(
                Messages.AS_OF.format(
                    date=f"{day:%d %b %Y}",
                    elapsed=perf.elapsed,
                    year=day.year,
                    rows=plural(len(project.actuals), "account-period"),
                )
            )
        table = perf.territories
        colors = dict(zip(project.territories["territory_id"], project.territories["color"],
                          strict=True))  # fmt: skip
        self.chart.set_data(
            AttainmentData(
                title=f"Sales to date against the pro-rated quota, {day:%d %b %Y}",
                ids=table["territory_id"].astype(str).tolist(),
                names=table["name"].astype(str).tolist(),
                sales=table["sales_to_date"].to_numpy(dtype=float, na_value=np.nan),
                pace=table["quota_to_date"].to_numpy(dtype=float, na_value=np.nan),
                quota=table["quota"].to_numpy(dtype=float, na_value=np.nan),
                alert_below=self.thresholds.attainment_below,
            )
        )
        self.trend_colors = colors
        ids = [str(i) for i in trend.table.index]
        self.trend.set_data(
            TrendData(
                title=f"Sales per {trend.granularity} and territory",
                periods=trend.periods,
                ids=ids,
                names=[trend.names[i] for i in ids],
                colors=[trend.colors[i] for i in ids],
                values=trend.table.to_numpy(dtype=float),
            )
        )
        self._show_alerts()
        return ()

    def _show_alerts(self) -> None:
        frame = alert_table(self.alerts)
        self.alert_model.set_frame(frame)
        count = len(self.alerts)
        self.alert_note.setText(
            f"{count} thresholds breached (set them in Thresholds)" if count else Messages.NO_ALERTS
        )
        self.export_button.setEnabled(bool(count))
        tabs = self.chart_tabs()
        tabs.setTabText(tabs.indexOf(self.alerts_page), f"Alerts ({count})" if count else "Alerts")
        self._send_map_alerts()

    def _send_map_alerts(self) -> None:
        self.map_alerts.emit(list(self.alerts) if self.on_map.isChecked() else None)

    def as_of_for(self, project: Project) -> dt.date:
        """The day the figures of `project` are for: the date picked, else its latest actuals."""
        return self.selected_date() if self.as_of_pinned else default_as_of(project.actuals)

    # ----- selection -----

    def select_territory(self, territory_id: str | None) -> None:
        """Highlight a territory in the charts (when it is selected elsewhere)."""
        self.chart.select(territory_id)
        self.trend.select(territory_id)

    def _chart_clicked(self, territory_id: str) -> None:
        self.select_territory(territory_id)
        self.territory_clicked.emit(territory_id)

    def _row_clicked(self, table: QTableView, index: Any) -> None:
        model = table.model()
        assert isinstance(model, FrameModel)  # noqa: S101 (set in __init__)
        row = model.frame.iloc[model.frame_row(index.row())]
        if table is self.territory_table:
            self._chart_clicked(str(row["territory_id"]))
        else:
            self.rep_clicked.emit(str(row["rep_id"]))

    def _alert_clicked(self, index: Any) -> None:
        row = self.alert_model.frame.iloc[self.alert_model.frame_row(index.row())]
        if row["level"] == "territory":
            self._chart_clicked(str(row["key"]))
        else:
            self.rep_clicked.emit(str(row["key"]))

    # ----- thresholds -----

    def _show_thresholds(self) -> None:
        for name, value in self.thresholds.as_dict().items():
            self.threshold_edits[name].setText(threshold_text(name, value))
        self.threshold_error.setText("")

    def typed_thresholds(self) -> Thresholds:
        """The thresholds as typed (raises InputError naming the one that is wrong)."""
        values = {
            name: read_threshold(name, edit.text()) for name, edit in self.threshold_edits.items()
        }
        return Thresholds(**values)

    def apply_thresholds(self) -> None:
        """Emit the typed thresholds as one undoable edit (nothing if unchanged)."""
        try:
            new = self.typed_thresholds()
        except PlannerError as exc:
            self.threshold_error.setText(str(exc))
            return
        old = self.thresholds
        changed = [
            f"{name.replace('_', ' ')} {threshold_text(name, before)} → "
            f"{threshold_text(name, getattr(new, name))}"
            for name, before in old.as_dict().items()
            if getattr(new, name) != before
        ]
        if not changed:
            self.threshold_error.setText(Messages.UNCHANGED)
            return
        self.threshold_error.setText("")
        text = "Alert thresholds: " + "; ".join(changed)
        self.thresholds_changed.emit(ChangeSettings(self.project, new.as_settings(), text))

    # ----- activity goals -----

    def _goal_edited(self, row: int, activity: str, text: str) -> None:
        """A goal typed in the Goals table: emit it as one undoable edit (or say what is wrong)."""
        entry = self.goal_model.frame.iloc[row]
        scope, key = str(entry["scope"]), str(entry["key"])
        before: GoalCell = entry[activity]
        number = parse_number(text)
        try:
            if number is None:
                msg = f"'{text}' is not a number: type a yearly goal such as 480, or clear the cell"
                raise InputError(msg)
            value = None if math.isnan(number) else number
            if value == before.own:
                return
            goals = self.goals.with_goal(activity, value, scope, key)
        except PlannerError as exc:
            self.goal_error.setText(str(exc))
            return
        self.goal_error.setText("")
        who = "every territory" if not scope else f"{scope} {entry['name']}"
        was = goal_text(before).strip("()") or "none"
        if before.own is None and was != "none":
            was += " inherited"
        now = f"{value:,.0f} a year" if value is not None else "cleared"
        text = f"Activity goal: {activity} for {who} {now} (was {was})"
        self.goals_changed.emit(ChangeSettings(self.project, goals.as_settings(), text))

    # ----- export -----

    def _export_dialog(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export alerts", str(Path.home() / "alerts.xlsx"), Messages.EXPORT_FILTER
        )
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() not in {".csv", ".xlsx"}:
            path = path.with_suffix(".csv" if "csv" in chosen.lower() else ".xlsx")
        self.export_alerts(path)

    def export_alerts(self, path: Path) -> int:
        """Write the alerts listed to `path` (.csv or .xlsx); returns the rows written."""
        frame = alert_table(self.alerts)
        frame.insert(0, "as_of", self.selected_date().isoformat())
        try:
            rows = write_table(frame, path, "Alerts")
        except PlannerError as exc:
            self.failed.emit(exc)
            return 0
        self.message.emit(Messages.EXPORTED.format(rows=plural(rows, "alert"), name=path.name))
        return rows
