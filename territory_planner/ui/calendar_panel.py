"""The Calendar panel: build a rep's visit calendar, see each day, export it."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from territory_planner.formats import plural
from territory_planner.model import Project
from territory_planner.routing.calendar_inputs import DayRules, next_monday, parse_dates
from territory_planner.workdays import DAYS

Plan = dict[str, Any]
DAY_COLUMNS = ("#", "Arrival", "Departure", "Account", "City", "Drive min", "Km")
LEFT_OUT_COLUMNS = ("Account ID", "Account", "Visits", "Hours", "Reason")
OVERTIME_COLOR = "#f8d7da"
#: The height of a week in the grid (two lines of text).
GRID_ROW = 36
#: The visits of a day the Day tab shows whole, at least.
DAY_ROWS = 2
#: The grid's and the day's shares of the width, side by side.
WIDE_SIZES = [520, 640]


def _item(text: object, *, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class CalendarPanel(QWidget):
    """Rep, weeks and start date; a week x day grid; the chosen day's visits; what was left out.

    The panel does no planning: `build_requested` asks the window to run
    `routing.schedule.build_schedule` in the background, which hands the
    result back through `show_plan`.
    """

    #: rep_id, weeks (0: auto), start, overtime, DayRules
    build_requested = Signal(str, int, object, bool, object)
    day_selected = Signal(object, object)  # the plan, the day record
    export_requested = Signal(str)  # "xlsx" or "ics"
    roads_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plans: dict[str, Plan] = {}
        self.rep = QComboBox()
        self.rep.setMinimumContentsLength(10)
        self.rep.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.rep.currentIndexChanged.connect(lambda _i: self.show_plan(self.current_plan()))
        self.weeks = QSpinBox()
        self.weeks.setRange(0, 13)
        self.weeks.setSpecialValueText("auto")
        self.weeks.setSuffix(" weeks")
        self.weeks.setToolTip("How many weeks to plan (auto: one cycle of the longest frequency)")
        self.start = QDateEdit()
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("ddd d MMM yyyy")
        monday = next_monday()
        self.start.setDate(QDate(monday.year, monday.month, monday.day))
        self.overtime = QCheckBox("Allow overtime")
        self.overtime.setToolTip("Run days over their hours instead of leaving visits out")
        build = QPushButton("Build Calendar")
        build.clicked.connect(self.request_build)
        self.export_xlsx = QPushButton("Excel…")
        self.export_xlsx.clicked.connect(lambda: self.export_requested.emit("xlsx"))
        self.export_ics = QPushButton(".ics…")
        self.export_ics.clicked.connect(lambda: self.export_requested.emit("ics"))
        bar = QHBoxLayout()
        for widget in (QLabel("Rep:"), self.rep, self.weeks, QLabel("from"), self.start):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.totals = QLabel("Pick a rep and build the calendar.")
        self.totals.setWordWrap(True)
        self.options = self._options()
        info = QHBoxLayout()
        info.addWidget(self.more)
        info.addWidget(build)
        info.addStretch(1)
        info.addWidget(QLabel("Export:"))
        info.addWidget(self.export_xlsx)
        info.addWidget(self.export_ics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(info)
        layout.addWidget(self.options)
        layout.addWidget(self.totals)
        layout.addWidget(self._panes(), 1)
        self._set_export_enabled()

    def _options(self) -> QWidget:
        """How travel is timed, the day's rules and overtime (folded away in a side column).

        `more`, a button, shows and hides them.
        """
        box = QWidget()
        rows = QVBoxLayout(box)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(self._travel_row())
        rows.addLayout(self._rules_row())
        self.more = QToolButton()
        self.more.setText("Options")
        self.more.setCheckable(True)
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setToolTip("Show or hide travel, lunch, driving limit, days off and overtime")
        self.more.toggled.connect(self._show_options)
        self.options = box
        self.more.setChecked(True)
        return box

    def _show_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.more.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def set_side(self, side: bool) -> None:
        """In a side column (`side`), fold the options away and put the day under the grid.

        A laptop's column of panels is too low for the options, a 4-week grid and the
        chosen day's route at once (issue 17); the options are a click away.
        """
        self.more.setChecked(not side)
        grid = self.grid_height()
        self.grid.setMinimumHeight(grid)  # a 4-week grid whole, also where the text grows
        self.split.setStretchFactor(1, int(side))  # stacked, the day gets the height to spare
        if side:
            self.split.setMinimumHeight(grid + self.split.handleWidth() + self.day_height())
            self.split.setSizes([grid, self.day_height()])
        else:
            self.split.setMinimumHeight(max(grid, self.day_height()))
            self.split.setSizes(WIDE_SIZES)

    def _travel_row(self) -> QHBoxLayout:
        """How travel is timed, and overtime."""
        roads = QPushButton("Roads…")
        roads.setToolTip("Drive on real roads: load an OpenStreetMap extract (.osm.pbf) or GraphML")
        roads.clicked.connect(self.roads_requested.emit)
        self.roads = QLabel("Travel: estimated from distance")
        row = QHBoxLayout()
        row.addWidget(self.overtime)
        row.addStretch(1)
        row.addWidget(self.roads)
        row.addWidget(roads)
        return row

    def _rules_row(self) -> QHBoxLayout:
        """Lunch, the daily driving limit and days off."""
        self.lunch = QSpinBox()
        self.lunch.setRange(0, 120)
        self.lunch.setSingleStep(15)
        self.lunch.setValue(30)
        self.lunch.setSuffix(" min")
        self.lunch.setToolTip("Lunch break each day (taken before the first visit after noon)")
        self.max_drive = QDoubleSpinBox()
        self.max_drive.setRange(0.0, 12.0)
        self.max_drive.setSingleStep(0.5)
        self.max_drive.setDecimals(1)
        self.max_drive.setSuffix(" h")
        self.max_drive.setSpecialValueText("no limit")
        self.max_drive.setToolTip("Most driving in one day")
        self.days_off = QLineEdit()
        self.days_off.setPlaceholderText("days off, e.g. 2026-12-24, 2026-12-25")
        self.days_off.setToolTip("Holidays and days off: no visits are planned on them")
        self.days_off.textChanged.connect(lambda _t: self._check_days_off())
        row = QHBoxLayout()
        for widget in (
            QLabel("Lunch:"), self.lunch, QLabel("Max drive:"), self.max_drive,
            QLabel("Days off:"),
        ):  # fmt: skip
            row.addWidget(widget)
        row.addWidget(self.days_off, 1)
        return row

    def _panes(self) -> QSplitter:
        self.grid = QTableWidget(0, 5)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setDefaultSectionSize(GRID_ROW)
        self.grid.currentCellChanged.connect(lambda r, c, _r, _c: self._cell_chosen(r, c))
        self.day = _table(DAY_COLUMNS)
        for column, width in enumerate((30, 60, 70, 230, 110, 70)):
            self.day.setColumnWidth(column, width)
        self.left_out = _table(LEFT_OUT_COLUMNS)
        for column, width in enumerate((80, 220, 50, 55)):
            self.left_out.setColumnWidth(column, width)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        not_planned = QWidget()
        box = QVBoxLayout(not_planned)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.advice)
        box.addWidget(self.left_out, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.day, "Day")
        self.tabs.addTab(not_planned, "Not planned")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.grid)
        split.addWidget(self.tabs)
        split.setSizes(WIDE_SIZES)
        # The panes take the height left over (their preferred height would make the panel
        # scroll in a low dock); `set_side` sets the least they need.
        split.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.split = split
        return split

    def grid_height(self, weeks: int = 4) -> int:
        """The height the grid needs to show `weeks` weeks whole."""
        rows = self.grid.verticalHeader().defaultSectionSize() * weeks
        header = self.grid.horizontalHeader().sizeHint().height()
        return rows + header + 2 * self.grid.frameWidth()

    def day_height(self, rows: int = DAY_ROWS) -> int:
        """The height the Day tab needs to show `rows` visits whole."""
        table = self.day.verticalHeader().defaultSectionSize() * rows
        header = self.day.horizontalHeader().sizeHint().height()
        bar = self.tabs.tabBar().sizeHint().height()
        scroll = self.day.horizontalScrollBar().sizeHint().height()
        return table + header + bar + scroll + 2 * self.day.frameWidth() + 2  # the tab frame

    def set_reps(self, project: Project) -> None:
        """Offer the reps who have a territory (keeping the current choice)."""
        current = self.rep.currentData()
        staffed = set(project.territories["rep_id"].dropna().astype(str))
        self.rep.blockSignals(True)
        self.rep.clear()
        for rep_id, name in zip(project.reps["rep_id"], project.reps["name"], strict=True):
            if str(rep_id) in staffed:
                self.rep.addItem(str(name), str(rep_id))
        self.rep.setCurrentIndex(max(self.rep.findData(current), 0))
        self.rep.blockSignals(False)
        self.plans = {k: v for k, v in self.plans.items() if k in staffed}
        self.show_plan(self.current_plan())

    def current_plan(self) -> Plan | None:
        """The calendar of the rep chosen, if built."""
        return self.plans.get(str(self.rep.currentData()))

    def _check_days_off(self) -> list[date] | None:
        """The days off typed (None, and the field marked, if one is not a date)."""
        try:
            days = parse_dates(self.days_off.text())
        except ValueError as exc:
            self.days_off.setStyleSheet("color: #b00020")
            self.days_off.setToolTip(str(exc))
            return None
        self.days_off.setStyleSheet("")
        self.days_off.setToolTip("Holidays and days off: no visits are planned on them")
        return days

    def day_rules(self) -> DayRules | None:
        """Lunch, driving limit and days off as set (None if the days off are not dates)."""
        days_off = self._check_days_off()
        if days_off is None:
            return None
        drive = self.max_drive.value()
        return DayRules(float(self.lunch.value()), drive * 60 if drive > 0 else None, days_off)

    def request_build(self) -> None:
        """Ask for the chosen rep's calendar."""
        rep_id = self.rep.currentData()
        rules = self.day_rules()
        if rep_id is None or rules is None:
            return
        qdate = self.start.date()
        start = date(qdate.year(), qdate.month(), qdate.day())
        self.build_requested.emit(
            str(rep_id), self.weeks.value(), start, self.overtime.isChecked(), rules
        )

    def add_plan(self, plan: Plan) -> None:
        """A calendar was built: keep it and show it."""
        self.plans[str(plan["rep_id"])] = plan
        index = self.rep.findData(str(plan["rep_id"]))
        if index >= 0 and index != self.rep.currentIndex():
            self.rep.setCurrentIndex(index)  # shows it
        else:
            self.show_plan(plan)

    def _set_export_enabled(self) -> None:
        self.export_xlsx.setEnabled(bool(self.plans))
        self.export_ics.setEnabled(bool(self.plans))

    def show_plan(self, plan: Plan | None) -> None:
        """Fill the grid, totals and left-out list from a calendar (or clear them)."""
        self._set_export_enabled()
        self.grid.clearContents()
        self.day.setRowCount(0)
        self.left_out.setRowCount(0)
        if plan is None:
            self.grid.setRowCount(0)
            self.totals.setText("Pick a rep and build the calendar.")
            return
        weekdays = sorted({DAYS.index(d["day"]) for d in plan["days"]}) or [0, 1, 2, 3, 4]
        self.grid_days = weekdays
        self.grid.setColumnCount(len(weekdays))
        self.grid.setHorizontalHeaderLabels([DAYS[d] for d in weekdays])
        self.grid.setRowCount(plan["weeks"])
        self.grid.setVerticalHeaderLabels([f"Week {w + 1}" for w in range(plan["weeks"])])
        for day in plan["days"]:
            text = (
                f"{plural(len(day['visits']), 'visit')}, {day['drive_minutes'] / 60:.1f} h\n"
                f"{day['start']}-{day['end']}"
                if day["visits"]
                else "free"
            )
            item = _item(text)
            item.setToolTip(
                f"{day['date']}: {plural(len(day['visits']), 'visit')}, "
                f"{day['drive_minutes']:.0f} min driving, {day['km']:.0f} km"
            )
            item.setData(Qt.ItemDataRole.UserRole, day)
            if day["overtime_minutes"] > 0:
                item.setBackground(QColor(OVERTIME_COLOR))
            self.grid.setItem(day["week"] - 1, weekdays.index(DAYS.index(day["day"])), item)
        t = plan["totals"]
        self.totals.setText(
            f"{plan['rep']}: {plural(t['visits'], 'visit')}, "
            f"{t['visit_hours']:.1f} h at customers, "
            f"{t['drive_hours']:.1f} h driving ({t['km']:,.0f} km), "
            f"{t['utilisation']:.0%} of working time used"
            + (f", {t['overtime_hours']:.1f} h overtime" if t["overtime_hours"] else "")
            + f". Driving {t['drive_saving']:.0%} less than visiting in ZIP order."
            + (
                f" {plural(t['left_out_visits'], 'visit')} not planned."
                if t["left_out_visits"]
                else ""
            )
        )
        for item in plan["left_out"]:
            row = self.left_out.rowCount()
            self.left_out.insertRow(row)
            cells = (
                item["account_id"],
                item["name"],
                item["visits"],
                item["hours"],
                item["reason"],
            )
            for column, value in enumerate(cells):
                self.left_out.setItem(row, column, _item(value, right=column in {2, 3}))
        self.tabs.setTabText(1, f"Not planned ({len(plan['left_out'])})")
        self.advice.setText(
            "\n".join(f"• {tip}" for tip in plan.get("suggestions", []))
            or "Every visit is planned."
        )

    def _cell_chosen(self, row: int, column: int) -> None:
        item = self.grid.item(row, column)
        plan = self.current_plan()
        if item is None or plan is None:
            return
        day = item.data(Qt.ItemDataRole.UserRole)
        self.day.setRowCount(0)
        for visit in day["visits"]:
            number = self.day.rowCount()
            self.day.insertRow(number)
            cells = (
                visit["order"], visit["arrival"], visit["departure"], visit["name"],
                visit.get("city", ""), f"{visit['drive_minutes']:.0f}", f"{visit['km']:.0f}",
            )  # fmt: skip
            for c, value in enumerate(cells):
                self.day.setItem(number, c, _item(value, right=c in {0, 5, 6}))
        self.tabs.setCurrentIndex(0)
        self.day_selected.emit(plan, day)
