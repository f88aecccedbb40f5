"""The dashboard's charts: each is a small table (downloadable as CSV, shown as the text
alternative) and the Apache ECharts option drawn from that same table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servtrade.classification import Classifications
from servtrade.forecast import ForecastError, forecast_series
from servtrade.i18n import N_, _, format_number, gettext, language
from servtrade.indicators.drivers import component_name, latest_drivers
from servtrade.indicators.registry import INDICATOR_WORDS
from servtrade.indicators.summary import category_structure, level_values, trade_trend
from servtrade.periods import parse_period
from servtrade.plans.compare import PlaceComparison
from servtrade.plans.trajectory import TargetTrajectory
from servtrade.store import ObservationQuery, Store

# The columns of the charts' tables, in words (the codes stay the CSV's headers).
COLUMN_WORDS = {
    "year": N_("year"),
    "period": N_("period"),
    "exports": N_("exports"),
    "imports": N_("imports"),
    "balance": N_("balance"),
    "total": N_("total"),
    "observed": N_("observed"),
    "median": N_("median"),
    "lo80": N_("80% interval, low"),
    "hi80": N_("80% interval, high"),
    "target": N_("target"),
    "rank": N_("rank"),
    "region": N_("region"),
    "name": N_("name"),
    "value": N_("value"),
    "unit": N_("unit"),
    "component": N_("component"),
    "points": N_("percentage points"),
}
COLOURS = ["#1f6fb4", "#d9822b", "#333333", "#9aa5b1", "#2a9d8f", "#b22222", "#6a4c93"]


@dataclass
class ChartData:
    name: str
    title: str
    description: str
    columns: list[str]  # codes, as the CSV and the API give them
    rows: list[list[Any]]
    option: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # column → header, beyond the words

    def as_records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    @property
    def headers(self) -> list[str]:
        """The columns as the page's table heads them, in the reader's language."""
        words = COLUMN_WORDS | INDICATOR_WORDS
        return [
            self.labels.get(c) or (gettext(words[c]) if c in words else c) for c in self.columns
        ]


def _base(title: str, categories: list[Any], unit: str) -> dict[str, Any]:
    return {
        "color": COLOURS,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 60, "right": 20, "top": 64, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "name": unit},
        "aria": {"enabled": True, "label": {"description": title}},
    }


def every_year(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows of annual periods with a blank row for each year missing between the first and
    the last: on the axis 2012 to 2016 is four years, not one, and a line breaks at a
    missing year. Rows of other periods are returned as they are."""
    try:
        years = [int(str(row[0])) for row in rows]
    except ValueError:
        return rows
    if not years or any(len(str(row[0])) != 4 for row in rows):
        return rows
    found = {year: row for year, row in zip(years, rows, strict=True)}
    width = len(rows[0])
    return [
        found.get(year, [type(rows[0][0])(year), *([None] * (width - 1))])
        for year in range(min(years), max(years) + 1)
    ]


def unit_name(store: Store, unit: str) -> str:
    return store.classifications().units[unit].name(language()) if unit else ""


def trend_chart(store: Store, region: str) -> ChartData:
    points, unit = trade_trend(store, region)
    name = unit_name(store, unit)
    rows = [[p.period, p.exports, p.imports, p.balance, p.total] for p in points]
    labels = [_("exports"), _("imports"), _("balance"), _("total")]
    drawn = every_year(rows)
    option = _base(_("Exports, imports and balance"), [r[0] for r in drawn], name)
    option["series"] = [
        {"name": labels[i], "type": "bar" if i == 2 else "line", "data": [r[i + 1] for r in drawn]}
        for i in range(4)
    ]
    last = points[-1] if points else None
    description = (
        _(
            "Services trade by year, {first} to {last}, in {unit}; {last}: total {total}.",
            first=points[0].period,
            last=last.period,
            unit=name,
            total="—" if last.total is None else format_number(last.total, 1),
        )
        if last is not None
        else _("No figures for this region are in the store.")
    )
    return ChartData(
        "trend",
        _("Exports, imports and balance"),
        description,
        ["year", "exports", "imports", "balance", "total"],
        rows,
        option,
    )


def structure_chart(store: Store, region: str) -> ChartData:
    _points, unit = trade_trend(store, region)
    classifications = store.classifications()
    by_year = category_structure(store, region, unit, classifications)
    years = sorted(by_year, key=int)
    codes = [c for c in classifications.main_categories() if any(c in by_year[y] for y in years)]
    rows = [[y, *(by_year[y].get(c) for c in codes)] for y in years]
    option = _base(_("Structure by category"), years, unit_name(store, unit))
    names = {code: f"{code} {classifications.categories[code].name(language())}" for code in codes}
    option["series"] = [
        {
            "name": names[code],
            "type": "bar",
            "stack": "total",
            "data": [row[i + 1] for row in rows],
        }
        for i, code in enumerate(codes)
    ]
    description = _(
        "Services trade by EBOPS category and year; {count} categories published.",
        count=len(codes),
    )
    return ChartData(
        "structure",
        _("Structure by category"),
        description,
        ["year", *codes],
        rows,
        option,
        labels=names,
    )


def shares_chart(store: Store, region: str) -> ChartData:
    series = {
        indicator: {
            p: v.value
            for p, v in level_values(store, region, indicator, "total", "S", None).items()
            if parse_period(p).kind == "annual"
        }
        for indicator in ("knowledge_intensive_share", "digitally_deliverable_share")
    }
    years = sorted({y for values in series.values() for y in values}, key=int)
    rows = [[y, *(series[i].get(y) for i in series)] for y in years]
    labels = [_("KIS %"), _("DDS %")]
    option = _base(_("Shares of services trade"), years, "%")
    option["series"] = [
        {"name": labels[i], "type": "line", "connectNulls": True, "data": [r[i + 1] for r in rows]}
        for i in range(2)
    ]
    description = _(
        "Knowledge-intensive (KIS) and digitally deliverable (DDS) services as % of services "
        "trade, {count} years with a figure.",
        count=len(rows),
    )
    return ChartData(
        "shares",
        _("Shares of services trade"),
        description,
        ["year", "knowledge_intensive_share", "digitally_deliverable_share"],
        rows,
        option,
    )


def partners_chart(store: Store, region: str) -> ChartData:
    frame = store.observations(ObservationQuery(regions=[region], categories=["S"]))
    frame = frame[(frame["partner"] != "W1") & (frame["flow"] == "total")]
    rows: list[list[Any]] = []
    period = ""
    if not frame.empty:
        latest = frame.sort_values(["year", "last_month"]).iloc[-1]
        period = str(latest["period"])
        chosen = frame[frame["period"] == period].sort_values("value", ascending=False)
        rows = [
            [p, v, u]
            for p, v, u in zip(chosen["partner"], chosen["value"], chosen["unit"], strict=True)
        ]
    names = store.classifications().regions
    option = _base(
        _("Partners"), [names[r[0]].name(language()) for r in rows], rows[0][2] if rows else ""
    )
    option["series"] = [{"name": period, "type": "bar", "data": [r[1] for r in rows]}]
    description = _(
        "Services trade with {count} partners in {period}.", count=len(rows), period=period or "—"
    )
    return ChartData(
        "partners", _("Partners"), description, ["partner", "value", "unit"], rows, option
    )


def _fan_series(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """Observed line, 80% band and dashed forecast mean from rows of (period, observed,
    mean, lo80, hi80, ...): the band is a transparent base with its height stacked on it."""
    return [
        {"name": _("observed"), "type": "line", "data": [r[1] for r in rows]},
        {
            "name": "lo80",
            "type": "line",
            "stack": "band",
            "symbol": "none",
            "lineStyle": {"opacity": 0},
            "data": [r[3] for r in rows],
            "tooltip": {"show": False},
        },
        {
            "name": "80%",
            "type": "line",
            "stack": "band",
            "symbol": "none",
            "lineStyle": {"opacity": 0},
            "areaStyle": {"color": "rgba(31,111,180,0.2)"},
            "data": [None if r[3] is None or r[4] is None else r[4] - r[3] for r in rows],
        },
        {
            "name": _("forecast"),
            "type": "line",
            "lineStyle": {"type": "dashed"},
            "data": [r[2] for r in rows],
        },
    ]


# How far the region page looks ahead, by frequency.
OUTLOOK_HORIZONS = {"annual": 5, "quarterly": 8, "monthly": 12}


def outlook_chart(store: Store, region: str, frequency: str = "annual") -> ChartData:
    """Total services trade and its forecast (the median) with the 80% band; no rows where
    the region's series cannot be forecast."""
    title = _("Outlook: total services trade")
    columns = ["period", "observed", "median", "lo80", "hi80"]
    try:
        forecast = forecast_series(
            store, region, frequency=frequency, horizon=OUTLOOK_HORIZONS[frequency]
        )
    except (ForecastError, KeyError):
        return ChartData("outlook", title, "", columns, [])
    history = forecast.history
    rows: list[list[Any]] = [
        [period, value, None, None, None]
        for period, value in zip(history.labels, history.values, strict=True)
    ]
    rows[-1][2:] = [rows[-1][1]] * 3  # the forecast line and band start at the last figure
    rows += [[p.period, None, p.point, p.lo80, p.hi80] for p in forecast.points]
    unit = unit_name(store, history.unit)
    drawn = every_year(rows)
    option = _base(title, [r[0] for r in drawn], unit)
    option["series"] = _fan_series(drawn)
    option["legend"]["data"] = [_("observed"), "80%", _("forecast")]
    last = forecast.points[-1]
    description = _(
        "{title}: {value} {unit} in {period}; forecast for {last} ({model}): median {median}, "
        "80% interval {low} – {high}.",
        title=title,
        value=format_number(history.values[-1], 1),
        unit=unit,
        period=history.labels[-1],
        last=last.period,
        model=forecast.model,
        median=format_number(last.point, 1),
        low=format_number(last.lo80, 1),
        high=format_number(last.hi80, 1),
    )
    return ChartData("outlook", title, description, columns, rows, option)


def fan_chart(
    trajectory: TargetTrajectory, title: str, classifications: Classifications
) -> ChartData:
    """Observed path, forecast mean with its 80% band, and the target."""
    target = trajectory.target
    known = {y for y, _v in trajectory.observed} | {f[0] for f in trajectory.forecast}
    known |= {target.target_year or 0} - {0}
    years = list(range(min(known), max(known) + 1))  # every year, so that gaps show
    observed = dict(trajectory.observed)
    forecast = {f[0]: f for f in trajectory.forecast}
    rows = [
        [
            year,
            observed.get(year),
            forecast[year][1] if year in forecast else None,
            forecast[year][2] if year in forecast else None,
            forecast[year][3] if year in forecast else None,
            target.value if year == target.target_year else None,
        ]
        for year in years
    ]
    option = _base(title, years, classifications.units[target.unit].name(language()))
    option["series"] = [
        *_fan_series(rows),
        {
            "name": _("target"),
            "type": "scatter",
            "symbol": "diamond",
            "symbolSize": 14,
            "data": [r[5] for r in rows],
            "markLine": {"silent": True, "symbol": "none", "data": [{"yAxis": target.value}]},
        },
    ]
    option["legend"]["data"] = [_("observed"), "80%", _("forecast"), _("target")]
    description = trajectory.description(title, classifications)
    return ChartData(
        f"fan-{target.id}",
        title,
        description,
        ["year", "observed", "median", "lo80", "hi80", "target"],
        rows,
        option,
    )


def compare_chart(
    rows: list[PlaceComparison], store: Store, indicator: str, period: str
) -> ChartData:
    names = store.classifications().regions
    table = [
        [
            r.rank,
            r.region,
            names[r.region].name(language()),
            None if r.value is None else r.value.value,
            None if r.value is None else unit_name(store, r.value.unit),
        ]
        for r in rows
    ]
    ranked = [row for row in table if row[3] is not None]
    named = gettext(INDICATOR_WORDS.get(indicator, indicator))
    option = _base(
        _("Places ranked"),
        [row[2] for row in ranked],
        str(ranked[0][4]) if ranked else "",
    )
    option["series"] = [
        {"name": f"{named} {period}", "type": "bar", "data": [row[3] for row in ranked]}
    ]
    description = _(
        "{count} places with a figure for {indicator} in {period}.",
        count=len(ranked),
        indicator=named,
        period=period,
    )
    return ChartData(
        "compare",
        _("Places ranked"),
        description,
        ["rank", "region", "name", "value", "unit"],
        table,
        option,
    )


def drivers_chart(store: Store, region: str) -> ChartData:
    """The latest year's contributions to growth by main category, as a waterfall: each
    bar starts where the one before ended, the last is the growth itself."""
    found = latest_drivers(store, region)
    if found is None:
        return ChartData("drivers", _("What drove growth"), "", ["component", "points"], [])
    classifications = store.classifications()
    labels = [component_name(c.component, classifications, language()) for c in found.contributions]
    rows: list[list[Any]] = [
        [c.component, label, c.points] for c, label in zip(found.contributions, labels, strict=True)
    ]
    rows.append(["total", _("growth"), found.growth])
    bases, rises, falls, running = [], [], [], 0.0
    for _code, _label, points in rows[:-1]:
        bases.append(running + min(points, 0.0))
        rises.append(points if points >= 0 else None)
        falls.append(-points if points < 0 else None)
        running += points
    option = _base(_("What drove growth"), [row[1] for row in rows], _("percentage points"))
    option["tooltip"] = {"trigger": "item"}
    option["series"] = [
        {
            "name": "base",
            "type": "bar",
            "stack": "waterfall",
            "silent": True,
            "itemStyle": {"color": "transparent"},
            "data": [*bases, 0.0],
        },
        {"name": _("adds"), "type": "bar", "stack": "waterfall", "data": [*rises, None]},
        {"name": _("subtracts"), "type": "bar", "stack": "waterfall", "data": [*falls, None]},
        {
            "name": _("growth"),
            "type": "bar",
            "stack": "waterfall",
            "data": [*([None] * len(bases)), found.growth],
        },
    ]
    option["legend"]["data"] = [_("adds"), _("subtracts"), _("growth")]
    description = found.caption(classifications)
    return ChartData(
        "drivers",
        _("What drove growth"),
        description,
        ["component", "name", "points"],
        rows,
        option,
    )
