"""Tools models: none yet."""
