"""Long names in the panels: both ends stay readable, the tooltip shows the whole name."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt

from territory_planner.ui.table_model import Column, FrameModel
from territory_planner.ui.table_panel import make_table

LONG = "Dana Whitfield's territory (Greater Chicago and Northwest Indiana)"


def test_a_long_territory_name_elides_in_the_middle_with_the_whole_name_as_tooltip(
    qtbot,
) -> None:
    model = FrameModel([Column("name", "Territory", width=120)])
    model.set_frame(pd.DataFrame({"name": [LONG, "North"]}))
    table = make_table(model)
    qtbot.addWidget(table)
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle
    index = model.index(0, 0)
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == LONG
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == LONG  # the view elides, not the data
