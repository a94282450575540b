"""Territories imported from GIS files: reprojected, repaired, named, accounts re-assigned."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from territory_planner._errors import InputError
from territory_planner.edits import replace_territories
from territory_planner.geo.areas import us_states
from territory_planner.geo.assign import assign_accounts
from territory_planner.io.project_file import load_project
from territory_planner.io.territory_import import read_territories
from tests.conftest import run_cli


@pytest.fixture
def regions() -> gpd.GeoDataFrame:
    states = us_states().set_index("abbr")
    groups = {"Midwest": ["IL", "IN", "WI", "MI"], "East": ["NY", "NJ", "PA", "CT", "MA"]}
    rows = [
        {"Region": name, "geometry": shapely.union_all(states.loc[codes].geometry.to_numpy())}
        for name, codes in groups.items()
    ]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


@pytest.mark.parametrize(
    ("suffix", "driver"), [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile")]
)
def test_read_formats_reproject_and_name(tmp_path, regions, suffix, driver) -> None:
    path = tmp_path / f"regions{suffix}"
    regions.to_crs("EPSG:5070").to_file(
        path, driver=driver
    )  # an equal-area projection: must come back to lon/lat
    territories = read_territories(path)
    assert territories["name"].tolist() == ["Midwest", "East"]
    assert territories["territory_id"].tolist() == ["T01", "T02"]
    assert territories.crs == "EPSG:4326"
    chicago = shapely.Point(-87.63, 41.88)
    assert territories.geometry.iloc[0].contains(chicago)
    assert territories.geometry.iloc[0].symmetric_difference(regions.geometry.iloc[0]).area < 0.01
    assert territories["color"].nunique() == 2


def test_name_field_and_repairs(tmp_path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[-90, 30], [-89, 31], [-89, 30], [-90, 31], [-90, 30]]],
    }
    line = {"type": "LineString", "coordinates": [[-90, 30], [-89, 31]]}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"label": "Bow", "code": "B"}, "geometry": bowtie},
        {"type": "Feature", "properties": {"label": "", "code": "L"}, "geometry": line},
    ]}  # fmt: skip
    path = tmp_path / "shapes.geojson"
    path.write_text(json.dumps(collection))
    territories = read_territories(path)
    assert territories["name"].tolist() == ["Bow"]  # the line is not an area
    assert territories.geometry.iloc[0].is_valid
    assert read_territories(path, name_field="code")["name"].tolist() == ["B"]
    with pytest.raises(InputError, match=r"there is no field .nope.; the fields are: label, code"):
        read_territories(path, name_field="nope")


def test_unusable_files(tmp_path) -> None:
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}))  # fmt: skip
    with pytest.raises(InputError, match="no polygons"):
        read_territories(points)
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not geojson")
    with pytest.raises(InputError, match=r"junk\.geojson: not a GeoJSON, GeoPackage or Shapefile"):
        read_territories(junk)


def test_replace_reassigns_everyone_and_undoes(fresh_demo, tmp_path, regions) -> None:
    path = tmp_path / "r.geojson"
    regions.to_file(path, driver="GeoJSON")
    before = fresh_demo.accounts.copy()
    edit = replace_territories(fresh_demo, read_territories(path), "r.geojson")
    edit.apply(fresh_demo)
    expected = assign_accounts(fresh_demo.accounts, fresh_demo.territories).territory_id
    assert fresh_demo.accounts["territory_id"].fillna("").tolist() == expected.fillna("").tolist()
    assert set(fresh_demo.accounts["territory_id"].dropna()) <= {"T01", "T02"}
    edit.revert(fresh_demo)
    assert (
        fresh_demo.accounts["territory_id"].fillna("").tolist()
        == before["territory_id"].fillna("").tolist()
    )


def test_cli_territories(tmp_path, demo_file, regions) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    source = tmp_path / "regions.gpkg"
    regions.to_file(source, driver="GPKG")
    done = run_cli(
        "territories", str(project), "--from", str(source), "--name-field", "Region", "--json"
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    saved = load_project(project)
    assert [t["name"] for t in data["territories"]] == ["Midwest", "East"]
    counts = saved.accounts["territory_id"].value_counts()
    assert [t["accounts"] for t in data["territories"]] == [
        int(counts.get("T01", 0)),
        int(counts.get("T02", 0)),
    ]
    assert data["unassigned"] == len(saved.accounts) - int(counts.sum())
    assert counts.get("T01", 0) > 0


FILES = Path(__file__).resolve().parents[1] / "data" / "files"


def _metres_gpkg(folder: Path) -> Path:
    """A GeoPackage layer in EPSG:3857 metres whose CRS was lost (undefined SRS)."""
    square = shapely.box(-10018754, 3503550, -9907435, 3632749)
    path = folder / "metres_no_crs.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided"
        gpd.GeoDataFrame({"name": ["South"]}, geometry=[square], crs=None).to_file(path)
    return path


@pytest.mark.parametrize("name", ["metres_no_crs.geojson", "metres_no_prj.shp", "gpkg"])
def test_metres_without_a_crs_are_refused(tmp_path, demo_file, name) -> None:
    source = _metres_gpkg(tmp_path) if name == "gpkg" else FILES / name
    with pytest.raises(InputError, match=r"metres or another projection without a CRS") as info:
        read_territories(source)
    assert str(source) in str(info.value)
    assert "EPSG:4326" in str(info.value)
    assert ".prj" in str(info.value)
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    before = project.read_bytes()
    for args in (["territories", str(project), "--from", str(source)],
                 ["design", str(project), "--units-file", str(source)]):  # fmt: skip
        done = run_cli(*args)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines() == [f"error: {info.value}"]
        assert project.read_bytes() == before


def test_unclosed_ring_is_refused_naming_the_feature(tmp_path, demo_file) -> None:
    source = FILES / "unclosed_ring.geojson"
    with pytest.raises(InputError, match=r"feature 2: .*not form a closed") as info:
        read_territories(source)
    assert str(info.value).startswith(f"{source}: ")
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    before = project.read_bytes()
    done = run_cli("territories", str(project), "--from", str(source))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {info.value}"]
    assert project.read_bytes() == before
