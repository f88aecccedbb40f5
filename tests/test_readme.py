"""The README's worked examples are what the commands print: each example block is run
against the store it names and every line of it must appear in the output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servtrade.cli import app

runner = CliRunner()
README = Path(__file__).parents[1] / "README.md"
EXAMPLES = Path(__file__).parents[1] / "docs" / "examples"
WIDE = {"COLUMNS": "4000"}


def _block_after(marker: str) -> list[str]:
    """The lines of the first fenced block after `marker` in the README."""
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(marker) + r".*?```\n(.*?)```", text, re.S)
    assert found is not None, marker
    return [line.strip() for line in found.group(1).splitlines() if line.strip()]


def _printed(args: list[str]) -> list[str]:
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    return [line.strip() for line in result.stdout.splitlines()]


def test_the_national_verdicts_are_what_track_prints(bundled_db: Path) -> None:
    block = _block_after("(`servtrade track china-digital-trade-opinions-2024`)")
    printed = _printed(["track", "china-digital-trade-opinions-2024", "--db", str(bundled_db)])
    assert block and all(line in printed for line in block), "\n".join(printed)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_constructed_province_verdicts_are_what_track_prints(tmp_path: Path, lang: str) -> None:
    db = str(tmp_path / "gz.duckdb")
    example = str(EXAMPLES / "guizhou-constructed.csv")
    assert runner.invoke(app, ["ingest", example, "--db", db]).exit_code == 0
    printed = _printed(["--lang", lang, "track", "guizhou-services-digital-trade-2025", "--db", db])
    if lang == "en":
        block = _block_after("the figures are constructed, not statistics):")
        assert block and all(line in printed for line in block), "\n".join(printed)
        return
    text = README.read_text(encoding="utf-8")
    quoted = re.findall(r"`(自2019年以来[^`]+)`", text)
    assert len(quoted) == 2
    assert all(any(said in line for line in printed) for said in quoted), "\n".join(printed)
