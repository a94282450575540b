"""Account layer for the map: our compact arrays vs folium's per-feature layers."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import folium

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import big_project

from territory_planner.mapview.map_page import accounts_layer
from territory_planner.model import Project


def ours(project: Project) -> int:
    return len(json.dumps(accounts_layer(project)))


def folium_geojson(project: Project) -> int:
    acc = project.accounts
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": i, "name": n, "territory": t},
        }
        for i, n, t, lon, lat in zip(
            acc["account_id"], acc["name"], acc["territory_id"], acc["lon"], acc["lat"], strict=True
        )
    ]
    fmap = folium.Map(tiles=None)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, marker=folium.CircleMarker(radius=4)
    ).add_to(fmap)
    return len(fmap.get_root().render())


def folium_markers(project: Project) -> int:
    fmap = folium.Map(tiles=None, prefer_canvas=True)
    acc = project.accounts
    for lat, lon, name in zip(acc["lat"], acc["lon"], acc["name"], strict=True):
        folium.CircleMarker([lat, lon], radius=4, tooltip=name).add_to(fmap)
    return len(fmap.get_root().render())


def timed(fn: Callable[[Project], int], project: Project) -> tuple[float, int]:
    start = time.perf_counter()
    size = fn(project)
    return time.perf_counter() - start, size


def main() -> None:
    quick = "--quick" in sys.argv[1:]  # 100k only (the 10k row costs a minute of markers)
    header = ("accounts", "ours s", "MB", "folium GeoJson s", "ratio", "folium markers s", "ratio")
    widths = (9, 8, 6, 17, 6, 17, 7)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for n in (100_000,) if quick else (10_000, 100_000):
        project = big_project(n)
        t_ours, size = timed(ours, project)
        t_geojson, _ = timed(folium_geojson, project)
        marker_n = min(n, 10_000)  # markers are too slow beyond this; scaled linearly
        t_markers, _ = timed(folium_markers, big_project(marker_n))
        t_markers *= n / marker_n
        print(
            f"{n:>9,} {t_ours:>8.3f} {size / 1e6:>6.1f} {t_geojson:>17.3f}"
            f" {t_ours / t_geojson:>6.3f} {t_markers:>17.2f} {t_ours / t_markers:>7.4f}"
        )


if __name__ == "__main__":
    main()
