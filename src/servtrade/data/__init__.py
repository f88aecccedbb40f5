"""Bundled real figures, converted to the canonical format with their sources."""
