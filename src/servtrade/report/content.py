"""What a progress report holds, gathered once from the store for every output format.

The HTML, PDF and Excel renderings all read one `ReportContent`, so a number cannot differ
between them. Nothing here is estimated: where the store has no figure the field is empty
and the report says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from servtrade.classification import Classifications
from servtrade.fx import ExchangeRate, MissingRateError
from servtrade.indicators.drivers import GrowthDrivers, latest_drivers
from servtrade.indicators.panel import CONVERTED
from servtrade.indicators.summary import (
    HeadlineRow,
    TrendPoint,
    category_structure,
    headline_summary,
    trade_trend,
)
from servtrade.periods import parse_period
from servtrade.plans import TaskState, task_states
from servtrade.plans.compare import PlaceComparison, compare_places
from servtrade.plans.progress import PlanProgress, track_plan
from servtrade.plans.schema import Plan
from servtrade.plans.trajectory import TargetTrajectory, target_trajectories
from servtrade.store import ObservationQuery, Store

ALL_SERVICES = "S"


@dataclass(frozen=True)
class SourceUse:
    source: str
    observations: int
    latest_vintage: date | None


@dataclass
class ReportContent:
    plan: Plan
    lang: str
    as_of: date | None
    generated: date
    region_name: str
    unit: str
    vintage: date | None
    headline: list[HeadlineRow]
    progress: PlanProgress
    tasks: dict[str, list[TaskState]]
    peers: list[PlaceComparison]
    peer_period: str | None
    trend: list[TrendPoint]
    structure_period: str | None
    structure: list[tuple[str, str, float]]  # code, name, value
    trajectories: list[TargetTrajectory]
    sources: list[SourceUse]
    exchange_rates: list[ExchangeRate]
    groupings: list[tuple[str, str, str]]  # name, members, definition
    category_names: dict[str, str] = field(default_factory=dict)
    # What drove growth: the latest year with knowledge-intensive services in both years.
    drivers: GrowthDrivers | None = None

    @property
    def latest(self) -> HeadlineRow | None:
        return self.headline[-1] if self.headline else None


def _structure(
    by_year: dict[str, dict[str, float]], classifications: Classifications, lang: str
) -> tuple[str | None, list[tuple[str, str, float]]]:
    """The latest year with the most categories, largest first."""
    if not by_year:
        return None, []
    year = max(by_year, key=lambda y: (len(by_year[y]), int(y)))
    rows = sorted(by_year[year].items(), key=lambda item: -item[1])
    return year, [(c, classifications.categories[c].name(lang), v) for c, v in rows]


def _peers(
    store: Store, region: str, classifications: Classifications, as_of: date | None
) -> tuple[str | None, list[PlaceComparison]]:
    """Places of the same kind (provinces with provinces) on total services trade, for the
    latest year the place has, else the latest year any of them has."""
    kind = classifications.regions[region].kind
    places = [c.code for c in classifications.regions if c.kind == kind]
    with_data = store.observations(
        ObservationQuery(regions=places, flows=["total"], categories=[ALL_SERVICES], as_of=as_of)
    )
    annual = with_data[with_data["first_month"].eq(1) & with_data["last_month"].eq(12)]
    if annual.empty:
        return None, []
    own = annual[annual["region"] == region]
    year = int((own if not own.empty else annual)["year"].max())
    regions = sorted(set(annual.loc[annual["year"] == year, "region"]) | {region})
    period = parse_period(str(year))
    return str(year), compare_places(
        store, "value", regions, period, unit="CNY_100M", as_of=as_of, with_targets=False
    )


def _sources(store: Store, region: str, as_of: date | None) -> tuple[list[SourceUse], date | None]:
    frame = store.observations(ObservationQuery(regions=[region], as_of=as_of))
    if frame.empty:
        return [], None
    grouped = frame.groupby("source")["vintage"].agg(["count", "max"]).reset_index()
    uses = [
        SourceUse(str(row["source"]), int(row["count"]), row["max"].date())
        for _, row in grouped.sort_values("max", ascending=False).iterrows()
    ]
    return uses, frame["vintage"].max().date()


def _converted_periods(headline: list[HeadlineRow], progress: PlanProgress) -> list[str]:
    """The periods of the figures the report shows converted between currencies: only
    their rates are listed (a report all in yuan lists none)."""
    notes = [(row.period, value.note) for row in headline for value in row.figures() if value]
    for target in progress.targets:
        for evidence in (target.judged, target.latest, target.baseline):
            if evidence is not None:
                notes.append((evidence.period, evidence.note))
    found = {period for period, note in notes if note is not None and note.template == CONVERTED}
    return sorted(found, key=parse_period)


def _rates(store: Store, years: list[str]) -> list[ExchangeRate]:
    table = store.rate_table()
    rates = []
    for year in years:
        try:
            rates.append(table.rate(parse_period(year), "USD"))
        except MissingRateError:
            continue
    return rates


def build_report(
    store: Store, plan: Plan, lang: str, as_of: date | None = None, today: date | None = None
) -> ReportContent:
    """Everything the report shows, in `lang` where text comes from codelists."""
    classifications = store.classifications()
    progress = track_plan(store, plan, as_of)
    trend, unit = trade_trend(store, plan.region, as_of)
    structure_period, structure = _structure(
        category_structure(store, plan.region, unit, classifications, as_of),
        classifications,
        lang,
    )
    peer_period, peers = _peers(store, plan.region, classifications, as_of)
    sources, vintage = _sources(store, plan.region, as_of)
    tasks: dict[str, list[TaskState]] = defaultdict(list)
    for state in task_states(store, plan):
        tasks[state.task.aspect.text(lang)].append(state)
    headline = headline_summary(store, plan.region, as_of=as_of)
    groupings = [
        (
            g.name(lang),
            " + ".join(f"{m} {classifications.categories[m].name(lang)}" for m in g.members),
            g.note,
        )
        for g in classifications.groupings()
        if g.code in ("knowledge_intensive", "digitally_deliverable")
    ]
    drivers = latest_drivers(
        store, plan.region, "grouping", naming="knowledge_intensive", as_of=as_of
    )
    return ReportContent(
        drivers=drivers,
        plan=plan,
        lang=lang,
        as_of=as_of,
        generated=today or date.today(),
        region_name=classifications.regions[plan.region].name(lang),
        unit=unit,
        vintage=vintage,
        headline=headline,
        progress=progress,
        tasks=dict(tasks),
        peers=peers,
        peer_period=peer_period,
        trend=trend,
        structure_period=structure_period,
        structure=structure,
        trajectories=target_trajectories(store, plan, as_of),
        sources=sources,
        exchange_rates=_rates(store, _converted_periods(headline, progress)),
        groupings=groupings,
        category_names={c.code: c.name(lang) for c in classifications.categories},
    )
