"""Write a SYNTHETIC canonical CSV for scale tests: seeded, and labelled synthetic in every row.

The values are random numbers, not statistics; the `source` column of every row says so.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import numpy as np

from servtrade.classification import default_classifications

SOURCE = "SYNTHETIC benchmark data (servtrade benchmarks/synthetic.py, seed {seed}); not statistics"
PARTNERS = ("US", "HK", "JP", "DE", "SG")


def write_synthetic_csv(path: Path, rows: int, seed: int = 20261129, skip: int = 0) -> Path:
    """`rows` rows; `skip` leaves out the first keys, so that files written with different
    `skip` never hold the same figure."""
    classifications = default_classifications()
    provinces = [c.code for c in classifications.regions if c.parent == "CN"]
    periods = [f"{y}-{m:02d}" for y in range(1990, 2026) for m in range(1, 13)]
    categories = classifications.main_categories()
    keys = itertools.islice(
        itertools.product(provinces, periods, ("export", "import"), categories, PARTNERS),
        skip,
        skip + rows,
    )
    values = np.random.default_rng(seed).lognormal(mean=2.0, sigma=1.0, size=rows).round(2)
    source = SOURCE.format(seed=seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "region",
                "period",
                "flow",
                "category",
                "partner",
                "value",
                "unit",
                "source",
                "vintage",
            ]
        )
        for (region, period, flow, category, partner), value in zip(keys, values, strict=False):
            writer.writerow(
                [region, period, flow, category, partner, value, "CNY_100M", source, "2026-01-31"]
            )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261129)
    arguments = parser.parse_args()
    write_synthetic_csv(arguments.path, arguments.rows, arguments.seed)


if __name__ == "__main__":
    main()
