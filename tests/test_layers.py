"""Imports run one way, read from the source: the API and the dashboard share
`servtrade.serving` and do not import each other; the forecaster does not import plans;
the core imports no interface."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "servtrade"
INTERFACES = ("servtrade.api", "servtrade.web", "servtrade.server", "servtrade.cli")


def _imports(package: str) -> set[str]:
    """Every module a package's files import, at their top or inside a function."""
    found: set[str] = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def _reaching(imported: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("api", ("servtrade.web", "servtrade.server")),  # they imported each other
        ("web", ("servtrade.api", "servtrade.server")),
        ("serving", ("servtrade.api", "servtrade.web", "servtrade.server", "servtrade.cli")),
        ("forecast", ("servtrade.plans", *INTERFACES)),  # target probability is plans'
        ("indicators", ("servtrade.plans", "servtrade.forecast", *INTERFACES)),
        ("plans", INTERFACES),
        ("store", ("servtrade.indicators", "servtrade.plans", *INTERFACES)),
    ],
)
def test_a_package_imports_nothing_above_it(package: str, forbidden: tuple[str, ...]) -> None:
    assert _reaching(_imports(package), forbidden) == []
