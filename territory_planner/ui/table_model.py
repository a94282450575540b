"""A Qt table model over a pandas frame: sorting and filtering done by pandas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

AnyIndex = QModelIndex | QPersistentModelIndex


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column shown: the frame column, its title and how to show a value."""

    key: str
    title: str
    fmt: Callable[[Any], str] = _text
    numeric: bool = False
    editable: bool = False
    width: int = 90
    tint: Callable[[Any], str | None] | None = None  # value -> background colour
    tip: str = ""  # the header's tooltip: what the column counts, where the title is short


class FrameModel(QAbstractTableModel):
    """Shows selected columns of a frame; sort and filter reorder a row index."""

    def __init__(self, columns: list[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.frame = pd.DataFrame(columns=[c.key for c in columns])
        self.rows = np.arange(0)
        self._filter = ""
        self._mask: np.ndarray | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.on_edit: Callable[[int, str, str], None] | None = None
        self.color_key: str | None = None
        self._values: dict[str, np.ndarray] = {}  # columns as arrays: cells are read fast

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Show a new frame, keeping the current filter and sort."""
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self._values = {}
        self._apply()
        self.endResetModel()

    def clear(self) -> None:
        """Show no rows (and hold no data), keeping the columns, filter and sort."""
        self.set_frame(pd.DataFrame(columns=[c.key for c in self.columns]))

    def set_filter(self, text: str) -> None:
        """Keep rows where any shown column contains `text` (case-insensitive)."""
        self.beginResetModel()
        self._filter = text.strip()
        self._apply()
        self.endResetModel()

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Show only rows where `mask` is true (None: all rows), on top of the filter."""
        self.beginResetModel()
        self._mask = mask
        self._apply()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (numbers as numbers)."""
        self.beginResetModel()
        self._sort = (column, order) if column >= 0 else None  # -1: the frame's own order
        self._apply()
        self.endResetModel()

    def _apply(self) -> None:
        frame = self.frame
        mask = np.ones(len(frame), dtype=bool)
        if self._mask is not None and len(self._mask) == len(frame):
            mask &= self._mask
        if self._filter:
            needle = self._filter.lower()
            found = np.zeros(len(frame), dtype=bool)
            for column in self.columns:
                text = frame[column.key].astype("str").str.lower()
                found |= text.str.contains(needle, regex=False).fillna(value=False).to_numpy()
            mask &= found
        rows = np.flatnonzero(mask)
        if self._sort is not None:
            column = self.columns[self._sort[0]]
            key = frame[column.key].iloc[rows]
            values = (
                key.astype("float64").to_numpy()
                if column.numeric
                else key.astype("str").fillna("").str.lower().to_numpy()
            )
            order = np.argsort(values, kind="stable")
            if self._sort[1] == Qt.SortOrder.DescendingOrder:
                order = order[::-1]
            rows = rows[order]
        self.rows = rows

    def frame_row(self, view_row: int) -> int:
        """The frame's row position shown at a view row."""
        return int(self.rows[view_row])

    def view_row(self, key_column: str, value: Any) -> int | None:
        """The view row whose `key_column` equals `value`, if shown."""
        hits = np.flatnonzero(self.frame[key_column].to_numpy()[self.rows] == value)
        return int(hits[0]) if len(hits) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Qt: number of visible rows."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Qt: number of columns."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911 (one branch per role)
        """Qt: the text, alignment or colour of one cell."""
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        value = self._cell(column.key, index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.fmt(value)
        if role == Qt.ItemDataRole.EditRole:
            return _text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and column.tint is not None:
            colour = column.tint(value)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and self.color_key:
            return QColor(str(self._cell(self.color_key, index.row())))
        return None

    def _cell(self, key: str, view_row: int) -> Any:
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = self.frame[key].to_numpy(dtype=object)
        return values[self.rows[view_row]]

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Qt: column titles, and their tooltips where a column has one."""
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole and self.columns[section].tip:
            return self.columns[section].tip
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Qt: editable where the column says so."""
        base = super().flags(index)
        if index.isValid() and self.columns[index.column()].editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """Qt: hand an edit to `on_edit` (which makes it an undoable edit)."""
        if role != Qt.ItemDataRole.EditRole or self.on_edit is None or not index.isValid():
            return False
        self.on_edit(self.frame_row(index.row()), self.columns[index.column()].key, str(value))
        return True
