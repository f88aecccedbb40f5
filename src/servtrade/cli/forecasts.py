"""Commands for forecasts: `forecast` and `backtest`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from servtrade.cli.common import (
    DbOption,
    FormatOption,
    check_format,
    code_option,
    date_option,
    err,
    open_store,
    out,
    usage,
)
from servtrade.i18n import N_, _, format_number, language
from servtrade.indicators.registry import INDICATOR_WORDS
from servtrade.ingest import ExitStatus
from servtrade.spreadsheet import csv_safe
from servtrade.store import Store

if TYPE_CHECKING:  # the models are imported when a forecast is asked for
    from servtrade.forecast.panel import PanelForecast

BreakOption = Annotated[
    list[int], typer.Option("--break", help="A year to bridge as a structural break (repeat).")
]
FrequencyOption = Annotated[
    str, typer.Option(help="annual, quarterly or monthly (quarters and months are seasonal).")
]


def register_forecast_commands(app: typer.Typer) -> None:
    app.command("forecast")(forecast)
    app.command("backtest")(backtest_command)


def _codes(
    store: Store, region: str, flow: str, category: str, unit: str | None
) -> tuple[str, str, str, str | None]:
    """Region, flow, category and unit as codes, or a usage error."""
    classifications = store.classifications()
    return (
        code_option(classifications, "region", region),
        code_option(classifications, "flow", flow),
        code_option(classifications, "category", category),
        code_option(classifications, "unit", unit) if unit else None,
    )


def _interval(low: object, high: object) -> str:
    return f"{format_number(float(str(low)), 1)} – {format_number(float(str(high)), 1)}"


def forecast(
    region: Annotated[str | None, typer.Option(help="Region code or name.")] = None,
    input_: Annotated[
        Path | None,
        typer.Option(
            "--input", help="A panel CSV (series,year,value[,target]) to forecast, no store."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Write the panel's forecasts to this file.")
    ] = None,
    indicator: Annotated[
        str, typer.Option(help="value, digitally_deliverable_share or knowledge_intensive_share.")
    ] = "value",
    flow: Annotated[str, typer.Option()] = "total",
    category: Annotated[str, typer.Option()] = "S",
    unit: Annotated[str | None, typer.Option(help="Currency unit, e.g. CNY_100M.")] = None,
    horizon: Annotated[
        int, typer.Option(min=1, max=60, help="Years, quarters or months ahead.")
    ] = 5,
    as_of: Annotated[str | None, typer.Option()] = None,
    breaks: BreakOption = [],  # noqa: B006 - Typer reads the default, it is never mutated
    frequency: FrequencyOption = "annual",
    db: DbOption = None,
    format_: FormatOption = "table",
) -> None:
    """Forecast a series with its median and 80% and 95% intervals; or, with --input, every
    series of a panel file (format csv or json)."""
    if input_ is not None:
        if region is not None:
            raise usage(_("give --region or --input, not both"))
        _forecast_panel_file(input_, horizon, "csv" if format_ == "table" else format_, output)
        return
    if region is None:
        raise usage(_("give --region (a series in the store) or --input (a panel file)"))
    check_format(format_)
    from servtrade.forecast import ForecastError, indicator_forecast, series_names

    with open_store(db) as store:
        code, flow_code, category_code, unit_code = _codes(store, region, flow, category, unit)
        try:
            points, notes, unit_label = indicator_forecast(
                store,
                code,
                indicator,
                flow=flow_code,
                category=category_code,
                unit=unit_code,
                horizon=horizon,
                as_of=date_option(as_of),
                breaks=tuple(breaks),
                frequency=frequency,
            )
        except ForecastError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
        names = series_names(store, code, flow_code, category_code)
        unit_name = store.classifications().units[unit_label].name(language())
    title = _(
        "{region}: {indicator}, {flow}, {category} ({unit})",
        indicator=_(INDICATOR_WORDS.get(indicator, indicator)),
        unit=unit_name,
        **names,
    )
    records = [p.as_dict() for p in points]
    if format_ == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=title)
    for column in (N_("period"), N_("median"), "80%", "95%", N_("model")):
        table.add_column(_(column))
    for record in records:
        table.add_row(
            str(record["period"]),
            format_number(float(record["point"]), 1),
            _interval(record["lo80"], record["hi80"]),
            _interval(record["lo95"], record["hi95"]),
            str(record["model"]),
        )
    out.print(table)
    for note in notes:
        out.print(f"[dim]{note}[/dim]", highlight=False)


def _forecast_panel_file(path: Path, horizon: int, format_: str, output: Path | None) -> None:
    from servtrade.forecast.panel import PanelError, forecast_panel, read_panel

    check_format(format_, ("csv", "json"))
    try:
        panel, issues = read_panel(path)
    except PanelError as error:
        err.print(f"[red]{_('error')}[/red] {escape(str(error))}", highlight=False)
        raise typer.Exit(ExitStatus.REJECTED) from error
    for issue in issues:
        err.print(f"[red]{_('error')}[/red] {escape(str(issue))}", highlight=False)
    forecasts = forecast_panel(panel, horizon)
    for failed in (f for f in forecasts if f.problem is not None):
        err.print(
            f"[yellow]{_('not forecast')}[/yellow] {escape(f'{failed.series}: {failed.problem}')}",
            highlight=False,
        )
    text = _panel_json(forecasts) if format_ == "json" else _panel_csv(forecasts)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    done = sum(1 for f in forecasts if f.problem is None)
    if done == 0:
        raise typer.Exit(ExitStatus.REJECTED)
    if issues or done < len(forecasts):
        raise typer.Exit(ExitStatus.PARTIAL)


def _panel_csv(forecasts: list[PanelForecast]) -> str:
    """The forecasts as CSV, text cells safe to open in a spreadsheet."""
    from servtrade.forecast.panel import panel_columns

    columns = panel_columns(forecasts)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for forecast in forecasts:
        for row in forecast.rows:
            writer.writerow([_panel_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _panel_cell(value: object) -> object:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else csv_safe(value)


def _panel_json(forecasts: list[PanelForecast]) -> str:
    rows = [row for forecast in forecasts for row in forecast.rows]
    problems = {f.series: f.problem for f in forecasts if f.problem is not None}
    document = {"forecasts": rows, "not_forecast": problems}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def backtest_command(
    region: Annotated[str, typer.Option(help="Region code or name.")],
    flow: Annotated[str, typer.Option()] = "total",
    category: Annotated[str, typer.Option()] = "S",
    unit: Annotated[str | None, typer.Option()] = None,
    as_of: Annotated[str | None, typer.Option()] = None,
    breaks: BreakOption = [],  # noqa: B006
    frequency: FrequencyOption = "annual",
    db: DbOption = None,
    format_: FormatOption = "table",
) -> None:
    """Rolling-origin backtest of every candidate model: MASE, sMAPE, 80%/95% coverage."""
    from servtrade.forecast import ForecastError, backtest_series

    check_format(format_)
    with open_store(db) as store:
        code, flow_code, category_code, unit_code = _codes(store, region, flow, category, unit)
        try:
            result = backtest_series(
                store,
                code,
                flow=flow_code,
                category=category_code,
                unit=unit_code,
                as_of=date_option(as_of),
                breaks=tuple(breaks),
                frequency=frequency,
            )
        except ForecastError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
    scores = result.scores
    if format_ == "json":
        sys.stdout.write(
            json.dumps([s.__dict__ | {"chosen": s.model == result.model} for s in scores], indent=2)
            + "\n"
        )
        return
    table = Table(
        title=_(
            "Backtest: {region}, {first}-{last}",
            region=code,
            first=result.history.labels[0],
            last=result.history.labels[-1],
        )
    )
    for column in (
        N_("model"),
        "MASE",
        "sMAPE %",
        _("coverage 80%"),
        _("coverage 95%"),
        N_("windows"),
    ):
        table.add_column(_(column))
    for score in scores:
        mark = " ←" if score.model == result.model else ""
        table.add_row(
            score.model + mark,
            "—" if score.mase is None else format_number(score.mase, 3),
            "—" if score.smape is None else format_number(score.smape, 2),
            "—" if score.coverage80 is None else format_number(score.coverage80 * 100, 0),
            "—" if score.coverage95 is None else format_number(score.coverage95 * 100, 0),
            str(score.windows),
        )
    out.print(table)
    for note in result.notes:
        out.print(f"[dim]{note}[/dim]", highlight=False)
