"""Heat maps: a numeric attribute of a segment's accounts added up over hexagons or counties."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError
from territory_planner.analysis.market_segments import (
    COUNT,
    HEAT_KINDS,
    HEX_TARGET_ACROSS,
    NICE_SIZES_KM,
    LocalKm,
    Segment,
    _check_value,
    _geojson,
    _numbers,
    _placed,
    _segment_name,
    label,
    quantile_shading,
    segment_mask,
    value_format,
)
from territory_planner.colors import Shading
from territory_planner.formats import plural
from territory_planner.geo.areas import us_counties, us_states
from territory_planner.geo.assign import containing_polygon
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, Progress, no_progress

# ----- heat maps -----


@dataclass(frozen=True)
class HeatMap:
    """A numeric attribute added up over hexagons or counties, with its colour scale.

    ``cells`` has one row per hexagon or county holding at least one of the
    accounts: ``cell_id``, ``name``, ``accounts``, ``value``, ``color``, and
    ``geometry`` (longitude/latitude polygons).
    """

    title: str
    value: str
    kind: str  # "hex" | "county"
    cells: pd.DataFrame
    shading: Shading
    cell_km: float | None  # hexagon width across its flat sides
    accounts: int  # accounts counted
    unplaced: int  # accounts of the segment without a position (not counted)
    outside: int = 0  # accounts in no county (abroad, at sea)
    segment: str | None = None

    @property
    def total(self) -> float:
        """The value added up over every cell."""
        return float(self.cells["value"].sum())

    def describe(self) -> str:
        """E.g. "Potential of 300 accounts in 41 hexagons (50 km across)"."""
        what = (
            f"{plural(len(self.cells), 'hexagon')} ({self.cell_km:g} km across)"
            if self.kind == "hex"
            else plural(len(self.cells), "county")
        )
        text = f"{label(self.value)} of {plural(self.accounts, 'account')} in {what}"
        if self.unplaced:
            text += f"; {plural(self.unplaced, 'account')} without a position left out"
        if self.outside:
            text += f"; {self.outside:,} outside every county"
        return text

    def as_layer(self) -> dict[str, Any]:
        """What the map page draws: ``{"title", "legend", "features"}`` (GeoJSON polygons)."""
        fmt = value_format(self.value)
        unit = label(self.value).lower()
        features = [
            {
                "type": "Feature",
                "geometry": _geojson(row["geometry"]),
                "properties": {
                    "id": row["cell_id"],
                    "name": row["name"],
                    "color": row["color"],
                    "value": float(row["value"]),
                    "accounts": int(row["accounts"]),
                    "label": (
                        f"{fmt(row['value'])} {unit}"
                        + (
                            f" · {plural(int(row['accounts']), 'account')}"
                            if self.value != COUNT
                            else ""
                        )
                    ),
                },
            }
            for row in self.cells.to_dict("records")
        ]
        return {
            "title": self.title,
            "legend": [list(entry) for entry in self.shading.legend],
            "features": {"type": "FeatureCollection", "features": features},
        }


def nice_cell_km(lon: np.ndarray, lat: np.ndarray) -> float:
    """A round hexagon width giving about `HEX_TARGET_ACROSS` hexagons across the points.

    Parameters
    ----------
    lon, lat
        The points, in degrees.

    Returns
    -------
    float
        The width in km, one of `NICE_SIZES_KM` (the largest when there are no points).
    """
    if len(lon) == 0:
        return float(NICE_SIZES_KM[-1])
    x, y = LocalKm.around(lon, lat).to_km(lon, lat)
    span = max(float(np.ptp(x)), float(np.ptp(y)))
    wanted = span / HEX_TARGET_ACROSS
    return float(min(NICE_SIZES_KM, key=lambda s: abs(math.log(s / max(wanted, 0.1)))))


def hex_cells(x: np.ndarray, y: np.ndarray, width_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates (q, r) of the pointy-top hexagon, `width_km` across, holding each point.

    Parameters
    ----------
    x, y
        The points, in km on a local plane (`LocalKm.to_km`).
    width_km
        The hexagons' width across (flat side to flat side), in km.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        The q and r of each point's hexagon (int64).
    """
    size = width_km / math.sqrt(3)  # centre to corner
    q = (math.sqrt(3) / 3 * x - y / 3) / size
    r = (2 / 3 * y) / size
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_z = ~fix_x & (dz >= dy)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(fix_z, -rx - ry, rz)
    return rx.astype(np.int64), rz.astype(np.int64)


def hexagon(q: int, r: int, width_km: float) -> BaseGeometry:
    """The hexagon (q, r) of a grid of pointy-top hexagons `width_km` across, in km.

    Parameters
    ----------
    q, r
        The hexagon's axial coordinates, as `hex_cells` gives them.
    width_km
        The hexagons' width across, in km.

    Returns
    -------
    BaseGeometry
        The hexagon as a polygon, in km on the same local plane.
    """
    size = width_km / math.sqrt(3)
    cx, cy = size * math.sqrt(3) * (q + r / 2), size * 1.5 * r
    angles = np.radians(30 + 60 * np.arange(6))
    return shapely.Polygon(
        np.column_stack([cx + size * np.cos(angles), cy + size * np.sin(angles)])
    )


def heat_map(
    project: Project,
    value: str = "potential",
    *,
    kind: str = "hex",
    segment: Segment | str | None = None,
    cell_km: float | None = None,
    stat: str = "sum",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> HeatMap:
    """Add up `value` of a segment's accounts per hexagon or per US county.

    Parameters
    ----------
    project
        The accounts.
    value
        A numeric account column (`numeric_columns`), or ``"accounts"`` to count.
    kind
        ``"hex"``: hexagons of an equal-area grid centred on the accounts;
        ``"county"``: US counties.
    segment
        Only this segment's accounts (a `Segment` or a saved one's name).
    cell_km
        Hexagon width across its flat sides (default: `nice_cell_km`).
    stat
        ``"sum"`` or ``"mean"`` of the value per cell (a missing value counts
        as nothing).
    progress, cancel
        The task contract (`territory_planner.tasks`).

    Returns
    -------
    HeatMap
        Only the cells that hold accounts.
    """
    if kind not in HEAT_KINDS:
        msg = f"a heat map is drawn over 'hex' (hexagons) or 'county' (US counties), not '{kind}'"
        raise InputError(msg)
    if stat not in {"sum", "mean"}:
        msg = f"a heat map shows the 'sum' or 'mean' of a value, not '{stat}'"
        raise InputError(msg)
    if cell_km is not None and not cell_km > 0:
        msg = f"a hexagon must be wider than 0 km (got {cell_km:g})"
        raise InputError(msg)
    _check_value(project, value)
    cancel = cancel or CancelToken()
    chosen = segment_mask(project, segment)
    rows = _placed(project, chosen)
    acc = project.accounts
    lon = acc["lon"].to_numpy(dtype=float, na_value=np.nan)[rows]
    lat = acc["lat"].to_numpy(dtype=float, na_value=np.nan)[rows]
    weights = np.ones(len(rows)) if value == COUNT else _numbers(project, value)[rows]
    weights = np.where(np.isfinite(weights), weights, 0.0)
    progress(0.1, "Placing accounts in cells")
    width = (float(cell_km) if cell_km else nice_cell_km(lon, lat)) if kind == "hex" else None
    cells = _hex_cells(lon, lat, width) if width is not None else _county_cells(lon, lat)
    cancel.raise_if_cancelled()
    progress(0.7, "Adding up")
    inside = cells.index >= 0
    counts = np.bincount(cells.index[inside], minlength=len(cells.ids)).astype(np.int64)
    totals = np.asarray(
        np.bincount(cells.index[inside], weights=weights[inside], minlength=len(cells.ids)),
        dtype=float,
    )
    if stat == "mean" and value != COUNT:
        totals = totals / np.maximum(counts, 1)
    where = "hexagon" if kind == "hex" else "county"
    title = f"{label(value)} per {where}" if stat == "sum" else f"Mean {label(value)} per {where}"
    segment_name = _segment_name(segment)
    if segment_name:
        title += f" · {segment_name}"
    shading = quantile_shading(title, pd.Series(totals, index=cells.ids), value_format(value))
    table = pd.DataFrame(
        {
            "cell_id": cells.ids,
            "name": cells.names,
            "accounts": counts,
            "value": totals,
            "color": [shading.colors[i] for i in cells.ids],
            "geometry": cells.shapes,
        }
    )
    progress(1.0, "")
    return HeatMap(
        title=title,
        value=value,
        kind=kind,
        cells=table,
        shading=shading,
        cell_km=width,
        accounts=int(inside.sum()),
        unplaced=int(chosen.sum()) - len(rows),
        outside=int((~inside).sum()),
        segment=segment_name,
    )


@dataclass(frozen=True)
class _Cells:
    """The cells holding some points: IDs, names, outlines, and each point's cell (-1: none)."""

    ids: list[str]
    names: list[str]
    shapes: list[BaseGeometry]
    index: np.ndarray


def _hex_cells(lon: np.ndarray, lat: np.ndarray, width: float) -> _Cells:
    local = LocalKm.around(lon, lat)
    q, r = hex_cells(*local.to_km(lon, lat), width)
    keys, inverse = np.unique(np.column_stack([q, r]), axis=0, return_inverse=True)
    return _Cells(
        ids=[f"H{a}_{b}" for a, b in keys],
        names=[f"hexagon {a},{b}" for a, b in keys],
        shapes=[local.to_lonlat(hexagon(int(a), int(b), width)) for a, b in keys],
        index=inverse.reshape(-1),
    )


def _county_cells(lon: np.ndarray, lat: np.ndarray) -> _Cells:
    counties = us_counties()
    abbr = dict(zip(us_states()["fips"], us_states()["abbr"], strict=True))
    found = containing_polygon(lon, lat, counties.geometry.to_numpy())
    inside = found >= 0
    keys, inverse = np.unique(found[inside], return_inverse=True)
    index = np.full(len(lon), -1, dtype=np.int64)
    index[inside] = inverse.reshape(-1)
    picked = counties.iloc[keys]
    return _Cells(
        ids=picked["fips"].astype(str).tolist(),
        names=[
            f"{n} County, {abbr.get(s, '')}"
            for n, s in zip(picked["name"], picked["state_fips"], strict=True)
        ],
        shapes=list(picked.geometry),
        index=index,
    )
