"""Reading and writing files: the GeoPackage project and exports (no Qt)."""
