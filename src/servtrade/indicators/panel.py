"""Levels of services trade on one statistical basis, published or derived, in one currency.

A level is taken as published where it exists; otherwise it is derived from its parts
(exports plus imports, the twelve EBOPS headings, a grouping's members) only when every
part is there, or converted from the other currency at a rate from the store. Each level
says how it was obtained, whether it is exact or a bound, and to what step it was
published, because an official report must. A panel holds one basis only, so nothing it
derives mixes MOFCOM's and SAFE's figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from servtrade.classification import ALL_SERVICES, EXACT, WORLD, Classifications
from servtrade.fx import RateTable
from servtrade.i18n import N_, Message
from servtrade.indicators.qualifiers import INCREASING, combined
from servtrade.periods import Period, parse_period

PUBLISHED = "published"
COMPUTED = "computed"
PUBLISHED_AGGREGATE = "published_aggregate"
CURRENCIES = ("CNY", "USD")
# Which figure to show first when several derivations exist for one period.
DERIVATION_ORDER = (PUBLISHED, COMPUTED, PUBLISHED_AGGREGATE)

# The note of a figure converted between currencies (the report lists the rates used).
CONVERTED = N_("converted from {other} at {rate:.4f} CNY/USD ({source})")


@dataclass(frozen=True)
class Level:
    amount: float
    derivation: str
    note: Message | None = None  # how it was derived, if it was
    qualifier: str = EXACT
    step: float | None = None  # the rounding step it was published to, in base units


@dataclass(frozen=True)
class Cell:
    amount: float | None
    yoy_growth: float | None
    source: str
    qualifier: str = EXACT
    step: float | None = None


def coarsest_step(*parts: Level) -> float | None:
    """The rounding step of a sum or difference of published levels: the coarsest of
    theirs, unknown if any is."""
    steps = [p.step for p in parts]
    return None if None in steps else max(s for s in steps if s is not None)


def _summed(parts: list[Level], derivation: str, note: Message) -> Level:
    return Level(
        sum(p.amount for p in parts),
        derivation,
        note,
        combined(*((p.qualifier, INCREASING) for p in parts)),
        coarsest_step(*parts),
    )


def _step(decimals: object, scale: float) -> float | None:
    """The published rounding step in base units, from decimals in the value's unit."""
    places = _number(decimals)
    return None if places is None else float(10.0 ** -int(places) * scale)


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
        observations: Iterable[Mapping[str, Any]],
        classifications: Classifications,
        rates: RateTable,
        mode: str = "ALL",
    ) -> None:
        self.classifications = classifications
        self.rates = rates
        self.cells: dict[Key, Cell] = {}
        scales = {u.code: classifications.unit(u.code).scale for u in classifications.units}
        for row in observations:
            if row["mode"] != mode:
                continue
            key: Key = (
                str(row["region"]),
                str(row["period"]),
                str(row["flow"]),
                str(row["category"]),
                str(row["partner"]),
                str(row["measure"]),
            )
            self.cells[key] = Cell(
                _number(row["amount"]),
                _number(row["yoy_growth"]),
                str(row["source"]),
                str(row["qualifier"]),
                _step(row["decimals"], scales.get(str(row["unit"]), 1.0)),
            )

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
                CONVERTED,
                other=other,
                rate=rate.cny_per_unit,
                source=rate.source,
            ),
            original.qualifier,
            None if original.step is None else original.step * factor,
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
            return Level(
                cell.amount,
                PUBLISHED_AGGREGATE if aggregate else PUBLISHED,
                qualifier=cell.qualifier,
                step=cell.step,
            )
        if flow == "total":
            found = [
                self._level_in(region, period, f, category, measure, partner, prefer_components)
                for f in ("export", "import")
            ]
            parts = [p for p in found if p is not None]
            if len(parts) == 2:
                derivations = {p.derivation for p in parts}
                derivation = (
                    PUBLISHED_AGGREGATE if derivations == {PUBLISHED_AGGREGATE} else COMPUTED
                )
                return _summed(parts, derivation, Message.of(N_("exports + imports")))
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
        found = [self._level_in(region, period, flow, m, measure, partner, False) for m in members]
        parts = [p for p in found if p is not None]
        if len(parts) < len(found):
            return None
        return _summed(
            parts, COMPUTED, Message.of(N_("sum of {members}"), members="+".join(members))
        )
