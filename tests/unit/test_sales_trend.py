"""Sales per period for the Performance panel's trend, and tables written as CSV or Excel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from territory_planner._errors import InputError
from territory_planner.analysis.sales_trend import sales_trend
from territory_planner.io.actuals_import import actuals_after_import, read_actuals
from territory_planner.io.table_export import write_table
from territory_planner.model import ACTUAL_COLUMNS, Project, conform
from tests.unit.actuals_fixture import ACTUALS_CSV, make_project


@pytest.fixture
def project(tmp_path) -> Project:
    p = make_project()
    path = tmp_path / "actuals.csv"
    path.write_text(ACTUALS_CSV, encoding="utf-8")
    p.actuals, _ = actuals_after_import(p, read_actuals(path, p.accounts["account_id"]))
    return p


def test_quarters_when_some_actuals_are_quarters(project) -> None:
    trend = sales_trend(project, dt.date(2026, 3, 31))
    assert trend.granularity == "quarter"  # A2's figures are per quarter
    assert trend.periods == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]  # from the first
    # North 2025Q1: A1 3 x 5,000 + A2 12,000 + A3 3,000; 2026Q1: A1 6,000 + 7,000 + 3,000 + A2 9,000
    assert trend.series("T1").tolist() == [30_000, 10_000, 8_000, 0, 25_000]
    # South: A4 4,000 (2025-03), A5 2,000 (2025-11), A4 5,000 + A5 1,500; A6's April is later
    assert trend.series("T2").tolist() == [4_000, 0, 0, 2_000, 6_500]
    assert trend.names == {"T1": "North", "T2": "South"}
    assert trend.colors == {"T1": "#1f77b4", "T2": "#ff7f0e"}
    by_rep = sales_trend(project, dt.date(2026, 3, 31), by="rep")
    assert by_rep.names == {"R1": "Ann", "R2": "Bob"}
    assert by_rep.series("R2").tolist() == [4_000, 0, 0, 2_000, 6_500]
    later = sales_trend(project, dt.date(2026, 4, 30))
    assert later.periods[-1] == "2026Q2"
    assert later.series("T2")[-1] == 7_000  # A6's April


def test_months_when_every_period_is_a_month(project) -> None:
    project.actuals = conform(
        pd.DataFrame(
            {"account_id": ["A1", "A1", "A4", "A7"], "period": ["2025-11", "2026-02", "2026-02",
             "2026-02"], "sales": [100.0, 200.0, 50.0, 999.0]}
        ),
        ACTUAL_COLUMNS,
    )  # fmt: skip
    trend = sales_trend(project, dt.date(2026, 2, 28), periods=6)
    assert trend.granularity == "month"
    assert trend.periods == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert trend.table.to_numpy().tolist() == [[100, 0, 0, 200], [0, 0, 0, 50]]  # A7: no territory


def test_no_actuals_gives_empty_periods_of_zero() -> None:
    trend = sales_trend(make_project(), dt.date(2026, 3, 31))
    assert len(trend.periods) == 8
    assert np.all(trend.table.to_numpy() == 0)


def test_write_table_csv_and_xlsx(tmp_path) -> None:
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "Ann\r=1+2"], "value": [-5.0, 2.5]})
    assert write_table(frame, tmp_path / "t.csv", "T") == 2
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8")
    assert text == 'name,value\r\n\'=HYPERLINK(1),-5.0\r\n"Ann\r=1+2",2.5\r\n'
    assert write_table(frame, tmp_path / "t.xlsx", "Alerts") == 2
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["Alerts"]
    assert [c.value for c in sheet[2]] == ["'=HYPERLINK(1)", -5]
    with pytest.raises(InputError, match=r"\.csv or \.xlsx"):
        write_table(frame, tmp_path / "t.txt", "T")
