"""A dockable table panel: a filter box, an optional "show" choice, and a sortable table."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from territory_planner.ui.table_model import FrameModel

#: A named subset of rows: label -> function of the frame giving a row mask.
Subset = tuple[str, Callable[[pd.DataFrame], np.ndarray] | None]


def make_table(model: FrameModel) -> QTableView:
    """A sortable, row-selecting table view with the model's column widths.

    Long texts elide in the middle; the tooltip shows them whole.
    """
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    # "Dana Whit…territory": both ends of a long name stay readable (the tooltip has it whole)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    for number, column in enumerate(model.columns):
        table.setColumnWidth(number, column.width)
    return table


class TablePanel(QWidget):
    """Filter text + subset choice above a table of `model`."""

    def __init__(
        self, model: FrameModel, placeholder: str, subsets: list[Subset] | None = None
    ) -> None:
        super().__init__()
        self.model = model
        self.subsets = subsets or []
        self.also: np.ndarray | None = None
        self.filter = QLineEdit(placeholderText=placeholder)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(model.set_filter)
        self.subset = QComboBox()
        self.subset.addItems([label for label, _ in self.subsets])
        self.subset.setVisible(bool(self.subsets))
        self.subset.currentIndexChanged.connect(lambda _i: self.apply_subset())
        self.table = make_table(model)
        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.subset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)

    def apply_subset(self) -> None:
        """Show only the rows of the chosen subset and `also` (call after the frame changes)."""
        mask = self.also
        if self.subsets:
            _label, select = self.subsets[self.subset.currentIndex()]
            if select is not None:
                chosen = np.asarray(select(self.model.frame), dtype=bool)
                mask = chosen if mask is None else chosen & mask
        self.model.set_mask(mask)

    def set_also(self, mask: np.ndarray | None) -> None:
        """Rows to keep besides the subset (e.g. a market segment), None for all."""
        self.also = mask
        self.apply_subset()

    def choose_subset(self, label: str) -> None:
        """Pick a subset by its label."""
        self.subset.setCurrentText(label)

    def selected_frame_rows(self) -> list[int]:
        """Frame row positions of the selected table rows."""
        return sorted(
            self.model.frame_row(i.row()) for i in self.table.selectionModel().selectedRows()
        )
