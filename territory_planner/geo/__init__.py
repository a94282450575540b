"""Geometry: the Earth, area units and their adjacency, point index, geocoding, coverage."""
