"""What a figure computed from bounds and approximations is.

A published figure may be exact, a lower or upper bound (突破, 以上; 不足), approximate
(近, 约, 左右), an estimate or provisional. A figure computed from it inherits that: a
sum of lower bounds is a lower bound, a share whose numerator is a lower bound and
whose denominator is exact is a lower bound, and one whose numerator and denominator are
both lower bounds is bounded neither way, so it is approximate.
"""

from __future__ import annotations

from servtrade.classification import (
    APPROXIMATE,
    ESTIMATE,
    EXACT,
    INEXACT,
    LOWER_BOUND,
    PROVISIONAL,
    UPPER_BOUND,
)

__all__ = [
    "APPROXIMATE",
    "DECREASING",
    "INCREASING",
    "LOWER_BOUND",
    "UPPER_BOUND",
    "combined",
    "unordered",
]

INCREASING = 1
DECREASING = -1


def combined(*parts: tuple[str, int]) -> str:
    """The qualifier of a result that rises (INCREASING) or falls (DECREASING) with each
    part, given each part's qualifier."""
    directions: set[int] = set()
    approximate = False
    for qualifier, sign in parts:
        if qualifier == APPROXIMATE:
            approximate = True
        elif qualifier == LOWER_BOUND:
            directions.add(sign)
        elif qualifier == UPPER_BOUND:
            directions.add(-sign)
    if approximate or len(directions) > 1:
        return APPROXIMATE
    if directions == {INCREASING}:
        return LOWER_BOUND
    if directions == {DECREASING}:
        return UPPER_BOUND
    others = {q for q, _ in parts}
    for weaker in (ESTIMATE, PROVISIONAL):
        if weaker in others:
            return weaker
    return EXACT


def unordered(*qualifiers: str) -> str:
    """The qualifier of a result that is not monotone in its parts (a concentration
    index): any bound or approximation makes it approximate."""
    if any(q in INEXACT for q in qualifiers):
        return APPROXIMATE
    return combined(*((q, INCREASING) for q in qualifiers))
