"""Entry point of the self-contained build (PyInstaller freezes this file).

One program, two names in the bundle folder: ``territory-planner`` runs the
command-line interface, ``territory-planner-gui`` opens the window. Which one
runs is decided by the name the program was started under.
"""

import sys
from pathlib import Path

from territory_planner.bundle import configure_frozen

GUI_NAMES = {"territory-planner-gui", "territoryplanner", "territory planner"}


def main() -> int:
    """Run the window or the CLI, by the name of the executable."""
    configure_frozen()  # before anything loads GDAL: its data from inside the bundle
    name = Path(sys.executable if getattr(sys, "frozen", False) else sys.argv[0]).stem.lower()
    if name in GUI_NAMES:
        from territory_planner.ui.app import main as gui  # noqa: PLC0415

        return gui()
    from territory_planner.cli import main as cli  # noqa: PLC0415

    return cli()


if __name__ == "__main__":
    sys.exit(main())
