"""Charts as SVG (vector, text kept as text) drawn with Matplotlib, each with a text
alternative, so the HTML and the PDF carry the same figures and a screen reader can read
them."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from servtrade.classification import Classifications
from servtrade.i18n import _, format_number
from servtrade.indicators.drivers import component_name
from servtrade.plans.trajectory import TargetTrajectory
from servtrade.report.content import ReportContent

# Noto Sans CJK (Debian's fonts-noto-cjk) draws Chinese; DejaVu Sans is Matplotlib's own.
FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "servtrade",
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
}
EXPORT_COLOUR = "#1f6fb4"
IMPORT_COLOUR = "#d9822b"
TOTAL_COLOUR = "#333333"
TARGET_COLOUR = "#b22222"


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    description: str


def _legend_below(axes: Any) -> None:
    """The legend under the plot, clear of the data and of the target line."""
    axes.legend(frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.14))


_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)')


def _svg(figure: Figure, name: str) -> str:
    """The figure as an inline <svg> whose ids start with `name`, so that several charts
    on one page do not share ids (Matplotlib numbers them from 1 in every figure)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{name}-", text[text.index("<svg") :])


def trend_chart(content: ReportContent, unit_name: str) -> Chart | None:
    points = content.trend
    if len(points) < 2:
        return None
    years = [int(p.period) for p in points]
    with rc_context(STYLE):
        figure = Figure(figsize=(7.0, 3.0))
        axes = figure.subplots()
        for label, values, colour in (
            (_("exports"), [p.exports for p in points], EXPORT_COLOUR),
            (_("imports"), [p.imports for p in points], IMPORT_COLOUR),
            (_("total"), [p.total for p in points], TOTAL_COLOUR),
        ):
            pairs = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
            if pairs:
                axes.plot(*zip(*pairs, strict=True), marker="o", ms=3, label=label, color=colour)
        balances = [(y, p.balance) for y, p in zip(years, points, strict=True) if p.balance]
        if balances:
            axes.bar(*zip(*balances, strict=True), color="#9aa5b1", label=_("balance"))
        axes.axhline(0, color="#666666", linewidth=0.5)
        axes.set_ylabel(unit_name)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend_below(axes)
        svg = _svg(figure, "trend")
    last = points[-1]
    description = _(
        "Services trade by year, {first} to {last}, in {unit}; {last}: total {total}.",
        first=points[0].period,
        last=last.period,
        unit=unit_name,
        total="—" if last.total is None else format_number(last.total, 1),
    )
    return Chart(_("Exports, imports and balance"), svg, description)


def structure_chart(content: ReportContent, unit_name: str) -> Chart | None:
    if not content.structure:
        return None
    rows = list(reversed(content.structure))
    with rc_context(STYLE):
        figure = Figure(figsize=(7.0, 0.3 * len(rows) + 0.8))
        axes = figure.subplots()
        axes.barh([f"{code} {name}" for code, name, _v in rows], [v for *_n, v in rows])
        axes.set_xlabel(unit_name)
        svg = _svg(figure, "structure")
    largest = content.structure[0]
    description = _(
        "Total services trade by EBOPS category in {period}; largest: {name}, {value} {unit}.",
        period=content.structure_period,
        name=largest[1],
        value=format_number(largest[2], 1),
        unit=unit_name,
    )
    return Chart(_("Structure by category"), svg, description)


def drivers_chart(content: ReportContent, classifications: Classifications) -> Chart | None:
    """The contributions to growth as a waterfall: each bar starts where the one before
    ended; the last, the growth itself, starts at zero."""
    drivers = content.drivers
    if drivers is None:
        return None
    points = [c.points for c in drivers.contributions]
    names = [
        component_name(c.component, classifications, content.lang) for c in drivers.contributions
    ]
    bottoms, running = [], 0.0
    for value in points:
        bottoms.append(running + min(value, 0.0))
        running += value
    with rc_context(STYLE):
        figure = Figure(figsize=(7.0, 2.6))
        axes = figure.subplots()
        colours = [EXPORT_COLOUR if value >= 0 else IMPORT_COLOUR for value in points]
        axes.bar(names, [abs(v) for v in points], bottom=bottoms, color=colours)
        axes.bar(
            [_("growth")],
            [abs(drivers.growth)],
            bottom=[min(drivers.growth, 0.0)],
            color=TOTAL_COLOUR,
        )
        axes.axhline(0, color=TOTAL_COLOUR, linewidth=0.5)
        axes.set_ylabel(_("percentage points"))
        svg = _svg(figure, "drivers")
    return Chart(_("What drove growth"), svg, drivers.caption(classifications))


def trajectory_chart(
    trajectory: TargetTrajectory, unit_name: str, title: str, classifications: Classifications
) -> Chart:
    """Observed path, forecast fan (mean and 80% band) and the target at its year."""
    target = trajectory.target
    with rc_context(STYLE):
        figure = Figure(figsize=(7.0, 2.8))
        axes = figure.subplots()
        years, values = zip(*trajectory.observed, strict=True)
        axes.plot(years, values, marker="o", ms=3, color=TOTAL_COLOUR, label=_("observed"))
        if trajectory.forecast:
            last_year, last_value = trajectory.observed[-1]
            f_years = [last_year] + [f[0] for f in trajectory.forecast]
            means = [last_value] + [f[1] for f in trajectory.forecast]
            lows = [last_value] + [f[2] for f in trajectory.forecast]
            highs = [last_value] + [f[3] for f in trajectory.forecast]
            axes.fill_between(f_years, lows, highs, color=EXPORT_COLOUR, alpha=0.2, label="80%")
            axes.plot(f_years, means, linestyle="--", color=EXPORT_COLOUR, label=_("forecast"))
        axes.plot(
            [target.target_year],
            [target.value],
            marker="*",
            ms=12,
            linestyle="none",
            color=TARGET_COLOUR,
            label=_("target"),
        )
        axes.axhline(target.value, color=TARGET_COLOUR, linewidth=0.6, linestyle=":")
        axes.set_ylabel(unit_name)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        _legend_below(axes)
        svg = _svg(figure, f"target-{target.id}")
    return Chart(title, svg, trajectory.description(title, classifications))
