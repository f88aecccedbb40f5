"""Learn servtrade's bundled calibration of annual forecasts from the M3 yearly histories.

Reads the `history` rows (never the held-out years) of `data/reference/benchmarks/
m3_yearly_dev.csv`, collects the combined forecast's standardised errors at rolling origins
of every series (`servtrade.forecast.calibration.learn`) and writes their quantiles by
horizon to `src/servtrade/forecast/data/calibration-annual.json`. A test checks that the
file is what this script writes.

Usage: python scripts/build_calibration.py
"""

from __future__ import annotations

import csv
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from servtrade.forecast import calibration

ROOT = Path(__file__).resolve().parent.parent
PANEL = ROOT / "data" / "reference" / "benchmarks" / "m3_yearly_dev.csv"
OUTPUT = ROOT / "src" / "servtrade" / "forecast" / "data" / calibration.BUNDLED
SOURCE = (
    "rolling-origin errors of the histories of 323 M3 yearly series "
    "(data/reference/benchmarks/m3_yearly_dev.csv, history rows only)"
)


def histories(path: Path = PANEL) -> list[np.ndarray]:
    """Each series' history, in year order."""
    points: dict[str, list[tuple[int, float]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["role"] == "history":
                points[row["series"]].append((int(row["year"]), float(row["value"])))
    return [np.array([v for _, v in sorted(points[s])]) for s in sorted(points)]


def build(workers: int = 2) -> calibration.Calibration:
    panel = histories()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        errors = list(pool.map(calibration.panel_errors, [[v] for v in panel], chunksize=8))
    return calibration.from_errors([e for part in errors for e in part], SOURCE)


def main() -> None:
    build().save(OUTPUT)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
