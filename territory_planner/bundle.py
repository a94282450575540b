"""The self-contained build: its version text and build date, and where its data lives.

``scripts/build_app`` freezes the app with PyInstaller and writes ``build.json``
(the build date and time) next to this module inside the bundle; a checkout or
a pip install has no such file and calls itself a development build.

In the bundle nothing may point back at the build machine: `configure_frozen`
points GDAL and PROJ at the data folders shipped inside it, before anything
loads GDAL.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path

from territory_planner import __version__

BUILD_FILE = Path(__file__).with_name("build.json")


@cache
def build_stamp() -> dict[str, str]:
    """What the build script recorded (``date``, ``time``, ``platform``); empty when none."""
    try:
        data = json.loads(BUILD_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def build_date() -> str | None:
    """The day this bundle was built (``YYYY-MM-DD``), or None for a development build."""
    return build_stamp().get("date") or None


def version_text() -> str:
    """The version and the build: ``0.1.0 (built 2026-12-06)``, ``0.1.0 (development build)``."""
    date = build_date()
    return f"{__version__} (built {date})" if date else f"{__version__} (development build)"


def frozen_root() -> Path | None:
    """The folder PyInstaller unpacked the bundle's libraries and data to; None when not frozen."""
    if not getattr(sys, "frozen", False):
        return None
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if meipass else Path(sys.executable).resolve().parent


def configure_frozen(root: Path | None = None) -> dict[str, str]:
    """Point GDAL and PROJ at the data inside the bundle; returns what was set.

    Does nothing outside a bundle (``root`` None and not frozen). GDAL (through
    pyogrio) gets its own ``gdal_data`` and ``proj_data``; pyproj finds the PROJ
    data it ships in its own package folder by itself. A variable the user set
    is kept only if it names an existing folder.

    Parameters
    ----------
    root
        The bundle's folder; None: `frozen_root`.

    Returns
    -------
    dict[str, str]
        Each environment variable set, with its folder.
    """
    root = root if root is not None else frozen_root()
    if root is None:
        return {}
    wanted = {
        "GDAL_DATA": root / "pyogrio" / "gdal_data",
        "PROJ_DATA": root / "pyogrio" / "proj_data",
        "PROJ_LIB": root / "pyogrio" / "proj_data",  # PROJ before 9.1 reads only this name
    }
    done = {}
    for name, folder in wanted.items():
        current = os.environ.get(name)
        if current and Path(current).is_dir():
            continue
        if folder.is_dir():
            os.environ[name] = str(folder)
            done[name] = str(folder)
    return done
