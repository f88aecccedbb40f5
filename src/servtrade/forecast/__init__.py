"""Forecasts of services-trade series, with intervals, and the probability of meeting targets.

The annual series of a region is taken from the store (published figures first). A
year-to-date release later than the last full year nowcasts that year: the last full
year times the ratio of the year-to-date figure to the same months a year earlier (or
times its published growth), and the output says so. Only the most recent run of
consecutive years is modelled. Years named as breaks (e.g. 2020) are bridged by log-linear
interpolation for fitting and reported; large jumps are flagged, never silently changed.
Every point forecast is the median of the predictive distribution. Shares are forecast as
shares (their logit) from every year they are known, so they stay within 0-100.

Quarterly and monthly series are forecast the same way with seasonal candidates. Their
values are the published quarters or months, and where those are missing, differences of
year-to-date releases of the same year (January-June minus January-March is the second
quarter), which is how most Chinese figures are published.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

import numpy as np

from servtrade.classification import ALL_SERVICES
from servtrade.forecast.models import (
    BacktestScore,
    FittedForecast,
    ForecastError,
    backtest,
    combination_score,
    fit_forecast,
    fit_share,
    simulate,
)
from servtrade.i18n import N_, Message, gettext, language
from servtrade.indicators import IndicatorRequest, compute_indicators, preferred_by_period
from servtrade.indicators.registry import GROUPING_SHARES
from servtrade.periods import Period, parse_period
from servtrade.store import Store

__all__ = [
    "FREQUENCIES",
    "ForecastError",
    "ForecastPoint",
    "Frequency",
    "PeriodSeries",
    "SeriesForecast",
    "annual_series",
    "backtest_series",
    "fan_chart_data",
    "forecast_series",
    "period_series",
    "year_to_date_series",
]

PATHS = 20_000
SEED = 20261129
# The frequencies a series is forecast at, as the API and the dashboard accept them.
Frequency = Literal["annual", "quarterly", "monthly"]
# Periods a year, by frequency; quarters and months are the kinds of `Period` they use.
FREQUENCIES = {"annual": 1, "quarterly": 4, "monthly": 12}
_KINDS = {"quarterly": "quarter", "monthly": "month"}


@dataclass(frozen=True)
class ForecastPoint:
    """A period's forecast: the median (`point`) and the 80% and 95% central intervals."""

    period: str
    point: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float
    model: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "point": self.point,
            "lo80": self.lo80,
            "hi80": self.hi80,
            "lo95": self.lo95,
            "hi95": self.hi95,
            "model": self.model,
        }


@dataclass
class AnnualSeries:
    years: list[int]
    values: list[float]
    unit: str
    notes: list[Message] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [str(year) for year in self.years]


@dataclass
class PeriodSeries:
    """Consecutive quarters or months."""

    periods: list[str]
    values: list[float]
    unit: str
    notes: list[Message] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return self.periods


@dataclass
class SeriesForecast:
    history: AnnualSeries | PeriodSeries
    points: list[ForecastPoint]
    model: str
    scores: list[BacktestScore]
    notes: list[Message]
    paths: np.ndarray  # simulated levels, paths × horizon


def _level_values(
    store: Store, region: str, flow: str, category: str, unit: str | None, as_of: date | None
) -> dict[str, tuple[float, float | None, str]]:
    """Period → (level, published growth, unit) for levels and their published growth."""
    request = IndicatorRequest(
        region=region,
        indicators=["value", "yoy_growth"],
        flow=flow,
        category=category,
        unit=unit,
        as_of=as_of,
        skip_unconvertible=True,
    )
    values = compute_indicators(store, request)
    levels = preferred_by_period([v for v in values if v.indicator == "value"])
    growth = {
        v.period: v.value
        for v in values
        if v.indicator == "yoy_growth" and v.derivation == "published"
    }
    return {p: (v.value, growth.get(p), v.unit) for p, v in levels.items()}


def _levels_in_one_unit(
    store: Store,
    region: str,
    flow: str,
    category: str,
    unit: str | None,
    as_of: date | None,
    relevant: Callable[[Period], bool],
) -> tuple[dict[str, tuple[float, float | None, str]], str | None]:
    """Levels in `unit`, or, if none is given, in the unit most of the relevant figures are
    published in (ties to the first by name); a figure published only in the other currency
    is converted, as when the unit is given."""
    levels = _level_values(store, region, flow, category, unit, as_of)
    if unit is None:
        units = sorted(v[2] for p, v in levels.items() if relevant(parse_period(p)))
        if units:
            unit = max(units, key=units.count)
            levels = _level_values(store, region, flow, category, unit, as_of)
    return levels, unit


def series_names(store: Store, region: str, flow: str, category: str) -> dict[str, str]:
    """A series' region, flow and category by their names in the reader's language, for a
    title or a message that says which series it is."""
    classifications, lang = store.classifications(), language()
    return {
        kind: codelist.name_of(code, lang)
        for kind, codelist, code in (
            ("region", classifications.regions, region),
            ("flow", classifications.flows, flow),
            ("category", classifications.categories, category),
        )
    }


def annual_series(
    store: Store,
    region: str,
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    as_of: date | None = None,
    breaks: tuple[int, ...] = (),
) -> AnnualSeries:
    """The latest run of consecutive full years, nowcast included, breaks bridged."""
    levels, chosen_unit = _levels_in_one_unit(
        store, region, flow, category, unit, as_of, lambda period: period.kind == "annual"
    )
    annual = {
        parse_period(p).year: v for p, v in levels.items() if parse_period(p).kind == "annual"
    }
    if not annual or chosen_unit is None:
        raise ForecastError(
            gettext(
                "no full-year figures for {region} {flow} {category}",
                **series_names(store, region, flow, category),
            )
        )
    notes: list[Message] = []
    last = max(annual)
    nowcast = _nowcast(levels, annual, last, chosen_unit)
    if nowcast is not None:
        annual[last + 1] = (nowcast[0], None, chosen_unit)
        notes.append(nowcast[1])
    run = _latest_run(set(annual), lambda year: year - 1, YEARS_GAP, notes)
    values = [annual[y][0] for y in run]
    values = _bridge(run, values, breaks, notes)
    _flag_jumps(run, values, breaks, notes)
    return AnnualSeries(run, values, chosen_unit, notes)


Key = TypeVar("Key", int, Period)


NOWCAST = N_(
    "{year} is a nowcast: {last} × {ratio:.4f} from {latest} ({how}), not a full-year figure"
)
YEARS_GAP = N_("years before {first} are not consecutive and are not modelled")
PERIODS_GAP = N_("periods before {first} are not consecutive and are not modelled")


def _latest_run(
    found: set[Key], before: Callable[[Key], Key], gap: str, notes: list[Message]
) -> list[Key]:
    """The latest run of consecutive years or periods; what lies before a gap is noted (with
    the template `gap`) and left out."""
    run = [max(found)]
    while before(run[0]) in found:
        run.insert(0, before(run[0]))
    if len(run) < len(found):
        notes.append(Message.of(gap, first=str(run[0])))
    return run


def year_to_date_series(
    store: Store,
    region: str,
    last_month: int,
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    as_of: date | None = None,
) -> AnnualSeries:
    """January to `last_month` of each year (e.g. every January-June release), the latest
    run of consecutive years: a cumulative series as MOFCOM publishes them."""

    def spans_to(period: Period) -> bool:
        return (period.first_month, period.last_month) == (1, last_month)

    levels, chosen_unit = _levels_in_one_unit(store, region, flow, category, unit, as_of, spans_to)
    periods = {parse_period(label): value for label, value in levels.items()}
    spans = {period.year: value for period, value in periods.items() if spans_to(period)}
    if not spans or chosen_unit is None:
        raise ForecastError(
            gettext(
                "no January-{month:02d} figures for {region} {flow} {category}",
                month=last_month,
                region=region,
                flow=flow,
                category=category,
            )
        )
    notes: list[Message] = []
    run = _latest_run(set(spans), lambda year: year - 1, YEARS_GAP, notes)
    return AnnualSeries(run, [spans[y][0] for y in run], chosen_unit, notes)


def period_series(
    store: Store,
    region: str,
    frequency: str,
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    as_of: date | None = None,
    breaks: tuple[int, ...] = (),
) -> PeriodSeries:
    """The latest run of consecutive quarters or months: published ones, else differences
    of year-to-date releases; a year named as a break is bridged period by period."""
    if frequency not in _KINDS:
        raise ForecastError(
            gettext("frequency must be one of {choices}", choices=", ".join(FREQUENCIES))
        )
    levels, unit = _levels_in_one_unit(
        store, region, flow, category, unit, as_of, lambda period: True
    )
    values, notes = _period_values(levels, frequency)
    if not values:
        raise ForecastError(
            gettext(
                "no {frequency} figures for {region} {flow} {category}",
                frequency=frequency,
                region=region,
                flow=flow,
                category=category,
            )
        )
    run = _latest_run(set(values), lambda period: period.advanced(-1), PERIODS_GAP, notes)
    series = [values[p] for p in run]
    for n, period in enumerate(run):
        if period.year in breaks:
            series[n] = _bridged_period(period, values, notes)
    return PeriodSeries([str(p) for p in run], series, str(unit), notes)


def _period_values(
    levels: dict[str, tuple[float, float | None, str]], frequency: str
) -> tuple[dict[Period, float], list[Message]]:
    """Published quarters or months, completed by differences of year-to-date releases."""
    kind, width = _KINDS[frequency], 12 // FREQUENCIES[frequency]
    values: dict[Period, float] = {}
    to_date: dict[tuple[int, int], float] = {}  # (year, last month) → January to that month
    for label, (value, _growth, _unit) in levels.items():
        period = parse_period(label)
        if period.kind == kind:
            values[period] = value
        if period.first_month == 1:
            to_date[(period.year, period.last_month)] = value
    derived, disagreeing = [], []
    for year, last in sorted(to_date):
        if last % width:
            continue
        period = Period(year, last - width + 1, last, kind == "quarter")
        if period in values:
            continue
        before = 0.0 if period.first_month == 1 else to_date.get((year, period.first_month - 1))
        if before is None:
            continue
        if to_date[(year, last)] > before:
            values[period] = to_date[(year, last)] - before
            derived.append(str(period))
        else:
            disagreeing.append(str(period))
    notes = []
    if derived:
        shown = ", ".join(derived[:3]) + (", ..." if len(derived) > 3 else "")
        template = (
            N_("{count} quarters are differences of year-to-date releases ({shown})")
            if kind == "quarter"
            else N_("{count} months are differences of year-to-date releases ({shown})")
        )
        notes.append(Message.of(template, count=len(derived), shown=shown))
    if disagreeing:
        notes.append(
            Message.of(
                N_("not derived, year-to-date releases do not grow: {periods}"),
                periods=", ".join(disagreeing),
            )
        )
    return values, notes


def _bridged_period(period: Period, values: dict[Period, float], notes: list[Message]) -> float:
    """A period of a break year: the geometric mean of the same period a year either side."""
    earlier, later = values.get(period.shifted(-1)), values.get(period.shifted(1))
    if earlier is not None and later is not None and earlier > 0 and later > 0:
        notes.append(
            Message.of(
                N_(
                    "{period} treated as a break: bridged between {before} and {after} (log-linear)"
                ),
                period=str(period),
                before=period.year - 1,
                after=period.year + 1,
            )
        )
        return math.sqrt(earlier * later)
    notes.append(
        Message.of(
            N_("{period} named as a break but has no neighbours a year either side; kept"),
            period=str(period),
        )
    )
    return values[period]


def _nowcast(
    levels: dict[str, tuple[float, float | None, str]],
    annual: dict[int, tuple[float, float | None, str]],
    last: int,
    unit: str,
) -> tuple[float, Message] | None:
    candidates = [
        parse_period(p)
        for p, v in levels.items()
        if v[2] == unit
        and parse_period(p).year == last + 1
        and parse_period(p).first_month == 1
        and parse_period(p).kind in ("range", "quarter", "month")
    ]
    if not candidates:
        return None
    latest = max(candidates, key=lambda p: p.last_month)
    current = levels[str(latest)]
    earlier = levels.get(str(latest.shifted(-1)))
    base = annual[last][0]
    if earlier is not None and earlier[0] > 0 and earlier[2] == unit:
        ratio = current[0] / earlier[0]
        how = Message.of(N_("ratio to {earlier}"), earlier=str(latest.shifted(-1)))
    elif current[1] is not None:
        ratio = 1 + current[1] / 100
        how = Message.of(N_("its published growth"))
    else:
        return None
    return base * ratio, Message.of(
        NOWCAST,
        year=last + 1,
        last=last,
        ratio=ratio,
        latest=str(latest),
        how=how,
    )


def _bridge(
    years: list[int], values: list[float], breaks: tuple[int, ...], notes: list[Message]
) -> list[float]:
    bridged = list(values)
    for year in breaks:
        if year not in years:
            continue
        i = years.index(year)
        if 0 < i < len(years) - 1 and bridged[i - 1] > 0 and bridged[i + 1] > 0:
            bridged[i] = math.sqrt(bridged[i - 1] * bridged[i + 1])
            notes.append(
                Message.of(
                    N_(
                        "{year} treated as a break: {value:g} replaced by {bridged:g} "
                        "(log-linear between neighbours) for fitting"
                    ),
                    year=year,
                    value=values[i],
                    bridged=bridged[i],
                )
            )
        else:
            notes.append(
                Message.of(
                    N_("{year} named as a break but has no neighbours on both sides; kept"),
                    year=year,
                )
            )
    return bridged


def _flag_jumps(
    years: list[int], values: list[float], breaks: tuple[int, ...], notes: list[Message]
) -> None:
    if len(values) < 4 or min(values) <= 0:
        return
    changes = np.diff(np.log(values))
    median = float(np.median(changes))
    spread = float(np.median(np.abs(changes - median))) or 1e-9
    for year, change in zip(years[1:], changes, strict=True):
        if abs(change - median) > 4 * spread and year not in breaks:
            notes.append(
                Message.of(
                    N_(
                        "{year} changed {change:+.1f}%, far from the usual {usual:+.1f}%: "
                        "a possible break (name it with --break {year})"
                    ),
                    year=year,
                    change=math.expm1(change) * 100,
                    usual=math.expm1(median) * 100,
                )
            )


def _points(periods: list[str], fitted: FittedForecast) -> list[ForecastPoint]:
    """Each period's median and central 80% and 95% intervals, on the original scale."""
    point, lo80, hi80, lo95, hi95 = fitted.bands()
    return [
        ForecastPoint(
            period,
            float(point[h]),
            float(lo80[h]),
            float(hi80[h]),
            float(lo95[h]),
            float(hi95[h]),
            fitted.model,
        )
        for h, period in enumerate(periods)
    ]


def forecast_series(
    store: Store,
    region: str,
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    horizon: int = 5,
    as_of: date | None = None,
    breaks: tuple[int, ...] = (),
    seed: int = SEED,
    frequency: str = "annual",
) -> SeriesForecast:
    """`horizon` years, quarters or months (by `frequency`) past the last observed."""
    history: AnnualSeries | PeriodSeries
    if frequency == "annual":
        history = annual_series(
            store, region, flow=flow, category=category, unit=unit, as_of=as_of, breaks=breaks
        )
        fitted = fit_forecast(np.array(history.values, dtype=float), history.years, horizon)
        ahead = [str(year) for year in fitted.years]
    else:
        history = period_series(
            store,
            region,
            frequency,
            flow=flow,
            category=category,
            unit=unit,
            as_of=as_of,
            breaks=breaks,
        )
        positions = list(range(len(history.values)))
        fitted = fit_forecast(
            np.array(history.values, dtype=float),
            positions,
            horizon,
            season=FREQUENCIES[frequency],
        )
        last = parse_period(history.periods[-1])
        ahead = [str(last.advanced(h)) for h in range(1, horizon + 1)]
    paths = simulate(fitted, PATHS, np.random.default_rng(seed))
    return SeriesForecast(
        history,
        _points(ahead, fitted),
        fitted.model,
        fitted.scores,
        history.notes + fitted.notes,
        paths,
    )


@dataclass
class SeriesBacktest:
    """Rolling-origin one-step scores of every candidate and of the model forecasts use."""

    history: AnnualSeries | PeriodSeries
    scores: list[BacktestScore]
    model: str
    notes: list[Message]


def backtest_series(
    store: Store,
    region: str,
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    as_of: date | None = None,
    breaks: tuple[int, ...] = (),
    frequency: str = "annual",
) -> SeriesBacktest:
    """The candidates' backtest beside that of the annual combination (which forecasts
    use for annual series; quarters and months use the candidate that scores best)."""
    if frequency != "annual":  # the choice's own backtest is the forecast's
        result = forecast_series(
            store,
            region,
            flow=flow,
            category=category,
            unit=unit,
            horizon=1,
            as_of=as_of,
            breaks=breaks,
            frequency=frequency,
        )
        return SeriesBacktest(result.history, result.scores, result.model, result.notes)
    history = annual_series(
        store, region, flow=flow, category=category, unit=unit, as_of=as_of, breaks=breaks
    )
    values = np.array(history.values, dtype=float)
    fitted = fit_forecast(values, history.years, 1)
    scores = backtest(values, bool(np.all(values > 0)))
    combined = combination_score(values)
    return SeriesBacktest(
        history,
        [*scores, *([combined] if combined else [])],
        fitted.model,
        history.notes + fitted.notes,
    )


def share_fit(
    store: Store,
    region: str,
    grouping: str,
    *,
    flow: str = "total",
    unit: str | None = None,
    until: int | None = None,
    horizon: int = 5,
    as_of: date | None = None,
) -> FittedForecast:
    """The share of `grouping` in total services (in %), forecast as a share from every
    full year it is known, `horizon` years past the last, or up to `until`."""
    indicator = next(name for name, code in GROUPING_SHARES.items() if code == grouping)
    request = IndicatorRequest(
        region=region,
        indicators=[indicator],
        flow=flow,
        unit=unit,
        as_of=as_of,
        skip_unconvertible=True,
    )
    shares = {
        parse_period(label).year: value.value
        for label, value in preferred_by_period(compute_indicators(store, request)).items()
        if parse_period(label).kind == "annual"
    }
    if not shares:
        raise ForecastError(
            gettext(
                "no full-year figures for {region} {flow} {category}",
                **series_names(store, region, flow, grouping),
            )
        )
    years = sorted(shares)
    horizon = horizon if until is None else until - years[-1]
    if horizon <= 0:
        raise ForecastError(gettext("{year} is already observed", year=until))
    return fit_share(years, [shares[year] for year in years], horizon)


def share_forecast(
    store: Store,
    region: str,
    grouping: str,
    *,
    flow: str = "total",
    unit: str | None = None,
    until: int | None = None,
    horizon: int = 5,
    as_of: date | None = None,
    seed: int = SEED,
) -> tuple[list[int], np.ndarray, str, list[Message]]:
    """Simulated share paths (in %) of `share_fit`, with its years, model and notes."""
    fitted = share_fit(
        store, region, grouping, flow=flow, unit=unit, until=until, horizon=horizon, as_of=as_of
    )
    paths = simulate(fitted, PATHS, np.random.default_rng(seed))
    return fitted.years, paths, fitted.model, fitted.notes


def share_points(
    store: Store,
    region: str,
    grouping: str,
    *,
    flow: str = "total",
    unit: str | None = None,
    horizon: int = 5,
    as_of: date | None = None,
) -> tuple[list[ForecastPoint], list[Message]]:
    fitted = share_fit(store, region, grouping, flow=flow, unit=unit, horizon=horizon, as_of=as_of)
    return _points([str(year) for year in fitted.years], fitted), fitted.notes


def indicator_forecast(
    store: Store,
    region: str,
    indicator: str,
    *,
    flow: str = "total",
    category: str = ALL_SERVICES,
    unit: str | None = None,
    horizon: int = 5,
    as_of: date | None = None,
    breaks: tuple[int, ...] = (),
    frequency: str = "annual",
) -> tuple[list[ForecastPoint], list[Message], str]:
    """Forecast points, notes and unit for `value` or a grouping share
    (`digitally_deliverable_share`, `knowledge_intensive_share`)."""
    if frequency not in FREQUENCIES:
        raise ForecastError(
            gettext("frequency must be one of {choices}", choices=", ".join(FREQUENCIES))
        )
    if indicator in GROUPING_SHARES and frequency != "annual":
        raise ForecastError(gettext("shares are forecast from annual figures only"))
    if indicator in GROUPING_SHARES:
        points, notes = share_points(
            store,
            region,
            GROUPING_SHARES[indicator],
            flow=flow,
            unit=unit,
            horizon=horizon,
            as_of=as_of,
        )
        return points, notes, "percent"
    if indicator != "value":
        raise ForecastError(
            gettext(
                "indicator must be value or one of {choices}", choices=", ".join(GROUPING_SHARES)
            )
        )
    result = forecast_series(
        store,
        region,
        flow=flow,
        category=category,
        unit=unit,
        horizon=horizon,
        as_of=as_of,
        breaks=breaks,
        frequency=frequency,
    )
    return result.points, result.notes, result.history.unit


def fan_chart_data(forecast: SeriesForecast) -> dict[str, Any]:
    """History and forecast bands, ready for a chart (ECharts, Matplotlib or a table)."""
    return {
        "unit": forecast.history.unit,
        "model": forecast.model,
        "history": [
            {"period": label, "value": v}
            for label, v in zip(forecast.history.labels, forecast.history.values, strict=True)
        ],
        "forecast": [p.as_dict() for p in forecast.points],
        "notes": [str(note) for note in forecast.notes],
    }
