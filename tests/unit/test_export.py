"""Exports read back with independent readers: counts, columns, values, safety."""

from __future__ import annotations

import csv
import json

import openpyxl
import pyogrio
import pytest

from territory_planner._errors import InputError
from territory_planner.cli import main
from territory_planner.io import export
from territory_planner.model import Project


@pytest.fixture
def tricky(fresh_demo: Project) -> Project:
    fresh_demo.accounts.loc[0, "name"] = '=HYPERLINK("http://evil.example","click")'
    fresh_demo.accounts.loc[1, "name"] = "@SUM(A1:A9)"
    fresh_demo.accounts.loc[2, "annual_revenue"] = -5.0
    fresh_demo.accounts.loc[3, "name"] = "Zoë's Café – naïve “quotes”"
    return fresh_demo


def expected_territory(project: Project, row: int) -> str:
    names = dict(zip(project.territories["territory_id"], project.territories["name"], strict=True))
    return names[project.accounts.loc[row, "territory_id"]]


def test_xlsx_is_formatted_and_safe(tmp_path, tricky: Project) -> None:
    path = tmp_path / "a.xlsx"
    assert export.export_accounts_xlsx(tricky, path) == len(tricky.accounts)
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    col = {name: i for i, name in enumerate(header)}
    assert sheet.freeze_panes == "A2"
    assert sheet[1][0].font.bold
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(tricky.accounts)
    assert rows[0][col["name"]] == "'" + tricky.accounts.loc[0, "name"]
    assert rows[1][col["name"]] == "'@SUM(A1:A9)"
    assert rows[2][col["annual_revenue"]] == -5  # a negative number stays a number
    assert rows[3][col["name"]] == "Zoë's Café – naïve “quotes”"
    assert rows[5][col["territory"]] == expected_territory(tricky, 5)


def test_csv_and_geojson_round_trip(tmp_path, tricky: Project) -> None:
    export.export_accounts_csv(tricky, tmp_path / "a.csv")
    rows = list(csv.DictReader((tmp_path / "a.csv").open(encoding="utf-8")))
    assert rows[1]["name"] == "'@SUM(A1:A9)"
    assert rows[2]["annual_revenue"] == "-5.0"
    export.export_accounts_geojson(tricky, tmp_path / "a.geojson")
    features = json.loads((tmp_path / "a.geojson").read_text())["features"]
    assert len(features) == len(tricky.accounts)
    first = features[5]
    assert first["properties"]["territory"] == expected_territory(tricky, 5)
    assert first["geometry"]["coordinates"] == pytest.approx(
        [tricky.accounts.loc[5, "lon"], tricky.accounts.loc[5, "lat"]]
    )
    assert (
        first["properties"]["name"] == tricky.accounts.loc[5, "name"]
    )  # GeoJSON is data: no prefix
    export.export_territories_geojson(tricky, tmp_path / "t.geojson")
    territories = json.loads((tmp_path / "t.geojson").read_text())["features"]
    assert sum(f["properties"]["accounts"] for f in territories) == int(
        tricky.accounts["territory_id"].notna().sum()
    )


def test_shapefiles_with_short_field_names(tmp_path, tricky: Project) -> None:
    counts = export.export_shapefiles(tricky, tmp_path / "shp")
    assert counts == {"accounts": len(tricky.accounts), "territories": len(tricky.territories)}
    accounts = pyogrio.read_dataframe(tmp_path / "shp" / "accounts.shp")
    assert all(len(c) <= 10 for c in accounts.columns if c != "geometry")
    assert accounts["territory"].iloc[5] == expected_territory(tricky, 5)
    assert accounts["name"].iloc[3] == "Zoë's Café – naïve “quotes”"
    names = (tmp_path / "shp" / "field_names.txt").read_text().splitlines()
    assert "accounts.annual_rev\tannual_revenue" in names
    territories = pyogrio.read_dataframe(tmp_path / "shp" / "territories.shp")
    assert len(territories) == len(tricky.territories)
    assert territories.geometry.is_valid.all()


def test_shapefile_names_are_unique() -> None:
    names = export.shapefile_names(
        ["visit_frequency", "visit_frequency_2", "Visit Frequency!", "x"]
    )
    assert len({n.lower() for n in names.values()}) == 4
    assert all(len(n) <= 10 for n in names.values())


def test_failed_export_keeps_the_old_file(tmp_path, tricky: Project, monkeypatch) -> None:
    path = tmp_path / "a.csv"
    path.write_text("old content", encoding="utf-8")

    def boom(*_a, **_k) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pandas.DataFrame.to_csv", boom)
    with pytest.raises(InputError, match="was not changed"):
        export.export_accounts_csv(tricky, path)
    assert path.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_cli_export_all_formats(tmp_path, demo_file, capsys) -> None:
    args = [
        "export", str(demo_file), "--json", "--csv", str(tmp_path / "a.csv"), "--xlsx", str(tmp_path / "a.xlsx"),
        "--accounts-geojson", str(tmp_path / "a.geojson"), "--geojson", str(tmp_path / "t.geojson"),
        "--shp", str(tmp_path / "shp"),
    ]  # fmt: skip
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["csv"]["rows"] == out["xlsx"]["rows"] == out["accounts_geojson"]["features"] == 300
    assert out["geojson"]["features"] == 4
    assert out["shp"]["accounts"] == 300
    assert out["shp"]["territories"] == 4
