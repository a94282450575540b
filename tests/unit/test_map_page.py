"""The map page is built without Qt and references only local files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from territory_planner.mapping.map_page import (
    MAP_VARIABLE,
    UNASSIGNED_COLOR,
    build_map_page,
    layers_payload,
)
from territory_planner.model import Project
from territory_planner.resources import WEB
from territory_planner.resources import credits as bundled_credits

RESOURCE_ATTR = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"', re.IGNORECASE)


@pytest.fixture(scope="module")
def page(tmp_path_factory, demo_project: Project) -> Path:
    return build_map_page(demo_project, tmp_path_factory.mktemp("page"))


def test_every_resource_is_local_and_exists(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    refs = RESOURCE_ATTR.findall(html)
    assert len(refs) >= 8
    for ref in refs:
        url = urlparse(ref)
        assert url.scheme in {"file", "qrc", ""}, ref
        if url.scheme == "file":
            assert Path(unquote(url.path)).is_file(), ref
        elif url.scheme == "":
            assert (page.parent / url.path).is_file(), ref
    assert "cdn" not in html.lower()
    assert not re.search(r'(?:src|href)="https?://', html)


def test_css_urls_resolve_locally() -> None:
    for css in WEB.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#", "%23")):
                continue
            assert not ref.startswith(("http:", "https:", "//")), (css, ref)
            assert (css.parent / ref.split("?")[0].split("#")[0]).is_file(), (css, ref)


def test_fixed_map_name_and_init(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert f"var {MAP_VARIABLE} = L.map(" in html
    assert f"TP.init({MAP_VARIABLE}," in html


def test_data_script_holds_the_layers(page: Path, demo_project: Project) -> None:
    text = (page.parent / "data.js").read_text(encoding="utf-8")
    payload = json.loads(text.removeprefix("window.TP_DATA = ").rstrip(";\n"))
    assert len(payload["accounts"]["id"]) == len(demo_project.accounts)
    assert len(payload["territories"]["features"]) == len(demo_project.territories)
    assert len(payload["reps"]) == len(demo_project.reps)


def test_payload_colours_accounts_by_territory(demo_project: Project) -> None:
    payload = layers_payload(demo_project)
    colors = dict(
        zip(
            demo_project.territories["territory_id"], demo_project.territories["color"], strict=True
        )
    )
    acc = demo_project.accounts.set_index("account_id")
    for account_id, color in zip(
        payload["accounts"]["id"], payload["accounts"]["color"], strict=True
    ):
        assert color == colors.get(acc.loc[account_id, "territory_id"], UNASSIGNED_COLOR)
    (south, west), (north, east) = payload["bounds"]
    assert south <= acc["lat"].min()
    assert north >= acc["lat"].max()
    assert west <= acc["lon"].min()
    assert east >= acc["lon"].max()


def test_basemap_is_written_once(page: Path, demo_project: Project) -> None:
    basemap = page.parent / "basemap.js"
    stamp = basemap.stat().st_mtime_ns
    build_map_page(demo_project, page.parent)
    assert basemap.stat().st_mtime_ns == stamp
    text = basemap.read_text(encoding="utf-8")
    assert '"cities": [["Shanghai"' in text  # largest first
    assert '["New York City", 40.7143, -74.006' in text


def test_credits_name_every_vendored_package() -> None:
    names = {c["name"] for c in bundled_credits()}
    assert {
        "leaflet",
        "us-atlas",
        "world-atlas",
        "topojson-client",
        "@geoman-io/leaflet-geoman-free",
    } <= names
    assert any("GeoNames" in n for n in names)
    licenses = list(WEB.rglob("LICENSE"))
    assert len(licenses) >= 5
