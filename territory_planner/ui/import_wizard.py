"""The Import wizard: pick a file, check the column mapping, read the row-by-row report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from territory_planner._errors import PlannerError
from territory_planner.formats import plural
from territory_planner.io.account_import import ACCOUNT_SPEC, read_accounts
from territory_planner.io.actuals_import import ACTUALS_SPEC, read_actuals
from territory_planner.io.fields import detect_mapping
from territory_planner.io.records_import import ImportReport, ImportSpec, write_report_csv
from territory_planner.io.rep_import import REP_SPEC, read_reps
from territory_planner.io.table_reader import RawTable, read_table
from territory_planner.tasks import CancelToken, Progress
from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.tasks import Task

PREVIEW_ROWS = 200
NOT_IMPORTED = "— not imported —"
FILE_FILTER = "Spreadsheets (*.csv *.txt *.tsv *.xlsx);;All files (*)"


@dataclass(frozen=True)
class ImportKind:
    """What the wizard imports: accounts, reps, or sales and activities (actuals)."""

    noun: str
    spec: ImportSpec
    account_ids: frozenset[str] = frozenset()  # actuals: the project's accounts

    def count(self, rows: int) -> str:
        """How many rows of this kind, in words: "1 account", "12 reps", "3 rows of actuals"."""
        if self.spec is ACTUALS_SPEC:
            return f"{plural(rows, 'row')} of {self.noun}"
        return plural(rows, self.spec.noun)

    def read(
        self, path: Path, options: dict[str, Any], progress: Progress, cancel: CancelToken
    ) -> tuple[pd.DataFrame, ImportReport]:
        """Run the full import for these options."""
        if self.spec is ACCOUNT_SPEC:
            result = read_accounts(path, progress=progress, cancel=cancel, **options)
            return result.accounts, result.report
        options = {k: v for k, v in options.items() if k != "fix_swapped"}
        if self.spec is ACTUALS_SPEC:
            actuals = read_actuals(
                path, self.account_ids, progress=progress, cancel=cancel, **options
            )
            return actuals.actuals, actuals.report
        return read_reps(path, progress=progress, cancel=cancel, **options)


def actuals_kind(account_ids: Any) -> ImportKind:
    """Importing sales and activities for these accounts."""
    return ImportKind("sales and activities", ACTUALS_SPEC, frozenset(map(str, account_ids)))


ACCOUNTS = ImportKind("accounts", ACCOUNT_SPEC)
REPS = ImportKind("reps", REP_SPEC)


class FilePage(QWizardPage):
    """Choose the file, the sheet and the header row; shows what was found."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(f"Import {wizard.kind.noun}: choose a file")
        self.setSubTitle("A CSV export (any delimiter or encoding) or an Excel workbook (.xlsx).")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Path of the file to import")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        self.sheet_combo = QComboBox()
        self.sheet_combo.setEnabled(False)
        self.header_spin = QSpinBox()
        self.header_spin.setRange(0, 1000)
        self.header_spin.setSpecialValueText("detect")
        self.info = QLabel()
        self.info.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("File:", row)
        form.addRow("Sheet:", self.sheet_combo)
        form.addRow("Header row:", self.header_spin)
        form.addRow(self.info)
        self.preview_model = FrameModel([], self)
        self.preview_table = QTableView()
        self.preview_table.setModel(self.preview_model)
        self.preview_table.verticalHeader().setVisible(False)
        form.addRow(self.preview_table)
        self.path_edit.editingFinished.connect(self.preview)
        self.sheet_combo.activated.connect(lambda _i: self.preview())
        self.header_spin.valueChanged.connect(lambda _v: self.preview())

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import file", "", FILE_FILTER)
        if name:
            self.path_edit.setText(name)
            self.sheet_combo.clear()
            self.preview()

    def preview(self) -> None:
        """Read the first rows to show what the file holds."""
        self.wiz.raw = None
        path = Path(self.path_edit.text().strip())
        if not self.path_edit.text().strip():
            self.info.setText("")
            self.completeChanged.emit()
            return
        try:
            raw = read_table(
                path, sheet=self.sheet_combo.currentText() or None,
                header_row=self.header_spin.value() or None, max_rows=PREVIEW_ROWS,
            )  # fmt: skip
        except PlannerError as exc:
            self.info.setText(f"<span style='color:#b00020'>{exc}</span>")
        else:
            self.wiz.raw = raw
            self.wiz.path = path
            self.preview_model.columns = [Column(c, c) for c in raw.frame.columns]
            self.preview_model.set_frame(raw.frame.head(50))
            if raw.sheets and self.sheet_combo.count() == 0:
                self.sheet_combo.addItems(raw.sheets)
                self.sheet_combo.setCurrentText(raw.sheet)
            self.sheet_combo.setEnabled(bool(raw.sheets))
            found = (
                f"sheet '{raw.sheet}'" if raw.sheet
                else f"encoding {raw.encoding}, delimiter {_delimiter_name(raw.delimiter)}"
            )  # fmt: skip
            self.info.setText(
                f"Found {plural(len(raw.frame.columns), 'column')} with the header in row "
                f"{raw.header_row} "
                f"({found}): {', '.join(raw.frame.columns[:12])}"
                + ("…" if len(raw.frame.columns) > 12 else "")  # noqa: PLR2004
            )
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        """Next is enabled once the file could be read."""
        return self.wiz.raw is not None


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
        delimiter, repr(delimiter)
    )


class MappingPage(QWizardPage):
    """One row per field: which column of the file holds it, with sample values."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Match the columns")
        self.setSubTitle(
            "Each field of Territory Planner and the column of your file it comes from. "
            "Columns not used here are kept as custom attributes."
        )
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Field", "Column in your file", "First values"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(1, 230)
        self.combos: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def initializePage(self) -> None:  # noqa: N802 (Qt name)
        """Fill the rows from the detected mapping."""
        raw = self.wiz.raw
        assert raw is not None  # noqa: S101 (the file page guarantees it)
        headers = list(raw.frame.columns)
        detected = detect_mapping(headers, raw.frame, self.wiz.kind.spec.fields)
        fields = self.wiz.kind.spec.fields
        self.table.setRowCount(len(fields))
        self.combos.clear()
        for row, field in enumerate(fields):
            label = QTableWidgetItem(field.label)
            label.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 0, label)
            combo = QComboBox()
            combo.addItems([NOT_IMPORTED, *headers])
            combo.setCurrentText(detected.get(field.name, NOT_IMPORTED))
            combo.currentTextChanged.connect(lambda _t, r=row: self._sample(r))
            self.table.setCellWidget(row, 1, combo)
            self.combos[field.name] = combo
            self._sample(row)

    def _sample(self, row: int) -> None:
        raw = self.wiz.raw
        field = self.wiz.kind.spec.fields[row]
        header = self.combos[field.name].currentText()
        text = ""
        if raw is not None and header != NOT_IMPORTED:
            values = raw.frame[header].astype(str).str.strip()
            text = ", ".join(values[values != ""].head(4))
        item = QTableWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(row, 2, item)

    def mapping(self) -> dict[str, str]:
        """Every field -> chosen header ("" when not imported)."""
        return {
            name: "" if combo.currentText() == NOT_IMPORTED else combo.currentText()
            for name, combo in self.combos.items()
        }

    def set_column(self, field: str, header: str) -> None:
        """Choose a column for a field (as the user would in the combo box)."""
        self.combos[field].setCurrentText(header or NOT_IMPORTED)

    def validatePage(self) -> bool:  # noqa: N802 (Qt name)
        """The name field must come from some column."""
        if self.mapping()[self.wiz.kind.spec.name_field]:
            return True
        self.setSubTitle("<b style='color:#b00020'>Choose the column that holds the name.</b>")
        return False


ISSUE_COLUMNS = [
    Column("kind", "Kind", width=80),
    Column("row", "Row", numeric=True, width=60),
    Column("column", "Column", width=160),
    Column("problem", "Problem", width=500),
]


class ReportPage(QWizardPage):
    """Runs the import and lists every row that was rejected or warned about."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check the result")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.swap_box = QCheckBox("Swap back latitude/longitude pairs that look exchanged")
        self.swap_box.setChecked(True)
        self.swap_box.toggled.connect(lambda _on: self.run())
        self.filter = QLineEdit(placeholderText="Filter the problems (row, column, words)")
        self.filter.setClearButtonEnabled(True)
        self.model = FrameModel(ISSUE_COLUMNS, self)
        self.filter.textChanged.connect(self.model.set_filter)
        table = QTableView()
        table.setModel(self.model)
        table.setSortingEnabled(True)
        table.verticalHeader().setVisible(False)
        for number, column in enumerate(ISSUE_COLUMNS):
            table.setColumnWidth(number, column.width)
        table.horizontalHeader().setStretchLastSection(True)
        table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by row number
        self.export_button = QPushButton("Export report…")
        self.export_button.clicked.connect(self._export)
        bottom = QHBoxLayout()
        bottom.addWidget(self.filter)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.swap_box)
        layout.addWidget(table)
        layout.addLayout(bottom)
        self.done = False
        self.task: Task | None = None

    def initializePage(self) -> None:  # noqa: N802 (Qt name)
        """Import with the chosen mapping."""
        self.swap_box.setVisible(self.wiz.kind is ACCOUNTS)
        self.run()

    def run(self) -> None:
        """Run the import in the background (progress and Cancel)."""
        self.done = False
        self.completeChanged.emit()
        options: dict[str, Any] = {
            "columns": self.wiz.mapping_page.mapping(),
            "sheet": self.wiz.file_page.sheet_combo.currentText() or None,
            "header_row": self.wiz.file_page.header_spin.value() or None,
            "fix_swapped": self.swap_box.isChecked(),
        }
        if self.wiz.kind is REPS:
            options.pop("header_row")
        path = self.wiz.path
        self.summary.setText("Importing…")

        def work(progress: Progress, cancel: CancelToken) -> tuple[pd.DataFrame, ImportReport]:
            return self.wiz.kind.read(path, options, progress, cancel)

        self.task = Task(self.wiz, f"Importing {path.name}", work, self._done, self._failed)

    def _done(self, result: tuple[pd.DataFrame, ImportReport]) -> None:
        self.wiz.frame, self.wiz.report = result
        report = self.wiz.report
        self.model.set_frame(report.problems())
        g = report.geocoded
        self.summary.setText(
            f"<b>{self.wiz.kind.count(report.imported)} ready to import</b>, "
            f"{plural(len(report.rejected), 'row')} rejected, "
            f"{plural(len(report.warnings), 'warning')}.<br>"
            f"Placed by coordinates: {g.get('exact', 0):,} · by ZIP: {g.get('zip', 0):,} · "
            f"by city: {g.get('city', 0):,} · not placed: {g.get('unplaced', 0):,}."
            + self.wiz.merge_preview()
        )
        swapped = len(report.swapped_rows)
        self.swap_box.setText(
            f"Swap back latitude/longitude pairs that look exchanged ({plural(swapped, 'row')})"
        )
        self.done = True
        self.completeChanged.emit()

    def _failed(self, exc: Exception) -> None:
        self.summary.setText(f"<span style='color:#b00020'>{exc}</span>")

    def _export(self) -> None:
        if self.wiz.report is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Export report", "import-report.csv", "CSV (*.csv)"
        )
        if name:
            write_report_csv(self.wiz.report, name)

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        """Finish is enabled once the import ran."""
        return self.done


class ImportWizard(QWizard):
    """Three steps; on accept, `frame` and `report` hold the result."""

    def __init__(
        self, kind: ImportKind, existing: pd.DataFrame, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.existing = existing
        self.raw: RawTable | None = None
        self.path = Path()
        self.frame: pd.DataFrame | None = None
        self.report: ImportReport | None = None
        self.setWindowTitle(f"Import {kind.noun}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.resize(900, 640)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.report_page = ReportPage(self)
        for page in (self.file_page, self.mapping_page, self.report_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Import")

    def merge_preview(self) -> str:
        """What importing would do to the project's existing rows."""
        if self.frame is None:
            return ""
        if self.kind.spec is ACTUALS_SPEC:
            periods = sorted(set(self.frame["period"]))
            span = f"{periods[0]} to {periods[-1]}" if periods else "no period"
            return (
                f"<br>{plural(len(self.frame), 'account-period')} for "
                f"{plural(self.frame['account_id'].nunique(), 'account')}, {span}; figures already "
                "in the project for the same account and period are replaced."
            )
        if self.existing.empty:
            return ""
        id_field = self.kind.spec.id_field
        known = self.existing[id_field].isin(self.frame[id_field])
        new = (~self.frame[id_field].isin(self.existing[id_field])).sum()
        return (
            f"<br>Matched by ID with this project: {int(known.sum()):,} updated, {int(new):,} new, "
            f"{int((~known).sum()):,} not in the file (kept)."
        )
