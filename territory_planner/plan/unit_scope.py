"""Which area units a plan covers: the land the team's accounts and homes span.

Far land where nobody sells and nobody lives is left out; the land between a
team's accounts (enclaves too) is in, so territories tile it without gaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from territory_planner.geo.areas import contiguous_us_states
from territory_planner.geo.assign import NO_TERRITORY, containing_polygon
from territory_planner.model import Project

_MARGIN_DEGREES = 0.5  # around the accounts' region (about 50 km)


def in_scope(units: gpd.GeoDataFrame, project: Project) -> np.ndarray:
    """Which units a plan should cover: the land the team's accounts and homes span.

    The region is the convex hull of the placed accounts and the reps' homes
    (plus a margin of `_MARGIN_DEGREES`); units touching it are kept: the
    units between a team's accounts, so territories stay connected and tile
    the land between them. A team that spans most of the lower 48 gets all
    of it (no strip of border counties left out). Far land where nobody
    sells and nobody lives (Alaska, Hawaii, Puerto Rico for a team in the
    lower 48, the rest of the country for a team in Texas) is left out;
    units with an account, a home or a locked territory are always in, and so
    are units every neighbour of which is in (enclaves).

    Parameters
    ----------
    units
        The candidate units (polygons in degrees; a ``state_fips`` or ``fips`` column).
    project
        The project (its accounts, reps' homes and locked territories).

    Returns
    -------
    numpy.ndarray
        Per unit, whether the plan covers it.
    """
    lon, lat = project.team_positions()
    placed = np.isfinite(lon) & np.isfinite(lat)
    keep = np.zeros(len(units), dtype=bool)
    held = containing_polygon(lon[placed], lat[placed], units.geometry.values)
    keep[held[held >= 0]] = True
    points = shapely.point_on_surface(units.geometry.to_numpy())
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([lon[placed], lat[placed]])))
    region = shapely.buffer(hull, _MARGIN_DEGREES)
    near, _ = shapely.STRtree(np.array([region], dtype=object)).query(
        units.geometry.to_numpy(), predicate="intersects"
    )
    mainland = _lower_48(units)
    near = near[mainland[near]]
    keep[near] = True
    if len(near) > _NATIONAL_SHARE * mainland.sum():
        keep |= mainland
    keep |= _enclosed(units.geometry.to_numpy(), keep)
    locked = project.territories[project.territories_locked()]
    if len(locked):
        inside = containing_polygon(
            shapely.get_x(points), shapely.get_y(points), locked.geometry.to_numpy()
        )
        keep |= inside != NO_TERRITORY
    return keep


def _enclosed(geoms: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Units left out that only kept units surround (enclaves, a few side by side).

    Virginia's independent cities lie inside a kept county but off the region's
    hull (Manassas and Manassas Park inside Prince William County): left out,
    they were holes in the territory around them. A group of left-out units
    next to kept ones is enclosed when no member touches a left-out unit
    outside the group and it has at most `_ENCLAVE_UNITS` members.
    """
    tree = shapely.STRtree(geoms)
    found = np.zeros(len(geoms), dtype=bool)
    _, near = tree.query(geoms[keep], predicate="intersects")
    rim = np.setdiff1d(np.unique(near), np.flatnonzero(keep))
    if not len(rim):
        return found
    left, right = tree.query(geoms[rim], predicate="intersects")
    position = np.full(len(geoms), -1)
    position[rim] = np.arange(len(rim))
    leaks = np.zeros(len(rim), dtype=bool)  # touches a left-out unit beyond the rim
    leaks[left[~keep[right] & (position[right] < 0)]] = True
    inner = position[right] >= 0
    links = coo_matrix(
        (np.ones(int(inner.sum())), (left[inner], position[right[inner]])),
        shape=(len(rim), len(rim)),
    )
    _, group = connected_components(links, directed=False)
    for g in np.unique(group).tolist():
        members = group == g
        if members.sum() <= _ENCLAVE_UNITS and not leaks[members].any():
            found[rim[members]] = True
    return found


_ENCLAVE_UNITS = 4  # the most left-out units side by side that count as one enclave
#: A team whose region holds more than this share of the lower 48's units covers all of it.
_NATIONAL_SHARE = 0.5


def _lower_48(units: gpd.GeoDataFrame) -> np.ndarray:
    """Which units (states or counties) lie in the 48 contiguous states or DC."""
    states = set(contiguous_us_states()["fips"])
    column = "state_fips" if "state_fips" in units.columns else "fips"
    return np.asarray(units[column].isin(states), dtype=bool)
