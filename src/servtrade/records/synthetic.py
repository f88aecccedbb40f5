"""SYNTHETIC enterprise records for scale tests: seeded, and labelled synthetic in every row
(`record_id`, `reporter_name` and `contract_id`). Values are random, not statistics.

The mixes come from the real figures in a store (`SyntheticMix.from_store`):
- categories: China's exports plus imports by EBOPS main category in the national release
  that publishes the most main categories (August 2025: all but SL);
- regions: each province's share of the national total in its latest figure that has a
  national counterpart (`share_of_parent`: Beijing 16.5% in 2023, Shanghai 19.1% in 2016,
  Guangdong 17.3% in 2024, Zhejiang 8.5% in January–July 2020, Hainan 0.6% in the first
  half of 2021), the rest of the nation spread evenly over the other provinces;
- partners: the partner shares of the only partner breakdown published in the bundled
  figures (Zhejiang, January–July 2020: Hong Kong 26.4%, United States 6.3%), the rest
  spread evenly over `OTHER_PARTNERS`.

Records are shaped like enterprise reporting: each enterprise has one registered region,
one main service category (nine in ten of its records), one to three partners, one usual
mode of supply, and mostly exports or mostly imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servtrade.classification import default_classifications
from servtrade.data import bundled_file
from servtrade.indicators import IndicatorRequest, compute_indicators
from servtrade.ingest import ingest_file
from servtrade.records import FLOWS, MODES, Calendar
from servtrade.records.uscc import check_character
from servtrade.store import ObservationQuery, Store

LABEL = "SYNTHETIC"
OTHER_PARTNERS = ("JP", "SG", "DE", "GB", "KR", "FR", "AU", "CA", "NL", "CH", "IE", "MO")
RECORDS_PER_REPORTER = 50
CHUNK = 1_000_000


@dataclass(frozen=True)
class SyntheticMix:
    """Weights (summing to 1) of categories, regions and partners."""

    categories: dict[str, float]
    regions: dict[str, float]
    partners: dict[str, float]

    @classmethod
    def from_store(cls, store: Store) -> SyntheticMix:
        return cls(_category_mix(store), _regional_mix(store), _partner_mix(store))

    @classmethod
    def from_bundled(cls) -> SyntheticMix:
        """The mixes of the real figures bundled with servtrade (loaded into memory)."""
        with Store(":memory:") as figures:
            ingest_file(figures, bundled_file())
            return cls.from_store(figures)


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {code: weight / total for code, weight in weights.items()}


def _category_mix(store: Store) -> dict[str, float]:
    """Exports plus imports by main category in the national release that publishes the
    most main categories (the latest of those)."""
    main = default_classifications().main_categories()
    query = ObservationQuery(
        regions=["CN"], flows=list(FLOWS), categories=list(main), partners=["W1"]
    )
    frame = store.observations(query)
    frame = frame[(frame["measure"] == "CNY") & (frame["mode"] == "ALL")]
    published = frame.groupby("period")["category"].nunique()
    period = max(published[published == published.max()].index)
    release = frame[frame["period"] == period].groupby("category")["amount"].sum()
    return _normalised({str(code): float(amount) for code, amount in release.items()})


def _regional_mix(store: Store) -> dict[str, float]:
    provinces = [c.code for c in default_classifications().regions if c.kind == "province"]
    published: dict[str, float] = {}
    for province in provinces:
        request = IndicatorRequest(
            province, ["share_of_parent"], unit="CNY_100M", skip_unconvertible=True
        )
        shares = compute_indicators(store, request)
        if shares:
            published[province] = max(shares, key=lambda v: v.period).value / 100
    rest = (1 - sum(published.values())) / (len(provinces) - len(published))
    return _normalised({p: published.get(p, rest) for p in provinces})


def _partner_mix(store: Store) -> dict[str, float]:
    frame = store.observations(ObservationQuery(flows=["total"], categories=["S"], modes=["ALL"]))
    frame = frame[frame["measure"] == "CNY"]
    broken_down = frame[frame["partner"] != "W1"]
    latest = broken_down.sort_values(["period", "region"]).iloc[-1]
    cell = frame[(frame["region"] == latest["region"]) & (frame["period"] == latest["period"])]
    whole = float(cell.loc[cell["partner"] == "W1", "amount"].iloc[0])
    parts = cell[cell["partner"] != "W1"]
    shares = {
        str(p): float(a) / whole for p, a in zip(parts["partner"], parts["amount"], strict=True)
    }
    rest = (1 - sum(shares.values())) / len(OTHER_PARTNERS)
    return _normalised(shares | {p: rest for p in OTHER_PARTNERS})


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    """`n` codes drawn by weight; in code order, so that the same seed gives the same
    records whatever order the store returned the figures in."""
    codes = sorted(weights)
    return rng.choice(np.array(codes), n, p=[weights[c] for c in codes])


def write_synthetic_records(
    out: Path, n: int, seed: int, mix: SyntheticMix, year: int = 2024
) -> Path:
    """One Parquet file of `n` records, written a million rows at a time."""
    rng = np.random.default_rng(seed)
    reporters = max(10, n // RECORDS_PER_REPORTER)
    first17 = [f"91{rng.integers(10**14, 10**15):015d}" for _ in range(reporters)]
    profile = pd.DataFrame(
        {
            "reporter_id": [code + check_character(code) for code in first17],
            "reporter_name": [f"{LABEL} enterprise {i}" for i in range(reporters)],
            "region": _pick(rng, mix.regions, reporters),
            "category": _pick(rng, mix.categories, reporters),
            "partner_count": rng.integers(1, 4, reporters),
            "mode": rng.choice(np.array(MODES), reporters, p=[0.5, 0.2, 0.2, 0.1]),
            "exporter": rng.random(reporters) < 0.5,
            "currency": rng.choice(np.array(["CNY", "USD"]), reporters),
        }
    )
    partners = _pick(rng, mix.partners, reporters * 3).reshape(reporters, 3)
    months = np.array(Calendar(year).months)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"synthetic-records-seed{seed}.parquet"
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, n, CHUNK):
            size = min(CHUNK, n - start)
            who = rng.integers(0, reporters, size)
            usual = rng.random(size) < 0.9
            category = np.where(
                usual, profile["category"].to_numpy()[who], _pick(rng, mix.categories, size)
            )
            partner = partners[who, rng.integers(0, profile["partner_count"].to_numpy()[who])]
            usual_flow = profile["exporter"].to_numpy()[who]
            exports = np.where(rng.random(size) < 0.8, usual_flow, ~usual_flow)
            frame = pd.DataFrame(
                {
                    "record_id": f"{LABEL}-{seed}-"
                    + pd.Series(np.arange(start, start + size)).astype(str),
                    "reporter_id": profile["reporter_id"].to_numpy()[who],
                    "reporter_name": profile["reporter_name"].to_numpy()[who],
                    "region": profile["region"].to_numpy()[who],
                    "period": months[rng.integers(0, 12, size)],
                    "flow": np.where(exports, "export", "import"),
                    "category": category,
                    "partner": partner,
                    "mode": profile["mode"].to_numpy()[who],
                    "currency": profile["currency"].to_numpy()[who],
                    "amount": rng.lognormal(10, 2, size).round(2),
                    "contract_id": LABEL,
                    "reported_at": pd.Timestamp(f"{year + 1}-01-31"),
                }
            )
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path
