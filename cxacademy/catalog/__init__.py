"""Catalog: modules and lessons, the content/ loader, lesson rendering, progress and the dashboard."""
