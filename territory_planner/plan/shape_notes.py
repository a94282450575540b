"""Why a designed territory is long and thin: where the reps live, or the balance.

A territory under `STRINGY` (Polsby-Popper) whose reach from its rep's home is
more than `_LONG` radii of a disc of its area (not one made thin by its coast
and bays alone) is compared with the one its rep
would hold if every unit went to the nearest home (balance aside). When that
one is as thin, the homes make it so: no rep lives nearer its far end, and a
new rep there (Plan > New Hire) is what would shorten it. When that one is
rounder, the balance draws it out. Either way the note says how far it reaches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from territory_planner.analysis.metrics import polsby_popper
from territory_planner.geo.areas import us_states
from territory_planner.geo.earth import area_km2, haversine_km, sphere_xyz_km
from territory_planner.model import Project
from territory_planner.plan.rebalance import STRINGY
from territory_planner.plan.served_weights import territory_homes
from territory_planner.plan.unit_plan import ProjectUnits

_AS_THIN = 1.5  # the nearest-home territory at most this much rounder: the homes make it so
_ALIKE = 0.005  # Polsby-Popper this close: "as thin"
_LONG = 2.0  # reach from the home beyond this many radii of a disc of its area: long


def nearest_home_labels(plan_units: ProjectUnits, homes: np.ndarray) -> np.ndarray:
    """Each unit given to the territory whose home is nearest its representative point.

    Parameters
    ----------
    plan_units
        The units.
    homes
        Per territory, its home unit (at least one; -1 for none: such a territory gets none).

    Returns
    -------
    numpy.ndarray
        Per unit, the territory of the nearest home (balance aside: the shapes
        the homes alone give).
    """
    points = plan_units.units.representative_point()
    xyz = sphere_xyz_km(points.x.to_numpy(), points.y.to_numpy())
    territories = np.flatnonzero(homes >= 0)
    gaps = ((xyz[:, None, :] - xyz[homes[territories]][None]) ** 2).sum(-1)
    return np.asarray(territories[gaps.argmin(axis=1)])


def long_and_thin_notes(
    project: Project,
    plan_units: ProjectUnits,
    labels: np.ndarray,
    base: pd.DataFrame,
    compactness: list[float],
) -> list[str]:
    """For each territory under `STRINGY` with its rep's home in it: how far, and why, in words.

    Parameters
    ----------
    project
        The project (its reps' homes).
    plan_units
        The units.
    labels
        Territory (row of `base`) of each unit.
    base
        The territories (``name`` and ``rep_id``), in label order.
    compactness
        Per territory, its Polsby-Popper score.

    Returns
    -------
    list of str
        One sentence per such territory, e.g. "Gulf Coast is long and thin
        (roundness 0.07): it reaches 1,650 km from its rep's home, to Florida;
        drawn around the nearest homes alone it is as thin (0.08): ...".
    """
    thin = [t for t, pp in enumerate(compactness) if pp < STRINGY]
    if not thin:
        return []
    homes = territory_homes(project, plan_units, base)
    homes[(homes >= 0) & (labels[np.maximum(homes, 0)] != np.arange(len(homes)))] = -1
    if (homes >= 0).sum() < 2:  # noqa: PLR2004 (one home: nothing to compare with)
        return []
    near = nearest_home_labels(plan_units, homes)
    geoms = plan_units.units.geometry.to_numpy()
    points = plan_units.units.representative_point()
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    notes = []
    for t in thin:
        home = int(homes[t])
        if home < 0:
            continue
        members = np.flatnonzero(labels == t)
        km = haversine_km(lon[members], lat[members], lon[home], lat[home])
        radius = np.sqrt(area_km2(shapely.union_all(geoms[members])) / np.pi)
        if km.max() <= _LONG * radius:  # thin by its coast and bays, not by its reach
            continue
        far = int(members[np.argmax(km)])
        nearest = polsby_popper(shapely.union_all(geoms[near == t]))
        state = _state_at(lon[far], lat[far])
        reach = f"it reaches {km.max():,.0f} km from its rep's home" + (
            f", to {state}" if state else ""
        )
        name, pp = base["name"].iloc[t], compactness[t]
        if nearest <= max(STRINGY, _AS_THIN * pp):
            alike = "as thin" if nearest <= pp + _ALIKE else "hardly rounder"
            why = (
                f"drawn around the nearest homes alone (balance aside) it is {alike} "
                f"({nearest:.2f}): no rep lives nearer its far end, and a rep based there "
                f"(Plan > New Hire) is what would shorten it"
            )
        else:
            why = (
                f"drawn around the nearest homes alone (balance aside) it would be "
                f"{nearest:.2f}: the balance draws it out (a wider band may let it be rounder)"
            )
        notes.append(f"{name} is long and thin (roundness {pp:.2f}): {reach}; {why}")
    return notes


def _state_at(lon: float, lat: float) -> str:
    """The name of the US state under a point, or "" outside them."""
    states = us_states()
    hit = np.flatnonzero(shapely.intersects_xy(states.geometry.to_numpy(), lon, lat))
    return str(states["name"].iloc[hit[0]]) if len(hit) else ""
