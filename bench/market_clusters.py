"""Clusters of 100,000 accounts (issue 16): the market view's DBSCAN against scikit-learn's.

Two projects of 100,000 accounts: the demo generator's (16 metros, seed 7) and
`scale.py`'s (70% within ~3 km of the demo's metros, 30% anywhere in the US). On each,
in a fresh child process, with the app's default radius and minimum (25 km, 5 accounts):

- ours: ``market_clusters.dbscan``, scikit-learn's DBSCAN on spots (accounts merged into
  squares of a fraction of the radius when their neighbour pairs would not fit in
  ``MAX_NEIGHBOUR_PAIRS``);
- the reference: scikit-learn's DBSCAN (haversine, ball tree) fitted on every account, as
  its documentation shows;
- with ``--before REV``: the ``dbscan`` of git revision REV (``c066034``: our own grid
  DBSCAN on a Lambert equal-area projection, before issue 16), for the record.

Printed for each: seconds, memory added by the clustering (the child's peak resident
memory, ``VmHWM``, after it minus before it) and the child's peak, clusters, noise, and accounts clustered
otherwise than by the reference (each cluster matched to the one sharing most of its
accounts, both ways, the larger count); then ours / reference.

Run: ``.venv/bin/python bench/market_clusters.py [--quick] [--before REV]`` (``--quick``: the
scale project only; the demo takes ~50 s to generate).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from territory_planner.analysis.market_segments import DEFAULT_MIN_ACCOUNTS, DEFAULT_RADIUS_KM
from territory_planner.demo import make_demo

HERE = Path(__file__).resolve().parent
ACCOUNTS = 100_000

CHILD = """
import json, sys, time
import numpy as np
method, data, out, before = sys.argv[1:5]
lonlat = np.load(data)
lon, lat = lonlat[:, 0], lonlat[:, 1]
radius, least = {radius}, {least}
if method == "ours":
    from territory_planner.analysis.market_clusters import dbscan
    import sklearn.cluster, sklearn.neighbors
    run = lambda: dbscan(lon, lat, radius, least)
elif method == "sklearn":
    from sklearn.cluster import DBSCAN
    from territory_planner.geo.earth import EARTH_RADIUS_KM
    where = np.radians(np.column_stack([lat, lon]))
    model = DBSCAN(eps=radius / EARTH_RADIUS_KM, min_samples=least, metric="haversine",
                   algorithm="ball_tree")
    run = lambda: model.fit(where).labels_
else:
    import types
    from territory_planner.analysis.market_segments import LocalKm
    module = types.ModuleType("market_clusters_before")
    sys.modules[module.__name__] = module
    exec(compile(open(before).read(), before, "exec"), module.__dict__)
    local = LocalKm.around(lon, lat)
    x, y = local.to_km(lon, lat)
    run = lambda: module.dbscan(x, y, radius, least)
def high_water_kb():
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    return float(status.split()[0])
before_kb = high_water_kb()
start = time.perf_counter()
labels = run()
seconds = time.perf_counter() - start
peak_kb = high_water_kb()
np.save(out, labels)
print(json.dumps({{"seconds": seconds, "added_mb": (peak_kb - before_kb) / 1024,
                  "peak_mb": peak_kb / 1024}}))
"""


def measure(method: str, data: Path, folder: Path, before: str) -> dict[str, float]:
    """Seconds, memory and labels of one clustering in a fresh child process."""
    out = folder / f"{data.stem}-{method}.npy"
    script = CHILD.format(radius=DEFAULT_RADIUS_KM, least=DEFAULT_MIN_ACCOUNTS)
    done = subprocess.run(
        [sys.executable, "-c", script, method, str(data), str(out), before],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        msg = f"{method} failed: {done.stderr[-2000:]}"
        raise RuntimeError(msg)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    labels = np.load(out)
    figures["clusters"] = int(labels.max()) + 1
    figures["noise"] = int((labels < 0).sum())
    return figures


def otherwise(a: np.ndarray, b: np.ndarray) -> int:
    """Accounts not in the cluster (or noise) matched to theirs, the larger of both ways."""
    table = pd.crosstab(a, b).to_numpy()
    return len(a) - min(int(table.max(axis=1).sum()), int(table.max(axis=0).sum()))


def projects(quick: bool) -> dict[str, np.ndarray]:
    """Longitude, latitude of each project's accounts."""
    sys.path.insert(0, str(HERE))
    from scale import scale_project  # noqa: PLC0415

    made = {"scale": scale_project(accounts=ACCOUNTS).accounts}
    if not quick:
        made["demo"] = make_demo(accounts=ACCOUNTS, reps=16, seed=7).accounts
    return {
        name: np.column_stack([acc["lon"].to_numpy(float), acc["lat"].to_numpy(float)])
        for name, acc in made.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the scale project only")
    parser.add_argument("--before", help="also the dbscan of this git revision")
    options = parser.parse_args()
    methods = ["ours", "sklearn"] + (["before"] if options.before else [])
    print(
        f"{ACCOUNTS:,} accounts, radius {DEFAULT_RADIUS_KM:g} km, {DEFAULT_MIN_ACCOUNTS} accounts"
    )
    print(f"{'project':8} {'method':8} {'seconds':>8} {'added MB':>9} {'peak MB':>8} "
          f"{'clusters':>8} {'noise':>6} {'otherwise':>9}")  # fmt: skip
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        before = ""
        if options.before:
            source = subprocess.run(
                ["git", "show", f"{options.before}:territory_planner/analysis/market_clusters.py"],
                capture_output=True, text=True, check=True, cwd=HERE,
            ).stdout  # fmt: skip
            before = str(folder / "before.py")
            Path(before).write_text(source, encoding="utf-8")
        for project, lonlat in projects(options.quick).items():
            data = folder / f"{project}.npy"
            np.save(data, lonlat)
            got = {m: measure(m, data, folder, before) for m in methods}
            reference = np.load(folder / f"{project}-sklearn.npy")
            for method, f in got.items():
                labels = np.load(folder / f"{project}-{method}.npy")
                print(f"{project:8} {method:8} {f['seconds']:8.2f} {f['added_mb']:9.0f} "
                      f"{f['peak_mb']:8.0f} {f['clusters']:8.0f} {f['noise']:6.0f} "
                      f"{otherwise(labels, reference):9d}")  # fmt: skip
            ours, ref = got["ours"], got["sklearn"]
            print(f"{project:8} ours / sklearn: time {ours['seconds'] / ref['seconds']:.2f}, "
                  f"added memory {ours['added_mb'] / max(ref['added_mb'], 1):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
