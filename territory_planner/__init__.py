"""Territory Planner: offline territory and route planning for field sales."""

__version__ = "0.1.0"

from territory_planner.io.gis_files import configure_gdal

configure_gdal()  # before anything loads GDAL: no network, no foreign-source drivers
