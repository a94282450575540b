"""Spreadsheet exports never turn imported text into a formula (CSV injection).

Text that starts the way a formula does (=, +, -, @, tab, carriage return),
in any name, custom column, header, territory or rep, comes back from every
CSV and XLSX the app writes as text with an apostrophe in front; every other
text comes back exactly as it was (XLSX drops the control characters it cannot
hold), and no workbook cell is a formula. A carriage return inside a cell used to end the
row in CSV (``Acme\r=1+2`` put a live formula in the next row): it must stay in its cell.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import shapely
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from territory_planner.io.calendar_export import write_calendar_xlsx
from territory_planner.io.export import (
    XLSX_ILLEGAL,
    export_accounts_csv,
    export_accounts_xlsx,
    export_territories_csv,
)
from territory_planner.io.records_import import ImportReport, write_report_csv
from territory_planner.model import (
    ACCOUNT_COLUMNS,
    CRS,
    REP_COLUMNS,
    TERRITORY_COLUMNS,
    Project,
    conform,
)
from tests.property.conftest import examples

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

text = st.builds(
    lambda head, body: head + body,
    st.sampled_from([*DANGEROUS, "", "", " ", "'", "a"]),
    st.one_of(
        st.sampled_from(['HYPERLINK("http://evil.example","x")', "cmd|' /C calc'!A0", "1+1", "5"]),
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8),
    ),
)


def safe(original: str, *, xlsx: bool = False) -> str:
    """What the export must hold for `original`."""
    value = "'" + original if original.startswith(DANGEROUS) else original
    if not xlsx:
        return value
    # XML reads a carriage return back as a line feed; the other control characters are dropped.
    return XLSX_ILLEGAL.sub("", value).replace("\r\n", "\n").replace("\r", "\n")


def project_of(
    names: list[str], custom: list[str], header: str, territory: str, rep: str
) -> Project:
    n = len(names)
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "name": names,
            "lon": [-71.0 + i / 100 for i in range(n)],
            "lat": [42.3] * n,
            "geocode": ["exact"] * n,
            "annual_revenue": [1000.0] * n,
            "potential": [5000.0] * n,
            "territory_id": ["T1"] * n,
        }
    )
    accounts = conform(accounts, ACCOUNT_COLUMNS)
    accounts[header] = custom
    reps = conform(
        pd.DataFrame({"rep_id": ["R1"], "name": [rep], "lon": [-71.0], "lat": [42.3]}),
        REP_COLUMNS,
    )
    territories = gpd.GeoDataFrame(
        conform(
            pd.DataFrame({"territory_id": ["T1"], "name": [territory], "rep_id": ["R1"]}),
            TERRITORY_COLUMNS,
        ),
        geometry=gpd.GeoSeries([shapely.box(-72, 42, -70, 43)], crs=CRS),
        crs=CRS,
    )
    return Project(accounts, reps, territories)


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def workbook_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(text, min_size=1, max_size=4),
    extra=st.lists(text, min_size=4, max_size=4),
    header=text.filter(lambda h: h.strip() and h not in ACCOUNT_COLUMNS),
    territory=text,
    rep=text,
)
# Found by this test: a carriage return ended the CSV row (the rest became a live formula in
# the next row), and a control character in a rep's name made the calendar workbook unreadable.
@example(["Acme\r=1+2"], ["x\r@SUM(A1)"] * 4, "Notes\r-2", "North\r+1", "=\x08Rep")
def test_no_imported_text_becomes_a_formula(
    names: list[str], extra: list[str], header: str, territory: str, rep: str
) -> None:
    custom = extra[: len(names)]
    project = project_of(names, custom, header, territory, rep)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        export_accounts_csv(project, out / "a.csv")
        export_accounts_xlsx(project, out / "a.xlsx")
        export_territories_csv(project, out / "t.csv")
        report = ImportReport(source="accounts.csv", rows=len(names))
        for number, value in enumerate(custom, start=2):
            report.warn(number, header, value)
        write_report_csv(report, out / "report.csv")
        plan = {
            "rep_id": "R1", "rep": rep, "weeks": 1, "start_date": "2027-01-04",
            "totals": dict.fromkeys(
                ("visits", "visit_hours", "drive_hours", "km", "utilisation", "overtime_hours",
                 "left_out_visits", "naive_drive_hours", "drive_saving"), 0,
            ),
            "days": [{
                "date": "2027-01-04", "week": 1, "day": "Mon", "start": "08:00", "end": "09:00",
                "drive_minutes": 0.0, "visit_minutes": 45.0, "km": 0.0, "overtime_minutes": 0.0,
                "visits": [{
                    "order": k + 1, "account_id": f"A{k}", "name": name, "arrival": "08:00",
                    "departure": "08:45", "drive_minutes": 0.0, "km": 0.0, "street": custom[k],
                    "city": territory, "phone": name,
                } for k, name in enumerate(names)],
            }],
            "suggestions": [],
            "left_out": [{"account_id": "A0", "name": names[0], "visits": 1, "hours": 1.0,
                          "reason": custom[0]}],
        }  # fmt: skip
        write_calendar_xlsx([plan], out / "calendar.xlsx")

        accounts = csv_rows(out / "a.csv")
        head = accounts[0]
        assert safe(header) in head
        column = head.index(safe(header))
        assert [r[head.index("name")] for r in accounts[1:]] == [safe(x) for x in names]
        assert [r[column] for r in accounts[1:]] == [safe(x) for x in custom]
        assert [r[head.index("territory")] for r in accounts[1:]] == [safe(territory)] * len(names)
        assert [r[head.index("rep")] for r in accounts[1:]] == [safe(rep)] * len(names)
        kpis = csv_rows(out / "t.csv")
        assert kpis[1][kpis[0].index("name")] == safe(territory)
        assert kpis[1][kpis[0].index("rep")] == safe(rep)
        problems = csv_rows(out / "report.csv")
        assert [r[2] for r in problems[1:]] == [safe(header)] * len(custom)
        assert [r[3] for r in problems[1:]] == [safe(x) for x in custom]

        for name in ("a.xlsx", "calendar.xlsx"):
            cells = workbook_cells(out / name)
            formulas = [c.value for c in cells if c.data_type == "f"]
            assert formulas == [], (name, formulas)
            texts = [c.value for c in cells if isinstance(c.value, str)]
            note(f"{name}: {texts}")
            assert not [t for t in texts if t.startswith(DANGEROUS)], name
        texts = {c.value for c in workbook_cells(out / "a.xlsx") if isinstance(c.value, str)}
        expected = {safe(x, xlsx=True) for x in [*names, *custom, header, territory, rep]}
        assert expected - {""} <= texts | {None}
