"""Travel times between stops: offline estimates, or shortest paths on a road network.

The default needs no data: great-circle distance times a detour factor
(roads are longer than the straight line, 1.3 by default), driven at a
speed that rises with the length of the leg, from town speed on short hops
to highway speed on long ones. A user with an OpenStreetMap extract of their
region can load it as a road graph (GraphML with ``length`` in metres and
optionally ``travel_time`` in seconds on each edge) and get shortest paths
along real roads instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree as ET

import networkx as nx
import numpy as np
import shapely

from territory_planner._errors import InputError
from territory_planner.geo.earth import Radians, haversine_radians_km, radians
from territory_planner.tasks import CancelToken

#: Rows of an all-pairs matrix computed at once: the temporaries stay small (a few MB)
#: instead of several copies of the whole matrix (6,000 stops: 290 MB each).
_BLOCK_ROWS = 256


def _row_blocks(n: int) -> list[slice]:
    return [slice(start, min(start + _BLOCK_ROWS, n)) for start in range(0, n, _BLOCK_ROWS)]


def _great_circle_rows(points: Radians, rows: slice) -> np.ndarray:
    """Great-circle km from the points of `rows` to every point."""
    phi, lam, cos_phi = points
    return haversine_radians_km(
        (phi[rows, None], lam[rows, None], cos_phi[rows, None]),
        (phi[None, :], lam[None, :], cos_phi[None, :]),
    )


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """All-pairs great-circle distances (km) between points (haversine), by blocks of rows.

    Parameters
    ----------
    lon, lat
        The points, in degrees.

    Returns
    -------
    numpy.ndarray
        An n x n matrix: entry (i, j) is the km from point i to point j.
    """
    points = radians(lon, lat)
    out = np.empty((len(points[0]), len(points[0])))
    for rows in _row_blocks(len(out)):
        out[rows] = _great_circle_rows(points, rows)
    return out


def great_circle_legs_km(
    lon: np.ndarray, lat: np.ndarray, origins: np.ndarray, destinations: np.ndarray
) -> np.ndarray:
    """Great-circle km of the legs ``origins[k] -> destinations[k]`` (indices into the points).

    The same numbers, bit for bit, as the entries of `great_circle_km` (the same formula on
    contiguous arrays), without the all-pairs matrix.

    Parameters
    ----------
    lon, lat
        The points, in degrees.
    origins, destinations
        Indices into the points: where each leg starts and ends (equal lengths).

    Returns
    -------
    numpy.ndarray
        The km of each leg, in the order of `origins`.
    """
    points = radians(lon, lat)
    a, b = np.asarray(origins, dtype=np.intp), np.asarray(destinations, dtype=np.intp)
    return haversine_radians_km(_take(points, a), _take(points, b))


def _take(points: Radians, index: np.ndarray) -> Radians:
    phi, lam, cos_phi = points
    return phi[index], lam[index], cos_phi[index]


class Kilometres(Protocol):
    """Road km between points, indexed like a matrix: ``km[origins, destinations]``."""

    def __getitem__(self, pairs: tuple[np.ndarray, np.ndarray], /) -> np.ndarray:
        """The km of each leg ``origins[k] -> destinations[k]``."""


class TravelTimes(Protocol):
    """Anything that gives road kilometres and driving minutes between points."""

    def matrices(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All-pairs kilometres and minutes.

        Parameters
        ----------
        lon, lat
            The stops, in degrees.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            Road km and driving minutes, each an n x n matrix (from row to column).
        """

    def planning_tables(self, lon: np.ndarray, lat: np.ndarray) -> tuple[Kilometres, np.ndarray]:
        """What a calendar needs: km of the legs driven, and all-pairs minutes (a matrix).

        Parameters
        ----------
        lon, lat
            The stops, in degrees.

        Returns
        -------
        tuple[Kilometres, numpy.ndarray]
            Road km indexed as ``km[origins, destinations]``, and the n x n driving minutes.
        """


def load_roads(path: Path, cancel: CancelToken | None = None) -> RoadNetwork:
    """A road network from an OpenStreetMap extract (.osm.pbf) or a GraphML file.

    Parameters
    ----------
    path
        The file: a name ending in ``.pbf`` is read as an OpenStreetMap extract,
        anything else as GraphML. A file that cannot be read raises `InputError`.
    cancel
        Checked before the file is read and every `ROAD_CHUNK` nodes and roads after;
        cancelled: `TaskCancelledError`.

    Returns
    -------
    RoadNetwork
        The roads, ready for shortest paths between stops.
    """
    if str(path).lower().endswith(".pbf"):
        return RoadNetwork.from_osm_pbf(path, cancel)
    return RoadNetwork.from_graphml(path, cancel)


@dataclass(frozen=True)
class TravelModel:
    """Straight-line estimate of driving: distance x `detour` at a distance-dependent speed.

    Speed goes from `town_kmh` on very short legs towards `highway_kmh` on
    long ones: ``v(d) = town + (highway - town) * (1 - exp(-d / ramp_km))``.
    Driving time still grows with distance (the speed never rises fast
    enough to make a longer leg quicker).
    """

    detour: float = 1.3
    town_kmh: float = 35.0
    highway_kmh: float = 80.0
    ramp_km: float = 25.0

    def speed_kmh(self, road_km: np.ndarray) -> np.ndarray:
        """Average speed on a leg of `road_km` road kilometres.

        Parameters
        ----------
        road_km
            Leg lengths along the road, in km.

        Returns
        -------
        numpy.ndarray
            The speed of each leg in km/h, from `town_kmh` (0 km) towards `highway_kmh`.
        """
        rise = 1 - np.exp(-np.asarray(road_km, float) / self.ramp_km)
        return self.town_kmh + (self.highway_kmh - self.town_kmh) * rise

    def driving_minutes(self, road_km: np.ndarray) -> np.ndarray:
        """Minutes to drive legs of `road_km` road kilometres.

        Parameters
        ----------
        road_km
            Leg lengths along the road, in km.

        Returns
        -------
        numpy.ndarray
            The driving time of each leg, in minutes, at `speed_kmh`.
        """
        return np.asarray(road_km / self.speed_kmh(road_km) * 60)

    def _road_rows(self, points: Radians, rows: slice) -> np.ndarray:
        road = _great_circle_rows(points, rows)
        road *= self.detour
        return road

    def matrices(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Road kilometres and driving minutes between every pair of points.

        Parameters
        ----------
        lon, lat
            The stops, in degrees.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            Road km (great-circle km x `detour`) and driving minutes, each n x n.
        """
        points = radians(lon, lat)
        road = np.empty((len(points[0]), len(points[0])))
        minutes = np.empty_like(road)
        for rows in _row_blocks(len(road)):
            road[rows] = self._road_rows(points, rows)
            minutes[rows] = self.driving_minutes(road[rows])
        return road, minutes

    def minutes(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Driving minutes between every pair of points (`matrices` without the km matrix).

        Parameters
        ----------
        lon, lat
            The stops, in degrees.

        Returns
        -------
        numpy.ndarray
            The n x n driving minutes, from row to column.
        """
        points = radians(lon, lat)
        minutes = np.empty((len(points[0]), len(points[0])))
        for rows in _row_blocks(len(minutes)):
            minutes[rows] = self.driving_minutes(self._road_rows(points, rows))
        return minutes

    def planning_tables(self, lon: np.ndarray, lat: np.ndarray) -> tuple[Kilometres, np.ndarray]:
        """Km of the legs, computed when asked (`LegKilometres`), and the all-pairs minutes.

        Only one all-pairs matrix is kept: the km of a calendar are those of the legs driven.

        Parameters
        ----------
        lon, lat
            The stops, in degrees.

        Returns
        -------
        tuple[Kilometres, numpy.ndarray]
            A `LegKilometres` over the stops, and the n x n driving minutes.
        """
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        return LegKilometres(self, lon, lat), self.minutes(lon, lat)


@dataclass(frozen=True)
class LegKilometres:
    """Road km of `TravelModel` between points, computed a leg at a time: ``km[origins, dest]``.

    The same numbers, bit for bit, as the km matrix of `TravelModel.matrices`, without its
    n x n floats (9,600 stops: 740 MB).
    """

    model: TravelModel
    lon: np.ndarray
    lat: np.ndarray

    def __getitem__(self, pairs: tuple[np.ndarray, np.ndarray], /) -> np.ndarray:
        """The road km of each leg ``origins[k] -> destinations[k]``."""
        origins, destinations = pairs
        return great_circle_legs_km(self.lon, self.lat, origins, destinations) * self.model.detour


#: Typical speeds (km/h) by OpenStreetMap ``highway`` kind, when a road has no ``maxspeed``.
ROAD_SPEEDS_KMH = {
    "motorway": 100.0, "motorway_link": 60.0, "trunk": 80.0, "trunk_link": 50.0,
    "primary": 60.0, "primary_link": 40.0, "secondary": 50.0, "secondary_link": 35.0,
    "tertiary": 40.0, "tertiary_link": 30.0, "unclassified": 40.0, "residential": 30.0,
    "living_street": 10.0, "service": 20.0, "road": 30.0,
}  # fmt: skip
DEFAULT_ROAD_KMH = 30.0
#: Nodes or roads read between two checks of the cancel token.
ROAD_CHUNK = 20_000
MPH = 1.609344


def road_speeds(edges: Any) -> np.ndarray:
    """km/h of each road: its ``maxspeed`` ("50", "30 mph") or the usual speed of its kind.

    Parameters
    ----------
    edges
        The roads as a table (pyrosm's edges): ``highway`` and, if present, ``maxspeed``.

    Returns
    -------
    numpy.ndarray
        A speed per road in km/h: a positive ``maxspeed`` (mph converted), else the
        kind's speed in `ROAD_SPEEDS_KMH`, else `DEFAULT_ROAD_KMH`.
    """
    kinds = edges["highway"].fillna("").astype(str)
    typical = kinds.map(ROAD_SPEEDS_KMH).fillna(DEFAULT_ROAD_KMH).to_numpy(dtype=float)
    if "maxspeed" not in edges.columns:
        return np.asarray(typical, dtype=float)
    text = edges["maxspeed"].fillna("").astype(str).str.lower()
    number = text.str.extract(r"(\d+(?:\.\d+)?)")[0].astype(float).to_numpy()
    number = np.where(text.str.contains("mph").to_numpy(), number * MPH, number)
    return np.asarray(np.where(np.isfinite(number) & (number > 0), number, typical), dtype=float)


class RoadNetwork:
    """A road graph (networkx) giving shortest-path distances and times between stops.

    Edges need ``length`` (metres); ``travel_time`` (seconds) is used if
    present, else the length at `default_kmh`. Node positions are ``x``
    (longitude) and ``y`` (latitude), as OSMnx writes them.

    Parameters
    ----------
    graph
        The road graph; one without nodes, or with nodes lacking ``x``/``y``, raises `InputError`.
    default_kmh
        The speed (km/h) of an edge without ``travel_time``; 50 by default.
    cancel
        Checked every `ROAD_CHUNK` edges; cancelled: `TaskCancelledError`.
    """

    def __init__(
        self, graph: nx.Graph, default_kmh: float = 50.0, cancel: CancelToken | None = None
    ) -> None:
        cancel = cancel or CancelToken()
        if graph.number_of_nodes() == 0:
            msg = "the road network has no roads"
            raise InputError(msg)
        self.graph = graph
        self.default_kmh = default_kmh
        nodes = list(graph.nodes)
        try:
            xy = np.array([[float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])] for n in nodes])
        except (KeyError, TypeError, ValueError) as exc:
            msg = "the road network's nodes need x (longitude) and y (latitude)"
            raise InputError(msg) from exc
        self.nodes = np.array(nodes, dtype=object)
        self.tree = shapely.STRtree(np.asarray(shapely.points(xy[:, 0], xy[:, 1]), dtype=object))
        for i, (_u, _v, data) in enumerate(graph.edges(data=True)):
            if i % ROAD_CHUNK == 0:
                cancel.raise_if_cancelled()
            length = float(data.get("length", 0.0))
            data["_km"] = length / 1000
            data["_min"] = (
                float(data["travel_time"]) / 60
                if "travel_time" in data
                else length / 1000 / default_kmh * 60
            )

    @classmethod
    def from_graphml(cls, path: Path, cancel: CancelToken | None = None) -> RoadNetwork:
        """Read a GraphML road network (e.g. saved by OSMnx).

        Parameters
        ----------
        path
            The GraphML file; one that cannot be read raises `InputError` naming it.
        cancel
            Checked before the file is read and while its roads are prepared.

        Returns
        -------
        RoadNetwork
            The network, at the default speed for edges without ``travel_time``.
        """
        cancel = cancel or CancelToken()
        cancel.raise_if_cancelled()
        try:
            graph = nx.read_graphml(path)
        except (OSError, nx.NetworkXError, ValueError, ET.ParseError) as exc:
            msg = f"cannot read the road network: {exc}"
            raise InputError(msg, file=str(path)) from exc
        return cls(graph, cancel=cancel)

    @classmethod
    def from_osm_pbf(cls, path: Path, cancel: CancelToken | None = None) -> RoadNetwork:
        """Read the drivable roads of an OpenStreetMap extract (``.osm.pbf``, with pyrosm).

        Each road's speed is its ``maxspeed`` tag, or a typical speed for its
        kind of road (`ROAD_SPEEDS_KMH`); one-way streets are one-way.

        Parameters
        ----------
        path
            The extract; one that cannot be read or has no drivable roads raises `InputError`.
        cancel
            Checked before the extract is read (by pyrosm, in one call) and every
            `ROAD_CHUNK` nodes and roads of the graph built from it.

        Returns
        -------
        RoadNetwork
            The network, each edge with its length and travel time.
        """
        from pyrosm import OSM  # noqa: PLC0415 (optional, slow import)

        cancel = cancel or CancelToken()
        cancel.raise_if_cancelled()
        try:
            nodes, edges = OSM(str(path)).get_network(network_type="driving", nodes=True)
        except Exception as exc:
            msg = f"cannot read the OpenStreetMap extract: {exc}"
            raise InputError(msg, file=str(path)) from exc
        if nodes is None or edges is None or len(edges) == 0:
            msg = "the OpenStreetMap extract has no drivable roads"
            raise InputError(msg, file=str(path))
        graph = nx.MultiDiGraph()
        cancel.raise_if_cancelled()
        for i, (node, x, y) in enumerate(zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)):
            if i % ROAD_CHUNK == 0:
                cancel.raise_if_cancelled()
            graph.add_node(int(node), x=float(x), y=float(y))
        speeds = road_speeds(edges)
        lengths = edges["length"].to_numpy(dtype=float)
        oneway = edges["oneway"].fillna("").astype(str).str.lower().isin({"yes", "true", "1"})
        for i, (u, v, length, kmh, single) in enumerate(
            zip(edges["u"], edges["v"], lengths, speeds, oneway.to_numpy(), strict=True)
        ):
            if i % ROAD_CHUNK == 0:
                cancel.raise_if_cancelled()
            data = {"length": float(length), "travel_time": float(length) / (kmh / 3.6)}
            graph.add_edge(int(u), int(v), **data)
            if not single:
                graph.add_edge(int(v), int(u), **data)
        return cls(graph, cancel=cancel)

    def nearest_nodes(self, lon: np.ndarray, lat: np.ndarray) -> list[Any]:
        """The graph node nearest each point.

        Parameters
        ----------
        lon, lat
            The points, in degrees.

        Returns
        -------
        list
            The node (its graph key) nearest each point, in the points' order.
        """
        index = self.tree.nearest(shapely.points(np.asarray(lon, float), np.asarray(lat, float)))
        return list(self.nodes[np.asarray(index)])

    def matrices(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Road kilometres and minutes between every pair of points along the roads.

        One Dijkstra per stop, over the whole graph, never all pairs of the
        graph. Stops the roads do not connect get an infinite time.

        Parameters
        ----------
        lon, lat
            The stops, in degrees (each snapped to its nearest node).

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            Road km and minutes of the quickest paths, each n x n (inf where unreachable).
        """
        stops = self.nearest_nodes(lon, lat)
        n = len(stops)
        km = np.full((n, n), np.inf)
        minutes = np.full((n, n), np.inf)
        graph = self.graph
        for i, source in enumerate(stops):
            times, paths = nx.single_source_dijkstra(graph, source, weight="_min")
            for j, target in enumerate(stops):
                if target in times:
                    minutes[i, j] = times[target]
                    path = paths[target]
                    km[i, j] = sum(
                        min(d["_km"] for d in _edge_data(graph, a, b))
                        for a, b in itertools.pairwise(path)
                    )
        return km, minutes

    def planning_tables(self, lon: np.ndarray, lat: np.ndarray) -> tuple[Kilometres, np.ndarray]:
        """Km and minutes between every pair of points (both come from the same Dijkstras).

        Parameters
        ----------
        lon, lat
            The stops, in degrees.

        Returns
        -------
        tuple[Kilometres, numpy.ndarray]
            The two n x n matrices of `matrices`.
        """
        return self.matrices(lon, lat)


def _edge_data(graph: nx.Graph, a: Any, b: Any) -> list[dict[str, Any]]:
    data = graph.get_edge_data(a, b)
    if graph.is_multigraph():
        return list(data.values())
    return [data]
