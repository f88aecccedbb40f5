"""Commands that exchange data with other systems: `export` and `sdmx mappings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from servtrade.cli.common import DbOption, code_option, open_store, out, period_option, usage
from servtrade.i18n import _
from servtrade.store import ObservationQuery

sdmx_app = typer.Typer(no_args_is_help=True, help="SDMX mappings.")
EXPORT_FORMATS = ("sdmx-csv",)


def register_exchange_commands(app: typer.Typer) -> None:
    app.command("export")(export)
    app.add_typer(sdmx_app, name="sdmx")


def export(
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
    format_: Annotated[str, typer.Option("--format", help="sdmx-csv.")] = "sdmx-csv",
    region: Annotated[
        list[str], typer.Option("--region", help="Region code or name (repeat; default all).")
    ] = [],  # noqa: B006 - Typer reads the default, it is never mutated
    from_: Annotated[str | None, typer.Option("--from", help="First period.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last period.")] = None,
    db: DbOption = None,
) -> None:
    """Write stored observations as SDMX-CSV 2.0 (dataflow SERVTRADE:DF_SERVICES_TRADE)."""
    from servtrade.sdmx.export import AGENCY, DATAFLOW, VERSION, write_sdmx_csv

    if format_ not in EXPORT_FORMATS:
        raise usage(_("--format must be one of {choices}", choices=", ".join(EXPORT_FORMATS)))
    with open_store(db) as store:
        classifications = store.classifications()
        codes = [code_option(classifications, "region", label) for label in region]
        frame = store.observations(
            ObservationQuery(
                regions=codes, period_from=period_option(from_), period_to=period_option(to)
            )
        )
    written = write_sdmx_csv(frame, out_file)
    dataflow = f"{AGENCY}:{DATAFLOW}({VERSION})"
    out.print(
        _(
            "wrote {count} observations to {path} (dataflow {dataflow})",
            count=written,
            path=out_file,
            dataflow=dataflow,
        ),
        highlight=False,
    )


@sdmx_app.command("mappings")
def mappings() -> None:
    """The bundled SDMX mappings: which dataflows each reads, and what it was tested on."""
    from servtrade.sdmx.mapping import bundled_mappings

    table = Table(title=_("SDMX mappings"))
    for column in ("id", "dataflows", "tested"):
        table.add_column(column, overflow="fold")
    for mapping in bundled_mappings():
        table.add_row(mapping.id, ", ".join(mapping.dataflows), mapping.tested)
    out.print(table)
