"""Geometry without Qt: base layers, area units, assignment and the map page."""
