"""Forecasts of a panel of annual series from a file, without a store.

An analyst's own cities or sectors, as `series,year,value` rows with an optional `target`
(a level for the final horizon year): each series is forecast with the calibrated
combination, in one process per core, and its probability of reaching the target is
`p_target`. A bad row is reported with its line, column and reason and its series set
aside; the other series are forecast.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from servtrade.forecast.models import ForecastError, fit_forecast
from servtrade.i18n import N_, Message
from servtrade.ingest.report import RowIssue

REQUIRED = ("series", "year", "value")
OPTIONAL = ("target",)
OUTPUT = ("series", "year", "point", "lo80", "hi80", "lo95", "hi95", "model")
# A number as written in a data file: ASCII digits only (not other scripts' digits).
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
MAX_HORIZON = 60


class PanelError(ValueError):
    """A panel file that cannot be read at all (its issue says where and why)."""

    def __init__(self, issue: RowIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


@dataclass(frozen=True)
class PanelSeries:
    name: str
    years: list[int]
    values: list[float]
    target: float | None


@dataclass(frozen=True)
class PanelForecast:
    series: str
    rows: list[dict[str, object]]  # OUTPUT columns, and p_target where a target was given
    problem: str | None = None  # why the series was not forecast


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    if not NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def read_panel(path: Path) -> tuple[list[PanelSeries], list[RowIssue]]:
    """The panel's series, and the issues of the rows set aside (a series with a bad row
    is set aside whole, since a hole would change its forecast)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PanelError(
            RowIssue.of(name, None, None, N_("cannot read the file: {reason}"), reason=str(error))
        ) from error
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise PanelError(
            RowIssue.of(
                name,
                1,
                None,
                N_("the header must be series,year,value[,target]; found {found}"),
                found=",".join(header),
            )
        )
    points: dict[str, dict[int, float]] = defaultdict(dict)
    targets: dict[str, float] = {}
    issues: list[RowIssue] = []
    bad: set[str] = set()
    for line, row in enumerate(reader, start=2):
        cells = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        series = cells["series"]
        found = _row_issues(name, line, cells, points[series], targets.get(series))
        if found:
            issues += found
            bad.add(series)
            continue
        points[series][int(cells["year"])] = float(_number(cells["value"]) or 0.0)
        if cells.get("target"):
            targets[series] = float(_number(cells["target"]) or 0.0)
    panel = [
        PanelSeries(series, sorted(years), [years[y] for y in sorted(years)], targets.get(series))
        for series, years in points.items()
        if series not in bad and years
    ]
    return panel, issues


def _row_issues(
    name: str, line: int, cells: dict[str, str], seen: dict[int, float], target: float | None
) -> list[RowIssue]:
    issues = []
    if not cells["series"]:
        issues.append(RowIssue.of(name, line, "series", N_("empty series name")))
    year = cells["year"]
    if not re.fullmatch(r"[0-9]{4}", year):
        issues.append(
            RowIssue.of(name, line, "year", N_("year '{value}' is not a year"), value=year)
        )
    elif int(year) in seen:
        issues.append(
            RowIssue.of(
                name,
                line,
                "year",
                N_("year {year} given twice for {series}"),
                year=year,
                series=cells["series"],
            )
        )
    if _number(cells["value"]) is None:
        issues.append(
            RowIssue.of(
                name, line, "value", N_("value '{value}' is not a number"), value=cells["value"]
            )
        )
    given = cells.get("target", "")
    if given:
        value = _number(given)
        if value is None:
            issues.append(
                RowIssue.of(
                    name, line, "target", N_("target '{value}' is not a number"), value=given
                )
            )
        elif target is not None and value != target:
            issues.append(
                RowIssue.of(
                    name,
                    line,
                    "target",
                    N_("a second target {value} for {series}"),
                    value=given,
                    series=cells["series"],
                )
            )
    return issues


def _forecast_one(series: PanelSeries, horizon: int) -> PanelForecast:
    gaps = [b for a, b in zip(series.years, series.years[1:], strict=False) if b != a + 1]
    if gaps:
        reason = Message.of(
            N_("years are not consecutive: {year} does not follow the year before it"),
            year=gaps[0],
        )
        return PanelForecast(series.name, [], str(reason))
    try:
        fitted = fit_forecast(np.array(series.values), series.years, horizon)
    except ForecastError as error:
        return PanelForecast(series.name, [], str(error))
    quantiles = fitted.bands()
    rows: list[dict[str, object]] = []
    for h, year in enumerate(fitted.years):
        row: dict[str, object] = {"series": series.name, "year": year}
        row |= {key: float(q[h]) for key, q in zip(OUTPUT[2:7], quantiles, strict=True)}
        row["model"] = fitted.model
        if series.target is not None:
            row["p_target"] = 1 - fitted.below(horizon, series.target) if h == horizon - 1 else None
        rows.append(row)
    return PanelForecast(series.name, rows)


def forecast_panel(
    panel: list[PanelSeries], horizon: int, workers: int | None = None
) -> list[PanelForecast]:
    """Each series' forecast `horizon` years ahead, in `workers` processes (default: one
    per core), in the panel's order."""
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(panel) < 2 * workers:
        return [_forecast_one(series, horizon) for series in panel]
    chunk = max(1, len(panel) // (4 * workers))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_forecast_one, panel, [horizon] * len(panel), chunksize=chunk))


def panel_columns(forecasts: list[PanelForecast]) -> list[str]:
    """The output columns, with `p_target` where any series has a target."""
    with_target = any("p_target" in row for f in forecasts for row in f.rows)
    return [*OUTPUT, *(["p_target"] if with_target else [])]
