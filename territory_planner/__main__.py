"""Run the command-line interface: ``python -m territory_planner``."""

import sys

from territory_planner.cli import main

sys.exit(main())
