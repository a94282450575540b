"""Territory Planner: offline territory and route planning for field sales."""

__version__ = "0.1.0"
