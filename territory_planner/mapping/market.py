"""The market view: segments, heat maps, clusters of accounts and whitespace.

- A **segment** (an ideal-customer profile) is a named list of conditions on
  account attributes, e.g. ``industry = Healthcare`` and ``employees > 500``
  (the conditions of `territory_planner.mapping.rules`). Segments are kept as
  JSON in the project setting ``segments``; saving and deleting one are
  undoable edits. A rule (or a segment) may test ``segment = NAME``.
- A **heat map** adds up a numeric attribute (or counts accounts) of a
  segment's accounts over hexagons of a local equal-area grid, or over US
  counties, and colours them in quantile classes.
- **Clusters** are DBSCAN clusters of accounts: an account with at least
  ``min_accounts`` accounts (itself included) within ``radius_km`` is a core;
  cores within ``radius_km`` of each other are in one cluster, which also takes
  the other accounts within ``radius_km`` of one of its cores (of the nearest).
- **Whitespace** is the high-potential accounts outside every territory, or
  farther than ``far_km`` from every rep's home, and their clusters.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from networkx.utils import UnionFind
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError
from territory_planner.edits import ChangeSettings
from territory_planner.formats import agree, integer, money_short, plural
from territory_planner.geo import haversine_km
from territory_planner.mapping.assign import NO_TERRITORY, containing_polygon
from territory_planner.mapping.colors import SEQUENTIAL_SHADES, Shading
from territory_planner.mapping.rules import (
    OPERATORS,
    SEGMENT_FIELD,
    Condition,
    describe_condition,
)
from territory_planner.mapping.rules import SETTINGS_KEY as RULES_KEY
from territory_planner.model import ACCOUNT_COLUMNS, Project
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled

#: Project setting holding the saved segments (a JSON list, see `segments_setting`).
SEGMENTS_KEY = "segments"
#: Attributes offered first when building a segment (then the project's own columns).
SEGMENT_FIELDS = (
    "industry", "size_band", "product_line", "lead_source", "employees", "annual_revenue",
    "potential", "last_year_sales", "visit_frequency", "state", "city", "zip", "parent_name",
    "territory_id",
)  # fmt: skip
#: Numeric account columns a heat map can add up (the project's numeric columns follow).
NUMERIC_FIELDS = ("potential", "annual_revenue", "last_year_sales", "employees", "visit_minutes")
#: The heat-map "value" that counts accounts instead of adding up a column.
COUNT = "accounts"
#: How attributes are named in titles and legends.
LABELS = {
    COUNT: "Accounts",
    "potential": "Potential",
    "annual_revenue": "Revenue",
    "last_year_sales": "Last-year sales",
    "employees": "Employees",
    "visit_minutes": "Visit minutes",
}
MONEY_FIELDS = frozenset({"potential", "annual_revenue", "last_year_sales"})
HEAT_KINDS = ("hex", "county")
DEFAULT_RADIUS_KM = 25.0
DEFAULT_MIN_ACCOUNTS = 5
TOP_CLUSTERS = 3  # the clusters with the most potential, drawn darker
HEX_TARGET_ACROSS = 40  # automatic hexagon size: about this many across the accounts' extent
NICE_SIZES_KM = (1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200)
_WHERE = re.compile(r"^\s*(?P<field>[^=!<>]+?)\s*(?P<op>>=|<=|!=|=|>|<)\s*(?P<value>.*?)\s*$")
_WORD_OP = re.compile(r"^\s*(?P<field>\S+)\s+(?P<op>in|contains)\s+(?P<value>.+?)\s*$", re.I)


# ----- segments -----


@dataclass(frozen=True)
class Segment:
    """A named filter over account attributes: accounts meeting every condition."""

    name: str
    conditions: tuple[Condition, ...] = ()

    def describe(self) -> str:
        """In words, e.g. ``industry = Healthcare and employees > 500``."""
        return " and ".join(describe_condition(c) for c in self.conditions) or "every account"

    def as_data(self) -> dict[str, Any]:
        """The JSON form kept in the project: ``{"name", "when": [[field, op, value], ...]}``."""
        return {"name": self.name, "when": [[c.field, c.op, c.value] for c in self.conditions]}


def _parse_segment(entry: Any, number: int) -> Segment:
    if not isinstance(entry, dict):
        msg = f"segment {number} is not an object with a name and conditions"
        raise InputError(msg)
    name = str(entry.get("name") or "").strip()
    if not name:
        msg = f"segment {number} has no name"
        raise InputError(msg)
    conditions = []
    for clause in entry.get("when", []):
        if not isinstance(clause, list | tuple) or len(clause) != 3 or clause[1] not in OPERATORS:  # noqa: PLR2004
            msg = (
                f"segment '{name}': a condition is [field, operator, value] "
                f"with one of the operators {', '.join(OPERATORS)}"
            )
            raise InputError(msg)
        conditions.append(Condition(str(clause[0]), str(clause[1]), clause[2]))
    return Segment(name, tuple(conditions))


def saved_segments(project: Project) -> list[Segment]:
    """The segments kept in the project, in the order they were saved (none if never set)."""
    text = project.settings.get(SEGMENTS_KEY, "") or "[]"
    try:
        data = json.loads(text)
    except ValueError as exc:
        msg = f"the project's segments cannot be read ({exc}); save them again"
        raise InputError(msg) from exc
    if not isinstance(data, list):
        msg = "the project's segments are not a list; save them again"
        raise InputError(msg)
    return [_parse_segment(entry, number) for number, entry in enumerate(data, start=1)]


def segment_names(project: Project) -> list[str]:
    """Names of the saved segments."""
    return [s.name for s in saved_segments(project)]


def find_segment(project: Project, name: str) -> Segment:
    """A saved segment by name (exact, else the one that matches ignoring case).

    Raises
    ------
    InputError
        Naming the segments there are, when none matches.
    """
    segments = saved_segments(project)
    for segment in segments:
        if segment.name == name:
            return segment
    folded = [s for s in segments if s.name.casefold() == name.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    names = ", ".join(f"'{s.name}'" for s in segments) or "none yet"
    msg = f"there is no segment '{name}'; the project's segments are: {names}"
    raise InputError(msg)


def segments_setting(segments: Iterable[Segment]) -> dict[str, str]:
    """The project setting that keeps `segments`."""
    return {SEGMENTS_KEY: json.dumps([s.as_data() for s in segments])}


def segment_mask(project: Project, segment: Segment | str | None) -> np.ndarray:
    """Which of the project's accounts are in a segment (a `Segment`, a saved one's name).

    None is every account. Conditions may name any account column (custom
    ones included) or test another segment (``segment = NAME``).
    """
    accounts = project.accounts
    if segment is None:
        return np.ones(len(accounts), dtype=bool)
    if isinstance(segment, str):
        segment = find_segment(project, segment)
    return _conditions_mask(project, segment.conditions, accounts, (segment.name,))


def _conditions_mask(
    project: Project,
    conditions: Iterable[Condition],
    accounts: pd.DataFrame,
    seen: tuple[str, ...],
) -> np.ndarray:
    result = np.ones(len(accounts), dtype=bool)
    for condition in conditions:
        if condition.field == SEGMENT_FIELD:
            result &= _segment_test(project, condition, accounts, seen)
        else:
            result &= condition.mask(accounts)
    return result


def _segment_test(
    project: Project, condition: Condition, accounts: pd.DataFrame, seen: tuple[str, ...]
) -> np.ndarray:
    if condition.op not in {"=", "!=", "in"}:
        msg = f"a segment is tested with =, != or in, not '{condition.op}'"
        raise InputError(msg)
    names = condition.value if condition.op == "in" else [condition.value]
    inside = np.zeros(len(accounts), dtype=bool)
    for name in names if isinstance(names, list | tuple) else [names]:
        segment = find_segment(project, str(name))
        if segment.name in seen:
            chain = " → ".join([*seen, segment.name])
            msg = f"segments refer to each other in a circle ({chain}); change one of them"
            raise InputError(msg)
        inside |= _conditions_mask(project, segment.conditions, accounts, (*seen, segment.name))
    return ~inside if condition.op == "!=" else inside


def segment_condition_mask(
    project: Project, condition: Condition, accounts: pd.DataFrame
) -> np.ndarray:
    """Which `accounts` meet ``segment = NAME`` (``!=``, ``in [A, B]``): used by rules."""
    return _segment_test(project, condition, accounts, ())


def parse_condition(text: str) -> Condition:
    """A condition as typed on the command line.

    ``industry=Healthcare``, ``employees>500``, ``potential>=100000``,
    ``state!=CA``, ``industry in Healthcare,Education``, ``name contains Clinic``,
    ``segment=Enterprise``. Comparisons (``> >= < <=``) need a number.
    """
    words = _WORD_OP.match(text)
    if words:
        field_name, op, value = words["field"], words["op"].lower(), words["value"]
        if op == "in":
            return Condition(field_name, op, [v.strip() for v in value.split(",") if v.strip()])
        return Condition(field_name, op, value)
    match = _WHERE.match(text)
    if not match or not match["value"]:
        msg = (
            f"'{text}' is not a condition; write FIELD=VALUE, FIELD!=VALUE, FIELD>NUMBER "
            "(also >=, <, <=), 'FIELD in A,B' or 'FIELD contains TEXT'"
        )
        raise InputError(msg)
    op, value = match["op"], match["value"]
    if op in {">", ">=", "<", "<="}:
        try:
            number = float(value.replace(",", ""))
            return Condition(match["field"], op, int(number) if number.is_integer() else number)
        except ValueError as exc:
            msg = f"'{text}': {op} compares numbers, and '{value}' is not one"
            raise InputError(msg) from exc
    return Condition(match["field"], op, value)


def _check_segment(project: Project, segment: Segment) -> Segment:
    name = segment.name.strip()
    if not name:
        msg = "give the segment a name"
        raise InputError(msg)
    checked = Segment(name, segment.conditions)
    for condition in checked.conditions:
        if condition.op not in OPERATORS:
            msg = f"segment '{name}': '{condition.op}' is not one of {', '.join(OPERATORS)}"
            raise InputError(msg)
        if condition.op in {">", ">=", "<", "<="}:
            try:
                float(condition.value)
            except (TypeError, ValueError) as exc:
                msg = f"segment '{name}': {condition.field} {condition.op} needs a number"
                raise InputError(msg) from exc
    _conditions_mask(project, checked.conditions, project.accounts, (name,))  # fields exist?
    return checked


def save_segment(project: Project, segment: Segment) -> ChangeSettings:
    """The undoable edit that saves a segment (replacing a saved one of the same name).

    Raises
    ------
    InputError
        When it has no name, a condition names a column the accounts do not
        have, or compares a field with something that is not a number.
    """
    segment = _check_segment(project, segment)
    segments = saved_segments(project)
    names = [s.name for s in segments]
    count = int(
        _conditions_mask(project, segment.conditions, project.accounts, (segment.name,)).sum()
    )
    if segment.name in names:
        segments[names.index(segment.name)] = segment
        verb = "Changed"
    else:
        segments.append(segment)
        verb = "Saved"
    text = f"{verb} segment '{segment.name}': {segment.describe()} ({plural(count, 'account')})"
    return ChangeSettings(project, segments_setting(segments), text)


def delete_segment(project: Project, name: str) -> ChangeSettings:
    """The undoable edit that deletes a saved segment.

    Raises
    ------
    InputError
        When there is no such segment, or a rule or another segment uses it.
    """
    segment = find_segment(project, name)
    users = [
        f"segment '{s.name}'" for s in saved_segments(project) if _uses(s.conditions, segment.name)
    ]
    rules = json.loads(project.settings.get(RULES_KEY, "") or "[]")
    users += [
        f"rule '{r.get('name', '')}'"
        for r in rules
        if _uses([Condition(*c) for c in r.get("when", []) if len(c) == 3], segment.name)  # noqa: PLR2004
    ]
    if users:
        msg = f"segment '{segment.name}' is used by {', '.join(users)}; change them first"
        raise InputError(msg)
    rest = [s for s in saved_segments(project) if s.name != segment.name]
    return ChangeSettings(project, segments_setting(rest), f"Deleted segment '{segment.name}'")


def _uses(conditions: Iterable[Condition], name: str) -> bool:
    for c in conditions:
        if c.field != SEGMENT_FIELD:
            continue
        values = c.value if isinstance(c.value, list | tuple) else [c.value]
        if any(str(v).strip().casefold() == name.casefold() for v in values):
            return True
    return False


def segment_fields(project: Project) -> list[str]:
    """Attributes a segment can test: the usual ones, the project's own columns, ``segment``."""
    custom = [c for c in project.accounts.columns if c not in ACCOUNT_COLUMNS]
    extra = [SEGMENT_FIELD] if saved_segments(project) else []
    return [*SEGMENT_FIELDS, *custom, *extra]


@dataclass(frozen=True)
class SegmentSummary:
    """How many accounts a segment holds, and their potential and revenue."""

    accounts: int
    of: int
    potential: float
    revenue: float

    def describe(self) -> str:
        """E.g. ``42 of 300 accounts · potential $1.2M · revenue $310K``."""
        return (
            f"{self.accounts:,} of {plural(self.of, 'account')} · potential "
            f"{money_short(self.potential)}"
            f" · revenue {money_short(self.revenue)}"
        )


def summarize(project: Project, mask: np.ndarray) -> SegmentSummary:
    """Totals of the accounts where `mask` is true."""
    acc = project.accounts
    return SegmentSummary(
        accounts=int(mask.sum()),
        of=len(acc),
        potential=float(acc["potential"].to_numpy(dtype=float, na_value=np.nan)[mask].sum()),
        revenue=float(
            np.nansum(acc["annual_revenue"].to_numpy(dtype=float, na_value=np.nan)[mask])
        ),
    )


# ----- projection and shared helpers -----


class LocalKm:
    """A Lambert azimuthal equal-area projection in kilometres around a centre."""

    def __init__(self, lon0: float, lat0: float) -> None:
        crs = f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=km"
        self._forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inverse = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray) -> LocalKm:
        """Centred on the middle of the points' extent."""
        if len(lon) == 0:
            return cls(0.0, 0.0)
        return cls(float((np.min(lon) + np.max(lon)) / 2), float((np.min(lat) + np.max(lat)) / 2))

    def to_km(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude, latitude -> x, y in km."""
        x, y = self._forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_lonlat(self, geometry: BaseGeometry) -> BaseGeometry:
        """A geometry in km back to longitude, latitude."""

        def inverse(xy: np.ndarray) -> np.ndarray:
            lon, lat = self._inverse.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geometry, inverse)

    def point_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """A point in km as (longitude, latitude)."""
        lon, lat = self._inverse.transform(x, y)
        return float(lon), float(lat)


def _placed(project: Project, mask: np.ndarray) -> np.ndarray:
    """Rows of the accounts in `mask` that have a position."""
    lon = project.accounts["lon"].to_numpy(dtype=float, na_value=np.nan)
    lat = project.accounts["lat"].to_numpy(dtype=float, na_value=np.nan)
    return np.flatnonzero(mask & np.isfinite(lon) & np.isfinite(lat))


def _numbers(project: Project, column: str) -> np.ndarray:
    return np.asarray(
        pd.to_numeric(project.accounts[column], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        ),
        dtype=float,
    )


def label(column: str) -> str:
    """How an attribute is named in titles: ``annual_revenue`` -> "Revenue"."""
    return LABELS.get(column, column.replace("_", " ").capitalize())


def value_format(column: str) -> Callable[[Any], str]:
    """How values of an attribute are shown: money, whole numbers, or numbers."""
    money_words = ("revenue", "sales", "potential")
    if column in MONEY_FIELDS or any(w in column.lower() for w in money_words):
        return money_short
    if column in {COUNT, "employees", "visit_minutes"}:
        return integer
    return _number


def _number(value: Any) -> str:
    if pd.isna(value):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"  # noqa: PLR2004


def numeric_columns(project: Project) -> list[str]:
    """Account columns a heat map can add up: the usual ones, then numeric custom columns."""
    acc = project.accounts
    custom = []
    for column in acc.columns:
        if column in ACCOUNT_COLUMNS:
            continue
        values = acc[column].dropna()
        numbers = pd.to_numeric(values, errors="coerce")
        if len(values) and numbers.notna().mean() >= 0.9:  # noqa: PLR2004 (a few typos allowed)
            custom.append(str(column))
    return [*NUMERIC_FIELDS, *custom]


def _check_value(project: Project, value: str) -> None:
    if value == COUNT:
        return
    allowed = numeric_columns(project)
    if value not in allowed:
        msg = (
            f"'{value}' is not a numeric account column; choose {COUNT} (to count accounts) "
            f"or one of: {', '.join(allowed)}"
        )
        raise InputError(msg)


def quantile_shading(title: str, values: pd.Series, fmt: Callable[[Any], str]) -> Shading:
    """Colour values in up to five classes holding about as many values each.

    Heat-map values are skewed (a few metro cells hold most of the
    potential): equal steps would paint almost every cell the lightest
    colour, so classes are cut at quantiles instead. Index: cell IDs.
    """
    numbers = values.to_numpy(dtype=float)
    known = numbers[np.isfinite(numbers)]
    if len(known) == 0:
        return Shading(title, {str(k): "#d0d0d0" for k in values.index}, [])
    steps = min(len(SEQUENTIAL_SHADES), len(np.unique(known)))  # no class without values
    edges = np.unique(np.quantile(known, np.linspace(0, 1, steps + 1)))
    if len(edges) == 1:
        color = SEQUENTIAL_SHADES[2]
        return Shading(title, {str(k): color for k in values.index}, [(color, fmt(edges[0]))])
    classes = len(edges) - 1
    palette = [
        SEQUENTIAL_SHADES[round(i)] for i in np.linspace(0, len(SEQUENTIAL_SHADES) - 1, classes)
    ]
    index = np.clip(np.searchsorted(edges[1:-1], numbers, side="right"), 0, classes - 1)
    colors = {
        str(k): palette[c] if np.isfinite(v) else "#d0d0d0"
        for k, c, v in zip(values.index, index, numbers, strict=True)
    }
    legend = [(palette[i], f"{fmt(edges[i])} to {fmt(edges[i + 1])}") for i in range(classes)]
    return Shading(title, colors, legend)


def _geojson(geometry: BaseGeometry) -> dict[str, Any]:
    return dict(json.loads(shapely.to_geojson(shapely.set_precision(geometry, 1e-5))))


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
    """A round hexagon width giving about `HEX_TARGET_ACROSS` hexagons across the points."""
    if len(lon) == 0:
        return float(NICE_SIZES_KM[-1])
    x, y = LocalKm.around(lon, lat).to_km(lon, lat)
    span = max(float(np.ptp(x)), float(np.ptp(y)))
    wanted = span / HEX_TARGET_ACROSS
    return float(min(NICE_SIZES_KM, key=lambda s: abs(math.log(s / max(wanted, 0.1)))))


def hex_cells(x: np.ndarray, y: np.ndarray, width_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates (q, r) of the pointy-top hexagon, `width_km` across, holding each point."""
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
    """The hexagon (q, r) of a grid of pointy-top hexagons `width_km` across, in km."""
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


def _segment_name(segment: Segment | str | None) -> str | None:
    return segment if isinstance(segment, str) else segment.name if segment else None


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
    from territory_planner.mapping.areas import us_counties, us_states  # noqa: PLC0415

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


# ----- clusters -----


def dbscan(
    x: np.ndarray,
    y: np.ndarray,
    radius: float,
    min_points: int,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """DBSCAN labels of points in km (0, 1, ... per cluster; -1 for noise).

    A point with at least `min_points` points (itself included) within
    `radius` (distance <= radius) is a core; cores within `radius` of each
    other share a cluster; any other point within `radius` of a core joins
    the cluster of the nearest core. Points at the same spot are handled
    once (with their count), and a grid of cells `radius` / sqrt(2) wide
    (every two points in a cell are neighbours) keeps the work near linear.
    """
    cancel = cancel or CancelToken()
    n = len(x)
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    _spots, inverse, weight = np.unique(
        np.round(np.column_stack([x, y]) * 1000), axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    ux = np.bincount(inverse, weights=x) / weight
    uy = np.bincount(inverse, weights=y) / weight
    side = radius / math.sqrt(2)
    gx, gy = np.floor(ux / side).astype(np.int64), np.floor(uy / side).astype(np.int64)
    cells, cell_of = np.unique(np.column_stack([gx, gy]), axis=0, return_inverse=True)
    cell_of = cell_of.reshape(-1)
    core = np.bincount(cell_of, weights=weight)[cell_of] >= min_points
    points = np.asarray(shapely.points(ux, uy), dtype=object)
    tree = shapely.STRtree(points)
    rest = np.flatnonzero(~core)
    for start in range(0, len(rest), 20_000):
        cancel.raise_if_cancelled()
        chunk = rest[start : start + 20_000]
        left, right = tree.query(points[chunk], predicate="dwithin", distance=radius)
        near = np.bincount(left, weights=weight[right], minlength=len(chunk))
        core[chunk] = near >= min_points
    core_rows = np.flatnonzero(core)
    if len(core_rows) == 0:
        return labels
    # cores in one cell are neighbours; cells up to two apart may hold neighbouring cores
    members: dict[tuple[int, int], np.ndarray] = {}
    order = core_rows[np.argsort(cell_of[core_rows], kind="stable")]
    split = np.flatnonzero(np.diff(cell_of[order])) + 1
    for group in np.split(order, split):
        cx, cy = cells[cell_of[group[0]]]
        members[int(cx), int(cy)] = group
    joined = UnionFind(members)
    limit = radius * radius * (1 + 1e-12)
    for (cx, cy), group in members.items():
        cancel.raise_if_cancelled()
        for dx in range(-2, 3):
            for dy in range(-2, 3):
                other = (cx + dx, cy + dy)
                if other <= (cx, cy) or other not in members or joined[other] == joined[cx, cy]:
                    continue
                if _any_within(ux, uy, group, members[other], limit):
                    joined.union((cx, cy), other)
    unique_labels = np.full(len(ux), -1, dtype=np.int64)
    for number, component in enumerate(joined.to_sets()):
        for cell in component:
            unique_labels[members[cell]] = number
    border = np.flatnonzero(~core)
    if len(border):
        core_tree = shapely.STRtree(points[core_rows])
        (which, nearest), _distance = core_tree.query_nearest(
            points[border], max_distance=radius, return_distance=True, all_matches=False
        )
        unique_labels[border[which]] = unique_labels[core_rows[nearest]]
    labels[:] = unique_labels[inverse]
    found = labels >= 0  # number the clusters in the order their first point comes
    _values, first = np.unique(labels[found], return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    labels[found] = rank[np.searchsorted(_values, labels[found])]
    return labels


def _any_within(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray, limit: float) -> bool:
    """Whether any point of `a` is within sqrt(`limit`) of any point of `b`."""
    step = max(1, 2_000_000 // max(len(b), 1))
    for start in range(0, len(a), step):
        part = a[start : start + step]
        d2 = (x[part, None] - x[None, b]) ** 2 + (y[part, None] - y[None, b]) ** 2
        if (d2 <= limit).any():
            return True
    return False


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
        """Cluster outlines for the map: ``{"title", "legend", "features"}``."""
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
    labels = dbscan(x, y, radius_km, min_accounts, cancel)
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
    from territory_planner.mapping.coverage import nearest_place  # noqa: PLC0415

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

WHITESPACE_COLUMNS = [
    "account_id", "name", "city", "state", "industry", "territory", "potential", "revenue",
    "outside", "home_km", "nearest_rep", "cluster", "reason", "lat", "lon",
]  # fmt: skip


@dataclass(frozen=True)
class Whitespace:
    """High-potential accounts outside every territory or far from every rep's home."""

    accounts: pd.DataFrame  # WHITESPACE_COLUMNS, most potential first
    clusters: Clusters
    min_potential: float
    far_km: float | None
    segment: str | None = None

    def totals(self) -> dict[str, Any]:
        """Accounts listed, their potential and revenue, and how many for each reason."""
        acc = self.accounts
        far = int((acc["home_km"] > self.far_km).sum()) if self.far_km is not None else 0
        return {
            "listed": len(acc),
            "potential": round(float(acc["potential"].sum()), 2),
            "revenue": round(float(acc["revenue"].sum()), 2),
            "outside": int(acc["outside"].sum()),
            "far": far,
            "clusters": len(self.clusters.clusters),
        }

    def describe(self) -> str:
        """E.g. "12 accounts, potential $2.1M: 9 outside every territory, 3 far from a rep"."""
        t = self.totals()
        text = (
            f"{plural(t['listed'], 'whitespace account')}, potential "
            f"{money_short(t['potential'])}: {t['outside']:,} outside every territory"
        )
        if self.far_km is not None:
            text += f", {t['far']:,} more than {self.far_km:g} km from every rep's home"
        return text + f"; {plural(t['clusters'], 'cluster')}"


def whitespace(
    project: Project,
    *,
    segment: Segment | str | None = None,
    min_potential: float = 0.0,
    far_km: float | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    min_accounts: int = DEFAULT_MIN_ACCOUNTS,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> Whitespace:
    """Accounts of a segment with potential at least `min_potential` that no territory covers.

    An account is whitespace when no territory outline contains it, or (with
    `far_km`) when the nearest rep's home is farther than `far_km` km (great
    circle). Their clusters are found as by `find_clusters`.
    """
    cancel = cancel or CancelToken()
    chosen = segment_mask(project, segment)
    acc = project.accounts
    potential = np.nan_to_num(_numbers(project, "potential"))
    rows = _placed(project, chosen & (potential >= min_potential) & (potential > 0))
    lon = acc["lon"].to_numpy(dtype=float, na_value=np.nan)[rows]
    lat = acc["lat"].to_numpy(dtype=float, na_value=np.nan)[rows]
    progress(0.05, "Finding accounts outside the territories")
    inside = containing_polygon(lon, lat, project.territories.geometry.to_numpy())
    outside = inside == NO_TERRITORY
    km, reps = nearest_home(project, lon, lat)
    far = np.zeros(len(rows), dtype=bool) if far_km is None else np.nan_to_num(km) > far_km
    keep = outside | far
    cancel.raise_if_cancelled()
    picked = rows[keep]
    clusters = find_clusters(
        project, segment=segment, radius_km=radius_km, min_accounts=min_accounts, rows=picked,
        progress=scaled(progress, 0.2, 0.95), cancel=cancel,
    )  # fmt: skip
    names = dict(zip(project.territories["territory_id"], project.territories["name"], strict=True))
    frame = pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str).to_numpy()[picked],
            "name": acc["name"].to_numpy(dtype=object)[picked],
            "city": acc["city"].to_numpy(dtype=object)[picked],
            "state": acc["state"].to_numpy(dtype=object)[picked],
            "industry": acc["industry"].to_numpy(dtype=object)[picked],
            "territory": [names.get(t) if isinstance(t, str) else None
                          for t in acc["territory_id"].to_numpy(dtype=object)[picked]],
            "potential": potential[picked],
            "revenue": np.nan_to_num(_numbers(project, "annual_revenue"))[picked],
            "outside": outside[keep],
            "home_km": km[keep],
            "nearest_rep": np.asarray(reps, dtype=object)[keep] if len(reps) else [],
            "lat": lat[keep],
            "lon": lon[keep],
        }
    )  # fmt: skip
    frame["cluster"] = frame["account_id"].map(clusters.labels)
    frame["reason"] = [
        _reason(o, k, far_km) for o, k in zip(frame["outside"], frame["home_km"], strict=True)
    ]
    frame = frame.sort_values(["potential", "account_id"], ascending=[False, True])
    segment_name = _segment_name(segment)
    progress(1.0, "")
    return Whitespace(
        frame[WHITESPACE_COLUMNS].reset_index(drop=True), clusters, min_potential, far_km,
        segment_name,
    )  # fmt: skip


def _reason(outside: bool, km: float, far_km: float | None) -> str:
    parts = ["outside every territory"] if outside else []
    if far_km is not None and not math.isnan(km) and km > far_km:
        parts.append(f"{km:,.0f} km from the nearest rep's home")
    return "; ".join(parts)


def whitespace_layer(result: Whitespace) -> dict[str, Any]:
    """Whitespace accounts (points) and their clusters (outlines) for the map."""
    layer = result.clusters.as_layer("Whitespace")
    points = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "id": row["account_id"],
                "account": row["account_id"],
                "name": str(row["name"]),
                "color": "#6a1b9a",
                "value": float(row["potential"]),
                "label": f"potential {money_short(row['potential'])} · {row['reason']}",
            },
        }
        for row in result.accounts.to_dict("records")
        for lon, lat in [(float(row["lon"]), float(row["lat"]))]
    ]
    layer["features"]["features"].extend(points)
    listed = len(result.accounts)
    layer["legend"] = (
        [["#6a1b9a", plural(listed, "whitespace account")], *layer["legend"]]
        if listed
        else [[None, "no whitespace accounts found"]]
    )
    return layer
