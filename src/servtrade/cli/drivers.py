"""`servtrade drivers`: what drove a region's growth (servtrade.indicators.drivers)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from servtrade.cli.common import (
    BasisOption,
    DbOption,
    basis_option,
    check_format,
    code_option,
    date_option,
    err,
    open_store,
    out,
    period_option,
    usage,
)
from servtrade.i18n import N_, _, format_number, language
from servtrade.indicators.drivers import (
    BREAKDOWNS,
    DriversError,
    component_name,
    growth_drivers,
)
from servtrade.spreadsheet import csv_safe

CONTRIBUTION_FIELDS = (
    ("component", N_("component")),
    ("before", N_("a year before")),
    ("now", N_("now")),
    ("growth", N_("growth %")),
    ("points", N_("contribution (points)")),
    ("share_change", N_("share change (points)")),
)


def register_drivers_commands(app: typer.Typer) -> None:
    app.command()(drivers)


def drivers(
    region: Annotated[str, typer.Option(help="Region code or name.")],
    period: Annotated[str, typer.Option(help="2024, 2024-Q3, 2025-01/2025-06, 2024年 ...")],
    by: Annotated[str, typer.Option(help=", ".join(BREAKDOWNS) + ".")] = "category",
    flow: Annotated[str, typer.Option(help="export, import or total.")] = "total",
    category: Annotated[str, typer.Option(help="The parent category (default S).")] = "S",
    against: Annotated[
        str | None, typer.Option(help="Shift-share against this region (e.g. CN).")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="e.g. CNY_100M, 亿元, USD_100M.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of this date.")] = None,
    basis: BasisOption = None,
    db: DbOption = None,
    format_: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """What drove growth: each component's contribution in percentage points to the growth
    over the same period a year before, the shift in its share, and with --against a
    shift-share split (reference, mix and competitive effects)."""
    check_format(format_, ("table", "json", "csv"))
    if by not in BREAKDOWNS:
        raise usage(_("--by must be one of {choices}", choices=", ".join(BREAKDOWNS)))
    chosen = period_option(period)
    assert chosen is not None
    with open_store(db) as store:
        classifications = store.classifications()
        try:
            found = growth_drivers(
                store,
                code_option(classifications, "region", region),
                chosen,
                by,
                flow=code_option(classifications, "flow", flow),
                category=code_option(classifications, "category", category),
                unit=code_option(classifications, "unit", unit) if unit else None,
                as_of=date_option(as_of),
                basis=basis_option(store, basis),
                against=code_option(classifications, "region", against) if against else None,
            )
        except DriversError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
    if format_ == "json":
        sys.stdout.write(json.dumps(found.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    rows = found.as_dict()["contributions"]
    assert isinstance(rows, list)
    if format_ == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow([name for name, _h in CONTRIBUTION_FIELDS])
        writer.writerows([csv_safe(row[name]) for name, _h in CONTRIBUTION_FIELDS] for row in rows)
        return
    table = Table(
        title=_(
            "{region} {period} over {previous}: {growth}% ({unit}, {basis})",
            region=component_name(found.region, classifications, language()),
            period=found.period,
            previous=found.previous,
            growth=format_number(found.growth, 2),
            unit=classifications.units[found.unit].name(language()),
            basis=classifications.bases[found.basis].name(language()),
        )
    )
    for name, heading in CONTRIBUTION_FIELDS:
        table.add_column(_(heading), justify="left" if name == "component" else "right")
    for row in rows:
        table.add_row(
            component_name(str(row["component"]), classifications, language()),
            *(
                "" if row[name] is None else format_number(float(row[name]), 2)
                for name, _h in CONTRIBUTION_FIELDS[1:]
            ),
        )
    out.print(table)
    if found.published_growth is not None:
        out.print(
            _(
                "growth as published: {growth}% (the contributions are of the computed rate)",
                growth=format_number(found.published_growth, 1),
            )
        )
    if found.shift_share:
        effects = Table(
            title=_(
                "Shift-share against {reference} (growth {growth}%), points",
                reference=component_name(str(found.reference), classifications, language()),
                growth=format_number(found.reference_growth or 0.0, 2),
            )
        )
        for heading in (
            N_("component"),
            N_("reference effect"),
            N_("mix effect"),
            N_("competitive effect"),
        ):
            effects.add_column(_(heading))
        for effect in found.shift_share:
            effects.add_row(
                component_name(effect.component, classifications, language()),
                format_number(effect.reference_effect, 2),
                format_number(effect.mix_effect, 2),
                format_number(effect.competitive_effect, 2),
            )
        out.print(effects)
