"""Cutting a territory in two along a line drawn on the map."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from territory_planner._errors import InputError
from territory_planner.geo.assign import clean_polygon


def _extended(line: shapely.LineString, reach: float) -> shapely.LineString:
    """The line with its first and last segments prolonged by `reach` (degrees)."""
    coords = np.asarray(line.coords, dtype=float)
    start_dir = coords[0] - coords[1]
    end_dir = coords[-1] - coords[-2]
    start = coords[0] + start_dir / max(float(np.hypot(*start_dir)), 1e-12) * reach
    end = coords[-1] + end_dir / max(float(np.hypot(*end_dir)), 1e-12) * reach
    return shapely.LineString(np.vstack([start, coords, end]))


def split_by_line(geometry: BaseGeometry, line: BaseGeometry) -> tuple[BaseGeometry, BaseGeometry]:
    """The two sides of a (multi)polygon cut by a drawn line.

    The line's ends are prolonged past the territory, so a line drawn from
    just outside one edge to just outside the other (or stopping a little
    short) cuts cleanly; every part of a multi-part territory goes to the
    side of the line it lies on.

    Parameters
    ----------
    geometry
        The territory's outline, in degrees.
    line
        The line drawn across it, in degrees.

    Returns
    -------
    tuple[BaseGeometry, BaseGeometry]
        The two sides, each cleaned (`clean_polygon`) and not empty.

    Raises
    ------
    InputError
        If the line is not a line, or does not cut the territory in two.
    """
    if not isinstance(line, shapely.LineString) or len(line.coords) < 2:  # noqa: PLR2004
        msg = "draw a line (at least two points) across the territory to split it"
        raise InputError(msg)
    minx, miny, maxx, maxy = shapely.union(geometry.envelope, line.envelope).bounds
    reach = 2 * float(np.hypot(maxx - minx, maxy - miny)) + 1
    box = shapely.box(minx - reach, miny - reach, maxx + reach, maxy + reach)
    halves = shapely.get_parts(split(box, _extended(line, 2 * reach)))
    if len(halves) != 2:  # noqa: PLR2004
        msg = "the line crosses itself; draw a simple line across the territory"
        raise InputError(msg)
    first, second = (clean_polygon(shapely.intersection(geometry, half)) for half in halves)
    if first.is_empty or second.is_empty:
        msg = "the line does not cross the territory; draw it from one edge to the other"
        raise InputError(msg)
    return first, second
