"""Save a PNG of the main window: ``python -m territory_planner.ui.screenshot OUT.png``.

Opens the demo (or ``--project FILE``), waits until the map page has drawn
its layers, and grabs the whole window. Used for the README and for looking
at changes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--project", type=Path, help="project file (default: the demo)")
    parser.add_argument(
        "--size", default="1366x768", help="window size, WxH (default: a laptop screen's)"
    )
    parser.add_argument("--zoom", help="centre the map on LAT,LON at zoom Z (e.g. 41.9,-87.8,9)")
    parser.add_argument(
        "--panel",
        help="bring a panel to the front: accounts, kpis, coverage, calendar, log, "
        "performance or market",
    )
    parser.add_argument("--shade", metavar="METRIC", help="shade the map by a KPI, e.g. potential")
    parser.add_argument(
        "--segment",
        metavar="FIELD=VALUE",
        help="show a market segment on the map, e.g. industry=Healthcare",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the map")
    return parser.parse_args(argv)


def raise_panel(docks: Iterable[QDockWidget], name: str) -> None:
    """Bring the panel `name` ("kpis", "calendar", "market", ...) to the front of its tabs."""
    names = {f"{name}_dock", f"{name.removesuffix('s')}_dock"}
    for dock in docks:
        if dock.objectName() in names:
            dock.raise_()


_IMPORTED = time.monotonic()


def seconds_since_start() -> float:
    """How long this process has been running (Linux: from its start; elsewhere: from import)."""
    try:
        stat = Path("/proc/self/stat").read_text(encoding="ascii")
        uptime = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


def main(argv: Sequence[str] | None = None) -> int:
    """Write the screenshot; returns the exit code."""
    args = parse_args(argv)

    from territory_planner.ui.app import create_application  # noqa: PLC0415

    create_application()
    import shiboken6  # noqa: PLC0415
    from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: PLC0415

    from territory_planner.ui.main_window import MainWindow  # noqa: PLC0415

    scratch = tempfile.TemporaryDirectory(prefix="tp-screenshot-")
    settings = QSettings(str(Path(scratch.name) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, data_folder=Path(scratch.name))
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    loop = QEventLoop()

    drawn: list[float] = []

    def on_ready(_stats: object) -> None:
        drawn.append(seconds_since_start())
        if args.panel:
            raise_panel(window.docks(), args.panel)
        if args.shade:
            box = window.kpi_panel.metric_box
            box.setCurrentIndex(box.findData(args.shade))
            window.kpi_panel.shade.setChecked(True)
        if args.segment:
            from territory_planner.analysis.conditions import Condition  # noqa: PLC0415

            field, value = args.segment.split("=", 1)
            window.analysis.market_panel.refresh(window.project)
            window.analysis.market_panel.segments.add_condition(Condition(field, "=", value))
        if args.zoom:
            lat, lon, zoom = (float(v) for v in args.zoom.split(","))
            window.map_view.send_update({"zoomTo": {"lat": lat, "lon": lon, "zoom": zoom}})
        QTimer.singleShot(1500, loop.quit)

    # The empty start-up page reports ready too: listen only once the project is open.
    window.project_opened.connect(lambda: window.map_view.ready.connect(on_ready))
    QTimer.singleShot(int(args.timeout * 1000), loop.quit)
    if args.project:
        window.open_project(args.project)
    else:
        window.files.open_demo()
    loop.exec()
    ok = window.map_view.is_ready and window.grab().save(str(args.output))
    window.undo_stack.setClean()
    window.close()
    shiboken6.delete(window)  # the web page must go before the web profile
    del settings
    scratch.cleanup()
    if not ok:
        print(f"error: the map did not finish drawing within {args.timeout} s", file=sys.stderr)
        return 1
    print(args.output)
    if drawn:
        print(f"map drawn {drawn[0]:.1f} s after the program started", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
