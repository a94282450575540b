"""The map page is built without Qt and references only local files."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

from territory_planner.analysis.performance_alerts import PerformanceAlert
from territory_planner.mapview.map_page import (
    MAP_VARIABLE,
    UNASSIGNED_COLOR,
    build_map_page,
    layers_payload,
)
from territory_planner.mapview.overlays import alerts_layer, segment_layer
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


def test_the_page_runs_the_label_collision_pass(page: Path) -> None:
    """Without a browser: the page loads the collision pass (tp/labels.js) before the script
    that runs it after each move and zoom (tests/ui/test_map_labels.py runs it for real)."""
    html = page.read_text(encoding="utf-8")
    scripts = [unquote(urlparse(s).path) for s in re.findall(r'src="([^"]+/tp/[a-z]+\.js)"', html)]
    assert [Path(s).name for s in scripts] == ["labels.js", "map.js"]
    labels, main = (Path(s).read_text(encoding="utf-8") for s in scripts)
    assert "window.TPLabels = { declutter: declutter, boxes: labelBoxes }" in labels
    assert 'label.style.visibility = "hidden"' in labels
    draw_cities = main[main.index("function drawCities()") : main.index("function declutter()")]
    assert 'map.on("moveend", drawCities)' in main  # a zoom ends with a moveend too
    assert "declutter();" in draw_cities
    assert "TPLabels.declutter(S)" in main


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


def test_a_segment_travels_as_the_ids_of_its_placed_accounts(demo_project: Project) -> None:
    project = demo_project
    acc = project.accounts
    mask = (acc["industry"] == acc["industry"].iloc[0]).to_numpy().copy()
    mask[0] = True
    placed = np.isfinite(acc["lon"].to_numpy(dtype=float)) & np.isfinite(
        acc["lat"].to_numpy(dtype=float)
    )
    layer = segment_layer(project, "Segment: <b>Big</b>", mask)
    assert set(layer) == {"title", "ids", "count", "legend"}  # no coordinates, names or colours
    assert layer["ids"] == acc["account_id"][mask & placed].tolist()
    assert layer["count"] == int(mask.sum())
    assert layer["title"] == "Segment: <b>Big</b>"  # the page shows it as text
    assert layer["legend"][0][1] == f"{int(mask.sum()):,} of {len(acc):,} accounts, ringed"
    assert layer["legend"][1][1] == f"{len(acc) - int(mask.sum()):,} others, greyed"


def test_alerts_get_one_badge_per_territory_and_rep(demo_project: Project) -> None:
    project = demo_project
    territory, other = project.territories["territory_id"].iloc[:2]
    rep_id = str(project.reps["rep_id"].iloc[0])

    def alert(level: str, key: str, kind: str) -> PerformanceAlert:
        return PerformanceAlert(level, key, f"name of {key}", kind, 0.5, 0.8, f"{kind} text")

    found = [
        alert("territory", territory, "attainment_below"),
        alert("rep", rep_id, "capacity_above"),
        alert("territory", territory, "retention_below"),
        alert("territory", "gone", "yoy_below"),  # no such territory: no badge
    ]
    layer = alerts_layer(project, found, dt.date(2026, 10, 31))
    assert layer["title"] == "Alerts as of 31 Oct 2026"
    assert [e[1] for e in layer["legend"][:2]] == [
        "2 territories (badge over the name)",
        "1 rep (badge by the home)",
    ]
    badges = {(m["level"], m["id"]): m for m in layer["markers"]}
    assert set(badges) == {("territory", territory), ("rep", rep_id)}
    mine = badges["territory", territory]
    assert mine["count"] == 2
    assert mine["lines"] == [
        "Behind pace: attainment_below text",
        "Low retention: retention_below text",
    ]
    label = next(
        f["properties"]["label"]
        for f in layers_payload(project)["territories"]["features"]
        if f["properties"]["id"] == territory
    )
    assert [mine["lat"], mine["lon"]] == label  # at the territory's name on the map
    home = project.reps.iloc[0]
    assert badges["rep", rep_id]["lat"] == round(float(home["lat"]), 5)
    assert other not in {m["id"] for m in layer["markers"]}
    nothing = alerts_layer(project, [], dt.date(2026, 10, 31))
    assert nothing["markers"] == []
    assert nothing["title"] == ""  # no legend


def test_project_bounds_fit_the_territories_not_only_the_accounts(demo_project: Project) -> None:
    from territory_planner.mapview.map_page import DEFAULT_BOUNDS, project_bounds

    (south, west), (north, east) = project_bounds(demo_project)
    minx, miny, maxx, maxy = demo_project.territories.total_bounds
    assert (south, west, north, east) == pytest.approx((miny, minx, maxy, maxx))
    assert south < 24.6  # the Florida Keys
    assert north > 47.3  # northern Maine
    assert east > -67.1  # eastern Maine
    assert project_bounds(Project.empty()) == DEFAULT_BOUNDS
