"""Reference periods: years, quarters, months and cumulative year-to-date ranges.

MOFCOM publishes year-to-date cumulations ("1-11月"), so a range inside one year is a
first-class period, and its year-on-year comparison is the same range a year earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import total_ordering

from servtrade.i18n import N_
from servtrade.i18n.faults import LocalisedError

_YEAR = re.compile(r"^(\d{4})(?:年)?$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4})-(\d{1,2})/(\d{4})-(\d{1,2})$")
_ZH_MONTH = re.compile(r"^(\d{4})年(\d{1,2})月$")
_ZH_RANGE = re.compile(r"^(\d{4})年(\d{1,2})\s*[-—–至~]\s*(\d{1,2})月$")
_ZH_QUARTER = re.compile(r"^(\d{4})年第?([1-4一二三四])季度$")
_ZH_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


class PeriodError(LocalisedError):
    """A period label that does not parse or describes an impossible span."""


@total_ordering
@dataclass(frozen=True)
class Period:
    """A span of whole months inside one calendar year."""

    year: int
    first_month: int
    last_month: int
    quarterly: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.first_month <= self.last_month <= 12:
            raise PeriodError(
                N_("months {first}..{last} are not a span"),
                first=self.first_month,
                last=self.last_month,
            )
        if not 1900 <= self.year <= 2200:
            raise PeriodError(N_("year {year} is out of range 1900-2200"), year=self.year)

    @property
    def kind(self) -> str:
        if self.first_month == 1 and self.last_month == 12:
            return "annual"
        if self.quarterly:
            return "quarter"
        if self.first_month == self.last_month:
            return "month"
        return "range"

    @property
    def months(self) -> int:
        return self.last_month - self.first_month + 1

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    def __str__(self) -> str:
        kind = self.kind
        if kind == "annual":
            return f"{self.year}"
        if kind == "quarter":
            return f"{self.year}-Q{self.last_month // 3}"
        if kind == "month":
            return f"{self.year}-{self.first_month:02d}"
        return f"{self.year}-{self.first_month:02d}/{self.year}-{self.last_month:02d}"

    def shifted(self, years: int) -> Period:
        """The same span `years` later (negative: earlier)."""
        return Period(self.year + years, self.first_month, self.last_month, self.quarterly)

    def advanced(self, steps: int) -> Period:
        """The year, quarter or month `steps` of its kind later (negative: earlier)."""
        kind = self.kind
        if kind == "annual":
            return self.shifted(steps)
        if kind not in ("quarter", "month"):
            raise PeriodError(N_("{period} is not a year, quarter or month"), period=str(self))
        width = self.months
        index = self.year * 12 + self.first_month - 1 + steps * width
        year, first = divmod(index, 12)
        return Period(year, first + 1, first + width, self.quarterly)

    def same_span(self, other: Period) -> bool:
        return (self.first_month, self.last_month) == (other.first_month, other.last_month)

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.last_month, -self.first_month)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() < other._key()


def parse_period(label: str) -> Period:
    """Parse `2024`, `2024-Q3`, `2024-03`, `2025-01/2025-11`, or the Chinese forms
    `2024年`, `2024年3月`, `2025年1-11月`, `2024年第三季度`."""
    text = label.strip()
    if match := _YEAR.match(text):
        return Period(int(match[1]), 1, 12)
    if match := _QUARTER.match(text):
        quarter = int(match[2])
        return Period(int(match[1]), quarter * 3 - 2, quarter * 3, quarterly=True)
    if match := _ZH_QUARTER.match(text):
        quarter = int(_ZH_DIGITS.get(match[2], match[2]))
        return Period(int(match[1]), quarter * 3 - 2, quarter * 3, quarterly=True)
    if match := _MONTH.match(text) or _ZH_MONTH.match(text):
        return _checked(int(match[1]), int(match[2]), int(match[2]), label)
    if match := _RANGE.match(text):
        if match[1] != match[3]:
            raise PeriodError(
                N_("cumulative period {label!r} must lie inside one year"), label=label
            )
        return _checked(int(match[1]), int(match[2]), int(match[4]), label)
    if match := _ZH_RANGE.match(text):
        return _checked(int(match[1]), int(match[2]), int(match[3]), label)
    raise PeriodError(
        N_("period {label!r} is not one of YYYY, YYYY-Qn, YYYY-MM, YYYY-MM/YYYY-MM"), label=label
    )


def _checked(year: int, first: int, last: int, label: str) -> Period:
    if not (1 <= first <= 12 and 1 <= last <= 12):
        raise PeriodError(N_("period {label!r} has a month outside 1-12"), label=label)
    if first > last:
        raise PeriodError(N_("period {label!r} ends before it starts"), label=label)
    return Period(year, first, last)


def years_between(earlier: Period, later: Period) -> int:
    """Whole years between two periods of the same span (for CAGR)."""
    if not earlier.same_span(later):
        raise PeriodError(
            N_("{earlier} and {later} do not cover the same months of the year"),
            earlier=str(earlier),
            later=str(later),
        )
    return later.year - earlier.year


_SDMX_RANGE = re.compile(r"^(\d{4})-(\d{2})(?:-01)?(?:T00:00:00)?/P(\d+)M$")


def from_sdmx_time(label: str) -> str:
    """An SDMX time period as servtrade's label: SDMX writes a cumulative range as a start
    and a duration (`2025-01-01/P10M`), servtrade as its months (`2025-01/2025-10`)."""
    text = label.strip()
    if match := _SDMX_RANGE.match(text):
        year, first, months = int(match[1]), int(match[2]), int(match[3])
        try:
            return str(_checked(year, first, first + months - 1, label))
        except PeriodError:
            return text  # left as written; validation reports it
    return text


def to_sdmx_time(period: Period) -> str:
    """The SDMX-CSV time period for a servtrade period (the inverse of `from_sdmx_time`)."""
    if period.kind == "range":
        return f"{period.year}-{period.first_month:02d}-01/P{period.months}M"
    return str(period)
