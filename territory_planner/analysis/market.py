"""The market view: segments, heat maps, clusters of accounts and whitespace (one namespace).

- A **segment** (an ideal-customer profile) is a named list of conditions on
  account attributes, e.g. ``industry = Healthcare`` and ``employees > 500``
  (the conditions of `territory_planner.plan.rules`). Segments are kept as
  JSON in the project setting ``segments``; saving and deleting one are
  undoable edits. A rule (or a segment) may test ``segment = NAME``.
- A **heat map** adds up a numeric attribute (or counts accounts) of a
  segment's accounts over hexagons of a local equal-area grid, or over US
  counties, and colours them in quantile classes.
- **Clusters** are DBSCAN clusters of accounts (scikit-learn's, on great-circle
  distances): an account with at least ``min_accounts`` accounts (itself
  included) within ``radius_km`` is a core; cores within ``radius_km`` of each
  other are in one cluster, which also takes the other accounts within
  ``radius_km`` of one of its cores (of the nearest).
- **Whitespace** is the high-potential accounts outside every territory, or
  farther than ``far_km`` from every rep's home, and their clusters.
"""

from __future__ import annotations

from territory_planner.analysis.conditions import parse_condition
from territory_planner.analysis.market_clusters import (
    Cluster,
    Clusters,
    dbscan,
    find_clusters,
    nearest_home,
)
from territory_planner.analysis.market_heat import (
    HeatMap,
    heat_map,
    hex_cells,
    hexagon,
    nice_cell_km,
)
from territory_planner.analysis.market_segments import (
    COUNT,
    DEFAULT_MIN_ACCOUNTS,
    DEFAULT_RADIUS_KM,
    HEAT_KINDS,
    HEX_TARGET_ACROSS,
    LABELS,
    MONEY_FIELDS,
    NICE_SIZES_KM,
    NUMERIC_FIELDS,
    SEGMENT_FIELDS,
    TOP_CLUSTERS,
    LocalKm,
    Segment,
    SegmentSummary,
    find_segment,
    label,
    numeric_columns,
    quantile_shading,
    saved_segments,
    segment_condition_mask,
    segment_fields,
    segment_mask,
    segment_names,
    segments_setting,
    summarize,
    value_format,
)
from territory_planner.analysis.market_whitespace import (
    WHITESPACE_COLUMNS,
    Whitespace,
    whitespace,
    whitespace_layer,
)

__all__ = [
    "COUNT",
    "DEFAULT_MIN_ACCOUNTS",
    "DEFAULT_RADIUS_KM",
    "HEAT_KINDS",
    "HEX_TARGET_ACROSS",
    "LABELS",
    "MONEY_FIELDS",
    "NICE_SIZES_KM",
    "NUMERIC_FIELDS",
    "SEGMENT_FIELDS",
    "TOP_CLUSTERS",
    "WHITESPACE_COLUMNS",
    "Cluster",
    "Clusters",
    "HeatMap",
    "LocalKm",
    "Segment",
    "SegmentSummary",
    "Whitespace",
    "dbscan",
    "find_clusters",
    "find_segment",
    "heat_map",
    "hex_cells",
    "hexagon",
    "label",
    "nearest_home",
    "nice_cell_km",
    "numeric_columns",
    "parse_condition",
    "quantile_shading",
    "saved_segments",
    "segment_condition_mask",
    "segment_fields",
    "segment_mask",
    "segment_names",
    "segments_setting",
    "summarize",
    "value_format",
    "whitespace",
    "whitespace_layer",
]
