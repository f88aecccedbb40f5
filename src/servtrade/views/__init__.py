"""What the interfaces show of the core's objects, one pydantic model each: the API's
responses (typed in its OpenAPI document) and the CLI's `--format json` give the same
fields under the same names, from the same code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from servtrade.indicators import IndicatorValue
from servtrade.indicators.summary import HeadlineRow
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

    model_config = ConfigDict(from_attributes=True)

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

    @field_validator("note", mode="before")
    @classmethod
    def _read_now(cls, note: object) -> str:
        return str(note) if note else ""  # a Message, read in the reader's language

    @classmethod
    def of(cls, value: IndicatorValue) -> IndicatorView:
        return cls.model_validate(value)


class FigureView(BaseModel):
    """One figure of a headline row."""

    model_config = ConfigDict(from_attributes=True)

    value: float
    unit: str = Field(description="its own unit (percent for growth and shares)")
    derivation: str
    basis: str
    qualifier: str
    decimals: int | None

    @classmethod
    def of(cls, value: IndicatorValue | None) -> FigureView | None:
        if value is None:
            return None
        return cls.model_validate(value)


class HeadlineView(BaseModel):
    """A row of a region's headline table: a full year or a year-to-date range."""

    period: str
    unit: str = Field(description="the unit of the row's levels")
    total: FigureView | None
    exports: FigureView | None
    imports: FigureView | None
    growth: FigureView | None = Field(description="of the total on a year earlier, in %")
    kis_share: FigureView | None = Field(description="knowledge-intensive share, in %")
    dds_share: FigureView | None = Field(description="digitally deliverable share, in %")

    @classmethod
    def of(cls, row: HeadlineRow) -> HeadlineView:
        return cls(
            period=row.period,
            unit=row.unit,
            total=FigureView.of(row.total),
            exports=FigureView.of(row.exports),
            imports=FigureView.of(row.imports),
            growth=FigureView.of(row.growth),
            kis_share=FigureView.of(row.knowledge_intensive_share),
            dds_share=FigureView.of(row.digitally_deliverable_share),
        )
