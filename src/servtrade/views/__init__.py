"""What the interfaces show of the core's objects, one pydantic model each: the API's
responses (typed in its OpenAPI document) and the CLI's `--format json` give the same
fields under the same names, from the same code."""

from __future__ import annotations

from pydantic import BaseModel, Field

from servtrade.indicators import IndicatorValue
from servtrade.plans.schema import Plan


class PlanSummary(BaseModel):
    """A plan as a list of plans shows it."""

    id: str
    region: str = Field(description="the region's code")
    title: str = Field(description="in the reader's language where the plan gives it")
    issuer: str
    issued: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD")
    binding: bool = Field(description="a commitment (true) or an expectation stated (false)")
    targets: int = Field(description="number of targets")
    tasks: int = Field(description="number of key tasks")
    source: str = Field(description="the first source's address, else its title")

    @classmethod
    def of(cls, plan: Plan, lang: str) -> PlanSummary:
        first = plan.sources[0]
        return cls(
            id=plan.id,
            region=plan.region,
            title=plan.title.text(lang),
            issuer=plan.issuer.text(lang),
            issued=plan.issued,
            binding=plan.binding,
            targets=len(plan.targets),
            tasks=len(plan.tasks),
            source=first.url or first.title,
        )


class IndicatorView(BaseModel):
    """An indicator's value for one region, period, flow and category."""

    region: str
    period: str
    flow: str
    category: str
    indicator: str
    value: float
    unit: str = Field(description="a unit code: CNY_100M, USD_100M, percent, index ...")
    derivation: str = Field(description="published, computed or aggregated")
    basis: str = Field(description="the statistical basis: mofcom_sts, bop ...")
    qualifier: str = Field(description="exact, or the bound a published figure states")
    decimals: int | None = Field(description="published precision; null when computed")
    note: str = Field(description="how it was derived, in the reader's language; '' if none")

    @classmethod
    def of(cls, value: IndicatorValue) -> IndicatorView:
        return cls(
            region=value.region,
            period=value.period,
            flow=value.flow,
            category=value.category,
            indicator=value.indicator,
            value=value.value,
            unit=value.unit,
            derivation=value.derivation,
            basis=value.basis,
            qualifier=value.qualifier,
            decimals=value.decimals,
            note=str(value.note) if value.note else "",
        )
