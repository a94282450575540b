"""The self-contained build, unpacked and run as a user would: no virtualenv, no checkout.

Skipped unless a bundle exists: ``TERRITORY_PLANNER_BUNDLE=path/to/…tar.gz`` or the newest
``dist/territory-planner-*-linux-*.tar.gz`` (made by ``scripts/build_app``). Each program runs
with an empty environment (``env -i PATH=/usr/bin:/bin HOME=<tmp>``) from a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMPORT_CSV = REPO / "tests" / "data" / "import" / "utf8.csv"


def find_bundle() -> Path | None:
    """The tarball to test, or None."""
    named = os.environ.get("TERRITORY_PLANNER_BUNDLE")
    if named:
        return Path(named)
    built = sorted(
        (REPO / "dist").glob("territory-planner-*-linux-*.tar.gz"), key=lambda p: p.stat().st_mtime
    )
    return built[-1] if built else None


BUNDLE = find_bundle()
pytestmark = pytest.mark.skipif(
    BUNDLE is None, reason="no bundle: run scripts/build_app or set TERRITORY_PLANNER_BUNDLE"
)


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle unpacked into a temporary folder."""
    assert BUNDLE is not None
    target = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(BUNDLE) as archive:
        archive.extractall(target, filter="tar")  # keeps the executable bits and hard links
    (folder,) = target.iterdir()
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's home folder, and the working folder of every run."""
    return tmp_path_factory.mktemp("home")


def run(
    program: Path, home: Path, *args: str, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a bundled program with an empty environment, in `home`."""
    return subprocess.run(
        [str(program), *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), **env},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_json(app_folder: Path, home: Path, *args: str) -> dict:
    """Run the bundled CLI with ``--json``; the parsed answer (fails on an error)."""
    result = run(app_folder / "territory-planner", home, *args, "--json")
    assert result.returncode == 0, result.stderr
    assert "proj.db" not in result.stderr  # PROJ found its database inside the bundle
    return json.loads(result.stdout)


def test_the_folder_holds_both_programs_and_the_desktop_entry(app_folder: Path) -> None:
    for name in ("territory-planner", "territory-planner-gui", "add-to-menu.sh"):
        assert os.access(app_folder / name, os.X_OK), name
    desktop = (app_folder / "territory-planner.desktop").read_text(encoding="utf-8")
    assert "Exec=territory-planner-gui" in desktop
    assert (app_folder / "territory-planner.png").read_bytes().startswith(b"\x89PNG")


def test_add_to_menu_writes_a_desktop_entry_for_this_folder(app_folder: Path, tmp_path) -> None:
    result = run(app_folder / "add-to-menu.sh", tmp_path)
    assert result.returncode == 0, result.stderr
    entry = tmp_path / ".local" / "share" / "applications" / "territory-planner.desktop"
    text = entry.read_text(encoding="utf-8")
    assert f'Exec="{app_folder}/territory-planner-gui" %f' in text
    assert f"Icon={app_folder}/territory-planner.png" in text


def test_version_names_the_build_date(app_folder: Path, home: Path) -> None:
    for program in ("territory-planner", "territory-planner-gui"):
        result = run(app_folder / program, home, "--version")
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(
            rf"{program} \d+\.\d+\.\d+\S* \(built \d{{4}}-\d\d-\d\d\)\n", result.stdout
        )


def test_cli_demo_import_design_schedule_export(app_folder: Path, home: Path) -> None:
    project = "plan.gpkg"
    demo = cli_json(
        app_folder, home, "demo", project, "--accounts", "300", "--reps", "4", "--seed", "11"
    )
    assert (demo["accounts"], demo["reps"], demo["unplaced"]) == (300, 4, 0)

    (home / "accounts.csv").write_bytes(IMPORT_CSV.read_bytes())
    imported = cli_json(app_folder, home, "import", project, "accounts.csv")
    assert imported["imported"] == 3
    assert imported["rejected"] == []
    assert imported["geocoded"]["unplaced"] == 0

    design = cli_json(
        app_folder, home, "design", project, "--units", "county", "--balance", "accounts",
        "--territories", "4",
    )  # fmt: skip
    assert len(design["territories"]) == 4
    assert sum(t["accounts"] for t in design["territories"]) == 303
    assert design["unassigned"] == 0

    schedule = cli_json(
        app_folder, home, "schedule", project, "--weeks", "1", "--xlsx", "calendar.xlsx"
    )
    assert len(schedule["reps"]) == 4
    assert all(day["visits"] for rep in schedule["reps"] for day in rep["days"][:1])
    workbook = home / "calendar.xlsx"
    assert workbook.read_bytes().startswith(b"PK")  # an Excel workbook (a zip)
    from openpyxl import load_workbook

    sheets = load_workbook(workbook, read_only=True).sheetnames
    assert len(sheets) >= 4, sheets

    # GDAL writes the shapefiles' .prj from PROJ's database: found inside the bundle.
    cli_json(app_folder, home, "export", project, "--shp", "shapes")
    assert "WGS_1984" in (home / "shapes" / "territories.prj").read_text(encoding="utf-8")


def test_cli_clusters_run_scikit_learn_inside(app_folder: Path, home: Path) -> None:
    """scikit-learn's DBSCAN and ball tree (compiled modules) load and answer in the bundle."""
    from territory_planner.analysis.market import find_clusters
    from territory_planner.io.project_file import load_project

    project = "clusters.gpkg"
    cli_json(app_folder, home, "demo", project, "--accounts", "400", "--reps", "4", "--seed", "3")
    found = cli_json(
        app_folder, home, "clusters", project, "--radius-km", "20", "--min-accounts", "4"
    )
    expected = find_clusters(load_project(home / project), radius_km=20, min_accounts=4)
    assert len(expected.clusters) > 1
    assert [c["account_ids"] for c in found["clusters"]] == [
        list(c.account_ids) for c in expected.clusters
    ]


def test_window_draws_the_demo_map_offscreen(app_folder: Path, home: Path) -> None:
    shot = home / "window.png"
    result = run(
        app_folder / "territory-planner-gui", home, "--screenshot", str(shot),
        timeout=600, QT_QPA_PLATFORM="offscreen",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Release of profile requested" not in result.stderr  # page deleted before profile
    drawn = re.search(r"map drawn ([\d.]+) s", result.stderr)
    assert drawn, result.stderr
    print(f"bundled window: demo generated and map drawn {drawn[1]} s after start")

    assert window_picture_is_a_map(shot)  # not a blank page


def window_picture_is_a_map(shot: Path) -> bool:
    """Whether the screenshot shows a drawn map (many colours right of the side panel)."""
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    colours = {image.pixel(x, y) for x in range(600, 1350, 7) for y in range(100, 600, 7)}
    return (image.width(), image.height()) == (1366, 768) and len(colours) > 40


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to run as another user) and setpriv",
)
def test_window_keeps_chromium_sandbox_for_a_normal_user(app_folder: Path) -> None:
    # As root the app turns Chromium's sandbox off; a user's laptop runs it with the sandbox.
    base = Path(tempfile.mkdtemp(prefix="tp-bundle-user-"))
    try:
        base.chmod(0o755)
        folder = base / app_folder.name
        shutil.copytree(app_folder, folder, symlinks=True)
        home = base / "home"
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        shot = home / "window.png"
        result = subprocess.run(
            [
                "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", "QT_QPA_PLATFORM=offscreen",
                str(folder / "territory-planner-gui"), "--screenshot", str(shot),
            ],
            cwd=home, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "Sandboxing disabled" not in result.stderr
        assert window_picture_is_a_map(shot)
    finally:
        shutil.rmtree(base)
