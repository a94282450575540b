"""Launch Territory Planner: ``python main.py [PROJECT.gpkg | --demo]``."""

import sys

from territory_planner.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
