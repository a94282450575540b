"""Start the desktop application: ``python main.py [PROJECT.gpkg | --demo]``."""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from territory_planner.bundle import version_text


def prepare_environment() -> None:
    """Settings QtWebEngine needs before the application object exists."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to run its sandbox as root.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")


#: glibc's ``mallopt`` parameter, and the threshold it starts with (bytes).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def give_back_large_blocks() -> bool:
    """Have glibc map every block of 128 KiB or more on its own; False if not glibc.

    glibc raises that threshold each time a mapped block is freed (up to 32 MiB), after
    which a project's NumPy arrays and pandas columns go to the heap, which keeps much of
    their memory once they are freed. Mapped on their own, they give it back: the app's
    peak over three 100k-account projects opened in turn was 60-90 MB lower (issue 15),
    and opening, assigning and the panels' figures took no longer.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        return False


def create_application(argv: Sequence[str] = ()) -> object:
    """The QApplication, created once with what the web view needs."""
    prepare_environment()
    give_back_large_blocks()
    from PySide6.QtCore import QCoreApplication, Qt  # noqa: PLC0415
    from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401, PLC0415 (must precede the app)
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance()
    if app is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(["territory-planner", *argv])
    QCoreApplication.setOrganizationName("TerritoryPlanner")
    QCoreApplication.setApplicationName("Territory Planner")
    if isinstance(app, QApplication):
        from PySide6.QtGui import QIcon  # noqa: PLC0415

        from territory_planner.resources import RESOURCES  # noqa: PLC0415

        app.setWindowIcon(QIcon(str(RESOURCES / "icon.png")))
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window; returns the exit code."""
    parser = argparse.ArgumentParser(prog="territory-planner-gui", description="Territory Planner")
    parser.add_argument("project", nargs="?", type=Path, help="a project file (.gpkg) to open")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="OUT.png",
        help="open the project (or the demo), save a picture of the window once the map is "
        "drawn, and quit (with QT_QPA_PLATFORM=offscreen it needs no screen)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version_text()}")
    args = parser.parse_args(argv)
    if args.screenshot is not None:
        from territory_planner.ui import screenshot  # noqa: PLC0415

        project = [] if args.project is None else ["--project", str(args.project)]
        return screenshot.main([str(args.screenshot), *project])
    create_application()
    import shiboken6  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from territory_planner.ui.autosave import offer_recovery  # noqa: PLC0415
    from territory_planner.ui.main_window import MainWindow  # noqa: PLC0415

    window = MainWindow()
    window.show()
    if not offer_recovery(window, window.data_folder / "recovery"):
        last = window.settings.value("paths/last_project")
        if args.project is not None:
            window.open_project(args.project)
        elif not args.demo and last and Path(str(last)).is_file():
            window.open_project(Path(str(last)))
        else:
            window.files.open_demo()
    code = QApplication.exec()
    shiboken6.delete(window)  # the web view and page must go before the web profile
    return code


if __name__ == "__main__":
    sys.exit(main())
