"""Progress of a plan's targets against the statistics, with Open SDG's status method.

Method (thresholds are parameters, see `Thresholds`):

- a target already met by the latest full-year figure is ``target_achieved``;
- otherwise R = actual ÷ required, where for a level the actual is the compound annual
  growth from the baseline to the latest year and the required is the compound annual
  growth from the baseline to the target in the target year; for a share the same with
  the change in percentage points per year; for a growth target the actual growth over the
  years observed (or the latest annual growth, before the range starts) against the
  target rate;
- ``substantial_progress`` R ≥ 0.95, ``moderate_progress`` 0.60 ≤ R < 0.95,
  ``limited_progress`` 0 ≤ R < 0.60, ``deterioration`` R < 0; ``not_available`` when the
  data do not allow R.

`probability` is P(target met) from simulated forecast paths (`servtrade.forecast`), with
the median value at the target year (`expected_value`) and its 80% interval; it is left
empty for targets already met or whose series cannot be forecast, and the reason is noted.
`verdict` says status and probability in one sentence (`servtrade.plans.verdict`).

The baseline is the one the plan states, else the first full year with data. A
year-to-date figure later than the latest full year is reported as the latest evidence
and marked as a partial year; growth and status are computed on full years only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from servtrade.i18n import N_, Message
from servtrade.indicators.panel import COMPUTED, PUBLISHED
from servtrade.periods import parse_period
from servtrade.plans.carriers import Carriers, share_carriers
from servtrade.plans.probability import target_probability
from servtrade.plans.schema import COMPARE, UNTRACKED, Plan, Target
from servtrade.plans.series import Evidence, Series, compound_growth, indicator_series
from servtrade.plans.verdict import Pace, Recent, verdict
from servtrade.store import Store


@dataclass(frozen=True)
class Thresholds:
    """Open SDG's progress thresholds on R = actual / required."""

    substantial: float = 0.95
    moderate: float = 0.60
    limited: float = 0.0

    def status(self, ratio: float) -> str:
        if ratio >= self.substantial:
            return "substantial_progress"
        if ratio >= self.moderate:
            return "moderate_progress"
        if ratio >= self.limited:
            return "limited_progress"
        return "deterioration"


@dataclass
class YearCheck:
    year: int
    value: float | None
    met: bool | None


@dataclass
class TargetProgress:
    target: Target
    latest: Evidence | None = None
    latest_is_partial_year: bool = False
    latest_full_year: Evidence | None = None
    previous_full_year: Evidence | None = None  # the full year before, for by-year targets
    # What the target is judged on, latest full year, in the target's own terms: the level
    # or share for a level or share, the year's growth for a growth target.
    judged: Evidence | None = None
    # A year-to-date figure later than the last full year, with its growth on the same
    # months a year earlier: evidence beside the target, never judged as a year.
    year_to_date: Evidence | None = None
    year_to_date_growth: float | None = None
    baseline: Evidence | None = None
    baseline_from: str | None = None
    gap: float | None = None
    required_annual_growth: float | None = None
    actual_annual_growth: float | None = None
    required_change_pp_per_year: float | None = None
    actual_change_pp_per_year: float | None = None
    ratio: float | None = None
    status: str = "not_available"
    probability: float | None = None
    expected_value: float | None = None
    expected_lo80: float | None = None
    expected_hi80: float | None = None
    forecast_model: str | None = None
    years: list[YearCheck] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    verdict: Message | None = None
    # For a share floor: the growth its grouping needs and the categories that carry it.
    carriers: Carriers | None = None

    @property
    def paces(self) -> tuple[float | None, float | None, bool]:
        """The required and actual paces, and whether they are percentage points a year (a
        share) rather than growth in % a year."""
        points = (
            self.required_change_pp_per_year is not None
            or self.actual_change_pp_per_year is not None
        )
        if points:
            return self.required_change_pp_per_year, self.actual_change_pp_per_year, True
        return self.required_annual_growth, self.actual_annual_growth, False

    def as_dict(self) -> dict[str, Any]:
        target = self.target
        return {
            "id": target.id,
            "indicator": target.indicator,
            "flow": target.flow,
            "category": target.category,
            "comparator": target.comparator,
            "target_value": target.value,
            "unit": target.unit,
            "target_year": target.target_year,
            "latest_value": self.latest.value if self.latest else None,
            "latest_period": self.latest.period if self.latest else None,
            "required_annual_growth": self.required_annual_growth,
            "actual_annual_growth": self.actual_annual_growth,
            "status": self.status,
            "probability": self.probability,
            "verdict": None if self.verdict is None else str(self.verdict),
            "carriers": None if self.carriers is None else self.carriers.as_dict(),
            "latest_is_partial_year": self.latest_is_partial_year,
            "latest_full_year": self.latest_full_year.period if self.latest_full_year else None,
            "latest_full_year_value": self.latest_full_year.value
            if self.latest_full_year
            else None,
            "judged_period": self.judged.period if self.judged else None,
            "judged_value": self.judged.value if self.judged else None,
            "year_to_date": None
            if self.year_to_date is None
            else {
                "period": self.year_to_date.period,
                "value": self.year_to_date.value,
                "growth": self.year_to_date_growth,
            },
            "baseline_period": self.baseline.period if self.baseline else None,
            "baseline_value": self.baseline.value if self.baseline else None,
            "baseline_from": self.baseline_from,
            "gap": self.gap,
            "required_change_pp_per_year": self.required_change_pp_per_year,
            "actual_change_pp_per_year": self.actual_change_pp_per_year,
            "progress_ratio": self.ratio,
            "expected_value": self.expected_value,
            "expected_lo80": self.expected_lo80,
            "expected_hi80": self.expected_hi80,
            "forecast_model": self.forecast_model,
            "years": [{"year": y.year, "value": y.value, "met": y.met} for y in self.years],
            "notes": [str(note) for note in self.notes],
        }


@dataclass
class PlanProgress:
    plan: Plan
    as_of: date | None
    targets: list[TargetProgress]

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.id,
            "region": self.plan.region,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "targets": [t.as_dict() for t in self.targets],
        }


def year_to_date_note(progress: TargetProgress, value: str, period: str) -> Message | None:
    """The year-to-date evidence as what it is, with its growth on the same months a year
    earlier; `value` and `period` as the interface writes them (with the unit)."""
    if progress.year_to_date is None:
        return None
    growth_target = progress.target.is_growth
    if growth_target and progress.year_to_date_growth is not None:
        return Message.of(
            N_("year to date {period}: {growth:+.1f}% on the same months a year earlier"),
            period=period,
            growth=progress.year_to_date_growth,
        )
    if growth_target:
        return None
    if progress.year_to_date_growth is None:
        return Message.of(N_("year to date {period}: {value}"), period=period, value=value)
    return Message.of(
        N_("year to date {period}: {value}, {growth:+.1f}% on the same months a year earlier"),
        period=period,
        value=value,
        growth=progress.year_to_date_growth,
    )


def track_plan(
    store: Store,
    plan: Plan,
    as_of: date | None = None,
    thresholds: Thresholds | None = None,
    *,
    with_probability: bool = True,
) -> PlanProgress:
    limits = thresholds or Thresholds()
    return PlanProgress(
        plan,
        as_of,
        [track_target(store, plan, t, as_of, limits, with_probability) for t in plan.targets],
    )


def track_target(
    store: Store,
    plan: Plan,
    target: Target,
    as_of: date | None,
    thresholds: Thresholds,
    with_probability: bool = False,
) -> TargetProgress:
    progress = TargetProgress(target)
    if target.indicator == UNTRACKED:
        progress.notes.append(
            Message.of(N_("not a services-trade statistic that servtrade tracks"))
        )
        return progress
    _track_observed(progress, store, plan, as_of, thresholds)
    why_not = None
    if with_probability and progress.status != "target_achieved":
        chance = target_probability(store, plan, target, as_of)
        progress.probability = chance.probability
        progress.expected_value = chance.expected
        progress.expected_lo80, progress.expected_hi80 = chance.lo80, chance.hi80
        progress.forecast_model = chance.model
        progress.notes.extend(
            Message.of(N_("forecast: {note}"), note=note) for note in chance.notes
        )
        if chance.probability is None and chance.notes:
            why_not = chance.notes[0]
    progress.verdict = verdict(
        progress.status,
        progress.baseline.period if progress.baseline else None,
        target.target_year,
        progress.probability,
        why_not,
        _recent(progress),
        rising=target.comparator in (">=", ">"),
        pace=_pace(progress),
    )
    if progress.status != "target_achieved":
        progress.carriers = share_carriers(store, plan, target, as_of)
        if progress.carriers is not None:
            progress.verdict = Message.of(
                N_("{verdict}; {carriers}"),
                verdict=progress.verdict,
                carriers=progress.carriers.message(),
            )
    return progress


def _pace(progress: TargetProgress) -> Pace | None:
    """For a level or share to reach by a year: the past, forecast and needed paces."""
    target, latest = progress.target, progress.judged
    if target.span is not None or latest is None or progress.expected_value is None:
        return None
    years = target.target_year - parse_period(latest.period).year
    if years <= 0:
        return None
    if target.indicator == "value":
        past, needed = progress.actual_annual_growth, progress.required_annual_growth
        outlook = compound_growth(latest.value, progress.expected_value, years)
        points = False
    else:
        past, needed = progress.actual_change_pp_per_year, progress.required_change_pp_per_year
        outlook = (progress.expected_value - latest.value) / years
        points = True
    if past is None or needed is None or outlook is None:
        return None
    return Pace(past, outlook, needed, points)


def _recent(progress: TargetProgress) -> Recent | None:
    earlier, later = progress.previous_full_year, progress.judged
    if earlier is None or later is None:
        return None
    return Recent(
        parse_period(earlier.period).year,
        earlier.value,
        parse_period(later.period).year,
        later.value,
        progress.target.indicator != "value",
    )


def _track_observed(
    progress: TargetProgress, store: Store, plan: Plan, as_of: date | None, thresholds: Thresholds
) -> None:
    target = progress.target
    series = indicator_series(store, plan.region, target, as_of)
    if target.each_year is not None:
        _track_each_year(progress, series, thresholds)
    elif target.average_over is not None:
        _track_average(progress, store, plan, as_of, thresholds)
    elif target.sum_over is not None:
        _track_sum(progress, series, thresholds)
    else:
        _track_by_year(progress, series, thresholds)


def _set_latest(progress: TargetProgress, series: Series) -> int | None:
    last_year = max(series.annual) if series.annual else None
    if last_year is not None:
        progress.latest_full_year = series.annual[last_year]
        progress.latest = series.annual[last_year]
    if series.partial is not None:
        progress.latest = series.partial
        progress.latest_is_partial_year = True
        progress.year_to_date = series.partial
        progress.year_to_date_growth = series.partial_growth
        progress.notes.append(
            Message.of(
                N_(
                    "latest evidence {period} is a cumulative part of the year, "
                    "not a full year; growth and status use full years"
                ),
                period=series.partial.period,
            )
        )
    if last_year is None:
        progress.notes.append(Message.of(N_("no full-year figure")))
    return last_year


def _baseline(progress: TargetProgress, series: Series, last_year: int) -> tuple[int, float] | None:
    target = progress.target
    if target.baseline is not None:
        period = parse_period(target.baseline.period)
        progress.baseline = Evidence(target.baseline.period, target.baseline.value, PUBLISHED)
        progress.baseline_from = "plan"
        return period.year, target.baseline.value
    earlier = [y for y in series.annual if y < last_year]
    if not earlier:
        return None
    first = min(earlier)
    progress.baseline = series.annual[first]
    progress.baseline_from = "first_available_year"
    return first, series.annual[first].value


def _track_by_year(progress: TargetProgress, series: Series, thresholds: Thresholds) -> None:
    """A level or share to reach by a year, judged on the last full year up to that year."""
    target = progress.target
    if _set_latest(progress, series) is None:
        return
    judged = [y for y in series.annual if y <= target.target_year]
    if not judged:
        progress.notes.append(
            Message.of(N_("no full-year figure up to {year}"), year=target.target_year)
        )
        return
    judged_year = max(judged)
    progress.judged = series.annual[judged_year]
    before = [y for y in series.annual if y < judged_year]
    if before:
        progress.previous_full_year = series.annual[max(before)]
    current = series.annual[judged_year].value
    met = COMPARE[target.comparator](current, target.value)
    progress.gap = target.value - current
    if judged_year == target.target_year:
        progress.latest = series.annual[judged_year]  # the outcome, not later evidence
        progress.latest_is_partial_year = False
        outcome = (
            N_("target year {year} observed: {value:g} (met)")
            if met
            else N_("target year {year} observed: {value:g} (missed)")
        )
        progress.notes = [Message.of(outcome, year=judged_year, value=current)]
    if series.annual[judged_year].note:
        progress.notes.append(
            Message.of(N_("{year}: {note}"), year=judged_year, note=series.annual[judged_year].note)
        )
    if met:
        progress.status = "target_achieved"
    years_left = target.target_year - judged_year
    base = _baseline(progress, series, judged_year)
    if target.indicator != "value":  # a share or ratio: change in percentage points
        if years_left > 0:
            progress.required_change_pp_per_year = (target.value - current) / years_left
        if base is not None and judged_year > base[0]:
            progress.actual_change_pp_per_year = (current - base[1]) / (judged_year - base[0])
            per_year = (target.value - base[1]) / (target.target_year - base[0])
            _classify(progress, progress.actual_change_pp_per_year, per_year, thresholds)
        return
    if years_left > 0:
        progress.required_annual_growth = compound_growth(current, target.value, years_left)
    if base is not None and judged_year > base[0]:
        progress.actual_annual_growth = compound_growth(base[1], current, judged_year - base[0])
        needed = compound_growth(base[1], target.value, target.target_year - base[0])
        _classify(progress, progress.actual_annual_growth, needed, thresholds)


def _classify(
    progress: TargetProgress, actual: float | None, needed: float | None, thresholds: Thresholds
) -> None:
    """Status from R = actual / needed; where no change (or the opposite change) is needed
    (the baseline is on the met side), keeping at or ahead of the needed pace is
    substantial progress and falling behind it, moving away from the target, deterioration
    (as Open SDG's method has it)."""
    if progress.status == "target_achieved" or actual is None or needed is None:
        return
    increasing = progress.target.comparator in (">=", ">")
    if (needed > 0) if increasing else (needed < 0):
        progress.ratio = actual / needed
        progress.status = thresholds.status(progress.ratio)
        return
    ahead = actual >= needed if increasing else actual <= needed
    progress.status = "substantial_progress" if ahead else "deterioration"


def _track_each_year(progress: TargetProgress, series: Series, thresholds: Thresholds) -> None:
    target = progress.target
    span = target.each_year
    assert span is not None
    last_year = _set_latest(progress, series)
    if last_year is None:
        return
    progress.judged = series.annual[last_year]
    compare = COMPARE[target.comparator]
    for year in span.years:
        evidence = series.annual.get(year)
        progress.years.append(
            YearCheck(
                year,
                evidence.value if evidence else None,
                compare(evidence.value, target.value) if evidence else None,
            )
        )
    observed = [y for y in progress.years if y.value is not None]
    progress.required_annual_growth = target.value
    if observed:
        actual = sum(y.value for y in observed if y.value is not None) / len(observed)
        progress.notes.append(
            Message.of(
                N_("{observed} of {years} years observed"),
                observed=len(observed),
                years=len(span.years),
            )
        )
    else:
        actual = series.annual[last_year].value
        progress.notes.append(
            Message.of(
                N_("range not started; latest growth {year} used as evidence"), year=last_year
            )
        )
    progress.actual_annual_growth = actual
    if len(observed) == len(span.years) and all(y.met for y in observed):
        progress.status = "target_achieved"
        return
    _classify(progress, actual, target.value, thresholds)


def _track_average(
    progress: TargetProgress, store: Store, plan: Plan, as_of: date | None, thresholds: Thresholds
) -> None:
    """Average annual growth over a range: compound growth from the year before it."""
    target = progress.target
    span = target.average_over
    assert span is not None
    levels = indicator_series(store, plan.region, target, as_of, indicator="value")
    last_year = _set_latest(progress, levels)
    if last_year is None:
        return
    start_year = span.start - 1
    start = levels.annual.get(start_year)
    latest = levels.annual[last_year]
    before = levels.annual.get(last_year - 1)
    latest_growth = compound_growth(before.value, latest.value, 1) if before else None
    if latest_growth is not None:
        progress.judged = Evidence(latest.period, latest_growth, COMPUTED)
    if start is not None and last_year > start_year:
        observed_end = min(last_year, span.end)
        end_value = levels.annual[observed_end].value
        actual = compound_growth(start.value, end_value, observed_end - start_year)
        progress.actual_annual_growth = actual
        progress.baseline = start
        progress.baseline_from = "year_before_range"
        if observed_end < span.end:
            needed_end = start.value * (1 + target.value / 100) ** (span.end - start_year)
            progress.required_annual_growth = compound_growth(
                end_value, needed_end, span.end - observed_end
            )
        elif actual is not None and COMPARE[target.comparator](actual, target.value):
            progress.status = "target_achieved"
            return
        _classify(progress, actual, target.value, thresholds)
        return
    earlier = levels.annual.get(last_year - 1)
    progress.required_annual_growth = target.value
    if earlier is not None:
        progress.actual_annual_growth = compound_growth(earlier.value, latest.value, 1)
        progress.notes.append(
            Message.of(
                N_("range {start}-{end} not started; growth in {year} used as evidence"),
                start=span.start,
                end=span.end,
                year=last_year,
            )
        )
        _classify(progress, progress.actual_annual_growth, target.value, thresholds)


def _required_growth_for_sum(latest: float, remaining: float, years: list[int]) -> float | None:
    """Constant growth g with Σ latest·(1+g)^k over `years` (k = offsets) = remaining."""
    if not years or latest <= 0:
        return None

    def total(growth: float) -> float:
        return sum(latest * (1 + growth) ** k for k in years)

    low, high = -0.99, 10.0
    if not total(low) <= remaining <= total(high):
        return None
    for _ in range(200):
        middle = (low + high) / 2
        if total(middle) < remaining:
            low = middle
        else:
            high = middle
    return (low + high) / 2 * 100


def _track_sum(progress: TargetProgress, series: Series, thresholds: Thresholds) -> None:
    target = progress.target
    span = target.sum_over
    assert span is not None
    last_year = _set_latest(progress, series)
    if last_year is None:
        return
    progress.judged = series.annual[last_year]
    observed = {y: series.annual[y].value for y in span.years if y in series.annual}
    so_far = sum(observed.values())
    progress.gap = target.value - so_far
    progress.notes.append(
        Message.of(
            N_("sum over {observed} of {years} years: {value:g} {unit}"),
            observed=len(observed),
            years=len(span.years),
            value=so_far,
            unit=target.unit,
        )
    )
    remaining_years = [y - last_year for y in span.years if y > last_year]
    if len(observed) == len(span.years):
        if COMPARE[target.comparator](so_far, target.value):
            progress.status = "target_achieved"
        return
    progress.required_annual_growth = _required_growth_for_sum(
        series.annual[last_year].value, target.value - so_far, remaining_years
    )
    base = _baseline(progress, series, last_year)
    if base is not None:
        progress.actual_annual_growth = compound_growth(
            base[1], series.annual[last_year].value, last_year - base[0]
        )
        _classify(
            progress, progress.actual_annual_growth, progress.required_annual_growth, thresholds
        )
