"""The unified social credit code of a Chinese organisation (统一社会信用代码, GB 32100-2015):
18 characters from a 31-character alphabet, the last a check character computed modulo 31.

The check is written once as a SQL expression too, so every engine validates millions of
records where they are stored instead of in Python.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (each from ALPHABET)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return False
    return check_character(code[:17]) == code[17]


def sql_is_valid(column: str) -> str:
    """A boolean SQL expression (DuckDB dialect, transpiled for other engines) that is true
    exactly when `is_valid` is."""
    digits = [f"(STRPOS('{ALPHABET}', SUBSTRING({column}, {i + 1}, 1)) - 1)" for i in range(17)]
    weighted = " + ".join(f"{d} * {w}" for d, w in zip(digits, WEIGHTS, strict=True))
    chars = " AND ".join(
        f"STRPOS('{ALPHABET}', SUBSTRING({column}, {i + 1}, 1)) > 0" for i in range(LENGTH)
    )
    check = f"SUBSTRING('{ALPHABET}', ((31 - (({weighted}) % 31)) % 31) + 1, 1)"
    return f"(LENGTH({column}) = {LENGTH} AND {chars} AND SUBSTRING({column}, 18, 1) = {check})"
