"""Automatic territory design: K balanced, contiguous, compact territories from area units.

The units (counties, ZIP areas, ...) become a graph: an edge joins two units
that share a border (`unit_graph`). `design_territories` splits the graph in
K connected parts whose totals of a weight (potential, accounts, workload)
are within a tolerance of the mean, and whose shapes are as round as the
units allow (Polsby-Popper, the mean of which is what the search maximises).

The method, deterministic for a given ``seed``:

1. First plans: balanced k-means on the units' centroids (a power diagram:
   each unit joins the centre minimising distance^2 - offset, the offsets
   tuned so the totals balance, free centres moved to their cell's area
   centroid; k-means++ starts, seeds stay put). Pieces cut off from their
   territory join the neighbour they share most border with.
2. Local search on border units: a unit moves to a neighbouring territory
   when that lowers ``-sum(PP) + mu * sum(excess^2)``, PP = 4 pi A / P^2
   of each territory, ``excess`` = how far its total is outside
   ``mean * (1 +- tolerance)``. P and A are kept current in O(degree) per
   move (a territory's perimeter is its units' perimeters minus twice its
   inner shared borders). ``mu`` climbs a ladder, so shape is settled
   first and balance last; the last sweeps are lexicographic (less
   excess, then better shape). A move never disconnects the territory it
   leaves: checked around the unit (are its neighbours in the territory
   linked through each other?), with a breadth-first search only when not.
3. Several first plans (``starts``) go through this, the best is kept; if
   it is still out of balance, ejection chains (A gives a border unit to
   B, B one to C, ...) fix what single moves cannot.

Inputs that make the balance impossible (a unit heavier than a territory,
locked units over the mean, more seeds than territories) are explained in
`DesignResult.violations`; a unit heavier than a territory gets one of its
own and the others are balanced on what is left.
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
from territory_planner.mapping.recombine import recombine
from territory_planner.tasks import CancelToken, Progress, no_progress

EARTH_RADIUS_KM = 6371.0
_SNAP_DECIMALS = 7  # of a degree: about 1 cm
_MIN_BORDER = 1e-6  # of the shorter perimeter
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
    projected = (
        np.column_stack([x * np.cos(np.radians(coords[:, 1])), coords[:, 1]]) * EARTH_KM_PER_DEGREE
    )
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
    # Rounded to ~1 cm so borders that differ by rounding noise still coincide.
    snapped = shapely.transform(geoms, lambda xy: np.round(xy, _SNAP_DECIMALS))
    broken = ~shapely.is_valid(snapped)
    snapped[broken] = shapely.set_precision(geoms[broken], 10.0**-_SNAP_DECIMALS)
    left, right = shapely.STRtree(snapped).query(snapped, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Shared lines count in full; overlaps of untidy data as half their outline.
    border = _length_km(shapely.intersection(snapped[left], snapped[right]), polygon_factor=0.5)
    # Rook adjacency: a shared line, not a corner or a sliver of noise.
    touching = border > _MIN_BORDER * np.minimum(perimeter[left], perimeter[right])
    left, right, border = left[touching], right[touching], border[touching]
    graph.add_edges_from(
        (int(a), int(b), {"border_km": float(km), "bridge": False})
        for a, b, km in zip(left, right, border, strict=True)
    )
    _bridge_components(graph, geoms)
    return graph


def _measures(graph: nx.Graph, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's area (km²) and perimeter (km): from the graph's nodes, else measured."""
    n = len(geoms)
    area = np.array([graph.nodes[i].get("area_km2", np.nan) for i in range(n)], dtype=float)
    perimeter = np.array(
        [graph.nodes[i].get("perimeter_km", np.nan) for i in range(n)], dtype=float
    )
    if not (np.isfinite(area).all() and np.isfinite(perimeter).all()):
        area, perimeter = _area_km2(geoms), _length_km(shapely.boundary(geoms))
    return area, perimeter


def _bridge_components(graph: nx.Graph, geoms: np.ndarray) -> None:
    """Tie every component to the nearest unit of another one until the graph is connected."""
    comp = np.zeros(len(geoms), dtype=int)
    for c, members in enumerate(nx.connected_components(graph)):
        comp[list(members)] = c
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
    """A labelling of the units, with each territory's total, area and perimeter kept current.

    Balance is judged against a band per territory: ``target * (1 +- band)``,
    where the target is the mean of the territories that can be balanced.
    A territory whose pinned units (locked, seed, or one unit heavier than
    the mean) already exceed the band is "overfull": its band is just its
    pinned weight, and the others share what is left.
    """

    def __init__(
        self,
        graph: nx.Graph,
        weights: np.ndarray,
        area: np.ndarray,
        perimeter: np.ndarray,
        *,
        fixed: np.ndarray,
        k: int,
        served: np.ndarray | None = None,
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
        self.src = np.repeat(np.arange(n), [len(x) for x in self.nbr])
        self.dst = np.fromiter(
            (j for x in self.nbr for j in x), dtype=np.int64, count=len(self.src)
        )
        self.border_flat = np.fromiter(
            (b for x in self.border for b in x), dtype=float, count=len(self.src)
        )
        self.w: list[float] = weights.astype(float).tolist()
        self.served = (
            np.repeat(weights.astype(float)[:, None], k, axis=1)
            if served is None
            else np.asarray(served, dtype=float)
        )
        self.wk: list[list[float]] = self.served.tolist()  # what each unit weighs in each territory
        self.varies = served is not None
        self.band = 0.0
        self.area: list[float] = area.astype(float).tolist()
        self.perim: list[float] = perimeter.astype(float).tolist()
        self.fixed: list[bool] = fixed.astype(bool).tolist()
        self.mean = float(weights.sum()) / k
        self.targets = [self.mean] * k
        self.overfull = [False] * k
        self.scale = 1.0 / self.mean if self.mean > 0 else 0.0
        self.lo: list[float] = [0.0] * k
        self.hi: list[float] = [0.0] * k
        self.label: list[int] = [0] * n
        self.total: list[float] = []
        self.t_area: list[float] = []
        self.t_perim: list[float] = []
        self.count: list[int] = []
        self.shape: list[float] = []
        self._inside: dict[int, list[int]] = {}
        self._beside: dict[int, list[int]] = {}
        self._budget = 0

    def set_targets(self, targets: Sequence[float], overfull: Sequence[bool]) -> None:
        """What each territory should total, and which ones cannot come down to the mean."""
        self.targets = [float(t) for t in targets]
        self.overfull = [bool(o) for o in overfull]
        balanced = [t for t, o in zip(self.targets, self.overfull, strict=True) if not o]
        reference = max(balanced) if balanced else self.mean
        self.scale = 1.0 / reference if reference > 0 else 0.0

    def set_band(self, band: float) -> None:
        """Accept totals within ``target * (1 +- band)`` (overfull: up to their pinned weight)."""
        self.band = band
        for t in range(self.k):
            if self.overfull[t]:
                self.lo[t], self.hi[t] = 0.0, self.targets[t]
            else:
                self.lo[t] = self.targets[t] * (1 - band)
                self.hi[t] = self.targets[t] * (1 + band)

    def recenter(self) -> None:
        """With served weights the team total moves with the plan: aim at its mean again."""
        if not self.varies:
            return
        mean = sum(self.total) / self.k
        self.targets = [t if o else mean for t, o in zip(self.targets, self.overfull, strict=True)]
        self.set_band(self.band)

    def assign(self, labels: np.ndarray) -> None:
        """Start over from these labels."""
        self.label = np.asarray(labels).astype(int).tolist()
        self.recount()

    def recount(self) -> None:
        """Totals, areas, perimeters and sizes from scratch."""
        k = self.k
        lab = np.asarray(self.label)
        self.total = self.totals_of(lab).tolist()
        self.t_area = np.bincount(lab, weights=self.area, minlength=k).tolist()
        perim = np.bincount(lab, weights=self.perim, minlength=k)
        inside = lab[self.src] == lab[self.dst]
        # Each inner border is listed from both sides: once per side comes off.
        perim -= np.bincount(lab[self.src][inside], weights=self.border_flat[inside], minlength=k)
        self.t_perim = perim.tolist()
        self.count = np.bincount(lab, minlength=k).tolist()
        self.shape = [self.shape_cost(p, a) for p, a in zip(self.t_perim, self.t_area, strict=True)]

    def totals_of(self, labels: np.ndarray) -> np.ndarray:
        """Each territory's total under these labels."""
        rows = np.arange(self.n)
        return np.bincount(labels, weights=self.served[rows, labels], minlength=self.k)

    @staticmethod
    def shape_cost(perimeter: float, area: float) -> float:
        """Minus the Polsby-Popper score 4 pi A / P^2 (-1 for a disc, near 0 for a snake)."""
        return -4 * np.pi * area / (perimeter * perimeter) if perimeter > 0 else 0.0

    def excess(self, t: int, total: float | None = None) -> float:
        """How far territory `t`'s total is outside its band, relative (signed: + over)."""
        value = self.total[t] if total is None else total
        if value > self.hi[t]:
            return (value - self.hi[t]) * self.scale
        if value < self.lo[t]:
            return (value - self.lo[t]) * self.scale
        return 0.0

    def total_excess(self) -> float:
        """Sum of the territories' absolute excess."""
        return sum(abs(self.excess(t)) for t in range(self.k))

    def boundary_units(self) -> np.ndarray:
        """Units with a neighbour in another territory, ascending."""
        lab = np.asarray(self.label)
        cut = lab[self.src] != lab[self.dst]
        return np.unique(self.src[cut])

    def stays_connected(self, v: int, a: int) -> bool:
        """Whether territory `a` without unit `v` keeps `v`'s neighbours in `a` linked."""
        label, nbr = self.label, self.nbr
        targets = [u for u in nbr[v] if label[u] == a]
        if len(targets) <= 1:
            return True
        wanted = set(targets)
        seen = {targets[0]}
        stack = [targets[0]]
        while stack:  # linked around v through its own neighbours? (the usual case)
            x = stack.pop()
            for y in nbr[x]:
                if y in wanted and y not in seen:
                    seen.add(y)
                    stack.append(y)
        if len(seen) == len(targets):
            return True
        found = len(seen)
        queue = deque(seen)
        seen.add(v)
        while queue:  # breadth first, so the neighbours are usually found nearby
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

    def shared(self, v: int) -> dict[int, float]:
        """Border length of unit `v` with each territory it touches (its own included)."""
        result: dict[int, float] = {}
        label = self.label
        for u, km in zip(self.nbr[v], self.border[v], strict=True):
            result[label[u]] = result.get(label[u], 0.0) + km
        return result

    def shape_delta(self, v: int, b: int, shared: dict[int, float]) -> float:
        """Change of the summed shape cost if `v` moved to territory `b`."""
        a = self.label[v]
        pv, av = self.perim[v], self.area[v]
        cost = self.shape_cost
        return (
            cost(self.t_perim[a] - pv + 2 * shared.get(a, 0.0), self.t_area[a] - av)
            - self.shape[a]
            + cost(self.t_perim[b] + pv - 2 * shared.get(b, 0.0), self.t_area[b] + av)
            - self.shape[b]
        )

    def move(self, v: int, b: int) -> None:
        """Move unit `v` to territory `b` (no checks)."""
        a = self.label[v]
        shared = self.shared(v)
        self.t_perim[a] += 2 * shared.get(a, 0.0) - self.perim[v]
        self.t_perim[b] += self.perim[v] - 2 * shared.get(b, 0.0)
        self.t_area[a] -= self.area[v]
        self.t_area[b] += self.area[v]
        self.total[a] -= self.wk[v][a]
        self.total[b] += self.wk[v][b]
        self.count[a] -= 1
        self.count[b] += 1
        self.shape[a] = self.shape_cost(self.t_perim[a], self.t_area[a])
        self.shape[b] = self.shape_cost(self.t_perim[b], self.t_area[b])
        self.label[v] = b

    def sweep(self, order: Sequence[int], mu: float | None) -> int:  # noqa: PLR0912, PLR0915 (the hot loop stays inline)
        """One pass of first-improvement moves over `order`; returns the number of moves.

        A move's score is the change of ``sum(shape) + mu * sum(excess^2)``
        (see `set_band`). With `mu` None the excess comes first: a move
        must reduce it, or keep it and improve the shape.
        """
        label, nbr, border = self.label, self.nbr, self.border
        total, t_area, t_perim, shape, count = (
            self.total,
            self.t_area,
            self.t_perim,
            self.shape,
            self.count,
        )
        wk, area, perim, fixed = self.wk, self.area, self.perim, self.fixed
        lo, hi, scale = self.lo, self.hi, self.scale
        cost = self.shape_cost
        hard = mu is None
        weight = 0.0 if mu is None else mu
        moves = 0

        def penalty(value: float, t: int) -> float:
            e = lo[t] - value
            if e <= 0:
                e = value - hi[t]
                if e <= 0:
                    return 0.0
            e *= scale
            return e * e

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
            wv, av, pv = wk[v], area[v], perim[v]
            shape_a = cost(t_perim[a] - pv + 2 * sa, t_area[a] - av) - shape[a]
            pen_a = penalty(total[a] - wv[a], a) - penalty(total[a], a)
            best_b = -1
            if hard:
                best_pen, best_shape = 0.0, -1e-9
                for b, sb in other.items():
                    dp = pen_a + penalty(total[b] + wv[b], b) - penalty(total[b], b)
                    if dp > _EPS:
                        continue
                    ds = shape_a + cost(t_perim[b] + pv - 2 * sb, t_area[b] + av) - shape[b]
                    dp = dp if dp < -_EPS else 0.0
                    if dp < best_pen or (dp == best_pen and ds < best_shape):
                        best_pen, best_shape, best_b = dp, ds, b
            else:
                best = -1e-9
                base = shape_a + weight * pen_a
                for b, sb in other.items():
                    delta = base + cost(t_perim[b] + pv - 2 * sb, t_area[b] + av) - shape[b]
                    delta += weight * (penalty(total[b] + wv[b], b) - penalty(total[b], b))
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
            for x in piece:  # grows while it is read: a breadth-first search
                for y in nbr[x]:
                    if not seen[y] and label[y] == t:
                        seen[y] = True
                        piece.append(y)
            result[t].append(piece)
        return result

    # ----------------------------------------------------------------- ejection chains

    def chain(self, x: int, sign: int, depth: int, visited: set[int], before: float) -> bool:
        """Fix territory `x`'s excess by a chain of border moves; keep it if the sum improves.

        `sign` +1: `x` is over and gives a border unit to a neighbour, which
        may then pass one on; -1: `x` is under and takes one. Up to `depth`
        moves, through territories not in `visited`; undone unless the
        summed excess ends below `before`.
        """
        if self._budget <= 0:
            return False
        self._budget -= 1
        label, wk = self.label, self.wk
        candidates: list[tuple[tuple[int, int, float], int, int, int]] = []
        need = self.total[x] - self.targets[x]
        for v in self._frontier(x, sign):
            if self.fixed[v]:
                continue
            source = label[v]
            if self.count[source] <= 1:
                continue
            shared = self.shared(v)
            targets = [x] if sign < 0 else [t for t in shared if t != x and t not in visited]
            for t in targets:
                if sign < 0 and source in visited:
                    continue
                lands = self.excess(x, self.total[x] - sign * wk[v][x]) == 0
                nxt = t if sign > 0 else source
                ok = self.excess(nxt, self.total[nxt] + sign * wk[v][nxt]) == 0
                closing = lands and ok
                key = (
                    -int(closing),
                    -int(lands),
                    self.shape_delta(v, t, shared) if closing else abs(wk[v][x] - abs(need)),
                )
                candidates.append((key, v, source, t))
        candidates.sort()
        for _, v, source, t in candidates[:_CHAIN_BRANCH]:
            if not self.stays_connected(v, source):
                continue
            self.move(v, t)
            if self.total_excess() < before - _EPS:
                return True
            nxt = t if sign > 0 else source
            if (
                depth > 1
                and self.excess(nxt) * sign > 0
                and self.chain(nxt, sign, depth - 1, visited | {nxt}, before)
            ):
                return True
            self.move(v, source)
        return False

    def _frontier(self, x: int, sign: int) -> list[int]:
        """Units `x` could give away (sign +1: its border units) or take (-1: units next to it)."""
        label = self.label
        if sign > 0:
            return [v for v in self._inside.get(x, ()) if label[v] == x]
        return [
            v
            for v in self._beside.get(x, ())
            if label[v] != x and any(label[u] == x for u in self.nbr[v])
        ]

    def _index_borders(self) -> None:
        """Per territory: its border units, and the units of others that touch it."""
        lab = np.asarray(self.label)
        cut = lab[self.src] != lab[self.dst]
        src = self.src[cut]
        self._inside = {}
        self._beside = {}
        for t, v in sorted(set(zip(lab[src].tolist(), src.tolist(), strict=True))):
            self._inside.setdefault(t, []).append(v)
        for t, v in sorted(set(zip(lab[self.dst[cut]].tolist(), src.tolist(), strict=True))):
            self._beside.setdefault(t, []).append(v)

    def balance_by_chains(self, depth: int, cancel: CancelToken | None) -> bool:
        """Ejection chains until every territory is in its band or none helps; True if all are."""
        self._budget = _CHAIN_BUDGET
        for _ in range(4 * self.k):
            if cancel is not None:
                cancel.raise_if_cancelled()
            self._index_borders()
            off = [t for t in range(self.k) if self.excess(t) != 0]
            if not off:
                return True
            off.sort(key=lambda t: -abs(self.excess(t)))
            progress = False
            for x in off:
                e = self.excess(x)
                if e == 0:
                    continue
                sign = 1 if e > 0 else -1
                if self.chain(x, sign, depth, {x}, self.total_excess()):
                    progress = True
            if not progress:
                return False
        return self.total_excess() == 0


_CHAIN_BRANCH = 4
_CHAIN_BUDGET = 3000  # candidate lists built per balancing (deterministic, unlike a clock)


# --------------------------------------------------------------------------- first plan


def _kmeans_pp(
    xyz: np.ndarray,
    area: np.ndarray,
    centers: np.ndarray,
    known: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Fill the centres not `known` k-means++ style (chance ~ area x squared distance)."""
    centers = centers.copy()
    chosen = [c for c, ok in zip(centers, known, strict=True) if ok]
    base = np.maximum(area, 0) + 1e-9
    for t in np.flatnonzero(~known):
        if chosen:
            d2 = ((xyz[:, None, :] - np.asarray(chosen)[None]) ** 2).sum(-1).min(axis=1)
            p = base * d2
        else:
            p = base.copy()
        total = p.sum()
        p = p / total if total > 0 else np.full(len(p), 1 / len(p))
        centers[t] = xyz[rng.choice(len(xyz), p=p)]
        chosen.append(centers[t])
    return centers


def _power_diagram(
    xyz: np.ndarray,
    area: np.ndarray,
    weights: np.ndarray,
    *,
    targets: np.ndarray,
    preset: np.ndarray,
    anchors: dict[int, int],
    rng: np.random.Generator,
    cancel: CancelToken | None,
) -> np.ndarray:
    """Balanced k-means: each free unit joins the centre minimising distance^2 - offset.

    The offsets are tuned so each cell's total approaches its target; free
    centres then move to the area centroid of their cell, anchored ones
    (seeds) stay on their unit.
    """
    k = len(targets)
    free = preset < 0
    centers = np.zeros((k, 3))
    known = np.zeros(k, dtype=bool)
    for t in range(k):
        mine = preset == t
        if t in anchors:
            centers[t], known[t] = xyz[anchors[t]], True
        elif mine.any():
            centers[t] = np.average(xyz[mine], axis=0, weights=area[mine] + 1e-9)
            known[t] = True
    centers = _kmeans_pp(xyz, area, centers, known, rng)
    labels = preset.copy()
    if not free.any():
        return labels
    scale = max(float(area.sum()), 1e-9) / k / np.pi  # squared radius of a round territory
    pinned = np.bincount(preset[~free], weights=weights[~free], minlength=k)
    norm = np.where(targets > 0, targets, 1.0)
    offset = np.zeros(k)
    for rounds_left in range(_KMEANS_ROUNDS - 1, -1, -1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        d2 = ((xyz[free, None, :] - centers[None]) ** 2).sum(-1)
        step = 1.0
        for _ in range(_KMEANS_BALANCE_STEPS):
            labels[free] = np.argmin(d2 - offset, axis=1)
            totals = pinned + np.bincount(labels[free], weights=weights[free], minlength=k)
            offset += step * scale * (targets - totals) / norm
            step *= 0.93
        if rounds_left:
            for t in range(k):
                mine = labels == t
                if t not in anchors and mine.any():
                    centers[t] = np.average(xyz[mine], axis=0, weights=area[mine] + 1e-9)
    return labels


_KMEANS_ROUNDS = 12
_KMEANS_BALANCE_STEPS = 25


def _repair(plan: _Plan) -> None:
    """Pieces cut off from their territory's main piece join the neighbour they touch most."""
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
                            touch[plan.label[u]] = touch.get(plan.label[u], 0.0) + km + 1e-6
                if touch:
                    target = max(sorted(touch), key=lambda b: touch[b])
                    for v in piece:
                        plan.label[v] = target
                    changed = True
        if not changed:
            break
    plan.recount()


def _fill_empty(plan: _Plan) -> None:
    """Give each empty territory a free unit (border units first) of the largest one with one.

    The largest territory may hold only locked units: the next largest with a
    free unit to spare gives one then.
    """
    for t in range(plan.k):
        if plan.count[t]:
            continue
        units = plan.boundary_units().tolist() + list(range(plan.n))
        for big in np.argsort(-np.asarray(plan.count), kind="stable").tolist():
            if plan.count[big] < 2:  # noqa: PLR2004 (giving its only unit would empty it)
                break
            v = next((v for v in units if plan.label[v] == big and not plan.fixed[v]), None)
            if v is not None:
                plan.move(v, t)
                break


# --------------------------------------------------------------------------- design


def _unit_names(units: gpd.GeoDataFrame) -> list[str]:
    """A readable name per unit: its ``name`` (and ``fips``) column, else its position."""
    n = len(units)
    if "name" not in units.columns:
        return [f"unit {i}" for i in range(n)]
    names = [str(name) for name in units["name"]]
    if "fips" in units.columns:
        return [f"{a} ({b})" for a, b in zip(names, units["fips"], strict=True)]
    return names


def _territory_words(given: Sequence[str] | None, k: int) -> list[str]:
    """What to call each territory in messages: its name, else "territory 1", ..."""
    if given is not None and len(given) == k:
        return [str(t) for t in given]
    return [f"territory {t + 1}" for t in range(k)]


def _check_inputs(n: int, weights: np.ndarray, k: int) -> None:
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


def _locks(locked: Sequence[int] | np.ndarray | None, n: int, k: int) -> np.ndarray:
    if locked is None:
        return np.full(n, -1)
    lock = np.asarray(locked, dtype=int).ravel()
    if len(lock) != n:
        msg = f"{len(lock)} locks for {n} units: give one per unit (-1 for free)"
        raise InputError(msg)
    if ((lock < -1) | (lock >= k)).any():
        msg = f"a locked unit's territory must be -1 (free) or 0 .. {k - 1}"
        raise InputError(msg)
    return lock


def _place_seeds(
    seeds: Sequence[int] | np.ndarray | None,
    k: int,
    preset: np.ndarray,
    *,
    names: list[str],
    violations: list[str],
    territories: list[str],
) -> dict[int, int]:
    """Territory -> seed unit, for the seeds that can be honoured (the others explained)."""
    if seeds is None:
        return {}
    given = [int(v) for v in np.asarray(seeds, dtype=int).ravel()]
    n = len(preset)
    if any(v < 0 or v >= n for v in given):
        msg = f"seeds must be unit positions 0 .. {n - 1}"
        raise InputError(msg)
    if len(given) > k:
        violations.append(
            f"{len(given)} seeds for {k} territories: the seeds after the first {k} were ignored"
        )
        given = given[:k]
    anchors: dict[int, int] = {}
    owner: dict[int, int] = {}
    for t, v in enumerate(given):
        if v in owner:
            violations.append(
                f"{names[v]} is the seed of {territories[owner[v]]} and {territories[t]}: "
                f"it can only be in one, so {territories[t]} has no seed"
            )
        elif preset[v] >= 0 and preset[v] != t:
            violations.append(
                f"{names[v]}, the seed of {territories[t]}, is locked to "
                f"{territories[preset[v]]}: the lock wins"
            )
        else:
            anchors[t] = v
            owner[v] = t
    return anchors


def _targets(
    w: np.ndarray,
    k: int,
    preset: np.ndarray,
    anchors: dict[int, int],
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each territory's target total and whether it is overfull (see `_Plan`).

    A free unit heavier than the band gets a territory of its own (it is
    pinned there like a seed); the territories that can be balanced share
    what the overfull ones leave. Changes `preset` and `anchors`.
    """
    total = float(w.sum())
    overfull = np.zeros(k, dtype=bool)
    while True:
        taken = preset >= 0
        pinned = np.bincount(preset[taken], weights=w[taken], minlength=k)
        rest = k - int(overfull.sum())
        mean = (total - float(pinned[overfull].sum())) / rest if rest else total / k
        newly = (pinned > mean * (1 + tolerance)) & ~overfull
        if newly.any():
            overfull |= newly
            continue
        heavy = [
            int(v)
            for v in np.argsort(-w, kind="stable")[: k + 1]
            if preset[v] < 0 and w[v] > mean * (1 + tolerance)
        ]
        held = np.bincount(preset[taken], minlength=k)  # (locked units may weigh nothing)
        empty = [t for t in range(k) if held[t] == 0 and t not in anchors]
        if not heavy or not empty:
            break
        preset[heavy[0]] = empty[0]
        anchors[empty[0]] = heavy[0]
    return np.where(overfull, pinned, mean), overfull


def _explain_inputs(
    w: np.ndarray,
    k: int,
    lock: np.ndarray,
    *,
    targets: np.ndarray,
    overfull: np.ndarray,
    tolerance: float,
    names: list[str],
    violations: list[str],
    territories: list[str],
) -> None:
    """Say which inputs make the balance impossible."""
    mean = float(w.sum()) / k
    if mean <= 0:
        violations.append("the weights add up to zero: there is nothing to balance")
        return
    heavy = np.flatnonzero(w > mean * (1 + tolerance))
    heavy = heavy[np.argsort(-w[heavy], kind="stable")]
    violations.extend(
        f"{names[i]} alone is {w[i] / mean:.1f}x the mean territory" for i in heavy[:5]
    )
    if len(heavy) > 5:  # noqa: PLR2004
        violations.append(f"{len(heavy) - 5} more units are each heavier than a territory")
    taken = lock >= 0
    locked_totals = np.bincount(lock[taken], weights=w[taken], minlength=k)
    violations.extend(
        f"the units locked to {territories[t]} already total "
        f"{locked_totals[t] / mean:.2f}x the mean territory"
        for t in np.flatnonzero(locked_totals > mean * (1 + tolerance))
    )
    if overfull.any() and not overfull.all():
        others = float(targets[~overfull][0])
        violations.append(
            f"the other territories are balanced around {others / mean:.2f}x the mean territory"
        )


def _sweeps(
    plan: _Plan, mu: float | None, rng: np.random.Generator, cancel: CancelToken | None
) -> None:
    """Sweeps over the border units (in a seeded random order) until none moves."""
    for _ in range(_MAX_SWEEPS):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not plan.sweep(rng.permutation(plan.boundary_units()).tolist(), mu):
            return


_MAX_SWEEPS = 40
_MU_LADDER = tuple(float(mu) for mu in np.geomspace(1e2, 1e10, 9))
_CHAIN_DEPTH = 3
_CHAIN_RETRIES = 3  # best first plans that get ejection chains when balance is missed


def _improve(
    plan: _Plan,
    tolerance: float,
    rng: np.random.Generator,
    cancel: CancelToken | None,
) -> None:
    """Local search: shape under a balance penalty that grows until balance rules."""
    plan.set_band(tolerance)
    for mu in _MU_LADDER:
        plan.recenter()
        _sweeps(plan, mu, rng, cancel)
    plan.recenter()
    _sweeps(plan, None, rng, cancel)


def _rebalance(plan: _Plan, rng: np.random.Generator, cancel: CancelToken | None) -> None:
    """Ejection chains for the balance single moves cannot reach, then shape again."""
    for _ in range(3):
        plan.recenter()
        if plan.total_excess() == 0:
            return
        plan.balance_by_chains(_CHAIN_DEPTH, cancel)
        _sweeps(plan, None, rng, cancel)


def _recombine(
    plan: _Plan,
    anchors: dict[int, int],
    seed: int,
    cancel: CancelToken | None,
    progress: Progress = no_progress,
    *,
    seconds: float = 0.0,
) -> None:
    """Balance that border moves cannot reach: recombine neighbouring pairs, then shape again.

    Territories holding fixed units other than their seed (locked units) stay as they are.
    """
    progress(0.92, "Recombining neighbouring territories")
    plan.recenter()
    roots = np.full(plan.k, -1, dtype=np.int64)
    for t, v in anchors.items():
        roots[t] = v
    start = np.asarray(plan.label)
    held = np.asarray(plan.fixed)
    held[list(anchors.values())] = False
    frozen = np.zeros(plan.k, dtype=bool)
    frozen[np.unique(start[held])] = True
    before = _score(plan)
    best: tuple[tuple[float, float], list[int]] | None = None
    deadline = time.process_time() + (seconds or _RECOMBINE_SECONDS)
    for restart in range(_RESTARTS):  # recombination is chaotic: another seed often gets there
        left = deadline - time.process_time()
        if best is not None and (
            (best[0][0] == 0 and restart >= _SHAPE_RESTARTS) or left < _MIN_RESTART_SECONDS
        ):
            break
        labels = recombine(
            start,
            plan.served,
            src=plan.src,
            dst=plan.dst,
            roots=roots,
            lo=np.asarray(plan.lo),
            hi=np.asarray(plan.hi),
            frozen=frozen,
            border=plan.border_flat,
            area=np.asarray(plan.area),
            perimeter=np.asarray(plan.perim),
            seconds=max(left, _MIN_RESTART_SECONDS),
            seed=seed * _RESTARTS + restart,
            cancel=cancel,
        )
        plan.assign(labels)
        rng = np.random.default_rng([seed, 2, restart])
        plan.recenter()
        _sweeps(plan, None, rng, cancel)
        if plan.total_excess() > 0:
            _rebalance(plan, rng, cancel)
        if best is None or _score(plan) < best[0]:
            best = (_score(plan), list(plan.label))
    plan.assign(start if best is None or best[0] > before else np.asarray(best[1]))


_LUMPY_STARTS = 4  # first plans tried before judging the data lumpy
_LUMPY_EXCESS = 0.5  # summed excess (in mean territories) that border moves will not fix
_RECOMBINE_SECONDS = 7.0  # CPU seconds for all restarts (CPU time: the same plan on a busy machine)
_RESTARTS = 4
_SHAPE_RESTARTS = 2  # restarts run even when the first reaches the band (the most compact kept)
_MIN_RESTART_SECONDS = 1.5


def _first_plan(
    plan: _Plan,
    start: np.ndarray | None,
    *,
    xyz: np.ndarray,
    area: np.ndarray,
    targets: np.ndarray,
    preset: np.ndarray,
    anchors: dict[int, int],
    tolerance: float,
    rng: np.random.Generator,
    cancel: CancelToken | None,
) -> None:
    """A first plan, improved: from `start` if given (kept where balanced), else k-means."""
    if start is not None:
        plan.assign(np.where(preset >= 0, preset, np.asarray(start, dtype=np.int64)))
        _repair(plan)
        plan.recenter()
        _sweeps(plan, None, rng, cancel)
        return
    plan.assign(
        _power_diagram(
            xyz,
            area,
            np.asarray(plan.w),
            targets=targets,
            preset=preset,
            anchors=anchors,
            rng=rng,
            cancel=cancel,
        )
    )
    _fill_empty(plan)
    _repair(plan)
    _fill_empty(plan)
    _improve(plan, tolerance, rng, cancel)


def _score(plan: _Plan) -> tuple[float, float]:
    """Lower is better: excess over the band first, then the shape cost."""
    return round(plan.total_excess(), 12), float(sum(plan.shape))


def _auto_starts(n: int, k: int) -> int:
    """How many first plans to try: 16 for 3,000 units and 10 territories, fewer for more."""
    return int(np.clip(50_000 / max(n, 1) * np.sqrt(10 / k), 2, 16))


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
    starts: int | None = None,
    territory_names: Sequence[str] | None = None,
    initial: np.ndarray | None = None,
    served: np.ndarray | None = None,
    recombine_seconds: float = 0.0,
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
    starts
        How many first plans to improve, the best kept (default: 16 for
        3,000 units and 10 territories, fewer for more).
    territory_names
        What to call the territories in the violations (default "territory 1", ...).
    initial
        An earlier plan (a territory per unit) to start from, e.g. the same
        design with weights that have changed since; tried first.
    served
        Optional, shape (units, k): what each unit weighs in each territory,
        when that depends on the territory (a workload includes the drive
        from its rep's home). Totals are then summed from it, and balanced
        around their own mean; `weights` (e.g. each unit's weight in its
        territory of `initial`) still place the first plans.
    recombine_seconds
        CPU seconds for recombination when border moves leave the plan out
        of band (default 7; less for a plan nearly there, such as `initial`).

    Returns
    -------
    DesignResult
        The plan, its balance and shapes, and why targets were missed
        (territories are named by their index in ``labels``).

    Raises
    ------
    InputError
        If the weights, locks, seeds or `k` cannot describe a plan.
    TaskCancelledError
        If `cancel` was cancelled.
    """
    start = time.perf_counter()
    w = np.asarray(weights, dtype=float).ravel()
    n = len(units)
    _check_inputs(n, w, k)
    names = _unit_names(units)
    violations: list[str] = []
    lock = _locks(locked, n, k)
    preset = lock.copy()
    territories = _territory_words(territory_names, k)
    anchors = _place_seeds(
        seeds, k, preset, names=names, violations=violations, territories=territories
    )
    for t, v in anchors.items():
        preset[v] = t
    targets, overfull = _targets(w, k, preset, anchors, tolerance)
    _explain_inputs(
        w,
        k,
        lock,
        targets=targets,
        overfull=overfull,
        tolerance=tolerance,
        names=names,
        violations=violations,
        territories=territories,
    )
    if graph is None:
        progress(0.0, "Finding neighbouring units")
        graph = unit_graph(units)

    geoms = _lonlat(units)
    xyz = _sphere_km(geoms)
    area, perimeter = _measures(graph, geoms)
    if served is not None and np.shape(served) != (n, k):
        msg = f"served weights must have shape ({n}, {k}), not {np.shape(served)}"
        raise InputError(msg)
    plan = _Plan(graph, w, area, perimeter, fixed=preset >= 0, k=k, served=served)
    plan.set_targets(targets.tolist(), overfull.tolist())
    plan.set_band(tolerance)
    starts = _auto_starts(n, k) if starts is None else max(int(starts), 1)
    tried: list[tuple[tuple[float, float], int, list[int]]] = []
    for attempt in range(starts):
        progress(0.05 + 0.85 * attempt / starts, "Improving shapes and balance")
        rng = np.random.default_rng([seed, attempt])
        _first_plan(
            plan,
            initial if attempt == 0 else None,
            xyz=xyz,
            area=area,
            targets=targets,
            preset=preset,
            anchors=anchors,
            tolerance=tolerance,
            rng=rng,
            cancel=cancel,
        )
        tried.append((_score(plan), attempt, list(plan.label)))
        if attempt + 1 >= _LUMPY_STARTS and min(tried)[0][0] > _LUMPY_EXCESS:
            break  # lumpy data: border moves will not balance it, recombination must
    tried.sort()
    best = tried[0]
    if best[0][0] > 0:  # out of balance: chains for the best few, keep the best outcome
        progress(0.9, "Balancing")
        for _, attempt, labels in tried[:_CHAIN_RETRIES]:
            plan.assign(np.asarray(labels))
            _rebalance(plan, np.random.default_rng([seed, attempt, 1]), cancel)
            best = min(best, (_score(plan), attempt, list(plan.label)))
            if best[0][0] == 0:
                break
    plan.assign(np.asarray(best[2]))
    if best[0][0] > 0 and all(len(p) == 1 for p in plan.pieces()):
        _recombine(plan, anchors, seed, cancel, progress, seconds=recombine_seconds)
    progress(0.95, "Measuring the territories")
    result = _result(
        plan, geoms, tolerance, violations=violations, start=start, territories=territories
    )
    progress(1.0, "Done")
    return result


_LISTED = 6  # territories named in one message


def _result(
    plan: _Plan,
    geoms: np.ndarray,
    tolerance: float,
    *,
    violations: list[str],
    start: float,
    territories: list[str],
) -> DesignResult:
    """The plan as a `DesignResult`, with its shapes measured on the ellipsoid."""
    k = plan.k
    labels = np.asarray(plan.label, dtype=int)
    totals = plan.totals_of(labels)
    mean = float(totals.mean())  # (served weights: the team total depends on the plan)
    dev = totals / mean - 1 if mean > 0 else np.zeros(k)
    compactness = []
    for t in range(k):
        members = geoms[labels == t]
        try:  # fast for clean coverages (neighbours' borders share their vertices)
            union = shapely.coverage_union_all(members)
        except shapely.errors.GEOSException:
            union = shapely.union_all(members)
        if not union.is_valid:
            union = shapely.union_all(members)
        compactness.append(polsby_popper(union))
    off = np.flatnonzero(np.abs(dev) > tolerance + 1e-12)
    if len(off) and mean > 0:
        violations.append(
            f"outside ±{tolerance:.1%} of the mean: "
            + ", ".join(f"{territories[t]} {dev[t]:+.1%}" for t in off[:_LISTED])
            + (f" and {len(off) - _LISTED} more" if len(off) > _LISTED else "")
        )
        free = [w for w, f in zip(plan.w, plan.fixed, strict=True) if w > 0 and not f]
        lightest = min(free, default=0.0) / mean
        if lightest > tolerance:
            violations.append(
                f"the units are too coarse for ±{tolerance:.1%}: "
                f"the lightest is {lightest:.1%} of the mean territory"
            )
    pieces = plan.pieces()
    for t, p in enumerate(pieces):
        if not p:  # every territory with a free unit to spare has given one
            violations.append(f"{territories[t]} has no units: too few units are free (not locked)")
        if len(p) > 1:
            anchored = sum(any(plan.fixed[u] for u in piece) for piece in p)
            why = ": its locked units are not connected" if anchored > 1 else ""
            violations.append(f"{territories[t]} is in {len(p)} pieces{why}")
    return DesignResult(
        labels=labels,
        totals=totals,
        max_deviation=float(np.abs(dev).max()),
        contiguous=[len(p) == 1 for p in pieces],
        compactness=compactness,
        violations=violations,
        seconds=time.perf_counter() - start,
    )
