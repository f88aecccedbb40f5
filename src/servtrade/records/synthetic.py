"""SYNTHETIC enterprise records for scale tests: seeded, and labelled synthetic in every row
(`reporter_name` and `contract_id`). Categories follow the real national mix of services
trade by EBOPS main category in the bundled figures (the latest full year published for each
category); regions, partners and modes are drawn uniformly. Values are random, not
statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servtrade.classification import default_classifications
from servtrade.records.uscc import check_character

LABEL = "SYNTHETIC"
PARTNERS = ("US", "HK", "JP", "DE", "SG", "GB", "KR", "FR")


def national_category_mix(bundled_csv: Path) -> dict[str, float]:
    """Weights of EBOPS main categories in China's services trade, from the bundled data."""
    frame = pd.read_csv(bundled_csv, dtype=str)
    main = default_classifications().main_categories()
    rows = frame[
        (frame["region"] == "CN")
        & (frame["flow"] == "total")
        & frame["category"].isin(main)
        & (frame["unit"] == "CNY_100M")
        & frame["period"].str.fullmatch(r"\d{4}")
    ]
    latest = rows.sort_values("period").groupby("category").tail(1)
    values = latest.set_index("category")["value"].astype(float)
    return {str(code): float(v) for code, v in (values / values.sum()).items()}


def write_synthetic_records(
    out: Path, n: int, seed: int, mix: dict[str, float], year: int = 2024
) -> Path:
    rng = np.random.default_rng(seed)
    classifications = default_classifications()
    provinces = [c.code for c in classifications.regions if c.kind == "province"]
    reporters = max(10, n // 50)
    first17 = [f"91{rng.integers(10**14, 10**15):015d}" for _ in range(reporters)]
    ids = np.array([code + check_character(code) for code in first17])
    categories = list(mix)
    pick = rng.integers(0, reporters, n)
    frame = pd.DataFrame(
        {
            "record_id": [f"{LABEL}-{seed}-{i}" for i in range(n)],
            "reporter_id": ids[pick],
            "reporter_name": [f"{LABEL} enterprise {i}" for i in pick],
            "region": rng.choice(provinces, n),
            "period": [f"{year}-{m:02d}" for m in rng.integers(1, 13, n)],
            "flow": rng.choice(["export", "import"], n),
            "category": rng.choice(categories, n, p=[mix[c] for c in categories]),
            "partner": rng.choice(PARTNERS, n),
            "mode": rng.choice(["1", "2", "3", "4"], n),
            "currency": rng.choice(["CNY", "USD"], n),
            "amount": rng.lognormal(10, 2, n).round(2),
            "contract_id": LABEL,
            "reported_at": pd.Timestamp(f"{year + 1}-01-31"),
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"synthetic-records-seed{seed}.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path
