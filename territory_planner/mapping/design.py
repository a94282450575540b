"""Automatic territory design: K balanced, contiguous, compact territories from area units.

The units (counties, ZIP areas, ...) become a graph: an edge joins two units
that share a border (`unit_graph`). `design_territories` splits the graph in
K connected parts whose totals of a weight (potential, accounts, workload)
are within a tolerance of the mean, and whose shapes are as round as the
units allow (Polsby-Popper).

The method, all deterministic for a given ``seed``:

1. A capacity-constrained power diagram of the unit centroids: K centres
   (k-means++ or the seeds) with additive offsets tuned so that the totals
   balance, centres moved to the area centroid of their cell (balanced
   k-means). Units then go to the best centre, which gives convex,
   roughly balanced cells; fragments cut off from their territory join the
   neighbour they share most border with.
2. Local search on border units: a unit moves to a neighbouring territory
   when that lowers ``sum(P^2 / (4 pi A)) + mu * sum(excess^2)``, where P
   and A are the territory's perimeter and area (kept up to date in
   O(degree) per move from the units' perimeters and shared borders) and
   ``excess`` is how far the territory's total is outside a band around
   the mean. The band shrinks to the tolerance and ``mu`` grows, so shape
   is settled first and balance last. A move never disconnects the
   territory it leaves (checked locally from the unit's neighbours, with a
   breadth-first search only when the neighbours are not linked around it).
3. A final balancing pass moves border units only, lexicographically:
   smaller excess first, then better shape.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from territory_planner._errors import InputError
from territory_planner.mapping.metrics import EARTH_KM_PER_DEGREE, polsby_popper
from territory_planner.tasks import CancelToken, Progress, no_progress

EARTH_RADIUS_KM = 6371.0
_EPS = 1e-12


# --------------------------------------------------------------------------- geometry


def _lonlat(units: gpd.GeoDataFrame) -> np.ndarray:
    """The units' geometries in longitude/latitude degrees."""
    crs = units.crs
    if crs is not None and not crs.is_geographic:
        units = units.to_crs(4326)
    return np.asarray(units.geometry.to_numpy(), dtype=object)


def _flat_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The single-part pieces of `geoms` and, per piece, the index of its geometry."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    for _ in range(4):  # collections of multi-parts: flatten until single parts
        multi = shapely.get_type_id(parts) >= 4  # noqa: PLR2004 (Multi*, GeometryCollection)
        if not multi.any():
            break
        inner, inner_index = shapely.get_parts(parts[multi], return_index=True)
        index = np.concatenate([index[~multi], index[multi][inner_index]])
        parts = np.concatenate([parts[~multi], inner])
    return parts, index


def _lines_km(lines: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Total length (km) of line pieces per owner, segment by segment in local kilometres."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) < 2:  # noqa: PLR2004
        return np.zeros(count)
    same = index[1:] == index[:-1]
    dlon = (coords[1:, 0] - coords[:-1, 0] + 180.0) % 360.0 - 180.0
    mid_lat = np.radians((coords[1:, 1] + coords[:-1, 1]) / 2)
    seg = EARTH_KM_PER_DEGREE * np.hypot(dlon * np.cos(mid_lat), coords[1:, 1] - coords[:-1, 1])
    per_line = np.bincount(index[:-1][same], weights=seg[same], minlength=len(lines))
    return np.bincount(owner, weights=per_line, minlength=count)


def _length_km(geoms: np.ndarray, polygon_factor: float = 1.0) -> np.ndarray:
    """Length (km) of each geometry's lines; polygon pieces count `polygon_factor` x perimeter."""
    parts, owner = _flat_parts(geoms)
    kind = shapely.get_dimensions(parts)
    lines = kind == 1
    result = _lines_km(parts[lines], owner[lines], len(geoms))
    polygons = kind == 2  # noqa: PLR2004
    if polygons.any():
        rings, ring_owner = shapely.get_rings(parts[polygons], return_index=True)
        result += polygon_factor * _lines_km(rings, owner[polygons][ring_owner], len(geoms))
    return result


def _area_km2(geoms: np.ndarray) -> np.ndarray:
    """Area (km²) of each geometry, in a sinusoidal (equal-area) projection about itself."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if not len(coords):
        return np.zeros(len(geoms))
    first = np.searchsorted(index, np.arange(len(geoms))).clip(max=len(index) - 1)
    lon0 = coords[first, 0][index]
    x = (coords[:, 0] - lon0 + 180.0) % 360.0 - 180.0
    projected = np.column_stack(
        [x * np.cos(np.radians(coords[:, 1])), coords[:, 1]]
    ) * EARTH_KM_PER_DEGREE
    copy = np.array(geoms, dtype=object, copy=True)
    shapely.set_coordinates(copy, projected)
    return np.asarray(shapely.area(copy), dtype=float)


def _sphere_km(geoms: np.ndarray) -> np.ndarray:
    """3-D positions (km) of the geometries' centroids on a sphere; chords rank like distances."""
    centroids = shapely.centroid(geoms)
    lon = np.radians(shapely.get_x(centroids))
    lat = np.radians(shapely.get_y(centroids))
    return EARTH_RADIUS_KM * np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )


def _components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected component label per node (union-find over the edges)."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in zip(src.tolist(), dst.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])


def unit_graph(units: gpd.GeoDataFrame) -> nx.Graph:
    """The adjacency graph of area units: an edge where two units share a border.

    Nodes are the units' positions (0 .. n-1) with attributes ``area_km2``
    and ``perimeter_km``; edges join units whose shared border has a
    positive length (rook adjacency: touching at a corner is not enough),
    with attribute ``border_km``. Parts of the map that share no border
    with the rest (islands, Alaska, Hawaii) are tied to the nearest unit
    of another part by an edge with ``border_km`` 0 and ``bridge`` True,
    so the graph is connected. Lengths and areas are planar
    approximations: local kilometres per segment, an equal-area projection
    per unit.

    Parameters
    ----------
    units
        Area units (polygons); a projected CRS is converted to degrees.

    Returns
    -------
    nx.Graph
        The connected unit graph.
    """
    geoms = _lonlat(units)
    n = len(geoms)
    graph = nx.Graph()
    if n == 0:
        return graph
    area = _area_km2(geoms)
    perimeter = _length_km(shapely.boundary(geoms))
    graph.add_nodes_from(
        (i, {"area_km2": float(a), "perimeter_km": float(p)})
        for i, (a, p) in enumerate(zip(area, perimeter, strict=True))
    )
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Shared lines count in full; overlaps of untidy data as half their outline.
    border = _length_km(shapely.intersection(geoms[left], geoms[right]), polygon_factor=0.5)
    touching = border > 0
    left, right, border = left[touching], right[touching], border[touching]
    graph.add_edges_from(
        (int(a), int(b), {"border_km": float(km), "bridge": False})
        for a, b, km in zip(left, right, border, strict=True)
    )
    _bridge_components(graph, geoms, left, right)
    return graph


def _bridge_components(
    graph: nx.Graph, geoms: np.ndarray, left: np.ndarray, right: np.ndarray
) -> None:
    """Tie every component to the nearest unit of another one until the graph is connected."""
    n = len(geoms)
    comp = _components(n, left, right)
    while True:
        roots, sizes = np.unique(comp, return_counts=True)
        if len(roots) <= 1:
            return
        smallest = roots[np.argmin(sizes)]  # first of the smallest: deterministic
        inside = np.flatnonzero(comp == smallest)
        outside = np.flatnonzero(comp != smallest)
        (src, dst), dist = shapely.STRtree(geoms[outside]).query_nearest(
            geoms[inside], return_distance=True, all_matches=False
        )
        best = int(np.argmin(dist))
        a, b = int(inside[src[best]]), int(outside[dst[best]])
        graph.add_edge(min(a, b), max(a, b), border_km=0.0, bridge=True)
        comp[inside] = comp[b]


# --------------------------------------------------------------------------- result


@dataclass
class DesignResult:
    """A territory plan from `design_territories`.

    Attributes
    ----------
    labels
        Territory index (0 .. K-1) of each unit, in the units' order.
    totals
        Sum of the weights per territory.
    max_deviation
        Largest ``|total / mean - 1|`` over the territories.
    contiguous
        Per territory, whether its units form one connected piece of the graph.
    compactness
        Per territory, Polsby-Popper of the union of its units (ellipsoid).
    violations
        Why the plan misses the targets, in plain English (empty when it meets them).
    seconds
        Wall time of the design.
    """

    labels: np.ndarray
    totals: np.ndarray
    max_deviation: float
    contiguous: list[bool]
    compactness: list[float]
    violations: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --------------------------------------------------------------------------- search state


class _Plan:
    """A labelling of the units with per-territory totals, areas and perimeters kept current."""

    def __init__(
        self,
        graph: nx.Graph,
        weights: np.ndarray,
        area: np.ndarray,
        perimeter: np.ndarray,
        labels: np.ndarray,
        fixed: np.ndarray,
        k: int,
    ) -> None:
        n = len(weights)
        self.n, self.k = n, k
        self.nbr: list[list[int]] = []
        self.border: list[list[float]] = []
        for i in range(n):
            adj = graph.adj[i]
            others = sorted(adj)
            self.nbr.append(others)
            self.border.append([float(adj[j]["border_km"]) for j in others])
        src = np.repeat(np.arange(n), [len(x) for x in self.nbr])
        dst = np.fromiter((j for x in self.nbr for j in x), dtype=np.int64, count=len(src))
        self.src, self.dst = src, dst
        self.w = weights.astype(float).tolist()
        self.area = area.astype(float).tolist()
        self.perim = perimeter.astype(float).tolist()
        self.fixed = fixed.astype(bool).tolist()
        self.label: list[int] = labels.astype(int).tolist()
        self.mean = float(weights.sum()) / k
        self.inv_mean = 1.0 / self.mean if self.mean > 0 else 0.0
        self.recount()

    def recount(self) -> None:
        """Totals, areas, perimeters and sizes from scratch."""
        k = self.k
        lab = np.asarray(self.label)
        self.total = np.bincount(lab, weights=self.w, minlength=k).tolist()
        self.t_area = np.bincount(lab, weights=self.area, minlength=k).tolist()
        perim = np.bincount(lab, weights=self.perim, minlength=k)
        border = np.fromiter((b for x in self.border for b in x), dtype=float, count=len(self.src))
        inside = lab[self.src] == lab[self.dst]
        # Each inner border appears twice (both directions): subtract it once per side.
        perim -= np.bincount(lab[self.src][inside], weights=border[inside], minlength=k)
        self.t_perim = perim.tolist()
        self.count = np.bincount(lab, minlength=k).tolist()
        self.shape = [self.shape_cost(p, a) for p, a in zip(self.t_perim, self.t_area, strict=True)]

    @staticmethod
    def shape_cost(perimeter: float, area: float) -> float:
        """1 / Polsby-Popper of a territory (1 for a disc, larger for worse shapes)."""
        return perimeter * perimeter / (4 * np.pi * area) if area > 0 else 0.0

    def deviations(self) -> np.ndarray:
        """``total / mean - 1`` per territory."""
        return np.asarray(self.total) * self.inv_mean - 1

    def boundary_units(self) -> np.ndarray:
        """Units with a neighbour in another territory, ascending."""
        lab = np.asarray(self.label)
        cut = lab[self.src] != lab[self.dst]
        return np.unique(self.src[cut])

    def stays_connected(self, v: int, a: int) -> bool:
        """Whether territory `a` minus unit `v` keeps `v`'s neighbours in `a` linked."""
        label, nbr = self.label, self.nbr
        targets = [u for u in nbr[v] if label[u] == a]
        if len(targets) <= 1:
            return True
        wanted = set(targets)
        start = targets[0]
        seen = {start}
        stack = [start]
        while stack:  # linked around v through its own neighbours?
            x = stack.pop()
            for y in nbr[x]:
                if y in wanted and y not in seen:
                    seen.add(y)
                    stack.append(y)
        if len(seen) == len(targets):
            return True
        found = len(seen)
        seen.add(v)
        queue = deque(seen - {v})
        while queue:
            x = queue.popleft()
            for y in nbr[x]:
                if y not in seen and label[y] == a:
                    seen.add(y)
                    if y in wanted:
                        found += 1
                        if found == len(targets):
                            return True
                    queue.append(y)
        return False

    def move(self, v: int, b: int) -> None:
        """Move unit `v` to territory `b` (no checks)."""
        a = self.label[v]
        sa = sb = 0.0
        for u, km in zip(self.nbr[v], self.border[v], strict=True):
            lu = self.label[u]
            if lu == a:
                sa += km
            elif lu == b:
                sb += km
        self.t_perim[a] += 2 * sa - self.perim[v]
        self.t_perim[b] += self.perim[v] - 2 * sb
        self.t_area[a] -= self.area[v]
        self.t_area[b] += self.area[v]
        self.total[a] -= self.w[v]
        self.total[b] += self.w[v]
        self.count[a] -= 1
        self.count[b] += 1
        self.shape[a] = self.shape_cost(self.t_perim[a], self.t_area[a])
        self.shape[b] = self.shape_cost(self.t_perim[b], self.t_area[b])
        self.label[v] = b

    def sweep(self, order: Sequence[int], mu: float, band: float, shape_weight: float = 1.0) -> int:
        """One pass of first-improvement moves over `order`; returns the number of moves.

        A move's score is the change of ``shape_weight * sum(shape) + mu *
        sum(excess^2)`` where ``excess = max(|total / mean - 1| - band, 0)``.
        """
        label, nbr, border = self.label, self.nbr, self.border
        total, t_area, t_perim, shape, count = (
            self.total,
            self.t_area,
            self.t_perim,
            self.shape,
            self.count,
        )
        w, area, perim, fixed = self.w, self.area, self.perim, self.fixed
        inv_mean = self.inv_mean
        four_pi = 4 * np.pi
        moves = 0

        def penalty(t: float) -> float:
            e = abs(t * inv_mean - 1) - band
            return e * e if e > 0 else 0.0

        for v in order:
            if fixed[v]:
                continue
            a = label[v]
            if count[a] <= 1:
                continue
            sa = 0.0
            other: dict[int, float] = {}
            for u, km in zip(nbr[v], border[v]):  # noqa: B905 (hot loop)
                lu = label[u]
                if lu == a:
                    sa += km
                else:
                    other[lu] = other.get(lu, 0.0) + km
            if not other:
                continue
            wv, av, pv = w[v], area[v], perim[v]
            pa = t_perim[a] - pv + 2 * sa
            aa = t_area[a] - av
            base_a = shape_weight * ((pa * pa / (four_pi * aa) if aa > 0 else 0.0) - shape[a])
            base_a += mu * (penalty(total[a] - wv) - penalty(total[a]))
            best, best_b = -1e-9, -1
            for b, sb in other.items():
                pb = t_perim[b] + pv - 2 * sb
                ab = t_area[b] + av
                delta = base_a + shape_weight * (pb * pb / (four_pi * ab) - shape[b])
                delta += mu * (penalty(total[b] + wv) - penalty(total[b]))
                if delta < best:
                    best, best_b = delta, b
            if best_b >= 0 and self.stays_connected(v, a):
                self.move(v, best_b)
                moves += 1
        return moves

    def pieces(self) -> list[list[list[int]]]:
        """Per territory, its connected pieces (lists of units)."""
        label, nbr = self.label, self.nbr
        seen = [False] * self.n
        result: list[list[list[int]]] = [[] for _ in range(self.k)]
        for s in range(self.n):
            if seen[s]:
                continue
            t = label[s]
            seen[s] = True
            piece = [s]
            for x in piece:
                for y in nbr[x]:
                    if not seen[y] and label[y] == t:
                        seen[y] = True
                        piece.append(y)
            result[t].append(piece)
        return result


# --------------------------------------------------------------------------- initial plan


def _kmeans_pp(
    xyz: np.ndarray, area: np.ndarray, centers: np.ndarray, known: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Fill the unknown centres k-means++ style (probability ~ area x squared distance)."""
    centers = centers.copy()
    chosen = [c for c, ok in zip(centers, known, strict=True) if ok]
    prob_base = np.maximum(area, 0) + 1e-9
    for t in np.flatnonzero(~known):
        if chosen:
            d2 = np.min(((xyz[:, None, :] - np.asarray(chosen)[None]) ** 2).sum(-1), axis=1)
            p = prob_base * d2
        else:
            p = prob_base.copy()
        p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
        centers[t] = xyz[rng.choice(len(xyz), p=p)]
        chosen.append(centers[t])
    return centers


def _power_diagram(
    xyz: np.ndarray,
    area: np.ndarray,
    weights: np.ndarray,
    k: int,
    preset: np.ndarray,
    anchors: dict[int, int],
    rng: np.random.Generator,
    cancel: CancelToken | None,
    rounds: int = 12,
    inner: int = 25,
) -> np.ndarray:
    """Balanced k-means: centres and offsets so each cell holds about the mean weight."""
    free = preset < 0
    centers = np.zeros((k, 3))
    known = np.zeros(k, dtype=bool)
    for t in range(k):
        if t in anchors:
            centers[t], known[t] = xyz[anchors[t]], True
        elif (preset == t).any():
            mine = preset == t
            centers[t] = np.average(xyz[mine], axis=0, weights=area[mine] + 1e-9)
            known[t] = True
    centers = _kmeans_pp(xyz, area, centers, known, rng)
    mean = weights.sum() / k
    scale = max(area.sum(), 1e-9) / k / np.pi  # squared radius of a disc-shaped territory
    offset = np.zeros(k)
    fixed_totals = np.bincount(preset[~free], weights=weights[~free], minlength=k)
    labels = preset.copy()
    for r in range(rounds):
        if cancel is not None:
            cancel.raise_if_cancelled()
        d2 = ((xyz[free, None, :] - centers[None]) ** 2).sum(-1)
        step = 1.0
        for _ in range(inner):
            labels[free] = np.argmin(d2 - offset, axis=1)
            totals = fixed_totals + np.bincount(labels[free], weights=weights[free], minlength=k)
            if mean > 0:
                offset += step * scale * (mean - totals) / mean
            step *= 0.93
        if r < rounds - 1:
            for t in range(k):
                mine = labels == t
                if t not in anchors and mine.any():
                    centers[t] = np.average(xyz[mine], axis=0, weights=area[mine] + 1e-9)
    return labels


def _repair(plan: _Plan) -> None:
    """Give each territory's pieces cut off from its main piece to the neighbour they touch most."""
    for _ in range(100):
        changed = False
        for t, pieces in enumerate(plan.pieces()):
            if len(pieces) <= 1:
                continue
            anchored = [any(plan.fixed[u] for u in p) for p in pieces]
            keep = max(range(len(pieces)), key=lambda i: (anchored[i], len(pieces[i]), -i))
            for i, piece in enumerate(pieces):
                if i == keep or anchored[i]:
                    continue
                members = set(piece)
                touch: dict[int, float] = {}
                for v in piece:
                    for u, km in zip(plan.nbr[v], plan.border[v], strict=True):
                        if u not in members and plan.label[u] != t:
                            lu = plan.label[u]
                            touch[lu] = touch.get(lu, 0.0) + km + 1e-6
                if not touch:
                    continue
                target = max(sorted(touch), key=lambda b: touch[b])
                for v in piece:
                    plan.label[v] = target
                changed = True
        if not changed:
            break
    plan.recount()


def _fill_empty(plan: _Plan) -> None:
    """Give each empty territory one free border unit of the territory with the most units."""
    for t in range(plan.k):
        if plan.count[t]:
            continue
        big = int(np.argmax(plan.count))
        candidates = [
            v
            for v in plan.boundary_units().tolist() + list(range(plan.n))
            if plan.label[v] == big and not plan.fixed[v]
        ]
        if candidates:
            plan.move(candidates[0], t)


# --------------------------------------------------------------------------- design


def _unit_names(units: gpd.GeoDataFrame) -> list[str]:
    """A readable name per unit: its ``name`` (and ``fips``) column, else its position."""
    n = len(units)
    if "name" not in units.columns:
        return [f"unit {i}" for i in range(n)]
    names = units["name"].astype(str).tolist()
    if "fips" in units.columns:
        return [f"{a} ({b})" for a, b in zip(names, units["fips"].astype(str), strict=True)]
    return names


def _check_inputs(units: gpd.GeoDataFrame, weights: np.ndarray, k: int) -> None:
    n = len(units)
    if len(weights) != n:
        msg = f"{len(weights)} weights for {n} units: give one weight per unit"
        raise InputError(msg)
    if k < 1:
        msg = "ask for at least one territory"
        raise InputError(msg)
    if k > n:
        msg = f"{k} territories need at least {k} units; there are {n}"
        raise InputError(msg)
    if not np.isfinite(weights).all() or (weights < 0).any():
        msg = "the weights must be zero or positive numbers (no blanks)"
        raise InputError(msg)


def design_territories(
    units: gpd.GeoDataFrame,
    weights: Sequence[float] | np.ndarray,
    k: int,
    *,
    tolerance: float = 0.05,
    seeds: Sequence[int] | np.ndarray | None = None,
    locked: Sequence[int] | np.ndarray | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    seed: int = 0,
    graph: nx.Graph | None = None,
) -> DesignResult:
    """Split area units into `k` connected, balanced, compact territories.

    Parameters
    ----------
    units
        Area units (polygons), e.g. counties; a ``name`` (and ``fips``)
        column names them in the violations.
    weights
        What to balance, per unit (e.g. potential); zero or positive.
    k
        Number of territories.
    tolerance
        Allowed ``|total / mean - 1|`` per territory; within it, shape wins.
    seeds
        Optional unit positions that must be in distinct territories:
        territory ``i`` contains ``seeds[i]`` (e.g. the units with the reps'
        homes). At most `k`.
    locked
        Optional territory per unit: -1 for free, else the territory the
        unit must keep.
    progress, cancel
        The task contract (see `territory_planner.tasks`).
    seed
        Random seed; the same inputs and seed give the same plan.
    graph
        ``unit_graph(units)`` if already built (it is the slowest step to
        repeat for the same units).

    Returns
    -------
    DesignResult
        The plan, its balance and shapes, and why targets were missed.

    Raises
    ------
    InputError
        If the weights or `k` cannot describe a plan.
    TaskCancelledError
        If `cancel` was cancelled.
    """
    start = time.perf_counter()
    w = np.asarray(weights, dtype=float)
    _check_inputs(units, w, k)
    n = len(units)
    names = _unit_names(units)
    violations: list[str] = []
    if graph is None:
        progress(0.0, "Finding neighbouring units")
        graph = unit_graph(units)
    if cancel is not None:
        cancel.raise_if_cancelled()
    preset = np.full(n, -1)
    if locked is not None:
        lock = np.asarray(locked, dtype=int)
        if len(lock) != n:
            msg = f"{len(lock)} locks for {n} units: give one per unit (-1 for free)"
            raise InputError(msg)
        if ((lock < -1) | (lock >= k)).any():
            msg = f"locked territories must be -1 (free) or 0 .. {k - 1}"
            raise InputError(msg)
        preset[:] = lock
    anchors = _place_seeds(seeds, k, preset, names, violations)
    for t, v in anchors.items():
        preset[v] = t

    geoms = _lonlat(units)
    xyz = _sphere_km(geoms)
    area = np.array([graph.nodes[i].get("area_km2", np.nan) for i in range(n)], dtype=float)
    perimeter = np.array(
        [graph.nodes[i].get("perimeter_km", np.nan) for i in range(n)], dtype=float
    )
    if not (np.isfinite(area).all() and np.isfinite(perimeter).all()):
        area, perimeter = _area_km2(geoms), _length_km(shapely.boundary(geoms))

    rng = np.random.default_rng(seed)
    progress(0.05, "Drawing a first plan")
    labels = _power_diagram(xyz, area, w, k, preset, anchors, rng, cancel)
    plan = _Plan(graph, w, area, perimeter, labels, preset >= 0, k)
    _fill_empty(plan)
    _repair(plan)
    _fill_empty(plan)
    _infeasibility(plan, w, preset, tolerance, names, violations)

    _improve(plan, tolerance, rng, progress, cancel)
    return _result(plan, geoms, tolerance, violations, start)
