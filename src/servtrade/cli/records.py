"""Commands for enterprise records: `records load|aggregate|errors` and `synth records`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from servtrade.cli.common import DbOption, err, open_store, out
from servtrade.data import bundled_file
from servtrade.i18n import _
from servtrade.records import DEFAULT_MIN_REPORTERS
from servtrade.records.load import aggregate_records, load_records, quarantine
from servtrade.records.synthetic import national_category_mix, write_synthetic_records

records_app = typer.Typer(no_args_is_help=True, help="Enterprise-level reported transactions.")
synth_app = typer.Typer(no_args_is_help=True, help="SYNTHETIC data for scale tests.")


def register_records_commands(app: typer.Typer) -> None:
    app.add_typer(records_app, name="records")
    app.add_typer(synth_app, name="synth")


@records_app.command("load")
def load(files: list[Path], db: DbOption = None) -> None:
    """Validate Parquet files of records and store the good rows (bad rows quarantined)."""
    failed = False
    with open_store(db) as store:
        for file in files:
            try:
                report = load_records(store, file)
            except ValueError as error:
                err.print(f"[red]{error}[/red]")
                failed = True
                continue
            out.print(
                _(
                    "{file}: rows read {read}, loaded {loaded}, already stored {stored}, "
                    "rejected {rejected}",
                    file=file,
                    read=report.rows_read,
                    loaded=report.rows_loaded,
                    stored=report.rows_already_stored,
                    rejected=report.rows_rejected,
                ),
                highlight=False,
            )
    raise typer.Exit(1 if failed else 0)


@records_app.command("aggregate")
def aggregate(
    out_file: Annotated[Path, typer.Option("--out", help="CSV of the public cells.")],
    min_reporters: Annotated[int, typer.Option(min=1)] = DEFAULT_MIN_REPORTERS,
    db: DbOption = None,
) -> None:
    """Aggregate the stored records to every level; suppressed cells are left out."""
    with open_store(db) as store:
        cells = aggregate_records(store, min_reporters)
    public = cells[~cells["suppressed"]].drop(columns=["suppressed", "reporters", "records"])
    public.to_csv(out_file, index=False)
    out.print(
        _(
            "{cells} cells, {suppressed} suppressed (fewer than {n} reporters, or to protect "
            "one); {public} written to {path}",
            cells=len(cells),
            suppressed=int(cells["suppressed"].sum()),
            n=min_reporters,
            public=len(public),
            path=out_file,
        )
    )


@records_app.command("errors")
def errors(
    column: Annotated[str | None, typer.Option(help="Only this column.")] = None,
    db: DbOption = None,
) -> None:
    """The quarantined records: file, row, column and reason."""
    with open_store(db) as store:
        frame = quarantine(store, column)
    table = Table(title=_("Quarantined records"))
    for name in ("file", "row_no", "column", "reason"):
        table.add_column(name)
    for row in frame.itertuples(index=False):
        table.add_row(str(row.file), str(row.row_no), str(row.column), _(str(row.reason)))
    out.print(table)


@synth_app.command("records")
def synth_records(
    n: Annotated[int, typer.Option(min=1)] = 10_000,
    seed: Annotated[int, typer.Option()] = 1,
    out_dir: Annotated[Path, typer.Option("--out")] = Path("synthetic"),
) -> None:
    """Write SYNTHETIC records (Parquet), category mix from the real national figures."""
    path = write_synthetic_records(out_dir, n, seed, national_category_mix(bundled_file()))
    out.print(_("wrote {n} SYNTHETIC records to {path}", n=n, path=path))
