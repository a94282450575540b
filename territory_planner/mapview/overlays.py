"""What panels lay over the map: gaps and overlaps, a day's route, a segment, alert badges.

Each is a plain dict (JSON-ready) the page's ``TP.update`` draws on top of the
territories and accounts of `map_page` (see ``resources/web/tp/map.js``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from territory_planner.analysis.performance_alerts import PerformanceAlert
from territory_planner.formats import plural
from territory_planner.geo.coverage import CoverageItem
from territory_planner.mapview.map_page import _label_point
from territory_planner.model import Project

#: The ring round a segment's accounts and the grey of the others (see ``tp/map.js``).
SEGMENT_RING = "#1b1f24"


SEGMENT_OTHERS = "#a9afb7"


#: The alert badges' colours (territories, reps; see ``tp/map.css``).
ALERT_COLOR = "#c62828"


REP_ALERT_COLOR = "#e65100"


def coverage_layer(items: list[CoverageItem]) -> dict[str, Any]:
    """Gaps and overlaps as a GeoJSON FeatureCollection (``kind``: "gap" or "overlap").

    Parameters
    ----------
    items
        The gaps and overlaps (`find_gaps`, `find_overlaps`).

    Returns
    -------
    dict[str, Any]
        One feature per item, its properties ``kind`` and ``where`` (the nearest place).
    """
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(shapely.set_precision(c.geometry, 1e-5))),
                "properties": {"kind": c.kind, "where": c.where},
            }
            for c in items
        ],
    }


def route_layer(
    project: Project, rep_id: str, visits: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """A day's route for the map: the rep's home and the visited accounts in order.

    Parameters
    ----------
    project
        The project (its reps' homes and accounts' positions).
    rep_id
        The rep whose day it is (a duplicated ID: the first such rep).
    visits
        The day's visits in order, as in `schedule_record` (``account_id``, ``name``,
        ``arrival``, ``departure``); unknown accounts are skipped.

    Returns
    -------
    dict[str, Any] | None
        ``home`` ([lat, lon]) and ``stops`` (``lat``, ``lon``, ``name``, ``when``);
        None when there is no such rep.
    """
    reps = project.reps.set_index("rep_id")
    accounts = project.accounts.set_index("account_id")
    if rep_id not in reps.index:
        return None
    home = reps.loc[rep_id]
    if isinstance(home, pd.DataFrame):  # a duplicated rep ID: take the first
        home = home.iloc[0]
    stops = [
        {
            "lat": round(float(accounts.loc[v["account_id"], "lat"]), 5),
            "lon": round(float(accounts.loc[v["account_id"], "lon"]), 5),
            "name": str(v["name"]),
            "when": f"{v['arrival']} to {v['departure']}",
        }
        for v in visits
        if v["account_id"] in accounts.index
    ]
    return {"home": [round(float(home["lat"]), 5), round(float(home["lon"]), 5)], "stops": stops}


def segment_layer(project: Project, title: str, mask: np.ndarray) -> dict[str, Any]:
    """A market segment for the map: the IDs of its placed accounts, a title and a legend.

    The page already holds every account: it rings these and dims the others,
    so only the IDs travel (not the account layer again).

    Parameters
    ----------
    project
        The project (its accounts).
    title
        The segment's title, shown on the map.
    mask
        A boolean per account: True for the accounts in the segment.

    Returns
    -------
    dict[str, Any]
        ``title``, ``ids`` (the segment's placed accounts), ``count`` (all of its
        accounts) and ``legend`` (rows of colour, text and optional CSS class).
    """
    acc = project.accounts
    chosen = np.asarray(mask, dtype=bool)
    placed = np.isfinite(acc["lon"].to_numpy(dtype=float)) & np.isfinite(
        acc["lat"].to_numpy(dtype=float)
    )
    count, unplaced = int(chosen.sum()), int((chosen & ~placed).sum())
    legend: list[list[str | None]] = [
        [SEGMENT_RING, f"{count:,} of {plural(len(acc), 'account')}, ringed", "tp-ring"],
        [SEGMENT_OTHERS, f"{len(acc) - count:,} others, greyed"],
    ]
    if unplaced:
        legend.append([None, f"{unplaced:,} of them not placed on the map"])
    return {
        "title": title,
        "ids": acc["account_id"].to_numpy()[chosen & placed].tolist(),
        "count": count,
        "legend": legend,
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def alerts_layer(
    project: Project, found: Sequence[PerformanceAlert], as_of: dt.date
) -> dict[str, Any]:
    """Breached alerts for the map: a badge per territory (at its label) and rep (at home).

    Each marker carries ``level``, ``id``, ``name``, ``lat``, ``lon``, the
    ``count`` of its alerts and their sentences (``lines``); alerts of a
    territory without a shape or a rep without a home are counted in the
    legend but get no badge.

    Parameters
    ----------
    project
        The project (its territories' shapes and reps' homes).
    found
        The alerts breached.
    as_of
        The day they were judged on (in the title).

    Returns
    -------
    dict[str, Any]
        ``title`` ("" when there is no alert: no legend), ``legend`` and ``markers``.
    """
    grouped: dict[tuple[str, str], list[PerformanceAlert]] = {}
    for alert in found:
        grouped.setdefault((alert.level, alert.key), []).append(alert)
    shapes = dict(zip(project.territories["territory_id"], project.territories.geometry,
                      strict=True))  # fmt: skip
    homes = project.reps.drop_duplicates("rep_id").set_index("rep_id")[["lat", "lon"]]
    markers = []
    for (level, key), alerts in grouped.items():
        if level == "territory":
            shape = shapes.get(key)
            if shape is None or shape.is_empty:
                continue
            lat, lon = _label_point(shape)
        elif key in homes.index:
            lat, lon = (round(float(v), 5) for v in homes.loc[key].to_numpy(dtype=float))
            if not np.isfinite([lat, lon]).all():
                continue
        else:
            continue
        markers.append(
            {
                "level": level, "id": key, "name": alerts[0].name, "lat": lat, "lon": lon,
                "count": len(alerts), "lines": [f"{a.what}: {a.text}" for a in alerts],
            }
        )  # fmt: skip
    territories = sum(1 for level, _key in grouped if level == "territory")
    reps = len(grouped) - territories
    legend: list[list[str | None]] = []
    if territories:
        text = f"{_count(territories, 'territory', 'territories')} (badge over the name)"
        legend.append([ALERT_COLOR, text, "tp-round"])
    if reps:
        legend.append([REP_ALERT_COLOR, f"{_count(reps, 'rep', 'reps')} (badge by the home)"])
    legend.append([None, "each badge counts the alerts: hover it to read them"])
    return {
        "title": f"Alerts as of {as_of:%d %b %Y}" if grouped else "",  # none: no legend
        "legend": legend,
        "markers": markers,
    }
