"""Exports, reports and new projects get the user's normal permissions, not 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from territory_planner.files import new_file, write_atomically
from territory_planner.io import export
from territory_planner.io.calendar_export import write_calendar_ics, write_calendar_xlsx
from territory_planner.io.project_file import save_project
from territory_planner.mapview.map_page import build_map_page
from territory_planner.model import Project
from tests.unit.printout_fixtures import calendar_plan

#: A umask that lets the group write: what mkstemp (0600) or SQLite (0644) would get wrong.
UMASK = 0o002
NORMAL = 0o664


@pytest.fixture
def umask() -> Iterator[int]:
    old = os.umask(UMASK)
    try:
        yield UMASK
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def test_new_files_get_0666_less_the_umask(umask, tmp_path) -> None:
    assert mode(new_file(tmp_path, ".x.", ".tmp")) == NORMAL
    target = tmp_path / "out.txt"
    write_atomically(target, lambda tmp: tmp.write_text("hello", encoding="utf-8"))
    assert (target.read_text(encoding="utf-8"), mode(target)) == ("hello", NORMAL)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_replaced_file_keeps_its_mode(umask, tmp_path, demo_project: Project) -> None:
    target = tmp_path / "accounts.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    export.export_accounts_csv(demo_project, target)
    assert mode(target) == 0o640
    assert target.read_text(encoding="utf-8").startswith("account_id")


def test_exports_have_normal_permissions(umask, tmp_path, demo_project: Project) -> None:
    written = [
        write_calendar_xlsx([calendar_plan()], tmp_path / "calendar.xlsx"),
        *write_calendar_ics([calendar_plan()], tmp_path / "ics"),
    ]
    for name, writer in [
        ("accounts.xlsx", export.export_accounts_xlsx),
        ("accounts.geojson", export.export_accounts_geojson),
        ("territories.csv", export.export_territories_csv),
    ]:
        writer(demo_project, tmp_path / name)
        written.append(tmp_path / name)
    export.export_shapefiles(demo_project, tmp_path / "shp")
    written += sorted((tmp_path / "shp").iterdir())
    assert {p.name: mode(p) for p in written} == {p.name: NORMAL for p in written}


def test_a_new_project_has_normal_permissions(umask, tmp_path, demo_project: Project) -> None:
    path = tmp_path / "new.gpkg"
    save_project(demo_project, path)  # SQLite alone creates files 0644
    assert mode(path) == NORMAL
    path.chmod(0o600)
    save_project(demo_project, path)  # an existing project keeps its own
    assert mode(path) == 0o600


def test_the_map_page_files_have_normal_permissions(umask, tmp_path, demo_project) -> None:
    page = build_map_page(demo_project, tmp_path)
    assert {p.name: mode(p) for p in tmp_path.iterdir() if p.is_file()} == {
        p.name: NORMAL for p in tmp_path.iterdir() if p.is_file()
    }
    assert page.exists()
