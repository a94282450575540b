"""ZIP areas: Voronoi cells of ZIP centroids that tile their counties exactly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from territory_planner.geo import zip_areas as za
from territory_planner.geo.areas import us_counties
from territory_planner.geo.geocode import zip_centroids
from territory_planner.geo.zip_areas import zip_area_at, zip_areas

COOK = "17031"  # Chicago: ~190 units, several ZIPs sharing a centroid
CIMARRON = "40025"  # rural Oklahoma panhandle: a handful of ZIPs
LOVING = "48301"  # Texas: one ZIP, the unit is the county
EMPORIA = "51595"  # Emporia city, VA: no ZIP centroid inside
ALEUTIANS_WEST = "02016"  # crosses the antimeridian


def county(fips: str) -> shapely.Geometry:
    counties = us_counties()
    return counties.loc[counties["fips"] == fips].geometry.iloc[0]


def centroids_inside(fips: str) -> dict[tuple[float, float], set[str]]:
    """Distinct centroids strictly inside the county -> their ZIPs, computed independently."""
    outline = county(fips)
    found: dict[tuple[float, float], set[str]] = {}
    for code, (lat, lon) in zip_centroids().items():
        if shapely.contains_xy(outline, lon, lat):
            found.setdefault((lon, lat), set()).add(code)
    return found


def assert_tiles(fips: str) -> None:
    units = zip_areas([fips])
    outline = county(fips)
    geoms = units.geometry.to_numpy()
    assert list(units.columns) == ["zip", "state_fips", "county_fips", "name", "geometry"]
    assert units.crs.to_epsg() == 4326
    assert (units["county_fips"] == fips).all()
    assert (units["state_fips"] == fips[:2]).all()
    assert shapely.is_valid(geoms).all()
    assert set(units.geom_type) <= {"Polygon", "MultiPolygon"}
    assert (shapely.area(geoms) > 0).all()

    # union == county
    union = shapely.union_all(geoms)
    assert shapely.symmetric_difference(union, outline).area < 1e-6 * outline.area
    # no overlaps
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = i < j
    overlap = shapely.area(shapely.intersection(geoms[i[pairs]], geoms[j[pairs]]))
    assert overlap.sum() < 1e-9 * outline.area

    # one unit per distinct centroid, containing it; shared centroids merged as "z1/z2"
    expected = centroids_inside(fips)
    if not expected:
        assert units["zip"].tolist() == [""]
        assert units["name"].tolist() == [f"County {fips} (no ZIP)"]
        return
    assert len(units) == len(expected)
    by_label = {"/".join(sorted(codes)): point for point, codes in expected.items()}
    assert set(units["zip"]) == set(by_label)
    for label, name, geom in zip(units["zip"], units["name"], geoms, strict=True):
        assert name == f"ZIP {label}"
        assert geom.contains(shapely.Point(by_label[label]))


@pytest.mark.parametrize("fips", [COOK, CIMARRON, LOVING, EMPORIA, ALEUTIANS_WEST])
def test_units_tile_the_county(fips: str) -> None:
    assert_tiles(fips)


def test_shared_centroids_become_one_unit() -> None:
    units = zip_areas([COOK])
    shared = units[units["zip"].str.contains("/")]
    assert len(shared) >= 3
    assert (shared["name"] == "ZIP " + shared["zip"]).all()
    assert units["zip"].str.split("/").explode().is_unique
    assert len(units) > 150


def test_single_zip_county_is_the_county() -> None:
    units = zip_areas([LOVING])
    assert len(units) == 1
    assert units["zip"].iloc[0] != ""
    assert shapely.equals(units.geometry.iloc[0], county(LOVING))


def test_antimeridian_county_stays_in_range() -> None:
    units = zip_areas([ALEUTIANS_WEST])
    minx, _, maxx, _ = shapely.total_bounds(units.geometry.to_numpy())
    assert -180 <= minx < -170
    assert 170 < maxx <= 180


def test_several_counties_tile_together() -> None:
    fips = [COOK, EMPORIA, CIMARRON, COOK]  # duplicates ignored
    units = zip_areas(fips)
    assert units["county_fips"].tolist() == sorted(units["county_fips"])
    assert set(units["county_fips"]) == {COOK, EMPORIA, CIMARRON}
    for f in (COOK, EMPORIA, CIMARRON):
        mine = units[units["county_fips"] == f].reset_index(drop=True)
        alone = zip_areas([f])
        assert mine["zip"].tolist() == alone["zip"].tolist()
        assert shapely.equals(mine.geometry.to_numpy(), alone.geometry.to_numpy()).all()


def test_unknown_and_empty_requests() -> None:
    with pytest.raises(ValueError, match="99999"):
        zip_areas(["17031", "99999"])
    empty = zip_areas([])
    assert len(empty) == 0
    assert list(empty.columns) == ["zip", "state_fips", "county_fips", "name", "geometry"]


def test_result_is_a_copy() -> None:
    units = zip_areas([COOK])
    units.loc[0, "name"] = "changed"
    assert zip_areas([COOK]).loc[0, "name"] != "changed"


def test_zip_area_at() -> None:
    lon, lat = -87.65, 41.92  # Lincoln Park, Chicago
    found = zip_area_at(lon, lat)
    assert found is not None
    name, geom = found
    assert name == "ZIP 60614"
    assert geom.contains(shapely.Point(lon, lat))
    units = zip_areas([COOK])
    assert shapely.equals(units.loc[units["name"] == name].geometry.iloc[0], geom)

    emporia = county(EMPORIA).representative_point()
    found = zip_area_at(emporia.x, emporia.y)
    assert found is not None
    assert found[0] == f"County {EMPORIA} (no ZIP)"
    assert shapely.equals(found[1], county(EMPORIA))

    assert zip_area_at(-40.0, 35.0) is None  # the Atlantic
    # a random spread of points in Cook County: always the unit holding the point
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = county(COOK).bounds
    for x, y in zip(rng.uniform(minx, maxx, 40), rng.uniform(miny, maxy, 40), strict=True):
        found = zip_area_at(x, y)
        if shapely.contains_xy(county(COOK), x, y):
            assert found is not None
            assert found[0].startswith("ZIP ")
            assert shapely.intersects_xy(found[1], x, y)


def test_whole_us_matches_per_county_and_covers_every_county() -> None:
    za._all_units.cache_clear()
    za._county_units.cache_clear()
    few = zip_areas([COOK, CIMARRON, ALEUTIANS_WEST])  # built per county
    everything = zip_areas()
    counties = us_counties()
    assert set(everything["county_fips"]) == set(counties["fips"])
    assert shapely.is_valid(everything.geometry.to_numpy()).all()
    assert set(everything.geom_type) <= {"Polygon", "MultiPolygon"}
    assert len(everything) > 35_000
    assert (everything["zip"] == "").sum() == 8  # counties without any ZIP centroid
    assert everything["zip"].str.split("/").explode().replace("", np.nan).dropna().is_unique
    # the area of every county is kept
    total = shapely.area(everything.geometry.to_numpy()).sum()
    assert total == pytest.approx(shapely.area(counties.geometry.to_numpy()).sum(), rel=1e-9)
    again = everything[everything["county_fips"].isin([COOK, CIMARRON, ALEUTIANS_WEST])]
    again = again.reset_index(drop=True)
    assert again["zip"].tolist() == few["zip"].tolist()
    assert shapely.equals(again.geometry.to_numpy(), few.geometry.to_numpy()).all()
    # once the whole US is built, a county is taken from it
    assert zip_areas([COOK])["zip"].tolist() == few.loc[few["county_fips"] == COOK, "zip"].tolist()
