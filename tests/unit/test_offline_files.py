"""Users' GIS files never make the app reach the network or read other files.

A local HTTP server records every request; files that point GDAL at it (a
GeoJSON with a linked CRS, an OGR VRT named like a GeoJSON or a GeoPackage,
a VRT reading a local file) are opened the ways the app opens them: zero
requests, and a clear error for what is not ours to open.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from territory_planner._errors import InputError, ProjectFileError
from territory_planner.cli import main
from territory_planner.io.project_file import load_project
from territory_planner.io.territory_import import read_territories

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-90.0, 40.0], [-89.0, 40.0], [-89.0, 41.0], [-90.0, 41.0], [-90.0, 40.0]]],
}


class Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 (shared by the server's handlers)

    def do_GET(self) -> None:
        Recorder.requests.append(self.path)
        body = json.dumps(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": "Downloaded"}, "geometry": SQUARE}]}
        ).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def vrt(source: str, layer: str = "OGRGeoJSON") -> str:
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="t"><SrcDataSource>{source}</SrcDataSource>'
        f"<SrcLayer>{layer}</SrcLayer></OGRVRTLayer></OGRVRTDataSource>"
    )


def test_linked_crs_is_not_fetched(tmp_path: Path, server: str) -> None:
    path = tmp_path / "linked.geojson"
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "link", "properties": {"href": f"{server}/crs.wkt", "type": "ogcwkt"}},
        "features": [{"type": "Feature", "properties": {"name": "North"}, "geometry": SQUARE}],
    }))  # fmt: skip
    territories = read_territories(path)
    assert Recorder.requests == []
    assert territories["name"].tolist() == ["North"]
    assert territories.geometry.iloc[0].bounds == (-90.0, 40.0, -89.0, 41.0)


def test_crs_named_by_url_is_not_fetched(tmp_path: Path, server: str) -> None:
    path = tmp_path / "named.geojson"
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": f"{server}/epsg/4326"}},
        "features": [{"type": "Feature", "properties": {"name": "North"}, "geometry": SQUARE}],
    }))  # fmt: skip
    assert read_territories(path)["name"].tolist() == ["North"]
    assert Recorder.requests == []


@pytest.mark.parametrize("name", ["remote.geojson", "remote.gpkg", "remote.shp", "remote.json"])
def test_vrt_under_any_name_is_refused_without_a_request(
    tmp_path: Path, server: str, name: str
) -> None:
    path = tmp_path / name
    path.write_text(vrt(f"/vsicurl/{server}/layer.geojson"))
    with pytest.raises(InputError, match="not a GeoJSON, GeoPackage or Shapefile") as caught:
        read_territories(path)
    assert str(path) in str(caught.value)
    assert Recorder.requests == []


def test_vrt_reading_a_local_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("name,WKT\nPrivate line,POINT (0 0)\n")
    path = tmp_path / "local.geojson"
    path.write_text(vrt(str(secret), "secret"))
    with pytest.raises(InputError, match="it is an XML file"):
        read_territories(path)


def test_commands_refuse_a_vrt_and_make_no_request(
    tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    disguised = tmp_path / "project.gpkg"
    disguised.write_text(vrt(f"/vsicurl/{server}/layer.geojson"))
    with pytest.raises(ProjectFileError, match="not a GeoPackage"):
        load_project(disguised)
    assert main(["check", str(disguised)]) != 0
    areas = tmp_path / "areas.geojson"
    areas.write_text(vrt(f"/vsicurl/{server}/layer.geojson"))
    assert main(["territories", str(tmp_path / "new.gpkg"), "--from", str(areas)]) != 0
    err = capsys.readouterr().err
    assert "not a GeoJSON, GeoPackage or Shapefile" in err
    assert Recorder.requests == []


def test_gdal_itself_makes_no_request(server: str) -> None:
    """The process-wide net under the content checks: GDAL's HTTP goes nowhere."""
    import pyogrio

    with pytest.raises(Exception):  # noqa: B017, PT011 (GDAL's error type varies with the driver)
        pyogrio.read_dataframe(f"/vsicurl/{server}/layer.geojson")
    assert Recorder.requests == []
