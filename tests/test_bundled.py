"""The bundled data: real figures, each with its source, reproducible from the reference set."""

from __future__ import annotations

import csv
from pathlib import Path

from servtrade.data import bundled_file
from tests.conftest import ROOT, load_script


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_bundled_row_has_a_source_url_and_vintage() -> None:
    rows = _rows(bundled_file())
    assert len(rows) > 300
    assert all("<http" in r["source"] and r["vintage"] for r in rows)


def test_bundled_data_is_rebuilt_identically_from_the_reference_set(tmp_path: Path) -> None:
    load_script("build_bundled_data").main(tmp_path)
    bundled = bundled_file().parent
    for name in ("china.csv", "china_set_aside.csv"):
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name


def test_every_reference_row_is_either_loaded_or_set_aside_with_a_reason() -> None:
    reference = ROOT / "data" / "reference" / "china"
    total = len(_rows(reference / "national.csv")) + len(_rows(reference / "provincial.csv"))
    set_aside = _rows(bundled_file().with_name("china_set_aside.csv"))
    assert all(r["reason"] for r in set_aside)
    assert len(_rows(bundled_file())) + len(set_aside) == total
