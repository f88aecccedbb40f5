"""Exchange rates between CNY and USD, each with its source.

The bundled default is computed from the European Central Bank reference rates shipped
in the `currencyconverter` package: CNY per USD as a cross rate through EUR, averaged
over the days with both rates. It is about 1% away from the PBOC central parity and is
labelled as such; users load the official central-parity averages with
``servtrade fx load``. A conversion whose rate is missing fails; nothing is guessed.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from servtrade.periods import Period, PeriodError, parse_period

ECB_SOURCE = (
    "ECB euro foreign exchange reference rates (package currencyconverter), "
    "CNY/USD cross rate through EUR, arithmetic mean of daily rates; not the PBOC central parity"
)


class MissingRateError(LookupError):
    """No exchange rate covers a period that a conversion needs."""


@dataclass(frozen=True)
class ExchangeRate:
    period: str
    currency: str
    cny_per_unit: float
    source: str


@cache
def ecb_reference_rates() -> tuple[ExchangeRate, ...]:
    """Annual and monthly average CNY per USD from the ECB reference rates."""
    from currency_converter import CurrencyConverter, RateNotFoundError

    converter = CurrencyConverter(fallback_on_missing_rate=False)
    first = max(converter.bounds["CNY"].first_date, converter.bounds["USD"].first_date)
    last = min(converter.bounds["CNY"].last_date, converter.bounds["USD"].last_date)
    by_month: dict[tuple[int, int], list[float]] = defaultdict(list)
    day = first
    while day <= last:
        # Weekends and TARGET holidays have no reference rate.
        with suppress(RateNotFoundError):
            by_month[(day.year, day.month)].append(
                float(converter.convert(1, "USD", "CNY", date=day))
            )
        day += timedelta(days=1)
    rates = [
        ExchangeRate(f"{y}-{m:02d}", "USD", sum(v) / len(v), ECB_SOURCE)
        for (y, m), v in sorted(by_month.items())
    ]
    by_year: dict[int, list[float]] = defaultdict(list)
    for (year, _month), values in by_month.items():
        by_year[year].extend(values)
    complete_years = {y for y in by_year if all((y, m) in by_month for m in range(1, 13))}
    rates.extend(
        ExchangeRate(str(y), "USD", sum(by_year[y]) / len(by_year[y]), ECB_SOURCE)
        for y in sorted(complete_years)
    )
    return tuple(rates)


def read_rates_csv(path: Path) -> list[ExchangeRate]:
    """Read `period,currency,cny_per_unit,source` rows, e.g. official central parities."""
    rates = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        required = {"period", "currency", "cny_per_unit", "source"}
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                period = str(parse_period(row["period"]))
                rate = float(row["cny_per_unit"])
            except (PeriodError, ValueError) as error:
                raise ValueError(f"{path}:{line}: {error}") from error
            if rate <= 0 or not row["source"].strip():
                raise ValueError(f"{path}:{line}: a rate must be positive and carry a source")
            rates.append(ExchangeRate(period, row["currency"].strip().upper(), rate, row["source"]))
    return rates


class RateTable:
    """Look up the rate for any period, building quarters and ranges from months."""

    def __init__(self, rates: Iterable[ExchangeRate]) -> None:
        self._rates: Mapping[tuple[str, str], ExchangeRate] = {
            (r.period, r.currency): r for r in rates
        }

    def rate(self, period: Period, currency: str) -> ExchangeRate:
        exact = self._rates.get((str(period), currency))
        if exact is not None:
            return exact
        months = [
            self._rates.get((f"{period.year}-{m:02d}", currency))
            for m in range(period.first_month, period.last_month + 1)
        ]
        found = [r for r in months if r is not None]
        if len(found) != len(months) or not found:
            raise MissingRateError(
                f"no CNY/{currency} exchange rate for {period}; load one with `servtrade fx load`"
                " or choose periods that have one (--from/--to)"
            )
        sources = sorted({r.source for r in found})
        return ExchangeRate(
            str(period),
            currency,
            sum(r.cny_per_unit for r in found) / len(found),
            "; ".join(sources) + " (mean of monthly averages)",
        )

    def __len__(self) -> int:
        return len(self._rates)
