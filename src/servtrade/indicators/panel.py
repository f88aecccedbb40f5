"""Levels of services trade, published or derived, in one currency.

A level is taken as published where it exists; otherwise it is derived from its parts
(exports plus imports, the twelve EBOPS headings, a grouping's members) only when every
part is there, or converted from the other currency at a rate from the store. Each level
says how it was obtained, because an official report must.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from servtrade.classification import ALL_SERVICES, WORLD, Classifications
from servtrade.fx import RateTable
from servtrade.i18n import N_, Message
from servtrade.periods import Period, parse_period

PUBLISHED = "published"
COMPUTED = "computed"
PUBLISHED_AGGREGATE = "published_aggregate"
CURRENCIES = ("CNY", "USD")
# Which figure to show first when several bases exist for one period.
BASIS_ORDER = (PUBLISHED, COMPUTED, PUBLISHED_AGGREGATE)


@dataclass(frozen=True)
class Level:
    amount: float
    basis: str
    note: Message | None = None  # how it was derived, if it was


@dataclass(frozen=True)
class Cell:
    amount: float | None
    yoy_growth: float | None
    source: str


Key = tuple[str, str, str, str, str, str]


def _number(value: object) -> float | None:
    """A float, or None for the missing values a database returns as NaN or None."""
    if isinstance(value, int | float) and not math.isnan(value):
        return float(value)
    return None  # region, period, flow, category, partner, measure


class Panel:
    """The latest vintage of each observation, indexed for look-ups."""

    def __init__(
        self,
        observations: pd.DataFrame,
        classifications: Classifications,
        rates: RateTable,
        mode: str = "ALL",
    ) -> None:
        self.classifications = classifications
        self.rates = rates
        self.cells: dict[Key, Cell] = {}
        selected = observations[observations["mode"] == mode]
        for row in selected.itertuples(index=False):
            key: Key = (
                str(row.region),
                str(row.period),
                str(row.flow),
                str(row.category),
                str(row.partner),
                str(row.measure),
            )
            self.cells[key] = Cell(_number(row.amount), _number(row.yoy_growth), str(row.source))

    def periods(self, region: str) -> list[Period]:
        return sorted({parse_period(k[1]) for k in self.cells if k[0] == region})

    def partners(self, region: str, period: str, flow: str, category: str) -> list[str]:
        return sorted(
            {
                k[4]
                for k in self.cells
                if k[:4] == (region, period, flow, category) and k[4] != WORLD
            }
        )

    def cell(
        self, region: str, period: str, flow: str, category: str, measure: str, partner: str = WORLD
    ) -> Cell | None:
        return self.cells.get((region, period, flow, category, partner, measure))

    def published_measures(self, region: str, period: str, flow: str, category: str) -> list[str]:
        return [
            m
            for m in CURRENCIES
            if (c := self.cell(region, period, flow, category, m)) and c.amount is not None
        ]

    def level(
        self,
        region: str,
        period: str,
        flow: str,
        category: str,
        currency: str,
        *,
        partner: str = WORLD,
        prefer_components: bool = False,
        convert: bool = True,
    ) -> Level | None:
        """The level in `currency`, or None if it is neither published nor derivable."""
        found = self._level_in(region, period, flow, category, currency, partner, prefer_components)
        if found is not None or not convert:
            return found
        other = "USD" if currency == "CNY" else "CNY"
        original = self._level_in(region, period, flow, category, other, partner, prefer_components)
        if original is None:
            return None
        rate = self.rates.rate(parse_period(period), "USD")
        factor = rate.cny_per_unit if currency == "CNY" else 1 / rate.cny_per_unit
        return Level(
            original.amount * factor,
            COMPUTED,
            Message.of(
                N_("converted from {other} at {rate:.4f} CNY/USD ({source})"),
                other=other,
                rate=rate.cny_per_unit,
                source=rate.source,
            ),
        )

    def _level_in(
        self,
        region: str,
        period: str,
        flow: str,
        category: str,
        measure: str,
        partner: str,
        prefer_components: bool,
    ) -> Level | None:
        """Published, else exports plus imports, else the sum of complete components.

        With `prefer_components` (for shares), complete components come first and a
        published grouping total is labelled as the published aggregate it is.
        """
        members = self._members(category)
        if prefer_components and members:
            summed = self._sum(region, period, flow, members, measure, partner)
            if summed is not None:
                return summed
        aggregate = prefer_components and bool(members) and category != ALL_SERVICES
        cell = self.cell(region, period, flow, category, measure, partner)
        if cell is not None and cell.amount is not None:
            return Level(cell.amount, PUBLISHED_AGGREGATE if aggregate else PUBLISHED)
        if flow == "total":
            parts = [
                self._level_in(region, period, f, category, measure, partner, prefer_components)
                for f in ("export", "import")
            ]
            if all(parts):
                bases = {p.basis for p in parts if p}
                basis = PUBLISHED_AGGREGATE if bases == {PUBLISHED_AGGREGATE} else COMPUTED
                total = sum(p.amount for p in parts if p)
                return Level(total, basis, Message.of(N_("exports + imports")))
        if members and not prefer_components:
            return self._sum(region, period, flow, members, measure, partner)
        return None

    def _members(self, category: str) -> list[str]:
        if category == ALL_SERVICES:
            return self.classifications.main_categories()
        if category in self.classifications.categories:
            return list(self.classifications.members(category))
        return []

    def _sum(
        self,
        region: str,
        period: str,
        flow: str,
        members: list[str],
        measure: str,
        partner: str,
    ) -> Level | None:
        parts = [self._level_in(region, period, flow, m, measure, partner, False) for m in members]
        if not all(parts):
            return None
        total = sum(p.amount for p in parts if p)
        return Level(total, COMPUTED, Message.of(N_("sum of {members}"), members="+".join(members)))
