"""The plan document: a place's development plan with its numeric targets and key tasks.

A plan is written in YAML and validated by these pydantic models; the JSON Schema that
other systems can use is generated from them (`servtrade plans schema`). Codes are checked
against the classifications passed as validation context, and normalised to their codes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from servtrade.classification import Classifications, amount_text
from servtrade.i18n import N_, figure_in_words, format_number
from servtrade.i18n.faults import LocalisedError
from servtrade.indicators.registry import indicators_where
from servtrade.periods import parse_period

Comparator = Literal[">=", ">", "<=", "<", "="]
UNKNOWN_CODES = {
    "flow": N_("unknown flow {value!r}"),
    "category": N_("unknown category {value!r}"),
    "unit": N_("unknown unit {value!r}"),
}
DUPLICATE_IDS = {
    "target": N_("duplicate target id(s): {ids}"),
    "task": N_("duplicate task id(s): {ids}"),
}
# How each comparator judges a value against a target (works on floats and arrays).
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
# How a comparator is written in prose and tables, in either language.
COMPARATOR_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}
TaskStatus = Literal["not_started", "in_progress", "done", "blocked"]
# Pilot platforms a place can hold, and a task can aim at (servtrade.opening).
PlatformKind = Literal[
    "free_trade_pilot_zone",
    "hainan_free_trade_port",
    "services_trade_innovation_demonstration_zone",
    "service_outsourcing_demonstration_city",
    "services_opening_comprehensive_pilot",
]
# One name per kind of pilot platform, in words (the codes are for machines).
PLATFORM_WORDS = {
    "free_trade_pilot_zone": N_("pilot free trade zone"),
    "hainan_free_trade_port": N_("Hainan Free Trade Port"),
    "services_trade_innovation_demonstration_zone": N_(
        "services trade innovation and development demonstration zone"
    ),
    "service_outsourcing_demonstration_city": N_("service outsourcing demonstration city"),
    "services_opening_comprehensive_pilot": N_("comprehensive pilot for opening up services"),
}
TASK_STATUSES: tuple[TaskStatus, ...] = ("not_started", "in_progress", "done", "blocked")
# One term per task status, in words (the codes are for machines).
TASK_STATUS_WORDS = {
    "not_started": N_("not started"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "blocked": N_("blocked"),
}
# What a target may be set on, from the indicators' declarations: levels in a currency,
# rates and shares in percent; an untracked target is stated and shown, never judged.
LEVEL_INDICATORS = indicators_where(target=True, measure="currency")
PERCENT_INDICATORS = indicators_where(target=True, measure="percent")
UNTRACKED = "untracked"
INDICATORS = (*LEVEL_INDICATORS, *PERCENT_INDICATORS, UNTRACKED)
GROWTH_INDICATORS = indicators_where(target=True, growth=True)
_ID = r"^[a-z0-9][a-z0-9_.-]*$"
_ISSUED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _classifications(info: ValidationInfo) -> Classifications | None:
    context = info.context or {}
    found = context.get("classifications")
    return found if isinstance(found, Classifications) else None


class _Strict(BaseModel):
    # Only finite numbers: a target of -inf would read as met, NaN as neither.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Bilingual(_Strict):
    """Text in Chinese and English; one may be missing where the source gives only one."""

    zh: str | None = Field(default=None, min_length=1)
    en: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _some_text(self) -> Bilingual:
        if self.zh is None and self.en is None:
            raise LocalisedError(N_("give the text in zh, en or both"))
        return self

    def text(self, lang: str) -> str:
        first, second = (self.zh, self.en) if lang.startswith("zh") else (self.en, self.zh)
        return first or second or ""

    def written_in(self, lang: str) -> str:
        """The language `text(lang)` is in: the other one where the source gives only it."""
        if lang.startswith("zh"):
            return "zh" if self.zh else "en"
        return "en" if self.en else "zh"


class Source(_Strict):
    title: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None


class YearRange(_Strict):
    start: int = Field(ge=1900, le=2200)
    end: int = Field(ge=1900, le=2200)

    @model_validator(mode="after")
    def _ordered(self) -> YearRange:
        if self.end < self.start:
            raise LocalisedError(
                N_("range ends ({end}) before it starts ({start})"), end=self.end, start=self.start
            )
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))


class Baseline(_Strict):
    """A baseline the plan itself states (period and value, in the target's unit)."""

    period: str
    value: float
    note: str | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        return str(parse_period(value))  # a PeriodError reads in the reader's words


class Target(_Strict):
    id: str = Field(pattern=_ID)
    description: Bilingual
    indicator: str
    flow: str = "total"
    category: str = "S"
    comparator: Comparator
    value: float
    unit: str
    year: int | None = Field(default=None, ge=1900, le=2200)
    each_year: YearRange | None = None
    average_over: YearRange | None = None
    sum_over: YearRange | None = None
    baseline: Baseline | None = None
    note: str | None = None

    @field_validator("indicator")
    @classmethod
    def _indicator(cls, value: str) -> str:
        if value not in INDICATORS:
            raise LocalisedError(
                N_("unknown indicator {value!r}; expected one of {indicators}"),
                value=value,
                indicators=", ".join(INDICATORS),
            )
        return value

    @field_validator("flow", "category", "unit")
    @classmethod
    def _code(cls, value: str, info: ValidationInfo) -> str:
        classifications = _classifications(info)
        if classifications is None:
            return value
        codelist = {
            "flow": classifications.flows,
            "category": classifications.categories,
            "unit": classifications.units,
        }[str(info.field_name)]
        code = codelist.resolve(value)
        if code is None:
            raise LocalisedError(UNKNOWN_CODES[str(info.field_name)], value=value)
        return code

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> Target:
        horizons = [
            name
            for name in ("year", "each_year", "average_over", "sum_over")
            if getattr(self, name) is not None
        ]
        if len(horizons) != 1:
            raise LocalisedError(
                N_("give exactly one of year, each_year, average_over, sum_over (found {found})"),
                found=", ".join(horizons) or "—",
            )
        if self.comparator == "=" and self.indicator != UNTRACKED:
            raise LocalisedError(
                N_("comparator '=' is only for untracked targets; use >=, >, <= or <")
            )
        if (self.each_year or self.average_over) and self.indicator not in GROWTH_INDICATORS:
            raise LocalisedError(
                N_("each_year and average_over apply to yoy_growth or cagr targets")
            )
        if self.sum_over and self.indicator not in LEVEL_INDICATORS:
            raise LocalisedError(N_("sum_over applies to value targets"))
        self._check_unit(info)
        if self.baseline is not None:
            baseline_year = parse_period(self.baseline.period).year
            if baseline_year >= self.first_year:
                raise LocalisedError(
                    N_("target year {year} is not after the baseline {baseline}"),
                    year=self.first_year,
                    baseline=self.baseline.period,
                )
        return self

    def _check_unit(self, info: ValidationInfo) -> None:
        classifications = _classifications(info)
        if classifications is None or self.unit not in classifications.units:
            return
        measure = classifications.unit(self.unit).measure
        if self.indicator in LEVEL_INDICATORS and measure == "percent":
            raise LocalisedError(
                N_("unit {unit} does not fit {indicator}: give a currency unit"),
                unit=self.unit,
                indicator=self.indicator,
            )
        if self.indicator in PERCENT_INDICATORS and measure != "percent":
            raise LocalisedError(
                N_("unit {unit} does not fit {indicator}: give percent"),
                unit=self.unit,
                indicator=self.indicator,
            )

    @property
    def is_growth(self) -> bool:
        """Set in growth a year (its figures are rates in %), not in a level or share."""
        return self.indicator in GROWTH_INDICATORS

    def figure_text(
        self, value: float, classifications: Classifications, qualifier: str = "exact"
    ) -> str:
        """A figure of what the target is judged on, in its unit as words: 9.6 billion
        yuan, 31.3%, a growth rate as n%; a bound or approximation says so."""
        if self.is_growth:
            return figure_in_words(format_number(value, 1) + "%", qualifier)
        return amount_text(value, self.unit, classifications, qualifier)

    def goal_text(self, classifications: Classifications) -> str:
        """The target as a reader sees it: ≥ 12.0 billion yuan, ≥ 45.0%."""
        shown = amount_text(self.value, self.unit, classifications)
        return f"{COMPARATOR_SIGNS[self.comparator]} {shown}"

    @property
    def span(self) -> YearRange | None:
        """The range of an each_year, average_over or sum_over target (None for `year`)."""
        return self.each_year or self.average_over or self.sum_over

    @property
    def first_year(self) -> int:
        if self.year is not None:
            return self.year
        assert self.span is not None
        return self.span.start

    @property
    def target_year(self) -> int:
        """The year by which the target is to be met (the end of a range)."""
        if self.year is not None:
            return self.year
        assert self.span is not None
        return self.span.end


class Task(_Strict):
    id: str = Field(pattern=_ID)
    aspect: Bilingual
    title: Bilingual
    lead: str | None = None
    due: date | None = None
    status: TaskStatus = "not_started"
    evidence: list[str] = Field(default_factory=list)
    platform: PlatformKind | None = Field(
        default=None, description="The pilot platform the task applies for or builds."
    )


class Plan(_Strict):
    id: str = Field(pattern=_ID)
    title: Bilingual
    region: str
    issuer: Bilingual
    issued: str
    issued_note: str | None = None
    binding: bool = True
    sources: list[Source] = Field(min_length=1)
    period: YearRange | None = None
    targets: list[Target] = Field(min_length=1)
    tasks: list[Task] = Field(default_factory=list)
    note: str | None = None

    @field_validator("issued")
    @classmethod
    def _issued(cls, value: str) -> str:
        if not _ISSUED.match(value):
            raise LocalisedError(
                N_("issued {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"), value=value
            )
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str, info: ValidationInfo) -> str:
        classifications = _classifications(info)
        if classifications is None:
            return value
        code = classifications.regions.resolve(value)
        if code is None:
            raise LocalisedError(N_("unknown region {value!r}"), value=value)
        return code

    @model_validator(mode="after")
    def _unique_ids(self) -> Plan:
        for kind, ids in (
            ("target", [t.id for t in self.targets]),
            ("task", [t.id for t in self.tasks]),
        ):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                raise LocalisedError(DUPLICATE_IDS[kind], ids=", ".join(repeated))
        return self

    def target(self, target_id: str) -> Target:
        for target in self.targets:
            if target.id == target_id:
                return target
        raise KeyError(target_id)
