"""The build stamp (version text) and the data folders of the self-contained build."""

from __future__ import annotations

import json
import os
import sys

import pytest

from territory_planner import __version__, bundle, cli


@pytest.fixture
def stamp(tmp_path, monkeypatch):
    """Point the module at a build.json of our own (none written yet)."""
    path = tmp_path / "build.json"
    monkeypatch.setattr(bundle, "BUILD_FILE", path)
    bundle.build_stamp.cache_clear()
    yield path
    bundle.build_stamp.cache_clear()


def test_a_checkout_is_a_development_build(stamp) -> None:
    assert bundle.build_date() is None
    assert bundle.version_text() == f"{__version__} (development build)"


def test_a_bundle_names_its_build_date(stamp) -> None:
    stamp.write_text(json.dumps({"date": "2026-12-06", "time": "2026-12-06T08:00:00Z"}))
    assert bundle.version_text() == f"{__version__} (built 2026-12-06)"


def test_a_damaged_stamp_is_a_development_build(stamp) -> None:
    stamp.write_text("[1, 2")
    assert bundle.version_text().endswith("(development build)")


def test_cli_version_says_which_build(stamp, capsys) -> None:
    stamp.write_text(json.dumps({"date": "2026-12-06"}))
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"territory-planner {__version__} (built 2026-12-06)\n"


def test_outside_a_bundle_nothing_is_set(monkeypatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert bundle.frozen_root() is None
    assert bundle.configure_frozen() == {}


def test_a_bundle_points_gdal_and_proj_inside_itself(tmp_path, monkeypatch) -> None:
    for name in ("gdal_data", "proj_data"):
        (tmp_path / "pyogrio" / name).mkdir(parents=True)
    for name in ("GDAL_DATA", "PROJ_DATA", "PROJ_LIB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert bundle.frozen_root() == tmp_path
    done = bundle.configure_frozen()
    assert done == {
        "GDAL_DATA": str(tmp_path / "pyogrio" / "gdal_data"),
        "PROJ_DATA": str(tmp_path / "pyogrio" / "proj_data"),
        "PROJ_LIB": str(tmp_path / "pyogrio" / "proj_data"),
    }


def test_a_stale_path_from_the_build_machine_is_replaced(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyogrio" / "gdal_data").mkdir(parents=True)
    monkeypatch.setenv("GDAL_DATA", str(tmp_path / "no" / "such" / "folder"))
    bundle.configure_frozen(tmp_path)
    assert bundle.configure_frozen(tmp_path) == {}  # already right: kept
    assert os.environ["GDAL_DATA"] == str(tmp_path / "pyogrio" / "gdal_data")
