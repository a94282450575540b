"""Segments, heat maps, clusters and whitespace, on fixtures small enough to check by hand.

`market_project` places accounts by kilometres east/north of (-90, 40):

    A1 (0, 0) 100k  Healthcare   A2 (1, 0) 50k Healthcare   A3 (2, 0) 30k Healthcare
    A4 (3, 0)  20k  Retail       A5 (1, 1) 10k Retail        A6 (7.5, 0) 5k Retail
    B1 (100, 0) 10k Healthcare   B2 (101, 0) 20k Healthcare  B3 (102, 0) 30k Retail
    L1 (0, 300) 500k Retail      U1 (no position) 1k Retail

Territory West covers the A group, North covers L1; the B group is in none.
Ann's home is at A1; Bob has no home position.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from territory_planner import segment_edits
from territory_planner._errors import InputError
from territory_planner.analysis import market
from territory_planner.analysis.conditions import Condition
from territory_planner.analysis.market import Segment, dbscan, hex_cells
from territory_planner.cli import main
from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import (
    ACCOUNT_COLUMNS,
    CRS,
    REP_COLUMNS,
    TERRITORY_COLUMNS,
    Project,
    conform,
)
from territory_planner.plan.rules import assign_with_rules, parse_rules
from territory_planner.tasks import CancelToken, TaskCancelledError

LON0, LAT0 = -90.0, 40.0
KM_LAT = 111.2
KM_LON = 111.2 * math.cos(math.radians(LAT0))

ACCOUNTS = [
    # id, km east, km north, potential, revenue, industry, employees
    ("A1", 0.0, 0.0, 100_000.0, 10_000.0, "Healthcare", 800),
    ("A2", 1.0, 0.0, 50_000.0, 20_000.0, "Healthcare", 120),
    ("A3", 2.0, 0.0, 30_000.0, 0.0, "Healthcare", 600),
    ("A4", 3.0, 0.0, 20_000.0, 5_000.0, "Retail", 50),
    ("A5", 1.0, 1.0, 10_000.0, 1_000.0, "Retail", 20),
    ("A6", 7.5, 0.0, 5_000.0, 500.0, "Retail", 10),
    ("B1", 100.0, 0.0, 10_000.0, 0.0, "Healthcare", 300),
    ("B2", 101.0, 0.0, 20_000.0, 2_000.0, "Healthcare", 40),
    ("B3", 102.0, 0.0, 30_000.0, 3_000.0, "Retail", 900),
    ("L1", 0.0, 300.0, 500_000.0, 50_000.0, "Retail", 5000),
    ("U1", math.nan, math.nan, 1_000.0, 0.0, "Retail", 5),
]


def at(east_km: float, north_km: float) -> tuple[float, float]:
    """(lon, lat) of a point `east_km`, `north_km` from (LON0, LAT0)."""
    return LON0 + east_km / KM_LON, LAT0 + north_km / KM_LAT


def make_project(rows=ACCOUNTS) -> Project:
    lonlat = [at(e, n) for _, e, n, *_ in rows]
    accounts = pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "name": [f"Account {r[0]}" for r in rows],
            "lon": [p[0] for p in lonlat],
            "lat": [p[1] for p in lonlat],
            "geocode": ["exact"] * len(rows),
            "potential": [r[3] for r in rows],
            "annual_revenue": [r[4] for r in rows],
            "industry": [r[5] for r in rows],
            "employees": [r[6] for r in rows],
            "segment_score": [str(i) for i in range(len(rows))],  # a custom numeric column
        }
    )
    territory = np.where(accounts["account_id"].str.startswith("A"), "T1", None)
    territory[accounts["account_id"] == "L1"] = "T2"
    accounts["territory_id"] = territory
    territories = conform(
        pd.DataFrame(
            {
                "territory_id": ["T1", "T2"],
                "name": ["West", "North"],
                "rep_id": ["R1", "R2"],
                "color": ["#1f77b4", "#ff7f0e"],
            }
        ),
        TERRITORY_COLUMNS,
    )
    north = LAT0 + 300 / KM_LAT
    shapes = [
        shapely.box(LON0 - 0.5, LAT0 - 0.5, LON0 + 0.5, LAT0 + 0.5),
        shapely.box(LON0 - 0.5, north - 0.5, LON0 + 0.5, north + 0.5),
    ]
    reps = pd.DataFrame(
        {"rep_id": ["R1", "R2"], "name": ["Ann", "Bob"], "lon": [LON0, np.nan],
         "lat": [LAT0, np.nan]}
    )  # fmt: skip
    return Project(
        accounts=conform(accounts, ACCOUNT_COLUMNS),
        reps=conform(reps, REP_COLUMNS),
        territories=gpd.GeoDataFrame(territories, geometry=shapes, crs=CRS),
        name="Market fixture",
    )


@pytest.fixture
def project() -> Project:
    return make_project()


def healthcare() -> Segment:
    return Segment("Healthcare", (Condition("industry", "=", "Healthcare"),))


def ids(project: Project, mask: np.ndarray) -> list[str]:
    return project.accounts["account_id"][mask].tolist()


# ----- segments -----


def test_segments_are_saved_listed_changed_and_deleted_as_undoable_edits(project) -> None:
    assert market.saved_segments(project) == []
    edit = segment_edits.save_segment(project, healthcare())
    assert edit.label == "Saved segment 'Healthcare': industry = Healthcare (5 accounts)"
    edit.apply(project)
    assert market.segment_names(project) == ["Healthcare"]
    assert json.loads(project.settings["segments"]) == [
        {"name": "Healthcare", "when": [["industry", "=", "Healthcare"]]}
    ]
    big = Segment("Big", (Condition("employees", ">=", 500),))
    segment_edits.save_segment(project, big).apply(project)
    changed = Segment("Healthcare", (*healthcare().conditions, Condition("employees", ">", 200)))
    change = segment_edits.save_segment(project, changed)
    assert change.label.startswith("Changed segment 'Healthcare'")
    assert change.label.endswith("(3 accounts)")  # A1, A3, B1
    change.apply(project)
    assert market.segment_names(project) == ["Healthcare", "Big"]  # replaced in place
    assert ids(project, market.segment_mask(project, "healthcare")) == ["A1", "A3", "B1"]
    change.revert(project)
    assert ids(project, market.segment_mask(project, "Healthcare")) == [
        "A1", "A2", "A3", "B1", "B2",
    ]  # fmt: skip
    delete = segment_edits.delete_segment(project, "Big")
    assert delete.label == "Deleted segment 'Big'"
    delete.apply(project)
    assert market.segment_names(project) == ["Healthcare"]
    delete.revert(project)
    assert market.segment_names(project) == ["Healthcare", "Big"]


def test_segment_masks_ranges_custom_columns_and_words(project) -> None:
    ranged = Segment(
        "Mid potential",
        (Condition("potential", ">=", 20_000), Condition("potential", "<", 100_000)),
    )
    assert ids(project, market.segment_mask(project, ranged)) == ["A2", "A3", "A4", "B2", "B3"]
    assert ranged.describe() == "potential >= 20000 and potential < 100000"
    assert Segment("All").describe() == "every account"
    custom = Segment("Custom", (Condition("segment_score", "in", ["0", "9"]),))
    assert ids(project, market.segment_mask(project, custom)) == ["A1", "L1"]
    totals = market.summarize(project, market.segment_mask(project, healthcare()))
    assert (totals.accounts, totals.potential, totals.revenue) == (5, 210_000.0, 32_000.0)
    assert totals.describe() == "5 of 11 accounts · potential $210.0K · revenue $32.0K"
    assert "segment_score" in market.segment_fields(project)
    with pytest.raises(InputError, match="'colour'"):
        segment_edits.save_segment(project, Segment("Bad", (Condition("colour", "=", "red"),)))
    with pytest.raises(InputError, match="needs a number"):
        segment_edits.save_segment(project, Segment("Bad", (Condition("employees", ">", "many"),)))
    with pytest.raises(InputError, match="give the segment a name"):
        segment_edits.save_segment(project, Segment("  ", ()))
    with pytest.raises(InputError, match=r"there is no segment 'Nope'; .*none yet"):
        market.segment_mask(project, "Nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("industry=Healthcare", Condition("industry", "=", "Healthcare")),
        ("industry = Health care", Condition("industry", "=", "Health care")),
        ("employees>500", Condition("employees", ">", 500)),
        ("potential>=12,500.5", Condition("potential", ">=", 12500.5)),
        ("state!=CA", Condition("state", "!=", "CA")),
        ("industry in Retail, Technology", Condition("industry", "in", ["Retail", "Technology"])),
        ("name contains Clinic", Condition("name", "contains", "Clinic")),
        ("segment=Enterprise", Condition("segment", "=", "Enterprise")),
    ],
)
def test_conditions_typed_on_the_command_line(text, expected) -> None:
    assert market.parse_condition(text) == expected


@pytest.mark.parametrize("text", ["industry", "employees>lots", "=Retail", "industry="])
def test_a_bad_condition_says_how_to_write_one(text) -> None:
    with pytest.raises(InputError):
        market.parse_condition(text)


def test_segments_and_rules_can_test_a_segment(project) -> None:
    segment_edits.save_segment(project, healthcare()).apply(project)
    large = Segment("Large healthcare", (Condition("segment", "=", "Healthcare"),
                                         Condition("employees", ">", 500)))  # fmt: skip
    segment_edits.save_segment(project, large).apply(project)
    assert ids(project, market.segment_mask(project, "Large healthcare")) == ["A1", "A3"]
    outside = Segment("Not healthcare", (Condition("segment", "!=", "Healthcare"),))
    assert ids(project, market.segment_mask(project, outside)) == [
        "A4", "A5", "A6", "B3", "L1", "U1",
    ]  # fmt: skip
    rules = parse_rules(
        [{"name": "HC to North", "territory": "North", "when": [["segment", "=", "Healthcare"]]}],
        project,
    )
    territory, placed_by = assign_with_rules(project, rules)
    hc = project.accounts["industry"] == "Healthcare"
    assert (territory[hc] == "T2").all()
    assert (placed_by[hc] == "HC to North").all()
    assert territory[project.accounts["account_id"] == "A4"].tolist() == ["T1"]  # geography
    project.settings["rules"] = json.dumps(
        [{"name": "HC to North", "territory": "T2", "when": [["segment", "=", "Healthcare"]]}]
    )
    with pytest.raises(InputError, match="used by segment 'Large healthcare', rule 'HC to North'"):
        segment_edits.delete_segment(project, "Healthcare")
    loop = Segment("Loop", (Condition("segment", "=", "Loop"),))
    project.settings.update(market.segments_setting([loop]))
    with pytest.raises(InputError, match="in a circle"):
        market.segment_mask(project, "Loop")


# ----- heat maps -----


def two_groups() -> Project:
    """Three accounts ~512 km west of (-90, 40), two ~512 km east: one hexagon each."""
    rows = [
        ("W1", -512.0, 0.0, 100.0, 0.0, "Retail", 1),
        ("W2", -510.0, 2.0, 200.0, 0.0, "Retail", 1),
        ("W3", -514.0, -3.0, 300.0, 0.0, "Retail", 1),
        ("E1", 512.0, 0.0, 1_000.0, 0.0, "Retail", 1),
        ("E2", 515.0, 1.0, np.nan, 0.0, "Retail", 1),
        ("X1", math.nan, math.nan, 50.0, 0.0, "Retail", 1),
    ]
    return make_project(rows)


def test_hexagon_cells_hold_points_near_their_centres() -> None:
    width = 10.0
    size = width / math.sqrt(3)
    centres = [(0, 0), (1, 0), (0, 1), (-2, 3), (4, -1)]
    for q, r in centres:
        cx, cy = size * math.sqrt(3) * (q + r / 2), size * 1.5 * r
        for dx, dy in [(0, 0), (4.9, 0), (-4.9, 0), (0, 4.9), (2, -3)]:
            got = hex_cells(np.array([cx + dx]), np.array([cy + dy]), width)
            assert (int(got[0][0]), int(got[1][0])) == (q, r)
        polygon = market.hexagon(q, r, width)
        assert polygon.area == pytest.approx(math.sqrt(3) / 2 * width**2)
        assert polygon.centroid.x == pytest.approx(cx)


def test_heat_map_over_hexagons_adds_up_each_group(project) -> None:
    heat = market.heat_map(two_groups(), "potential", cell_km=600)
    cells = heat.cells.set_index("cell_id")
    assert list(cells.index) == ["H-1_0", "H1_0"]
    assert cells["accounts"].tolist() == [3, 2]
    assert cells["value"].tolist() == [600.0, 1_000.0]  # E2's potential is missing
    assert heat.total == 1_600.0
    assert (heat.accounts, heat.unplaced, heat.outside) == (5, 1, 0)
    assert heat.title == "Potential per hexagon"
    assert heat.describe() == (
        "Potential of 5 accounts in 2 hexagons (600 km across); "
        "1 account without a position left out"
    )
    west, east = heat.cells["geometry"]
    assert west.contains(shapely.Point(at(-512, 0)))
    assert east.contains(shapely.Point(at(512, 0)))
    assert heat.cells["color"].tolist() == [c for c, _ in heat.shading.legend]  # low, high
    layer = heat.as_layer()
    features = layer["features"]["features"]
    assert len(features) == 2
    assert sum(f["properties"]["accounts"] for f in features) == 5
    assert [f["properties"]["value"] for f in features] == [600.0, 1_000.0]
    assert features[0]["properties"]["label"] == "$600 potential · 3 accounts"
    assert features[0]["geometry"]["type"] == "Polygon"
    assert layer["legend"] == [["#fef0d9", "$600 to $800"], ["#b30000", "$800 to $1.0K"]]
    count = market.heat_map(two_groups(), "accounts", cell_km=600, stat="sum")
    assert count.cells["value"].tolist() == [3.0, 2.0]
    mean = market.heat_map(two_groups(), "potential", cell_km=600, stat="mean")
    assert mean.cells["value"].tolist() == [200.0, 500.0]
    assert mean.title == "Mean Potential per hexagon"


def test_heat_map_of_a_segment_and_automatic_size(project) -> None:
    heat = market.heat_map(project, "potential", segment=healthcare(), cell_km=50)
    assert heat.accounts == 5
    assert heat.total == 210_000.0
    assert heat.title == "Potential per hexagon · Healthcare"
    auto = market.heat_map(project, "potential")
    assert auto.cell_km in market.NICE_SIZES_KM
    assert auto.total == sum(r[3] for r in ACCOUNTS if not math.isnan(r[1]))
    assert auto.cells["accounts"].sum() == 10
    custom = market.heat_map(project, "segment_score", cell_km=2000)
    assert custom.total == sum(range(10))  # U1 (10) has no position
    with pytest.raises(InputError, match="'industry' is not a numeric account column"):
        market.heat_map(project, "industry")
    with pytest.raises(InputError, match="'hex'"):
        market.heat_map(project, kind="state")


def test_heat_map_over_counties() -> None:
    rows = [
        ("CHI", 0, 0, 100.0, 0.0, "Retail", 1),
        ("EVA", 0, 0, 200.0, 0.0, "Retail", 1),
        ("MKE", 0, 0, 400.0, 0.0, "Retail", 1),
        ("SEA", 0, 0, 800.0, 0.0, "Retail", 1),
    ]
    project = make_project(rows)
    project.accounts["lon"] = [-87.63, -87.69, -87.91, -60.0]  # Chicago, Evanston, Milwaukee, sea
    project.accounts["lat"] = [41.88, 42.05, 43.04, 30.0]
    heat = market.heat_map(project, "potential", kind="county")
    cells = heat.cells.set_index("cell_id")
    assert cells.loc["17031", "name"] == "Cook County, IL"
    assert cells.loc["17031", ["accounts", "value"]].tolist() == [2, 300.0]
    assert cells.loc["55079", ["accounts", "value"]].tolist() == [1, 400.0]
    assert (heat.accounts, heat.outside, heat.total) == (3, 1, 700.0)
    assert len(heat.as_layer()["features"]["features"]) == 2


def test_quantile_shading_classes() -> None:
    values = pd.Series(np.arange(1.0, 11.0), index=[f"c{i}" for i in range(10)])
    shading = market.quantile_shading("T", values, str)
    assert len(shading.legend) == 5
    assert [shading.colors[f"c{i}"] for i in (0, 9)] == ["#fef0d9", "#b30000"]
    assert len(set(shading.colors.values())) == 5
    same = market.quantile_shading("T", pd.Series([3.0, 3.0], index=["a", "b"]), str)
    assert same.legend == [("#fc8d59", "3.0")]


# ----- clusters -----


def lonlat(east_km: np.ndarray, north_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees of points given in km east and north of (LON0, LAT0) (see `at`)."""
    return LON0 + np.asarray(east_km) / KM_LON, LAT0 + np.asarray(north_km) / KM_LAT


def test_dbscan_cores_borders_and_noise() -> None:
    lon, lat = lonlat(
        np.array([0, 1, 2, 3, 1, 7.5, 100, 101, 102, 0], dtype=float),
        np.array([0, 0, 0, 0, 1, 0, 0, 0, 0, 300], dtype=float),
    )
    labels = dbscan(lon, lat, 5.0, 3)
    assert labels.tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, -1]  # the 7.5 km point is a border
    assert dbscan(lon, lat, 5.0, 4).tolist() == [0] * 6 + [-1] * 4
    assert dbscan(lon, lat, 0.5, 1).tolist() == list(range(10))
    assert dbscan(lon[::-1], lat[::-1], 5.0, 3).tolist() == [-1, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    same_spot = dbscan(np.zeros(3), np.zeros(3), 1.0, 3)  # three accounts at one address
    assert same_spot.tolist() == [0, 0, 0]
    assert dbscan(np.zeros(0), np.zeros(0), 1.0, 3).tolist() == []
    token = CancelToken()
    token.cancel()
    with pytest.raises(TaskCancelledError):
        dbscan(lon, lat, 0.1, 5, token)


def brute_force_dbscan(lon: np.ndarray, lat: np.ndarray, radius_km: float, min_points: int):
    """Cores, each core's connected group of cores, and each point's distances (all pairs)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from territory_planner.geo.earth import haversine_km

    d = haversine_km(lon[:, None], lat[:, None], lon[None], lat[None])
    core = (d <= radius_km).sum(axis=1) >= min_points
    linked = (d <= radius_km) & core[:, None] & core[None, :]
    _count, group = connected_components(csr_matrix(linked), directed=False)
    return core, group, d


def test_dbscan_matches_a_brute_force_answer() -> None:
    rng = np.random.default_rng(4)
    lon, lat = lonlat(rng.uniform(0, 60, 300), rng.uniform(0, 60, 300))
    labels = dbscan(lon, lat, 4.0, 4)
    core, group, d = brute_force_dbscan(lon, lat, 4.0, 4)
    assert 20 < core.sum() < 280  # cores, borders and noise all occur
    # every core has its neighbours, and the cores of a cluster are exactly one connected group
    for number in range(labels.max() + 1):
        cores = np.flatnonzero(core & (labels == number))
        assert len(cores) > 0
        assert set(group[cores]) == {group[cores[0]]}
        assert (labels[core & (group == group[cores[0]])] == number).all()
    assert (labels[core] >= 0).all()
    for b in np.flatnonzero(~core):  # a border joins its nearest core's cluster; others are noise
        near = np.flatnonzero(core & (d[b] <= 4.0))
        expected = labels[near[np.argmin(d[b, near])]] if len(near) else -1
        assert labels[b] == expected
    assert labels.max() + 1 == len(set(group[core]))
    first = [np.flatnonzero(labels == n)[0] for n in range(labels.max() + 1)]
    assert first == sorted(first)  # numbered in the order their first point comes


def test_dbscan_merges_crowded_accounts_into_spots(monkeypatch) -> None:
    from territory_planner.analysis import market_clusters

    rng = np.random.default_rng(8)
    centres = np.repeat([[0.0, 0.0], [100.0, 0.0], [40.0, 80.0]], 400, axis=0)
    km = np.vstack([centres + rng.normal(0, 2.0, size=centres.shape), [[300.0, 300.0]]])
    lon, lat = lonlat(km[:, 0], km[:, 1])
    exact = dbscan(lon, lat, 10.0, 5)
    phi, lam = np.radians(lat), np.radians(lon)
    eps = 10.0 / 6371.0088
    where, inverse, weight = market_clusters._spots(phi, lam, eps, CancelToken())
    assert len(where) == len(lon)  # few pairs: every account is its own spot
    monkeypatch.setattr(market_clusters, "MAX_NEIGHBOUR_PAIRS", 20_000)
    where, inverse, weight = market_clusters._spots(phi, lam, eps, CancelToken())
    assert 3 < len(where) < len(lon) / 4
    assert weight.sum() == len(lon)
    assert np.array_equal(np.bincount(inverse), weight)
    assert (
        dbscan(lon, lat, 10.0, 5).tolist()
        == exact.tolist()
        == [0] * 400 + [1] * 400 + [2] * 400 + [-1]
    )


def test_clusters_with_totals_centre_and_hull(project) -> None:
    found = market.find_clusters(project, radius_km=5, min_accounts=3)
    assert (found.considered, found.noise) == (10, 1)
    first, second = found.clusters
    assert first.cluster_id == "C1"
    assert first.account_ids == ("A1", "A2", "A3", "A4", "A5", "A6")
    assert (first.accounts, first.potential, first.revenue) == (6, 215_000.0, 36_500.0)
    assert second.account_ids == ("B1", "B2", "B3")
    assert (second.potential, second.revenue) == (60_000.0, 5_000.0)
    assert first.territories == (("West", 6),)
    assert second.territories == (("no territory", 3),)
    assert (first.nearest_rep, second.nearest_rep) == ("Ann", "Ann")
    assert first.home_km == pytest.approx(math.hypot(14.5 / 6, 1 / 6), abs=0.05)
    assert second.home_km == pytest.approx(101, abs=0.5)
    lon, lat = at(14.5 / 6, 1 / 6)
    assert (first.lon, first.lat) == (pytest.approx(lon, abs=1e-3), pytest.approx(lat, abs=1e-3))
    assert first.spread_km == pytest.approx(7.5 - 14.5 / 6, abs=0.05)
    acc = project.accounts.set_index("account_id")
    for cluster in found.clusters:
        for a in cluster.account_ids:
            assert cluster.hull.contains(shapely.Point(acc.loc[a, "lon"], acc.loc[a, "lat"]))
    assert not first.hull.contains(shapely.Point(at(100, 0)))
    assert found.labels["A6"] == "C1"
    assert "L1" not in found.labels
    assert found.describe() == (
        "2 clusters hold 9 of 10 accounts (within 5 km, at least 3 accounts)"
    )
    assert first.describe().startswith("C1 near ")
    record = first.as_dict()
    assert record["potential"] == 215_000.0
    assert record["territories"] == [{"territory": "West", "accounts": 6}]
    assert record["hull"]["type"] == "Polygon"
    layer = found.as_layer()
    assert [f["properties"]["accounts"] for f in layer["features"]["features"]] == [6, 3]


def test_clusters_of_a_segment_and_stricter_cores(project) -> None:
    strict = market.find_clusters(project, radius_km=5, min_accounts=4)
    assert [c.account_ids for c in strict.clusters] == [("A1", "A2", "A3", "A4", "A5", "A6")]
    assert strict.noise == 4
    hc = market.find_clusters(project, segment=healthcare(), radius_km=5, min_accounts=2)
    assert [c.account_ids for c in hc.clusters] == [("A1", "A2", "A3"), ("B1", "B2")]
    assert hc.segment == "Healthcare"
    with pytest.raises(InputError, match="radius"):
        market.find_clusters(project, radius_km=0)


# ----- whitespace -----


def test_whitespace_outside_every_territory_and_far_from_homes(project) -> None:
    found = market.whitespace(project, radius_km=5, min_accounts=3)
    assert found.accounts["account_id"].tolist() == ["B3", "B2", "B1"]  # most potential first
    assert found.accounts["outside"].all()
    assert found.accounts["reason"].tolist() == ["outside every territory"] * 3
    assert found.accounts["cluster"].tolist() == ["C1"] * 3
    assert found.totals() == {
        "listed": 3, "potential": 60_000.0, "revenue": 5_000.0, "outside": 3, "far": 0,
        "clusters": 1,
    }  # fmt: skip
    far = market.whitespace(project, min_potential=15_000, far_km=150, radius_km=5)
    table = far.accounts.set_index("account_id")
    assert list(table.index) == ["L1", "B3", "B2"]
    assert not table.loc["L1", "outside"]
    assert table.loc["L1", "home_km"] == pytest.approx(300, abs=1)
    assert table.loc["L1", "territory"] == "North"
    assert table.loc["L1", "reason"] == "300 km from the nearest rep's home"
    assert table.loc["B3", "nearest_rep"] == "Ann"
    assert far.totals()["far"] == 1
    assert far.describe() == (
        "3 whitespace accounts, potential $550.0K: 2 outside every territory, "
        "1 more than 150 km from every rep's home; 0 clusters"
    )
    layer = market.whitespace_layer(far)
    points = [f for f in layer["features"]["features"] if f["geometry"]["type"] == "Point"]
    assert [p["properties"]["account"] for p in points] == ["L1", "B3", "B2"]
    hc = market.whitespace(project, segment=healthcare())
    assert hc.accounts["account_id"].tolist() == ["B2", "B1"]


# ----- command line -----


def run(capsys, *args: str) -> dict:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_segments_clusters_whitespace_heatmap(tmp_path, capsys) -> None:
    path = tmp_path / "market.gpkg"
    save_project(make_project(), path)
    out = run(capsys, "segments", str(path), "--save", "HC", "--where", "industry=Healthcare",
              "--where", "employees>100")  # fmt: skip
    assert out["saved"] is True
    assert out["segments"] == [
        {
            "name": "HC", "when": [["industry", "=", "Healthcare"], ["employees", ">", 100]],
            "description": "industry = Healthcare and employees > 100", "accounts": 4,
            "potential": 190_000.0, "revenue": 30_000.0,
        }
    ]  # fmt: skip
    assert load_project(path).settings["segments"]  # saved in the file
    out = run(capsys, "clusters", str(path), "--segment", "hc", "--radius-km", "5",
              "--min-accounts", "2")  # fmt: skip
    assert (out["segment"], out["considered"], out["clustered"], out["noise"]) == ("HC", 4, 3, 1)
    assert [c["account_ids"] for c in out["clusters"]] == [["A1", "A2", "A3"]]
    assert out["clusters"][0]["potential"] == 180_000.0
    out = run(capsys, "whitespace", str(path), "--min-potential", "15000", "--far-km", "150",
              "--radius-km", "5", "--min-accounts", "3", "--xlsx", str(tmp_path / "w.xlsx"))  # fmt: skip
    assert [a["account_id"] for a in out["accounts"]] == ["L1", "B3", "B2"]
    assert (out["listed"], out["outside"], out["far"], out["potential"]) == (3, 2, 1, 550_000.0)
    assert (tmp_path / "w.xlsx").exists()
    geojson = tmp_path / "heat.geojson"
    out = run(capsys, "heatmap", str(path), "--cell-km", "50", "--geojson", str(geojson))
    assert out["total"] == sum(r[3] for r in ACCOUNTS if not math.isnan(r[1]))
    assert sum(c["accounts"] for c in out["cells"]) == 10
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert len(features) == len(out["cells"])
    out = run(capsys, "segments", str(path), "--delete", "HC")
    assert out["segments"] == []
    assert out["changed"] == ["Deleted segment 'HC'"]
    assert main(["segments", str(path), "--delete", "HC"]) == 1
    assert "there is no segment 'HC'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["segments", str(path), "--where", "industry=Retail"])
    assert usage.value.code == 2


def test_the_cluster_legends_count_what_was_found(project) -> None:
    def texts(layer: dict) -> list[str]:
        return [entry[1] for entry in layer["legend"]]

    none = market.find_clusters(project, radius_km=0.001, min_accounts=50)
    assert none.clusters == []
    assert texts(none.as_layer()) == ["no clusters found"]
    two = market.find_clusters(project, radius_km=5, min_accounts=3)
    assert texts(two.as_layer()) == ["2 clusters found"]

    far = market.whitespace(project, min_potential=15_000, far_km=150, radius_km=5)
    assert far.totals()["clusters"] == 0
    legend = texts(market.whitespace_layer(far))
    assert legend == ["3 whitespace accounts", "no clusters found"]  # not "the 3 clusters…"
    nothing = market.whitespace(project, min_potential=1e12)
    assert texts(market.whitespace_layer(nothing)) == ["no whitespace accounts found"]
