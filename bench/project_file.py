"""Save and open a project with 10,000 and 100,000 accounts: time and file size.

Ours: `save_project` (all four layers, temporary file, fsync, rename; custom
attribute names and types recorded) and `load_project` (integrity check, all
layers, typed tables). Reference in the same run: geopandas writing and
reading the accounts layer alone as a GeoPackage (``GeoDataFrame.to_file(...,
driver="GPKG")`` / ``geopandas.read_file``). Best of three runs each; the
round trip is checked to be exact before anything is printed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import big_project

from territory_planner.io.project_file import load_project, save_project
from territory_planner.model import CRS, Project

SIZES = (10_000, 100_000)
RUNS = 3


def best(run: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def with_custom_columns(project: Project) -> Project:
    """Two custom attributes as a CRM import brings them: text (some empty) and a number."""
    n = len(project.accounts)
    rng = np.random.default_rng(7)
    project.accounts["Region Code"] = pd.Series(
        rng.choice(["Nord", "Süd", "Île-de-France", None], size=n), dtype="str"
    )
    project.accounts["Credit Limit"] = rng.integers(0, 10**6, size=n).astype("float64")
    return project


def accounts_layer(project: Project) -> gpd.GeoDataFrame:
    acc = project.accounts
    return gpd.GeoDataFrame(
        acc.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(acc["lon"], acc["lat"]),
        crs=CRS,
    )


def measure(n: int, folder: Path) -> dict[str, float]:
    project = with_custom_columns(big_project(n))
    ours_path, ref_path = folder / f"ours-{n}.gpkg", folder / f"reference-{n}.gpkg"
    save = best(lambda: save_project(project, ours_path))
    load = best(lambda: load_project(ours_path))
    back = load_project(ours_path)
    pd.testing.assert_frame_equal(back.accounts, project.accounts)
    pd.testing.assert_frame_equal(back.reps, project.reps)

    frame = accounts_layer(project)

    def reference_save() -> None:
        ref_path.unlink(missing_ok=True)
        frame.to_file(ref_path, driver="GPKG", layer="accounts")

    ref_save = best(reference_save)
    ref_load = best(lambda: gpd.read_file(ref_path, layer="accounts"))
    return {
        "save": save,
        "ref_save": ref_save,
        "load": load,
        "ref_load": ref_load,
        "size": ours_path.stat().st_size / 1e6,
        "ref_size": ref_path.stat().st_size / 1e6,
    }


def main() -> None:
    global RUNS  # noqa: PLW0603 (a module setting)
    if "--quick" in sys.argv[1:]:
        RUNS = 1  # one run of each instead of the best of three
    header = ("accounts", "save s", "ref save s", "ratio", "open s", "ref open s", "ratio", "MB", "ref MB", "ratio")  # fmt: skip
    widths = (9, 7, 11, 6, 7, 11, 6, 6, 7, 6)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            m = measure(n, Path(tmp))
            values = (
                f"{n:,}", f"{m['save']:.2f}", f"{m['ref_save']:.2f}", f"{m['save'] / m['ref_save']:.2f}",
                f"{m['load']:.2f}", f"{m['ref_load']:.2f}", f"{m['load'] / m['ref_load']:.2f}",
                f"{m['size']:.1f}", f"{m['ref_size']:.1f}", f"{m['size'] / m['ref_size']:.2f}",
            )  # fmt: skip
            print(" ".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True)), flush=True)
    print("ours: all layers, fsync, integrity check; reference: the accounts layer alone")


if __name__ == "__main__":
    main()
