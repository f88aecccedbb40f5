"""Values no release could hold are rejected at ingest with the limit; the most extreme
values accepted go through every command without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from servtrade.cli import app
from servtrade.ingest import ingest_file
from servtrade.store import Store
from tests.conftest import snapshot, write_csv

runner = CliRunner()


@pytest.mark.parametrize(
    ("cell", "column", "reason"),
    [
        ("1e300", "value", "beyond the plausible limit of 1e+15"),
        ("12345678901234567890123456789012", "value", "has 32 significant digits"),
        ("20000000", "value", "is 2e+15 in base units"),  # 2,000 万亿元
        ("١٢٣", "value", "is not a number"),  # Arabic-Indic digits are not numbers here
    ],
)
def test_implausible_values_are_rejected_with_the_limit(
    store: Store, tmp_path: Path, cell: str, column: str, reason: str
) -> None:
    before = snapshot(store)
    path = write_csv(tmp_path / "big.csv", f"CN-GZ,2024,total,S,{cell},亿元,,test,2025-01-20")
    report = ingest_file(store, path)
    assert report.status == "rejected"
    assert {(issue.line, issue.column) for issue in report.errors} == {(2, column)}
    assert any(reason in issue.reason for issue in report.errors), report.errors
    assert snapshot(store) == before


def test_implausible_growth_is_rejected(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "g.csv", "CN-GZ,2024,total,S,100,亿元,25000,test,2025-01-20")
    report = ingest_file(store, path)
    assert [(e.column, "±10000%" in e.reason) for e in report.errors] == [("yoy_growth", True)]


LABEL = "extreme test data - not statistics,2025-01-20"
EXTREME = [
    # 15 significant digits, just under 1e15 yuan; and the smallest positive level.
    f"CN-GZ,2022,total,S,9999999.99999999,亿元,,{LABEL}",
    f"CN-GZ,2023,total,S,0.00000000000001,亿元,,{LABEL}",
    f"CN-GZ,2024,total,S,9999999.99999999,亿元,9999,{LABEL}",
    f"CN-GZ,2024,export,S,5000000,亿元,,{LABEL}",
    f"CN-GZ,2024,import,S,4999999.99999999,亿元,,{LABEL}",
    f"CN-GZ,2024,total,digitally_deliverable,9999999,亿元,,{LABEL}",
    f"CN-GZ,2021,total,S,1,亿元,,{LABEL}",
]


@pytest.mark.parametrize(
    "command",
    [
        ["summary", "--region", "CN-GZ"],
        ["indicators", "--region", "CN-GZ", "--indicator", "value", "--indicator", "yoy_growth"],
        ["indicators", "--region", "CN-GZ", "--indicator", "digitally_deliverable_share"],
        ["indicators", "--region", "CN-GZ", "--indicator", "balance"],
        ["forecast", "--region", "CN-GZ"],
        ["backtest", "--region", "CN-GZ"],
        ["track", "guizhou-services-digital-trade-2025"],
        ["report", "guizhou-services-digital-trade-2025", "--format", "html"],
        ["report", "guizhou-services-digital-trade-2025", "--format", "xlsx"],
        ["export", "--format", "sdmx-csv"],
    ],
)
def test_extreme_accepted_values_end_every_command_without_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "x.duckdb"
    with Store(db) as store:
        report = ingest_file(store, write_csv(tmp_path / "x.csv", *EXTREME))
        assert report.status == "loaded", report.errors
    out = ["--out", str(tmp_path / "out")] if command[0] in ("report", "export") else []
    result = runner.invoke(app, [*command, "--db", str(db), *out])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1, 3), result.output
    assert "Traceback" not in result.output
