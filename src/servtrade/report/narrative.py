"""The written summary: sentences filled from the report's numbers, in Chinese or English.

Each sentence keeps the figures it states (`facts`), unrounded, so that a reader (or a
test) can trace every number in the text back to the store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from babel.dates import get_month_names

from servtrade.classification import Classifications, amount_text
from servtrade.i18n import (
    _,
    babel_locale,
    figure_in_words,
    format_number,
    inside_quotes,
    language,
)
from servtrade.indicators import IndicatorValue
from servtrade.indicators.qualifiers import DECREASING, INCREASING, combined
from servtrade.periods import parse_period
from servtrade.plans.progress import TargetProgress
from servtrade.report.content import ReportContent

BEHIND = ("moderate_progress", "limited_progress", "deterioration")


@dataclass(frozen=True)
class Sentence:
    text: str
    facts: dict[str, float] = field(default_factory=dict)


def period_text(label: str) -> str:
    """`2025-01/2025-10` as 'January–October 2025' or '2025年1—10月'."""
    period = parse_period(label)
    months = get_month_names("wide", locale=babel_locale())
    zh = language() == "zh"
    if period.kind == "annual":
        return f"{period.year}年" if zh else str(period.year)
    if period.kind == "quarter":
        quarter = (period.first_month - 1) // 3 + 1
        return f"{period.year}年第{quarter}季度" if zh else f"Q{quarter} {period.year}"
    if period.first_month == period.last_month:
        return (
            f"{period.year}年{period.first_month}月"
            if zh
            else f"{months[period.first_month]} {period.year}"
        )
    if zh:
        return f"{period.year}年{period.first_month}—{period.last_month}月"
    return f"{months[period.first_month]}–{months[period.last_month]} {period.year}"


def _latest_with(content: ReportContent, attribute: str) -> IndicatorValue | None:
    for row in reversed(content.headline):
        value = getattr(row, attribute)
        if value is not None:
            return value  # type: ignore[no-any-return]
    return None


def _trade_sentences(content: ReportContent, classifications: Classifications) -> list[Sentence]:
    latest = content.latest
    if latest is None or latest.total is None:
        return []
    total = latest.total
    values = {
        "period": period_text(latest.period),
        "region": content.region_name,
        "amount": amount_text(total.value, total.unit, classifications, total.qualifier),
    }
    sentences = []
    if latest.growth is None:
        sentences.append(
            Sentence(
                _("In {period}, services trade of {region} reached {amount}.", **values),
                {"total": total.value},
            )
        )
    else:
        growth = latest.growth.value
        message = (
            _(
                "In {period}, services trade of {region} reached {amount}, "
                "up {growth}% year on year."
            )
            if growth >= 0
            else _(
                "In {period}, services trade of {region} reached {amount}, "
                "down {growth}% year on year."
            )
        )
        sentences.append(
            Sentence(
                message.format(growth=format_number(abs(growth), 1), **values),
                {"total": total.value, "growth": growth},
            )
        )
    if latest.exports is not None and latest.imports is not None:
        exports, imports = latest.exports, latest.imports
        balance = exports.value - imports.value
        larger, smaller = (exports, imports) if balance >= 0 else (imports, exports)
        balance_qualifier = combined(
            (larger.qualifier, INCREASING), (smaller.qualifier, DECREASING)
        )
        message = (
            _("Exports were {exports} and imports {imports}, a surplus of {balance}.")
            if balance >= 0
            else _("Exports were {exports} and imports {imports}, a deficit of {balance}.")
        )
        sentences.append(
            Sentence(
                message.format(
                    exports=amount_text(
                        exports.value, exports.unit, classifications, exports.qualifier
                    ),
                    imports=amount_text(
                        imports.value, imports.unit, classifications, imports.qualifier
                    ),
                    balance=amount_text(
                        abs(balance), exports.unit, classifications, balance_qualifier
                    ),
                ),
                {
                    "exports": latest.exports.value,
                    "imports": latest.imports.value,
                    "balance": balance,
                },
            )
        )
    return sentences


def _share_sentences(content: ReportContent) -> list[Sentence]:
    sentences = []
    for attribute, message in (
        (
            "knowledge_intensive_share",
            _("Knowledge-intensive services were {share}% of services trade in {period}."),
        ),
        (
            "digitally_deliverable_share",
            _("Digitally deliverable services were {share}% of services trade in {period}."),
        ),
    ):
        value = _latest_with(content, attribute)
        if value is not None:
            sentences.append(
                Sentence(
                    message.format(
                        share=figure_in_words(format_number(value.value, 1), value.qualifier),
                        period=period_text(value.period),
                    ),
                    {attribute: value.value},
                )
            )
    return sentences


def _driver_sentences(content: ReportContent) -> list[Sentence]:
    """What drove growth, as officials write it: the points knowledge-intensive services
    added to the growth of services trade."""
    drivers = content.drivers
    if drivers is None:
        return []
    (kis,) = [c for c in drivers.contributions if c.component == "knowledge_intensive"]
    return [
        Sentence(
            _(
                "In {period}, knowledge-intensive services contributed {points} percentage "
                "points to the {growth}% growth of services trade."
            ).format(
                period=period_text(drivers.period),
                points=format_number(kis.points, 2),
                growth=format_number(drivers.growth, 2),
            ),
            {"knowledge_intensive_points": kis.points, "growth": drivers.growth},
        )
    ]


def _target_sentences(content: ReportContent, classifications: Classifications) -> list[Sentence]:
    targets = content.progress.targets
    counts = Counter(t.status for t in targets)
    behind = sum(counts[s] for s in BEHIND)
    sentences = [
        Sentence(
            _(
                "Of the plan's {n} targets, {met} already met, {substantial} with substantial "
                "progress, {behind} behind schedule and {unknown} not assessable from the "
                "figures in the store.",
                n=len(targets),
                met=counts["target_achieved"],
                substantial=counts["substantial_progress"],
                behind=behind,
                unknown=counts["not_available"],
            ),
            {
                "targets": len(targets),
                "met": counts["target_achieved"],
                "substantial": counts["substantial_progress"],
                "behind": behind,
                "unknown": counts["not_available"],
            },
        )
    ]
    sentences.extend(
        _probability_sentence(t, classifications) for t in targets if t.probability is not None
    )
    return sentences


def _probability_sentence(progress: TargetProgress, classifications: Classifications) -> Sentence:
    """The target's verdict (status and probability), then its median forecast."""
    target = progress.target
    facts = {"probability": (progress.probability or 0.0) * 100}
    verdict = str(progress.verdict) if progress.verdict is not None else ""
    if progress.expected_value is None or target.target_year is None:
        return Sentence(
            _(
                "Target {target}: {verdict}.",
                target=inside_quotes(target.description.text(language())),
                verdict=verdict,
            ),
            facts,
        )
    facts |= {
        "median": progress.expected_value,
        "lo80": progress.expected_lo80 or 0.0,
        "hi80": progress.expected_hi80 or 0.0,
    }
    return Sentence(
        _(
            "Target {target}: {verdict}; median forecast for {year} {median} (80% interval "
            "{lo80} to {hi80}).",
            target=inside_quotes(target.description.text(language())),
            verdict=verdict,
            year=target.target_year,
            median=amount_text(facts["median"], target.unit, classifications),
            lo80=amount_text(facts["lo80"], target.unit, classifications),
            hi80=amount_text(facts["hi80"], target.unit, classifications),
        ),
        facts,
    )


def written_summary(content: ReportContent, classifications: Classifications) -> list[Sentence]:
    """The report's opening paragraph, from the numbers in `content` only."""
    trade = _trade_sentences(content, classifications)
    if not trade:
        trade = [
            Sentence(
                _(
                    "The store holds no services-trade figures for {region}, so the plan's "
                    "targets cannot be assessed yet; load the region's releases with "
                    "`servtrade ingest`.",
                    region=content.region_name,
                )
            )
        ]
    return (
        trade
        + _share_sentences(content)
        + _driver_sentences(content)
        + _target_sentences(content, classifications)
    )
