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


def _command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            command = command.removeprefix(".venv/bin/")
            for part in command.split(" && "):
                part = part.strip().removeprefix(".venv/bin/")
                if part.startswith("servtrade "):
                    lines.append(part)
    return lines


def _command_tree() -> object:
    import typer

    return typer.main.get_command(app)


def test_every_readme_command_line_names_real_commands_and_options() -> None:
    """Every `servtrade …` line of the README (synopses included) names a command that
    exists and only options that command has."""
    root = _command_tree()
    lines = _command_lines()
    assert len(lines) > 40
    for line in lines:
        words = line.split()[1:]
        command = root
        while words and words[0] in getattr(command, "commands", {}):
            command = command.commands[words.pop(0)]  # type: ignore[attr-defined]
        options = {
            name
            for param in (*command.params, *root.params)  # type: ignore[attr-defined]
            for name in (*param.opts, *param.secondary_opts)
        }
        named = {
            token.strip("[]").split("=")[0]
            for word in words
            for token in word.split("|")
            if token.strip("[]").startswith("--")
        }
        assert named <= options | {"--help"}, (line, named - options)
        assert command is not root, line


RUNNABLE = re.compile(r"^servtrade [^\[\]…*]*$")  # no option brackets, no shell globs
# Lines that start a server, need Spark or another machine's files, or name placeholders.
NOT_HERE = ("serve", "records load", "opening import", "plans add", "fx load", "users ")
# (`--by NAME` examples need the people of the README's server, who are not in this store.)


def test_the_readme_examples_run(
    bundled_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each complete example (no placeholders) runs on a copy of the bundled store, in the
    README's order, from a fresh working directory."""
    import shutil

    store = tmp_path / "store.duckdb"
    shutil.copy(bundled_db, store)
    monkeypatch.chdir(tmp_path)
    examples = [
        line
        for line in _command_lines()
        if RUNNABLE.match(line)
        and not any(line.startswith(f"servtrade {n}") for n in NOT_HERE)
        and not re.search(r"\b[A-Z]{2,}[A-Z_]*\b", line.replace("CN", ""))
        and "--by" not in line
    ]
    assert len(examples) >= 8, examples
    env = {"SERVTRADE_DB": str(store), "COLUMNS": "200"}
    for line in examples:
        args = line.split()[1:]
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, (line, result.output)
