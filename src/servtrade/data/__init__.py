"""Bundled real figures, converted to the canonical format with their sources."""

from importlib import resources
from pathlib import Path


def bundled_file() -> Path:
    """The bundled national and provincial figures (canonical CSV)."""
    return Path(str(resources.files("servtrade.data").joinpath("bundled", "china.csv")))
