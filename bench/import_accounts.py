"""Import a 200,000-row CRM export: our reader (read, validate, geocode) vs pandas.read_csv alone.

The export is written to a temporary folder: 15 columns (three of them custom),
real US ZIPs from the ``zipcodes`` package, a third of the rows with
coordinates, half with only a ZIP (some with the leading zero lost), the rest
with only a city and state. The import runs in a fresh interpreter so that its
peak memory (``ru_maxrss``) is its own; ``pandas.read_csv(dtype=str)`` of the
same file is the reference, timed in this process.

Run: ``.venv/bin/python bench/import_accounts.py [ROWS]``.
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
HEADER = ["Account ID", "Account Name", "Street", "City", "State", "Zip", "Latitude", "Longitude",
          "Industry", "Annual Revenue", "Potential", "Visit Frequency",
          "Region Code", "Credit Limit", "Key Account"]  # fmt: skip
INDUSTRIES = ("Retail", "Healthcare", "Manufacturing", "Hospitality", "Legal")
FREQUENCIES = ("weekly", "Every 2 weeks", "monthly", "Quarterly")


def write_export(path: Path, rows: int = ROWS, seed: int = 3) -> None:
    """A realistic export; row kind by i % 6: 0-1 coordinates, 2-4 ZIP only, 5 city/state only."""
    rng = np.random.default_rng(seed)
    zips = [z for z in zipcodes.list_all() if z["lat"] and z["zip_code_type"] == "STANDARD"]
    pick = rng.integers(0, len(zips), size=rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i, k in enumerate(pick):
            z = zips[k]
            kind = i % 6
            lat, lon = (z["lat"], z["long"]) if kind < 2 else ("", "")
            zip_code = "" if kind == 5 else z["zip_code"]
            if kind == 4:  # opened and saved in Excel: "02134" became "2134"
                zip_code = zip_code.lstrip("0")
            revenue = f"{(i * 37) % 90000}.00" if i % 10 else f"${(i * 37) % 900}k"
            out.writerow([f"C{i:07d}", f"Company {i}", f"{i % 9000} Main St", z["city"], z["state"],
                          zip_code, lat, lon, INDUSTRIES[i % 5], revenue, f"{(i * 91) % 400:,}000",
                          FREQUENCIES[i % 4], f"R{i % 12}", i % 5000, "yes" if i % 3 else "no"])  # fmt: skip


def child(path: Path) -> None:
    """Time one import in a fresh process; print its numbers and peak memory as JSON."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fractions: list[float] = []
    start = time.perf_counter()
    result = read_accounts(path, progress=lambda f, _m="": fractions.append(f))
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    report = result.report.as_dict()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_before_mb": before / 1024,
                "rss_peak_mb": after / 1024,
                "calls": len(fractions),
                "imported": report["imported"],
                "rejected": len(report["rejected"]),
                "warnings": len(report["warnings"]),
                "geocoded": report["geocoded"],
                "custom_columns": report["custom_columns"],
            }
        )
    )


def main(rows: int = ROWS) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        write_export(path, rows)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        reference = pd.read_csv(path, dtype=str, keep_default_na=False)
        t_pandas = time.perf_counter() - start
        assert len(reference) == rows
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    run = json.loads(out.stdout)
    g = run["geocoded"]
    table = [
        ("rows", f"{run['imported']:,}"),
        ("file MB", f"{size_mb:.1f}"),
        ("ours s", f"{run['seconds']:.2f}"),
        ("pandas.read_csv s", f"{t_pandas:.2f}"),
        ("ratio", f"{run['seconds'] / t_pandas:.1f}"),
        ("peak RSS MB", f"{run['rss_peak_mb']:.0f}"),
        ("(RSS before MB)", f"{run['rss_before_mb']:.0f}"),
        ("exact", f"{g['exact']:,}"),
        ("zip", f"{g['zip']:,}"),
        ("city", f"{g['city']:,}"),
        ("unplaced", f"{g['unplaced']:,}"),
        ("progress calls", str(run["calls"])),
    ]
    widths = [max(len(h), len(v)) for h, v in table]
    print(" ".join(f"{h:>{w}}" for (h, _), w in zip(table, widths, strict=True)))
    print(" ".join(f"{v:>{w}}" for (_, v), w in zip(table, widths, strict=True)))
    print(
        f"rejected: {run['rejected']}, warnings: {run['warnings']}, "
        f"custom columns: {', '.join(run['custom_columns'])}"
    )
    if run["imported"] != rows:
        sys.exit("not every row was imported")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) == 2 else ROWS)
