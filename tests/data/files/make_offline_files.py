"""Write the GIS files that try to make the app reach the network or read other files.

Run: ``.venv/bin/python tests/data/files/make_offline_files.py`` (deterministic: a
rerun rewrites every file byte for byte). tests/unit/test_offline_files.py opens
them with a local server recording requests set up as every HTTP proxy (GDAL's,
curl's, PROJ's): the files name `HOST`, a name that cannot resolve, so any request
that leaves reaches the recorder whatever it asks for, and none reaches anywhere
else.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOST = "http://gis.example.invalid"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-90.0, 40.0], [-89.0, 40.0], [-89.0, 41.0], [-90.0, 41.0], [-90.0, 40.0]]],
}
NORTH = [{"type": "Feature", "properties": {"name": "North"}, "geometry": SQUARE}]


def geojson(name: str, crs: dict[str, object]) -> None:
    data = {"type": "FeatureCollection", "crs": crs, "features": NORTH}
    (HERE / name).write_text(json.dumps(data) + "\n")


def vrt(name: str, source: str, layer: str, relative: bool = False) -> None:
    """An OGR VRT XML file, under a name that hides what it is."""
    attribute = ' relativeToVRT="1"' if relative else ""
    (HERE / name).write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="t"><SrcDataSource{attribute}>{source}'
        f"</SrcDataSource><SrcLayer>{layer}</SrcLayer></OGRVRTLayer></OGRVRTDataSource>\n"
    )


def main() -> None:
    # GDAL fetches a legacy linked CRS, or a CRS "name" that is a URL
    geojson("linked_crs.geojson", {"type": "link", "properties": {"href": f"{HOST}/crs.wkt", "type": "ogcwkt"}})  # fmt: skip
    geojson("crs_named_by_url.geojson", {"type": "name", "properties": {"name": f"{HOST}/epsg/4326"}})  # fmt: skip
    # NAD 27: its shift to WGS 84 uses grids PROJ downloads when its network is on
    geojson("nad27.geojson", {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4267"}})  # fmt: skip
    for suffix in ("geojson", "gpkg", "shp", "json"):
        vrt(f"vrt_remote.{suffix}", f"/vsicurl/{HOST}/layer.geojson", "OGRGeoJSON")
    (HERE / "vrt_local_secret.csv").write_text("name,WKT\nPrivate line,POINT (0 0)\n")
    vrt("vrt_local.geojson", "vrt_local_secret.csv", "vrt_local_secret", relative=True)


if __name__ == "__main__":
    main()
