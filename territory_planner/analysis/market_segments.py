"""Market segments (named conditions on accounts) and what the market view's parts share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from territory_planner._errors import InputError
from territory_planner.analysis.conditions import (
    SEGMENT_FIELD,
    Condition,
    condition_from_data,
    describe_condition,
)
from territory_planner.colors import SEQUENTIAL_SHADES, Shading
from territory_planner.formats import integer, money_short, plural
from territory_planner.model import ACCOUNT_COLUMNS, Project
from territory_planner.settings import read_settings, setting_entries

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
    return Segment(
        name, tuple(condition_from_data(c, f"segment '{name}'") for c in entry.get("when", []))
    )


def saved_segments(project: Project) -> list[Segment]:
    """The segments kept in the project, in the order they were saved (none if never set).

    Parameters
    ----------
    project
        The project (its settings); a setting that cannot be read raises `InputError`.

    Returns
    -------
    list[Segment]
        The saved segments.
    """
    data = read_settings(project.settings, check=["segments"]).segments
    return [_parse_segment(entry, number) for number, entry in enumerate(data, start=1)]


def segment_names(project: Project) -> list[str]:
    """Names of the saved segments.

    Parameters
    ----------
    project
        The project (its settings).

    Returns
    -------
    list[str]
        The names, in the order the segments were saved.
    """
    return [s.name for s in saved_segments(project)]


def find_segment(project: Project, name: str) -> Segment:
    """A saved segment by name (exact, else the one that matches ignoring case).

    Raises
    ------
    InputError
        Naming the segments there are, when none matches.

    Parameters
    ----------
    project
        The project (its saved segments).
    name
        The segment's name as given (surrounding spaces ignored when matching without case).

    Returns
    -------
    Segment
        The segment of that name.
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
    """The project setting that keeps `segments`.

    Parameters
    ----------
    segments
        The segments, in the order to keep them.

    Returns
    -------
    dict[str, str]
        The settings key of the segments to their JSON text.
    """
    return setting_entries(segments=tuple(s.as_data() for s in segments))


def segment_mask(project: Project, segment: Segment | str | None) -> np.ndarray:
    """Which of the project's accounts are in a segment (a `Segment`, a saved one's name).

    None is every account. Conditions may name any account column (custom
    ones included) or test another segment (``segment = NAME``).

    Parameters
    ----------
    project
        The project (its accounts and saved segments).
    segment
        The segment, a saved segment's name (unknown: `InputError`), or None.

    Returns
    -------
    numpy.ndarray
        A boolean per account.
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
    """Which `accounts` meet ``segment = NAME`` (``!=``, ``in [A, B]``): used by rules.

    Parameters
    ----------
    project
        The project (its saved segments).
    condition
        A condition on `SEGMENT_FIELD`; another operator than =, != or in raises `InputError`,
        as do segments that refer to each other in a circle.
    accounts
        The accounts to test.

    Returns
    -------
    numpy.ndarray
        A boolean per account of `accounts`.
    """
    return _segment_test(project, condition, accounts, ())


def segment_fields(project: Project) -> list[str]:
    """Attributes a segment can test: the usual ones, the project's own columns, ``segment``.

    Parameters
    ----------
    project
        The project (its accounts' columns and saved segments).

    Returns
    -------
    list[str]
        `SEGMENT_FIELDS`, then the custom account columns, then ``segment`` when a
        segment is saved.
    """
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
    """Totals of the accounts where `mask` is true.

    Parameters
    ----------
    project
        The project (its accounts).
    mask
        A boolean per account.

    Returns
    -------
    SegmentSummary
        The accounts counted, of how many, and their potential and revenue (missing values
        count as 0).
    """
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
    """A Lambert azimuthal equal-area projection in kilometres around a centre.

    Parameters
    ----------
    lon0, lat0
        The centre of the projection, in degrees.
    """

    def __init__(self, lon0: float, lat0: float) -> None:
        crs = f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=km"
        self._forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inverse = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, lon: np.ndarray, lat: np.ndarray) -> LocalKm:
        """Centred on the middle of the points' extent.

        Parameters
        ----------
        lon, lat
            The points, in degrees (none: centred on 0, 0).

        Returns
        -------
        LocalKm
            The projection.
        """
        if len(lon) == 0:
            return cls(0.0, 0.0)
        return cls(float((np.min(lon) + np.max(lon)) / 2), float((np.min(lat) + np.max(lat)) / 2))

    def to_km(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude, latitude -> x, y in km.

        Parameters
        ----------
        lon, lat
            The points, in degrees.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            Their x and y, in km from the centre.
        """
        x, y = self._forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_lonlat(self, geometry: BaseGeometry) -> BaseGeometry:
        """A geometry in km back to longitude, latitude.

        Parameters
        ----------
        geometry
            A geometry in this projection's km.

        Returns
        -------
        BaseGeometry
            The same geometry in degrees.
        """

        def inverse(xy: np.ndarray) -> np.ndarray:
            lon, lat = self._inverse.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geometry, inverse)

    def point_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """A point in km as (longitude, latitude).

        Parameters
        ----------
        x, y
            The point, in km from the centre.

        Returns
        -------
        tuple[float, float]
            Its longitude and latitude, in degrees.
        """
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
    """How an attribute is named in titles: ``annual_revenue`` -> "Revenue".

    Parameters
    ----------
    column
        The account column.

    Returns
    -------
    str
        Its name in `LABELS`, else the column with spaces for underscores, capitalised.
    """
    return LABELS.get(column, column.replace("_", " ").capitalize())


def value_format(column: str) -> Callable[[Any], str]:
    """How values of an attribute are shown: money, whole numbers, or numbers.

    Parameters
    ----------
    column
        The account column (or the account count).

    Returns
    -------
    Callable[[Any], str]
        Short money for money columns (and names with revenue, sales or potential), whole
        numbers for counts, employees and visit minutes, else numbers.
    """
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
    """Account columns a heat map can add up: the usual ones, then numeric custom columns.

    Parameters
    ----------
    project
        The project (its accounts).

    Returns
    -------
    list[str]
        `NUMERIC_FIELDS`, then each custom column whose values are at least 90% numbers.
    """
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

    Parameters
    ----------
    title
        The legend's title.
    values
        The value of each cell, indexed by cell ID (NaN: no value, shown grey).
    fmt
        How a class edge is written in the legend.

    Returns
    -------
    Shading
        The title, a colour per cell ID and the legend (colour and "A to B", per class).
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


def _segment_name(segment: Segment | str | None) -> str | None:
    return segment if isinstance(segment, str) else segment.name if segment else None
