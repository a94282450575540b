"""Users' GIS files never make the app reach the network or read other files.

The files are in tests/data/files (made by its make_offline_files.py) and name
a host that cannot resolve. A local server records every request and stands in
as the HTTP proxy, so whatever host a file names, a request that leaves reaches
the recorder. Two layers are tested, each on its own:

- the content checks (`gis_files.open_source`, the project file's header): in
  this process, with GDAL's proxy pointed at the recorder instead of the closed
  port the package sets, files are opened the ways the app opens them: zero
  requests, and a clear error for what is not ours to open;
- the process-wide net (`gis_files.configure_gdal`): in a fresh interpreter whose
  environment sends curl's, GDAL's and PROJ's traffic to the recorder and turns
  PROJ's network on (as a user's machine may), GDAL and PROJ are handed the raw
  files past the content checks: still zero requests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyogrio
import pytest

from territory_planner._errors import InputError, ProjectFileError
from territory_planner.cli import main
from territory_planner.io.gis_files import OFFLINE_GDAL
from territory_planner.io.project_file import load_project
from territory_planner.io.territory_import import read_territories

FILES = Path(__file__).resolve().parents[1] / "data" / "files"
SQUARE_BOUNDS = (-90.0, 40.0, -89.0, 41.0)


class Recorder(BaseHTTPRequestHandler):
    """Records every request (a proxy sees absolute URLs, or CONNECT host:port for HTTPS)."""

    requests: list[str] = []  # noqa: RUF012 (shared by the server's handlers)

    def do_GET(self) -> None:
        Recorder.requests.append(f"{self.command} {self.path}")
        body = b'{"type": "FeatureCollection", "features": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_POST = do_GET  # noqa: N815

    def do_CONNECT(self) -> None:
        Recorder.requests.append(f"{self.command} {self.path}")
        self.send_response(502)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    """The recording server's ``host:port``."""
    Recorder.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def gdal_proxy(recorder: str) -> Iterator[None]:
    """GDAL's HTTP goes to the recorder here, not to the package's closed port."""
    pyogrio.set_gdal_config_options({"GDAL_HTTP_PROXY": recorder})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_PROXY": OFFLINE_GDAL["GDAL_HTTP_PROXY"]})


@pytest.mark.usefixtures("gdal_proxy")
def test_linked_crs_is_not_fetched() -> None:
    territories = read_territories(FILES / "linked_crs.geojson")
    assert Recorder.requests == []
    assert territories["name"].tolist() == ["North"]
    assert territories.geometry.iloc[0].bounds == SQUARE_BOUNDS


@pytest.mark.usefixtures("gdal_proxy")
def test_crs_named_by_url_is_not_fetched() -> None:
    assert read_territories(FILES / "crs_named_by_url.geojson")["name"].tolist() == ["North"]
    assert Recorder.requests == []


@pytest.mark.usefixtures("gdal_proxy")
@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "shp", "json"])
def test_vrt_under_any_name_is_refused_without_a_request(suffix: str) -> None:
    path = FILES / f"vrt_remote.{suffix}"
    with pytest.raises(InputError, match="not a GeoJSON, GeoPackage or Shapefile") as caught:
        read_territories(path)
    assert str(path) in str(caught.value)
    assert Recorder.requests == []


def test_vrt_reading_a_local_file_is_refused() -> None:
    with pytest.raises(InputError, match="it is an XML file"):
        read_territories(FILES / "vrt_local.geojson")


@pytest.mark.usefixtures("gdal_proxy")
def test_commands_refuse_a_vrt_and_make_no_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    disguised = tmp_path / "project.gpkg"
    shutil.copy(FILES / "vrt_remote.gpkg", disguised)
    with pytest.raises(ProjectFileError, match="not a GeoPackage"):
        load_project(disguised)
    assert main(["check", str(disguised)]) != 0
    areas = FILES / "vrt_remote.geojson"
    assert main(["territories", str(tmp_path / "new.gpkg"), "--from", str(areas)]) != 0
    err = capsys.readouterr().err
    assert "not a GeoJSON, GeoPackage or Shapefile" in err
    assert disguised.read_bytes() == (FILES / "vrt_remote.gpkg").read_bytes()
    assert not (tmp_path / "new.gpkg").exists()
    assert Recorder.requests == []


def proxied(recorder: str) -> dict[str, str]:
    """An environment that sends every HTTP(S) request to the recorder, PROJ's network on."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"no_proxy", "all_proxy"}}
    url = f"http://{recorder}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = url
    return env | {"GDAL_HTTP_PROXY": recorder, "PROJ_NETWORK": "ON"}


# GDAL and PROJ handed the files directly, past the content checks: only the net is left
RAW = """
import json, math, sys
import territory_planner  # switches GDAL's and PROJ's network off, as the app does
import pyogrio, pyproj
outcome = {}
for name in sys.argv[1:]:
    try:
        frame = pyogrio.read_dataframe(name)
        outcome[name] = [str(value) for value in frame.iloc[:, 0]]
    except Exception as exc:
        outcome[name] = type(exc).__name__
nad27 = pyproj.Transformer.from_crs("EPSG:4267", "EPSG:4326", always_xy=True)
outcome["nad27"] = all(math.isfinite(v) for v in nad27.transform(-90.0, 40.0))
print(json.dumps(outcome))
"""


def test_gdal_and_proj_make_no_request_whatever_the_environment(recorder: str) -> None:
    names = ["linked_crs.geojson", "crs_named_by_url.geojson", "vrt_remote.geojson",
             "vrt_local.geojson", "/vsicurl/http://gis.example.invalid/layer.geojson"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", RAW, *names],
        cwd=FILES,
        env=proxied(recorder),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert Recorder.requests == []
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["linked_crs.geojson"] == ["North"]
    assert outcome["vrt_local.geojson"] == "DataSourceError"  # the VRT driver is skipped
    assert outcome["vrt_remote.geojson"] == "DataSourceError"
    assert outcome["nad27"] is True  # a grid-less shift, not a download


def test_cli_reads_nad27_territories_without_a_request(
    tmp_path: Path, demo_file: Path, recorder: str
) -> None:
    project = tmp_path / "p.gpkg"
    shutil.copy(demo_file, project)
    done = subprocess.run(
        [sys.executable, "-m", "territory_planner", "territories", str(project),
         "--from", str(FILES / "nad27.geojson"), "--json"],
        env=proxied(recorder),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )  # fmt: skip
    assert Recorder.requests == []
    assert done.returncode == 0, done.stderr
    assert [t["name"] for t in json.loads(done.stdout)["territories"]] == ["North"]
    bounds = load_project(project).territories.geometry.iloc[0].bounds
    assert bounds == pytest.approx(SQUARE_BOUNDS, abs=1e-3)  # NAD 27 is within metres of WGS 84
