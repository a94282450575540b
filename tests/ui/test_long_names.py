"""Long names in the panels: both ends stay readable, the tooltip shows the whole name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from territory_planner.ui.balance_chart import BalanceChart, ChartData
from territory_planner.ui.performance_charts import (
    AttainmentChart,
    AttainmentData,
    TrendChart,
    TrendData,
)
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


NAMES = [LONG, "North"]


def balance_chart() -> BalanceChart:
    chart = BalanceChart()
    chart.set_data(
        ChartData(title="Accounts", ids=["T1", "T2"], names=NAMES, colors=["#1f77b4", "#ff7f0e"],
                  values=np.array([120.0, 80.0]), tolerance=0.05)
    )  # fmt: skip
    return chart


def attainment_chart() -> AttainmentChart:
    chart = AttainmentChart()
    chart.set_data(
        AttainmentData(title="Attainment", ids=["T1", "T2"], names=NAMES,
                       sales=np.array([50.0, 70.0]), pace=np.array([60.0, 60.0]),
                       quota=np.array([100.0, 100.0]))
    )  # fmt: skip
    return chart


def trend_chart() -> TrendChart:
    chart = TrendChart()
    chart.set_data(
        TrendData(title="Sales", periods=["2026-01", "2026-02"], ids=["T1", "T2"], names=NAMES,
                  colors=["#1f77b4", "#ff7f0e"], values=np.array([[10.0, 20.0], [15.0, 12.0]]))
    )  # fmt: skip
    return chart


def tooltip_at(chart: QWidget, point: QPoint) -> str:
    QToolTip.hideText()
    event = QHelpEvent(QEvent.Type.ToolTip, point, chart.mapToGlobal(point))
    QApplication.sendEvent(chart, event)
    return QToolTip.text()


@pytest.mark.parametrize("make", [balance_chart, attainment_chart, trend_chart])
def test_charts_give_long_names_the_room_and_elide_the_middle(qtbot, make) -> None:
    chart = make()
    qtbot.addWidget(chart)
    chart.resize(2000, 400)  # room to spare: the whole name
    assert chart.names_shown() == NAMES
    chart.resize(620, 400)  # the panel's usual width
    long, short = chart.names_shown()
    assert short == "North"
    assert long != LONG
    assert "\N{HORIZONTAL ELLIPSIS}" in long
    head, tail = long.split("\N{HORIZONTAL ELLIPSIS}")
    assert LONG.startswith(head)
    assert LONG.endswith(tail)
    assert len(head) >= 10  # "Dana Whitfield…", not "Dana Wh…"
    assert len(tail) >= 8  # both ends readable: "…Indiana)"
    metrics = chart.fontMetrics()
    old = metrics.elidedText(LONG, Qt.TextElideMode.ElideRight, 142)  # the fixed column before
    assert metrics.horizontalAdvance(long) > metrics.horizontalAdvance(old)  # uses the space
    chart.grab()  # paints without error

    if isinstance(chart, TrendChart):  # the legend's first entry
        legend_left = chart.width() - 10 - chart._legend_width()
        row = QPoint(legend_left + 30, 24 + 8 + 5)
    else:  # the first row, over its bar
        row = QPoint(chart.width() // 2, 0)
        while chart.name_at(row) is None and row.y() < chart.height():
            row.setY(row.y() + 2)
    assert chart.name_at(row) == LONG
    assert LONG in tooltip_at(chart, row)
