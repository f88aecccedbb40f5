"""The report as one self-contained HTML page (styles and SVG charts inline), which is also
what WeasyPrint prints to PDF."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from servtrade.classification import Classifications, amount_text
from servtrade.i18n import N_, _, declared_language, format_number, html_language, translate_all
from servtrade.indicators.summary import HeadlineRow, headline_cell
from servtrade.plans.progress import TargetProgress, year_to_date_note
from servtrade.plans.schema import TASK_STATUS_WORDS
from servtrade.plans.verdict import status_words
from servtrade.report.charts import (
    Chart,
    drivers_chart,
    structure_chart,
    trajectory_chart,
    trend_chart,
)
from servtrade.report.content import ReportContent
from servtrade.report.narrative import period_text, written_summary

STATUS_CLASSES = {
    "target_achieved": "good",
    "substantial_progress": "good",
    "moderate_progress": "fair",
    "limited_progress": "poor",
    "deterioration": "bad",
    "not_available": "none",
}
LABELS = {
    "report": N_("Progress report"),
    "region": N_("Region"),
    "issuer": N_("Issued by"),
    "issued": N_("Issued"),
    "data_as_of": N_("Data as of"),
    "latest_vintage": N_("Latest data vintage"),
    "generated": N_("Generated"),
    "plan_sources": N_("Plan sources"),
    "summary": N_("Summary"),
    "headline": N_("Headline figures"),
    "period": N_("Period"),
    "total": N_("Total"),
    "exports": N_("Exports"),
    "imports": N_("Imports"),
    "growth": N_("YoY %"),
    "kis": N_("KIS %"),
    "dds": N_("DDS %"),
    "marks": N_(
        "KIS: knowledge-intensive services; DDS: digitally deliverable services, each as % of "
        "total services trade. Figures as published, to their published precision, unless "
        "marked: * computed from published figures, † from a published aggregate; ≥ a lower "
        "bound, ≤ an upper bound, ≈ approximate."
    ),
    "basis": N_("Statistical basis"),
    "qualified": N_("Bounds and approximations"),
    "targets": N_("Targets"),
    "target": N_("Target"),
    "year": N_("Year"),
    "goal": N_("Goal"),
    "latest": N_("Latest"),
    "gap": N_("Gap"),
    "required": N_("Required / yr"),
    "actual": N_("Actual / yr"),
    "status": N_("Status"),
    "probability": N_("P(met)"),
    "expected": N_("Median forecast (80% interval)"),
    "growth_note": N_(
        "Required and actual: compound growth in % a year; for shares, change in percentage "
        "points a year (pp)."
    ),
    "charts": N_("Charts"),
    "tasks": N_("Key tasks"),
    "no_tasks": N_("The plan document lists no key tasks."),
    "task": N_("Task"),
    "lead": N_("Lead"),
    "due": N_("Due"),
    "peers": N_("Comparison with peer regions"),
    "rank": N_("Rank"),
    "no_peers": N_("No peer region has a total for the same year."),
    "methods": N_("Methods and sources"),
    "groupings": N_("Groupings"),
    "rates": N_("Exchange rates"),
    "rates_note": N_("CNY per US dollar, used wherever a figure is converted between currencies."),
    "status_method": N_("Status method"),
    "status_text": N_(
        "Open SDG progress method: a target met by the latest full-year figure is 'target "
        "achieved'; otherwise R = actual ÷ required annual growth (or change in percentage "
        "points): substantial progress R ≥ 0.95, moderate 0.60 ≤ R < 0.95, limited 0 ≤ R < "
        "0.60, deterioration R < 0. P(met) is the share of 20,000 simulated forecast paths "
        "that meet the target."
    ),
    "data_sources": N_("Data sources"),
    "source": N_("Source"),
    "observations": N_("Observations"),
    "vintage": N_("Vintage"),
    "no_data": N_("No figures for this region are in the store."),
}


def labels() -> dict[str, str]:
    return translate_all(LABELS)


def _percent(value: float | None, points: bool) -> str:
    if value is None:
        return "—"
    return format_number(value, 2) + (" pp" if points else "%")


def _target_row(
    item: TargetProgress, classifications: Classifications, lang: str
) -> dict[str, Any]:
    target = item.target
    required, actual, points = item.paces
    expected = "—"
    if item.expected_value is not None:
        expected = (
            f"{amount_text(item.expected_value, target.unit, classifications)} "
            f"({amount_text(item.expected_lo80 or 0.0, target.unit, classifications)} – "
            f"{amount_text(item.expected_hi80 or 0.0, target.unit, classifications)})"
        )
    latest = "—"
    if item.judged is not None:
        judged = item.judged
        value = target.figure_text(judged.value, classifications, judged.qualifier)
        latest = f"{value} ({period_text(judged.period)})"
    year_to_date = None
    if item.year_to_date is not None:
        year_to_date = year_to_date_note(
            item,
            amount_text(item.year_to_date.value, target.unit, classifications),
            period_text(item.year_to_date.period),
        )
    return {
        "id": target.id,
        "description": target.description.text(lang),
        "year": target.target_year,
        "goal": target.goal_text(classifications),
        "latest": latest,
        "gap": "—" if item.gap is None else amount_text(item.gap, target.unit, classifications),
        "required": _percent(required, points),
        "actual": _percent(actual, points),
        "status": status_words(item.status),
        "status_class": STATUS_CLASSES.get(item.status, "none"),
        "probability": "—"
        if item.probability is None
        else format_number(item.probability * 100, 0) + "%",
        "expected": expected,
        "verdict": "" if item.verdict is None else str(item.verdict),
        "verdict_line": ""
        if item.verdict is None
        else _(
            N_("{target}: {verdict}")
            if year_to_date is None
            else N_("{target}: {verdict} ({also})"),
            target=target.description.text(lang),
            verdict=item.verdict,
            also=year_to_date,
        ),
        "year_to_date": "" if year_to_date is None else str(year_to_date),
        "notes": [str(note) for note in item.notes],
    }


def headline_basis_name(
    rows: list[HeadlineRow], classifications: Classifications, lang: str
) -> str:
    """The name of the one basis a headline table is on ('' for an empty table)."""
    basis = next((row.basis for row in rows if row.basis), "")
    return classifications.bases[basis].name(lang) if basis else ""


def charts(content: ReportContent, classifications: Classifications) -> list[Chart]:
    unit_name = classifications.units[content.unit].name(content.lang)
    found = [
        trend_chart(content, unit_name),
        structure_chart(content, unit_name),
        drivers_chart(content, classifications),
    ]
    for trajectory in content.trajectories:
        target = trajectory.target
        name = classifications.units[target.unit].name(content.lang)
        title = target.description.text(content.lang)
        found.append(trajectory_chart(trajectory, name, title, classifications))
    return [chart for chart in found if chart is not None]


def report_view(content: ReportContent, classifications: Classifications) -> dict[str, Any]:
    """What the template shows, formatted for the report's language."""
    lang = content.lang
    plan = content.plan
    unit_name = classifications.units[content.unit].name(lang)
    return {
        "lang": html_language(lang),
        "label": labels(),
        "title": plan.title.text(lang),
        "title_lang": declared_language(plan.title.written_in(lang), lang),
        "issuer": plan.issuer.text(lang),
        "issued": plan.issued,
        "region": f"{content.region_name} ({plan.region})",
        # Without --as-of the report reads the store as it stands on the day it is made.
        "as_of": (content.as_of or content.generated).isoformat(),
        "vintage": content.vintage.isoformat() if content.vintage else "—",
        "generated": content.generated.isoformat(),
        "plan_sources": plan.sources,
        "summary": [s.text for s in written_summary(content, classifications)],
        "unit_name": unit_name,
        "basis_name": headline_basis_name(content.headline, classifications, lang),
        "headline": [
            {
                "period": period_text(row.period),
                "cells": [headline_cell(value, row.unit) for value in row.figures()],
            }
            for row in content.headline
        ],
        "targets": [_target_row(t, classifications, lang) for t in content.progress.targets],
        "charts": [
            {"title": c.title, "svg": Markup(c.svg), "description": c.description}
            for c in charts(content, classifications)
        ],
        "tasks": {
            aspect: [
                {
                    "id": s.task.id,
                    "title": s.task.title.text(lang),
                    "lead": s.task.lead or "—",
                    "due": s.task.due.isoformat() if s.task.due else "—",
                    "status": _(TASK_STATUS_WORDS[s.status]),
                }
                for s in states
            ]
            for aspect, states in content.tasks.items()
        },
        "peer_period": content.peer_period,
        "peers": [
            {
                "rank": p.rank or "—",
                "region": f"{classifications.regions[p.region].name(lang)} ({p.region})",
                "value": "—"
                if p.value is None
                else amount_text(p.value.value, p.value.unit, classifications),
                "own": p.region == plan.region,
            }
            for p in content.peers
        ],
        "groupings": content.groupings,
        "rates": [
            {"period": r.period, "rate": format_number(r.cny_per_unit, 4), "source": r.source}
            for r in content.exchange_rates
        ],
        "sources": [
            {
                "source": s.source,
                "observations": s.observations,
                "vintage": s.latest_vintage.isoformat() if s.latest_vintage else "—",
            }
            for s in content.sources
        ],
    }


_environment = Environment(
    loader=PackageLoader("servtrade.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(content: ReportContent, classifications: Classifications) -> str:
    template = _environment.get_template("report.html.j2")
    return template.render(**report_view(content, classifications))
