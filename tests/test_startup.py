"""Commands that need no heavy library start without importing it.

Every command took about 5 s to start, `--help` included, because the forecasting models,
pandas, the SDMX reader and the report renderer were imported up front. Start-up is
measured in benchmarks/ (RESULTS.md); here, what each light command imports is checked, so
that an import moved back to the top of a module fails a test rather than a stopwatch.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Libraries that take a tenth of a second or more to import, none needed to list commands,
# categories or the headline figures.
HEAVY = (
    *("pandas", "numpy", "pyarrow", "scipy", "statsforecast", "statsmodels", "matplotlib"),
    *("weasyprint", "openpyxl", "python_calamine", "sdmx", "fastapi", "uvicorn", "argon2"),
    *("sqlglot", "sqlalchemy", "alembic", "psycopg", "jinja2", "yaml", "charset_normalizer"),
    "pydantic",  # Typer 0.29 builds a pydantic adapter for every parameter: pinned below it
)
REPORT = "import sys; print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"


def _imported(args: list[str], db: Path) -> set[str]:
    """The top-level packages a process has imported once `servtrade ARGS` has run."""
    code = (
        "import sys\n"
        "from servtrade.cli import main\n"
        f"sys.argv = ['servtrade', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        f"{REPORT}\n"
    )
    env = {**os.environ, "SERVTRADE_DB": str(db), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.strip().splitlines()[-1].split())


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--lang", "zh", "--help"], ["ingest", "--help"], ["report", "--help"]],
)
def test_help_imports_no_heavy_library_and_no_database(args: list[str], tmp_path: Path) -> None:
    imported = _imported(args, tmp_path / "none.duckdb")
    assert sorted(imported & {*HEAVY, "duckdb"}) == []
    assert not (tmp_path / "none.duckdb").exists()  # help opens no store


@pytest.mark.parametrize(
    ("args", "reads_the_store"),
    [(["summary"], True), (["categories"], False), (["regions"], True), (["loads"], True)],
)
def test_light_commands_import_no_heavy_library(
    args: list[str], reads_the_store: bool, bundled_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(bundled_db, db)
    imported = _imported(args, db)
    assert ("duckdb" in imported) == reads_the_store
    assert sorted(imported & set(HEAVY)) == []


def test_the_cli_modules_import_nothing_heavy_at_their_top() -> None:
    """The same rule read from the source: no module of the command line imports a heavy
    library, or a servtrade package that does, outside the function that needs it."""
    heavy_servtrade = (
        *("servtrade.forecast", "servtrade.report", "servtrade.sdmx", "servtrade.records"),
        *("servtrade.api", "servtrade.web", "servtrade.plans", "servtrade.opening"),
        *("servtrade.server", "servtrade.serving", "servtrade.views"),
        *("servtrade.ingest.readers", "servtrade.ingest.validate", "servtrade.ingest.load"),
        "servtrade.access.signin",
    )
    found = []
    for path in sorted((Path(__file__).parents[1] / "src" / "servtrade" / "cli").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in HEAVY or name.startswith(heavy_servtrade):
                    found.append(f"{path.name}: {name}")
    assert found == []
