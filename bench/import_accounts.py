"""Import a 200,000-row CRM export: our reader (validate + geocode) vs pandas.read_csv alone.

Also prints the peak memory of the import (tracemalloc) and how the rows were placed.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import zipcodes

from territory_planner.io.account_import import read_accounts

ROWS = 200_000


def write_export(path: Path, rows: int = ROWS, seed: int = 3) -> None:
    """A realistic export: a third with coordinates, most with ZIPs, some with only city/state."""
    rng = np.random.default_rng(seed)
    zips = [z for z in zipcodes.list_all() if z["lat"] and z["zip_code_type"] == "STANDARD"]
    pick = rng.integers(0, len(zips), size=rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Account ID", "Account Name", "Street", "City", "State", "Zip", "Latitude", "Longitude",
                      "Industry", "Annual Revenue", "Potential", "Visit Frequency", "Region Code", "Credit Limit", "Key Account"])  # fmt: skip
        for i, k in enumerate(pick):
            z = zips[k]
            kind = i % 6
            lat, lon = (z["lat"], z["long"]) if kind < 2 else ("", "")
            zip_code = "" if kind == 5 else z["zip_code"]
            out.writerow([f"C{i:07d}", f"Company {i}", f"{i % 9000} Main St", z["city"], z["state"], zip_code, lat, lon,
                          "Retail", f"{(i * 37) % 90000}.00", f"${(i * 91) % 400}k", "monthly", f"R{i % 12}", i % 5000, "yes"])  # fmt: skip


def child(path: Path) -> None:
    """Time one import in a fresh process and report its peak memory (ru_maxrss, KiB)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    calls: list[float] = []
    start = time.perf_counter()
    result = read_accounts(path, progress=lambda f, _m="": calls.append(f))
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_before_mb": before / 1024, "rss_peak_mb": after / 1024,
                      "calls": len(calls), **result.report.as_dict()}))  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        write_export(path)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        pd.read_csv(path, dtype=str, keep_default_na=False)
        t_pandas = time.perf_counter() - start
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    run = json.loads(out.stdout)
    header = ("rows", "MB", "ours s", "pandas.read_csv s", "ratio", "peak RSS MB", "progress calls")
    widths = (8, 6, 7, 18, 6, 12, 15)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    values = (
        f"{run['imported']:,}", f"{size_mb:.1f}", f"{run['seconds']:.2f}", f"{t_pandas:.2f}",
        f"{run['seconds'] / t_pandas:.1f}", f"{run['rss_peak_mb']:.0f}", str(run["calls"]),
    )  # fmt: skip
    print(" ".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True)))
    print(
        "geocoded:",
        run["geocoded"],
        "rejected:",
        len(run["rejected"]),
        "warnings:",
        len(run["warnings"]),
    )
    if run["imported"] != ROWS:
        sys.exit("not every row was imported")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
    else:
        main()
