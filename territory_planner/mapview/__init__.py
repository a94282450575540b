"""The map page (folium) and its incremental updates, without Qt."""
