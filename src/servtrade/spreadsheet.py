"""Cells safe to open in a spreadsheet: text that Excel or LibreOffice would run as a
formula (starting with =, +, -, @, tab or carriage return) is neutralized, in every CSV
and workbook servtrade writes (API, CLI, reports, SDMX-CSV)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A CSV cell: text starting like a formula gets a leading apostrophe (OWASP's advice);
    numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def from_csv_safe(text: str) -> str:
    """The text a neutralized cell stood for (servtrade's own files read back as written)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
