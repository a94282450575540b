"""Exports read back with independent readers: counts, columns, values, safety."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import openpyxl
import pyogrio
import pytest
from openpyxl.writer.excel import ExcelWriter

from territory_planner._errors import InputError
from territory_planner.analysis.metrics import quotas
from territory_planner.cli import main
from territory_planner.io import export
from territory_planner.io.workbook_layout import PADDING, TEXT_WIDTH_LIMIT
from territory_planner.model import Project

HYPERLINK = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def tricky(fresh_demo: Project) -> Project:
    acc = fresh_demo.accounts
    acc.loc[0, "name"] = HYPERLINK
    acc.loc[1, "name"] = "@SUM(A1:A9)"
    acc.loc[2, "annual_revenue"] = -5.0
    acc.loc[3, "name"] = "Zoë's Café – naïve “quotes”"
    acc.loc[4, "name"] = "+1-555-0100"
    acc.loc[6, "name"] = "Bell\x07 Ltd"  # a control character Excel cannot hold
    acc.loc[7, ["lon", "lat"]] = np.nan
    acc.loc[7, "geocode"] = "unplaced"
    acc["Région"] = ["Nord", "-2", None] * (len(acc) // 3)  # custom, text
    acc["=cmd|' /C calc'!A0"] = 1.5  # a custom column whose header is a formula
    return fresh_demo


def territory_of(project: Project, row: int) -> str:
    names = dict(zip(project.territories["territory_id"], project.territories["name"], strict=True))
    return names[project.accounts.loc[row, "territory_id"]]


def rep_of(project: Project, row: int) -> str:
    table = project.territory_table().set_index("territory_id")
    return str(table.loc[project.accounts.loc[row, "territory_id"], "rep"])


def test_xlsx_is_formatted_and_safe(tmp_path, tricky: Project) -> None:
    path = tmp_path / "a.xlsx"
    assert export.export_accounts_xlsx(tricky, path) == len(tricky.accounts)
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["account_id", "name", "street"]
    assert {"territory", "rep", "Région", "'=cmd|' /C calc'!A0"} <= set(header)
    col = {name: i for i, name in enumerate(header)}
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}301"
    widths = {sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert min(widths) >= 4
    assert max(widths) <= TEXT_WIDTH_LIMIT + PADDING
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(tricky.accounts)
    assert rows[0][col["name"]] == "'" + HYPERLINK
    assert rows[1][col["name"]] == "'@SUM(A1:A9)"
    assert rows[2][col["annual_revenue"]] == -5  # a negative number stays a number
    assert rows[3][col["name"]] == "Zoë's Café – naïve “quotes”"
    assert rows[4][col["name"]] == "'+1-555-0100"
    assert rows[6][col["name"]] == "Bell Ltd"
    assert rows[1][col["Région"]] == "'-2"  # text, even if it looks like a number
    assert rows[2][col["Région"]] is None
    assert rows[5][col["territory"]] == territory_of(tricky, 5)
    assert rows[5][col["rep"]] == rep_of(tricky, 5)
    assert rows[5][col["locked"]] is False
    assert rows[7][col["lon"]] is None
    assert not any(
        isinstance(v, str) and v.startswith(export.FORMULA_PREFIXES) for row in rows for v in row
    )


def test_csv_is_safe_and_complete(tmp_path, tricky: Project) -> None:
    path = tmp_path / "a.csv"
    assert export.export_accounts_csv(tricky, path) == len(tricky.accounts)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(tricky.accounts)
    assert list(rows[0])[-4:] == ["Région", "'=cmd|' /C calc'!A0", "territory", "rep"]
    assert rows[0]["name"] == "'" + HYPERLINK
    assert rows[1]["name"] == "'@SUM(A1:A9)"
    assert rows[2]["annual_revenue"] == "-5.0"
    assert rows[3]["name"] == "Zoë's Café – naïve “quotes”"
    assert rows[5]["territory"] == territory_of(tricky, 5)
    assert rows[5]["rep"] == rep_of(tricky, 5)
    assert [r["account_id"] for r in rows] == list(tricky.accounts["account_id"])


def test_geojson_keeps_data_as_is(tmp_path, tricky: Project) -> None:
    assert export.export_accounts_geojson(tricky, tmp_path / "a.geojson") == len(tricky.accounts)
    features = json.loads((tmp_path / "a.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == len(tricky.accounts)
    fifth = features[5]
    assert fifth["properties"]["territory"] == territory_of(tricky, 5)
    assert fifth["properties"]["rep"] == rep_of(tricky, 5)
    assert fifth["geometry"]["coordinates"] == pytest.approx(
        [tricky.accounts.loc[5, "lon"], tricky.accounts.loc[5, "lat"]]
    )
    assert features[0]["properties"]["name"] == HYPERLINK  # GeoJSON is data: no prefix
    assert features[2]["properties"]["annual_revenue"] == -5
    assert features[7]["geometry"] is None  # unplaced, but still exported
    assert export.export_territories_geojson(tricky, tmp_path / "t.geojson") == 4
    territories = json.loads((tmp_path / "t.geojson").read_text())["features"]
    table = tricky.territory_table().set_index("territory_id")
    for feature in territories:
        props = feature["properties"]
        assert props["name"] == table.loc[props["territory_id"], "name"]
        assert props["rep"] == table.loc[props["territory_id"], "rep"]
        assert props["accounts"] == table.loc[props["territory_id"], "accounts"]
        assert props["revenue"] == pytest.approx(table.loc[props["territory_id"], "revenue"])
        assert props["potential"] == pytest.approx(table.loc[props["territory_id"], "potential"])
        assert props["quota"] == pytest.approx(quotas(tricky)[props["territory_id"]])
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_shapefiles_with_short_field_names(tmp_path, tricky: Project) -> None:
    folder = tmp_path / "shp"
    counts = export.export_shapefiles(tricky, folder)
    assert counts == {"accounts": len(tricky.accounts), "territories": len(tricky.territories)}
    accounts = pyogrio.read_dataframe(folder / "accounts.shp")
    assert len(accounts) == len(tricky.accounts)  # the unplaced account too, with no shape
    assert accounts.geometry.isna().sum() == 1
    assert accounts.geometry.iloc[7] is None
    assert all(len(c) <= 10 for c in accounts.columns)
    assert {"terr_id", "territory", "rep", "revenue", "visit_freq", "Region"} <= set(accounts)
    assert accounts["territory"].iloc[5] == territory_of(tricky, 5)
    assert accounts["rep"].iloc[5] == rep_of(tricky, 5)
    assert accounts["revenue"].iloc[2] == -5
    assert accounts["name"].iloc[0] == HYPERLINK  # GIS data, not a spreadsheet
    assert accounts["name"].iloc[3] == "Zoë's Café – naïve “quotes”"
    assert accounts.geometry.iloc[5].x == pytest.approx(tricky.accounts.loc[5, "lon"])
    names = (folder / "field_names.txt").read_text(encoding="utf-8").splitlines()
    assert "accounts.revenue\tannual_revenue" in names
    assert "accounts.terr_id\tterritory_id" in names
    assert "accounts.Region\tRégion" in names
    assert "territories.accounts\taccounts" in names
    territories = pyogrio.read_dataframe(folder / "territories.shp")
    assert len(territories) == len(tricky.territories)
    assert territories.geometry.is_valid.all()
    table = tricky.territory_table()
    assert list(territories["name"]) == list(table["name"])
    assert list(territories["accounts"]) == list(table["accounts"])
    assert territories["revenue"].to_numpy() == pytest.approx(table["revenue"].to_numpy())
    assert territories["potential"].to_numpy() == pytest.approx(table["potential"].to_numpy())
    assert {p.name for p in folder.iterdir()} == {
        "field_names.txt",
        *(f"{layer}.{ext}" for layer in ("accounts", "territories") for ext in ("shp", "shx", "dbf", "prj", "cpg")),
    }  # fmt: skip


def test_shapefile_names_are_unique_and_stable() -> None:
    columns = ["visit_frequency", "visit_frequency_2", "Visit Frequency!", "x", "annual_revenue"]
    names = export.shapefile_names(columns)
    assert names == export.shapefile_names(columns)
    assert list(names) == columns
    assert names["annual_revenue"] == "revenue"
    assert names["visit_frequency"] == "visit_freq"  # standard names are kept first
    assert len({n.lower() for n in names.values()}) == len(columns)
    assert all(len(n) <= 10 and n.isascii() for n in names.values())
    assert export.shapefile_names(["Straße ✓", "Région", "🚚"]) == {
        "Straße ✓": "Strasse_",
        "Région": "Region",
        "🚚": "field",
    }


def test_failed_export_keeps_the_old_file(tmp_path, tricky: Project, monkeypatch) -> None:
    real_write_data = ExcelWriter.write_data

    def disk_full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    def disk_full_at_the_end(writer: ExcelWriter) -> None:
        real_write_data(writer)  # every sheet written, then the disk is full
        disk_full()

    for name, write, target, failure in (
        ("a.csv", export.export_accounts_csv, "pandas.DataFrame.to_csv", disk_full),
        ("a.xlsx", export.export_accounts_xlsx, "openpyxl.writer.excel.ExcelWriter.write_data", disk_full_at_the_end),
        ("a.geojson", export.export_accounts_geojson, "pathlib.Path.write_text", disk_full),
        ("t.geojson", export.export_territories_geojson, "pathlib.Path.write_text", disk_full),
    ):  # fmt: skip
        path = tmp_path / name
        path.write_text("old content", encoding="utf-8")
        with monkeypatch.context() as patch:
            patch.setattr(target, failure)
            with pytest.raises(InputError, match=r"disk is full.*was not changed") as info:
                write(tricky, path)
        assert str(info.value).startswith(f"{path}: ")
        assert path.read_text(encoding="utf-8") == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.csv",
        "a.geojson",
        "a.xlsx",
        "t.geojson",
    ]


def test_failed_shapefile_export_keeps_the_old_files(
    tmp_path, tricky: Project, demo_project: Project, monkeypatch
) -> None:
    folder = tmp_path / "shp"
    export.export_shapefiles(demo_project, folder)
    (folder / "accounts.qix").write_bytes(b"old spatial index")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real_write = pyogrio.write_dataframe

    def fails_on_territories(frame, path: Path, **kwargs) -> None:
        if Path(path).name == "territories.shp":
            msg = "Failed to write: database or disk is full"
            raise pyogrio.errors.DataSourceError(msg)
        real_write(frame, path, **kwargs)

    monkeypatch.setattr(export.pyogrio, "write_dataframe", fails_on_territories)
    with pytest.raises(InputError, match="disk is full"):
        export.export_shapefiles(tricky, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # not half new
    monkeypatch.undo()
    export.export_shapefiles(tricky, folder)
    assert not (folder / "accounts.qix").exists()  # an old index no longer matches
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert len(pyogrio.read_dataframe(folder / "accounts.shp")) == len(tricky.accounts)


def test_cli_export_all_formats(tmp_path, demo_file, capsys) -> None:
    args = [
        "export", str(demo_file), "--json", "--csv", str(tmp_path / "a.csv"), "--xlsx", str(tmp_path / "a.xlsx"),
        "--accounts-geojson", str(tmp_path / "a.geojson"), "--geojson", str(tmp_path / "t.geojson"),
        "--shp", str(tmp_path / "shp"),
    ]  # fmt: skip
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "csv": {"file": str(tmp_path / "a.csv"), "rows": 300},
        "xlsx": {"file": str(tmp_path / "a.xlsx"), "rows": 300},
        "accounts_geojson": {"file": str(tmp_path / "a.geojson"), "features": 300},
        "geojson": {"file": str(tmp_path / "t.geojson"), "features": 4},
        "shp": {"folder": str(tmp_path / "shp"), "accounts": 300, "territories": 4},
    }
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").active.max_row == 301
    assert len(pyogrio.read_dataframe(tmp_path / "shp" / "territories.shp")) == 4


def test_cli_export_error_names_the_file(tmp_path, demo_file, capsys) -> None:
    target = tmp_path / "no-such-folder" / "a.csv"
    assert main(["export", str(demo_file), "--csv", str(target)]) == 1
    err = capsys.readouterr().err
    assert str(target) in err
    assert "cannot write in this folder" in err


def test_territory_kpis_csv(tmp_path, demo_file, capsys) -> None:
    import csv as csv_module

    from territory_planner.analysis.metrics import territory_kpis
    from territory_planner.io.project_file import load_project

    out = tmp_path / "kpis.csv"
    assert main(["export", str(demo_file), "--territories-csv", str(out)]) == 0
    assert "territories csv: file" in capsys.readouterr().out  # readable text, not a dict
    rows = list(csv_module.DictReader(out.open(encoding="utf-8")))
    kpis = territory_kpis(load_project(demo_file)).set_index("territory_id")
    assert len(rows) == len(kpis)
    for row in rows:
        assert int(row["accounts"]) == kpis.loc[row["territory_id"], "accounts"]
        assert float(row["workload_hours"]) == pytest.approx(
            kpis.loc[row["territory_id"], "workload_hours"]
        )
