"""Re-assignment after moving one vertex of a territory, with 100,000 accounts.

Goal (issue 5): at most 100 ms. Reference in the same run: a full re-assignment of all
accounts (grid index), which is what an edit would cost without the incremental path.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import big_project

from territory_planner.edits import reshape_territory
from territory_planner.geo.assign import assign_accounts


def moved_vertex(
    polygon: shapely.MultiPolygon | shapely.Polygon, near: tuple[float, float], shift: float
) -> shapely.Geometry:
    """The polygon with the outer-ring vertex nearest to `near` moved by `shift` degrees."""
    parts = list(shapely.get_parts(polygon))
    k = int(np.argmin([p.distance(shapely.Point(near)) for p in parts]))
    ring = np.array(parts[k].exterior.coords)
    i = int(np.argmin(np.hypot(ring[:, 0] - near[0], ring[:, 1] - near[1])))
    i = max(1, min(i, len(ring) - 2))  # keep the ring closed: not the first/last point
    ring[i] += shift
    parts[k] = shapely.Polygon(ring, [r.coords for r in parts[k].interiors])
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def main() -> None:
    project = big_project(100_000)
    territory = project.territories.set_index("territory_id").loc["T01", "geometry"]
    acc = project.accounts[project.accounts["territory_id"] == "T01"]
    centre = (float(acc["lon"].median()), float(acc["lat"].median()))  # where the accounts are
    new = moved_vertex(territory, centre, -0.3)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        edit = reshape_territory(project, "T01", new)
        edit.apply(project)
        times.append(time.perf_counter() - start)
        edit.revert(project)
    start = time.perf_counter()
    assign_accounts(project.accounts, project.territories)
    full = time.perf_counter() - start
    ours = min(times)
    print(
        f"{'accounts':>9} {'incremental ms':>15} {'full re-assign ms':>18} {'ratio':>6} {'goal ms':>8}"
    )
    print(
        f"{len(project.accounts):>9,} {ours * 1000:>15.1f} {full * 1000:>18.1f} {ours / full:>6.2f} {100:>8}"
    )
    print(f"accounts re-tested: {len(edit.rows):,}, moved: {edit.moved}")


if __name__ == "__main__":
    main()
