"""Clusters of accounts (DBSCAN), and the rep living nearest a point.

Whitespace, the high-potential accounts no territory serves, is in `market_whitespace`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError
from territory_planner.analysis.market_segments import (
    DEFAULT_MIN_ACCOUNTS,
    DEFAULT_RADIUS_KM,
    TOP_CLUSTERS,
    LocalKm,
    Segment,
    _geojson,
    _numbers,
    _placed,
    _segment_name,
    segment_mask,
)
from territory_planner.colors import SEQUENTIAL_SHADES
from territory_planner.formats import agree, money_short, plural
from territory_planner.geo.coverage import nearest_place
from territory_planner.geo.earth import EARTH_RADIUS_KM, haversine_km
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, Progress, no_progress

# ----- clusters -----


#: Neighbour pairs scikit-learn's DBSCAN may hold at once (8 bytes each, ~64 MB).
MAX_NEIGHBOUR_PAIRS = 8_000_000
#: Sizes of the spots accounts are merged into before clustering, as fractions of the
#: radius, finest first: 0 (accounts at the very same position only), then 1/256 to 1/4
#: by factors of the square root of 2.
SPOT_SIZES = (0.0, *(2 ** (-k / 2) for k in range(16, 3, -1)))
_SAMPLE = 2_000  # spots whose neighbours are counted to estimate the pairs


def dbscan(
    lon: np.ndarray,
    lat: np.ndarray,
    radius_km: float,
    min_points: int,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """DBSCAN labels of points given in degrees (0, 1, ... per cluster; -1 for noise).

    scikit-learn's DBSCAN on great-circle distances (haversine, ball tree): a
    point with at least `min_points` points (itself included) within
    `radius_km` is a core; cores within `radius_km` of each other share a
    cluster; any other point within `radius_km` of a core joins the cluster of
    the nearest core. Clusters are numbered in the order their first point comes.

    scikit-learn keeps every point's neighbours in memory (100,000 accounts
    crowded into metros hold 270 million pairs within 25 km: 2.3 GB), so the
    points are first merged into spots, each clustered once with its number of
    points as its weight: points at the very same position when their
    neighbour pairs fit in `MAX_NEIGHBOUR_PAIRS`, else squares of 1/256 to
    1/4 of the radius, the finest that fits (a spot is its points' mean
    position, so a point moves at most a square's diagonal).

    Parameters
    ----------
    lon, lat
        The points, in degrees.
    radius_km
        The neighbourhood radius, in km on the great circle.
    min_points
        Points within `radius_km` (the point itself included) that make a core.
    cancel
        Checked between steps; a cancel raises.

    Returns
    -------
    numpy.ndarray
        The cluster label of each point (int64), -1 for noise.
    """
    from sklearn.cluster import DBSCAN  # noqa: PLC0415 (1-2 s to import: only when used)

    cancel = cancel or CancelToken()
    labels = np.full(len(lon), -1, dtype=np.int64)
    if len(lon) == 0:
        return labels
    eps = radius_km / EARTH_RADIUS_KM
    where, inverse, weight = _spots(np.radians(lat), np.radians(lon), eps, cancel)
    cancel.raise_if_cancelled()
    found = DBSCAN(eps=eps, min_samples=min_points, metric="haversine", algorithm="ball_tree")
    found.fit(where, sample_weight=weight)
    cancel.raise_if_cancelled()
    spot_labels = np.asarray(found.labels_, dtype=np.int64)
    cores = np.asarray(found.core_sample_indices_, dtype=np.int64)
    border = np.setdiff1d(np.flatnonzero(spot_labels >= 0), cores)
    if len(border):  # scikit-learn gives a border the first cluster that reaches it
        nearest = _ball_tree(where[cores]).query(where[border], k=1, return_distance=False)
        spot_labels[border] = spot_labels[cores[nearest[:, 0]]]
    labels[:] = spot_labels[inverse]
    found_rows = labels >= 0  # number the clusters in the order their first point comes
    values, first = np.unique(labels[found_rows], return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    labels[found_rows] = rank[np.searchsorted(values, labels[found_rows])]
    return labels


Spots = tuple[np.ndarray, np.ndarray, np.ndarray]


def _spots(phi: np.ndarray, lam: np.ndarray, eps: float, cancel: CancelToken) -> Spots:
    """Spots (latitude, longitude in radians), each point's spot, and points per spot.

    The finest of `SPOT_SIZES` whose neighbour pairs within `eps` (estimated
    from a sample of spots) fit in `MAX_NEIGHBOUR_PAIRS`, found by bisection
    (coarser spots have fewer pairs); the coarsest if none does.
    """
    tried: dict[int, tuple[Spots, bool]] = {}

    def fits(level: int) -> bool:
        cancel.raise_if_cancelled()
        spots = _merged(phi, lam, SPOT_SIZES[level] * eps)
        where = spots[0]
        sample = np.unique(np.linspace(0, len(where) - 1, min(_SAMPLE, len(where))).astype(int))
        near = _ball_tree(where).query_radius(where[sample], eps, count_only=True)
        tried[level] = spots, len(where) * float(np.mean(near)) <= MAX_NEIGHBOUR_PAIRS
        return tried[level][1]

    low, high = 0, len(SPOT_SIZES) - 1
    while low < high:  # the finest that fits is in low..high (high if none)
        middle = low if low == 0 else (low + high) // 2  # exact positions first
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return tried[low][0] if low in tried else _merged(phi, lam, SPOT_SIZES[low] * eps)


def _merged(phi: np.ndarray, lam: np.ndarray, size: float) -> Spots:
    """Points merged into squares `size` radians wide (0: at the same position)."""
    if size == 0:
        key = np.column_stack([phi, lam])
    else:  # rows of latitude, each cut by its own length of a radian of longitude
        row = np.round(phi / size)
        key = np.column_stack([row, np.round(lam * np.cos(row * size) / size)])
    _key, inverse, weight = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    where = np.column_stack(
        [np.bincount(inverse, phi) / weight, np.bincount(inverse, lam) / weight]
    )
    return where, inverse, weight


def _ball_tree(where: np.ndarray) -> Any:
    """A scikit-learn ball tree of points (latitude, longitude in radians), haversine."""
    from sklearn.neighbors import BallTree  # noqa: PLC0415

    return BallTree(where, metric="haversine")


@dataclass(frozen=True)
class Cluster:
    """A geographic cluster of accounts and what it holds."""

    cluster_id: str  # "C1" for the cluster with the most potential
    account_ids: tuple[str, ...]
    potential: float
    revenue: float
    lon: float  # centre: the accounts' mean position
    lat: float
    spread_km: float  # farthest account from the centre
    hull: BaseGeometry  # outline around the accounts (longitude/latitude)
    where: str  # "near Chicago, IL"
    territories: tuple[tuple[str, int], ...]  # (territory name or "no territory", accounts)
    nearest_rep: str  # name of the rep whose home is nearest the centre ("" if no rep)
    home_km: float  # great-circle km from that home to the centre (NaN: no rep)

    @property
    def accounts(self) -> int:
        """Number of accounts in the cluster."""
        return len(self.account_ids)

    def describe(self) -> str:
        """E.g. "C1 near Chicago, IL: 42 accounts, potential $1.2M, revenue $300K"."""
        return (
            f"{self.cluster_id} {self.where}: {plural(self.accounts, 'account')}, potential "
            f"{money_short(self.potential)}, revenue {money_short(self.revenue)}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {
            "cluster": self.cluster_id,
            "where": self.where,
            "accounts": self.accounts,
            "potential": round(self.potential, 2),
            "revenue": round(self.revenue, 2),
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "spread_km": round(self.spread_km, 2),
            "territories": [{"territory": t, "accounts": n} for t, n in self.territories],
            "nearest_rep": self.nearest_rep or None,
            "home_km": None if math.isnan(self.home_km) else round(self.home_km, 1),
            "account_ids": list(self.account_ids),
            "hull": _geojson(self.hull),
        }


@dataclass(frozen=True)
class Clusters:
    """The clusters found among some accounts, biggest potential first."""

    clusters: list[Cluster]
    considered: int  # accounts with a position that were clustered
    noise: int  # of those, accounts in no cluster
    radius_km: float
    min_accounts: int
    segment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # account ID -> cluster ID

    def describe(self) -> str:
        """E.g. "4 clusters hold 120 of 300 accounts (25 km, at least 5 accounts)"."""
        held = self.considered - self.noise
        return (
            f"{plural(len(self.clusters), 'cluster')} {agree(len(self.clusters), 'holds', 'hold')} "
            f"{held:,} of {plural(self.considered, 'account')} "
            f"(within {self.radius_km:g} km, at least {plural(self.min_accounts, 'account')})"
        )

    def as_layer(self, title: str = "Clusters") -> dict[str, Any]:
        """Cluster outlines for the map: ``{"title", "legend", "features"}``.

        Parameters
        ----------
        title
            The layer's title; "Clusters" by default.

        Returns
        -------
        dict[str, Any]
            The title, the legend's entries, and a FeatureCollection of the clusters' hulls
            (the `TOP_CLUSTERS` with the most potential in the darkest shade).
        """
        features = []
        colors = {}
        for rank, cluster in enumerate(self.clusters):
            color = SEQUENTIAL_SHADES[-1] if rank < TOP_CLUSTERS else SEQUENTIAL_SHADES[2]
            colors[cluster.cluster_id] = color
            features.append(
                {
                    "type": "Feature",
                    "geometry": _geojson(cluster.hull),
                    "properties": {
                        "id": cluster.cluster_id,
                        "name": f"{cluster.cluster_id} {cluster.where}",
                        "color": color,
                        "value": cluster.potential,
                        "accounts": cluster.accounts,
                        "label": (
                            f"{plural(cluster.accounts, 'account')} · potential "
                            f"{money_short(cluster.potential)} · revenue "
                            f"{money_short(cluster.revenue)}"
                        ),
                        "outline": True,
                    },
                }
            )
        return {
            "title": title,
            "legend": self._legend(),
            "features": {"type": "FeatureCollection", "features": features},
        }

    def _legend(self) -> list[list[str | None]]:
        """The map legend's entries, counting the clusters found (none: a note says so)."""
        count = len(self.clusters)
        if count == 0:
            return [[None, "no clusters found"]]
        if count <= TOP_CLUSTERS:
            return [[SEQUENTIAL_SHADES[-1], f"{plural(count, 'cluster')} found"]]
        return [
            [SEQUENTIAL_SHADES[-1], f"the {TOP_CLUSTERS} clusters with the most potential"],
            [SEQUENTIAL_SHADES[2], f"{plural(count - TOP_CLUSTERS, 'other cluster')}"],
        ]


def nearest_home(
    project: Project, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Great-circle km from each point to the nearest rep's home, and that rep's name.

    NaN and "" when no rep has a home position.

    Parameters
    ----------
    project
        The project (its reps' homes and names).
    lon, lat
        The points, in degrees.

    Returns
    -------
    tuple[numpy.ndarray, list[str]]
        The km to the nearest home, and that rep's name (their ID when unnamed), per point.
    """
    reps = project.reps
    hx = reps["lon"].to_numpy(dtype=float, na_value=np.nan)
    hy = reps["lat"].to_numpy(dtype=float, na_value=np.nan)
    placed = np.flatnonzero(np.isfinite(hx) & np.isfinite(hy))
    if len(placed) == 0 or len(lon) == 0:
        return np.full(len(lon), np.nan), [""] * len(lon)
    km = np.empty(len(lon))
    which = np.empty(len(lon), dtype=np.int64)
    for start in range(0, len(lon), 50_000):
        rows = slice(start, start + 50_000)
        part = haversine_km(lon[rows, None], lat[rows, None], hx[None, placed], hy[None, placed])
        which[start : start + 50_000] = np.argmin(part, axis=1)
        km[start : start + 50_000] = part[np.arange(len(part)), which[start : start + 50_000]]
    names = reps["name"].fillna(reps["rep_id"]).astype(str).to_numpy()[placed]
    return km, [str(names[i]) for i in which]


def find_clusters(
    project: Project,
    *,
    segment: Segment | str | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    min_accounts: int = DEFAULT_MIN_ACCOUNTS,
    rows: np.ndarray | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Clusters:
    """Geographic clusters of a segment's accounts (see `dbscan`), most potential first.

    Parameters
    ----------
    project
        The accounts (with their territories) and reps.
    segment
        Only this segment's accounts (a `Segment` or a saved one's name).
    radius_km
        How near accounts must be to count as neighbours.
    min_accounts
        Neighbours (the account itself included) that make an account a core.
    rows
        Only these account rows (on top of the segment), e.g. the whitespace.
    progress, cancel
        The task contract (`territory_planner.tasks`).

    Returns
    -------
    Clusters
        The clusters (most potential first), the accounts considered and left as noise,
        and each clustered account's cluster ID.
    """
    if not radius_km > 0:
        msg = f"the cluster radius must be more than 0 km (got {radius_km:g})"
        raise InputError(msg)
    if min_accounts < 1:
        msg = f"a cluster needs at least 1 account (got {min_accounts})"
        raise InputError(msg)
    cancel = cancel or CancelToken()
    chosen = segment_mask(project, segment)
    if rows is not None:
        only = np.zeros(len(chosen), dtype=bool)
        only[rows] = True
        chosen &= only
    placed = _placed(project, chosen)
    acc = project.accounts
    lon = acc["lon"].to_numpy(dtype=float, na_value=np.nan)[placed]
    lat = acc["lat"].to_numpy(dtype=float, na_value=np.nan)[placed]
    local = LocalKm.around(lon, lat)
    x, y = local.to_km(lon, lat)
    progress(0.1, "Finding neighbours")
    labels = dbscan(lon, lat, radius_km, min_accounts, cancel)
    progress(0.8, "Adding up the clusters")
    ids = acc["account_id"].astype(str).to_numpy()[placed]
    potential = np.nan_to_num(_numbers(project, "potential")[placed])
    revenue = np.nan_to_num(_numbers(project, "annual_revenue")[placed])
    names = dict(zip(project.territories["territory_id"], project.territories["name"], strict=True))
    territory = acc["territory_id"].to_numpy(dtype=object)[placed]
    found = []
    for number in range(int(labels.max()) + 1 if len(labels) else 0):
        cancel.raise_if_cancelled()
        members = np.flatnonzero(labels == number)
        found.append(
            _cluster(
                members,
                ids=ids,
                x=x,
                y=y,
                potential=potential,
                revenue=revenue,
                territory=territory,
                names=names,
                local=local,
                radius_km=radius_km,
            )
        )
    found.sort(key=lambda c: (-c.potential, -c.accounts, c.account_ids[0]))
    if found:
        km, reps = nearest_home(
            project, np.array([c.lon for c in found]), np.array([c.lat for c in found])
        )
        found = [_renamed(c, f"C{i + 1}", reps[i], float(km[i])) for i, c in enumerate(found)]
    progress(1.0, "")
    segment_name = _segment_name(segment)
    return Clusters(
        clusters=found,
        considered=len(placed),
        noise=int((labels < 0).sum()),
        radius_km=radius_km,
        min_accounts=min_accounts,
        segment=segment_name,
        labels={a: c.cluster_id for c in found for a in c.account_ids},
    )


def _renamed(cluster: Cluster, cluster_id: str, rep: str, home_km: float) -> Cluster:
    return Cluster(
        cluster_id, cluster.account_ids, cluster.potential, cluster.revenue, cluster.lon,
        cluster.lat, cluster.spread_km, cluster.hull, cluster.where, cluster.territories, rep,
        home_km,
    )  # fmt: skip


def _cluster(
    members: np.ndarray,
    *,
    ids: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    potential: np.ndarray,
    revenue: np.ndarray,
    territory: np.ndarray,
    names: dict[str, str],
    local: LocalKm,
    radius_km: float,
) -> Cluster:
    mx, my = float(x[members].mean()), float(y[members].mean())
    spread = float(np.max(np.hypot(x[members] - mx, y[members] - my)))
    pad = max(radius_km * 0.15, 0.5)
    hull = shapely.MultiPoint(np.column_stack([x[members], y[members]])).convex_hull
    outline = local.to_lonlat(hull.buffer(pad, quad_segs=4))
    lon_c, lat_c = local.point_lonlat(mx, my)
    held: dict[str, int] = {}
    for t in territory[members]:
        key = names.get(t, "no territory") if isinstance(t, str) else "no territory"
        held[key] = held.get(key, 0) + 1
    order = sorted(held.items(), key=lambda item: (-item[1], item[0]))
    return Cluster(
        cluster_id="",
        account_ids=tuple(sorted(str(i) for i in ids[members])),
        potential=float(potential[members].sum()),
        revenue=float(revenue[members].sum()),
        lon=lon_c,
        lat=lat_c,
        spread_km=spread,
        hull=outline,
        where=f"near {nearest_place(lat_c, lon_c)}",
        territories=tuple(order),
        nearest_rep="",
        home_km=float("nan"),
    )


# ----- whitespace -----
