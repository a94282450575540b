"""Opening users' GIS files without ever reaching the network or other files.

GDAL opens far more than the three formats we read: an OGR VRT (an XML file,
whatever its name) can pull layers from ``/vsicurl/`` URLs or from any local
file, and a GeoJSON's legacy ``"crs": {"type": "link"}`` member makes GDAL
fetch the URL it names. An offline tool must not do that, whatever a file
says, so:

- a file is recognised by its content, not its name, and only GeoJSON,
  GeoPackage and ESRI Shapefile are opened (`sniff`);
- a GeoJSON is parsed here first: a linked CRS is dropped (GeoJSON is lon/lat
  by definition) and GDAL reads the cleaned text from memory;
- process-wide, before GDAL is loaded, its drivers that read other sources
  (OGR VRT, web services) are skipped, its HTTP goes to a closed local port,
  and PROJ's network is off (`configure_gdal`, called by the package).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from territory_planner._errors import InputError

GEOJSON, GEOPACKAGE, SHAPEFILE = "GeoJSON", "GPKG", "ESRI Shapefile"
KINDS = "GeoJSON, GeoPackage or Shapefile"
SQLITE_HEADER = b"SQLite format 3\x00"
_SHAPEFILE_CODE = b"\x00\x00\x27\x0a"  # file code 9994, big-endian, at the start of a .shp
_SNIFF_BYTES = 64

#: GDAL drivers that read other datasets, files or URLs named inside a file, or run programs
#: (all in the GDAL of the pinned pyogrio wheel: GDAL warns about names it does not know).
_SKIPPED_DRIVERS = (
    "OGR_VRT GDALG GPSBabel ADBC WFS OAPIF OGCAPI CSW ESRIJSON TopoJSON Elasticsearch "
    "PLSCENES AmigoCloud Carto NGW HTTP EEDA"
)
_CLOSED_PROXY = "127.0.0.1:9"  # the discard port: nothing listens, so no request leaves

OFFLINE_GDAL = {
    "GDAL_SKIP": _SKIPPED_DRIVERS,
    "GDAL_HTTP_PROXY": _CLOSED_PROXY,
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".offline-no-remote-files",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "OGR_SQLITE_LIST_VIRTUAL_OGR": "NO",
    "PROJ_NETWORK": "OFF",
}


def configure_gdal() -> None:
    """Switch GDAL's and PROJ's network and foreign-source drivers off for this process.

    Environment variables reach GDAL before it registers its drivers (the
    package calls this before anything imports pyogrio); if GDAL is already
    loaded, the options are set through pyogrio as well (driver skipping
    then no longer applies, content sniffing still does).
    """
    for key, value in OFFLINE_GDAL.items():
        os.environ[key] = value
    import sys  # noqa: PLC0415 (only to see whether GDAL is loaded already)

    if "pyogrio" in sys.modules:
        import pyogrio  # noqa: PLC0415

        pyogrio.set_gdal_config_options(dict(OFFLINE_GDAL))


def sniff(path: Path) -> str:
    """Which of the formats we open the file holds, judged by its first bytes.

    Parameters
    ----------
    path
        The file (unreadable: `InputError`).

    Returns
    -------
    str
        `GEOPACKAGE`, `SHAPEFILE` (a ``.shp`` name only) or `GEOJSON`.

    Raises
    ------
    InputError
        If it is none of them (e.g. an XML file named ``.geojson``).
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        msg = f"cannot read the file ({exc.strerror}); check the path and permissions"
        raise InputError(msg, file=str(path)) from exc
    if head.startswith(SQLITE_HEADER):
        return GEOPACKAGE
    if head.startswith(_SHAPEFILE_CODE) and path.suffix.lower() == ".shp":
        return SHAPEFILE
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"{"):
        return GEOJSON
    what = "an XML file" if text.startswith(b"<") else "another kind of file"
    msg = f"not a {KINDS} (it is {what}); export the polygons as one of those"
    raise InputError(msg, file=str(path))


def open_source(path: Path) -> Any:
    """What to hand pyogrio for this file: its path, or a GeoJSON's cleaned text in memory.

    Parameters
    ----------
    path
        The file; not a format we open, or GeoJSON that cannot be read, raises `InputError`.

    Returns
    -------
    Any
        `path` for a GeoPackage or shapefile; for GeoJSON, its text in a ``BytesIO``
        without a ``crs`` member that PROJ would fetch.
    """
    if sniff(path) != GEOJSON:
        return path
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"not valid GeoJSON ({exc}); export the polygons again"
        raise InputError(msg, file=str(path)) from exc
    if not isinstance(data, dict):
        msg = "not GeoJSON: the file holds no object; export the polygons again"
        raise InputError(msg, file=str(path))
    if "crs" in data and not _named_locally(data["crs"]):
        del data["crs"]  # a linked CRS (or a name that is a URL) would be fetched
    return io.BytesIO(json.dumps(data).encode("utf-8"))


def _named_locally(crs: object) -> bool:
    """Whether a GeoJSON ``crs`` member names a CRS PROJ knows offline (EPSG or OGC URN)."""
    if not isinstance(crs, dict) or crs.get("type") != "name":
        return False
    properties = crs.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    return isinstance(name, str) and name.lower().startswith(("epsg:", "urn:ogc:def:crs:"))
