"""Whitespace: high-potential accounts no territory or rep serves, and why each is listed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territory_planner._errors import InputError
from territory_planner.analysis.market_clusters import Clusters, find_clusters, nearest_home
from territory_planner.analysis.market_segments import (
    DEFAULT_MIN_ACCOUNTS,
    DEFAULT_RADIUS_KM,
    Segment,
    _numbers,
    _placed,
    _segment_name,
    segment_mask,
)
from territory_planner.formats import money_short, plural
from territory_planner.geo.assign import NO_TERRITORY, containing_polygon
from territory_planner.model import Project
from territory_planner.tasks import CancelToken, Progress, no_progress, scaled

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

    Parameters
    ----------
    project
        The project (accounts, territories, reps' homes).
    segment
        Only this segment's accounts (a `Segment` or a saved one's name); None: all.
    min_potential
        The least potential of an account listed (accounts without potential never are).
    far_km
        Also list accounts farther than this from every rep's home (km); None: do not.
    radius_km, min_accounts
        The clustering's radius (km) and core size, as in `find_clusters`.
    progress, cancel
        The task contract (`territory_planner.tasks`).

    Returns
    -------
    Whitespace
        The accounts (`WHITESPACE_COLUMNS`, most potential first, with the reason) and
        their clusters.

    Raises
    ------
    InputError
        If no account has a potential (whitespace is unknown, not none).
    """
    cancel = cancel or CancelToken()
    chosen = segment_mask(project, segment)
    acc = project.accounts
    if not np.isfinite(_numbers(project, "potential")).any():
        msg = (
            "no account has a potential, and whitespace lists the accounts with the most of it "
            "that no territory covers: import a potential column first"
        )
        raise InputError(msg)
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
    """Whitespace accounts (points) and their clusters (outlines) for the map.

    Parameters
    ----------
    result
        What `whitespace` found.

    Returns
    -------
    dict[str, Any]
        The clusters' layer titled "Whitespace", with a point feature per account and a
        legend entry counting them.
    """
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
