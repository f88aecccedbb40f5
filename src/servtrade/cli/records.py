"""Commands for enterprise records: `records load|aggregate|errors` and `synth records`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from servtrade.cli.common import ByOption, err, open_store, out, usage, writing_as
from servtrade.i18n import _
from servtrade.ingest import ExitStatus
from servtrade.records import DEFAULT_MIN_REPORTERS, canonical_observations
from servtrade.records.load import POSTGRES_URLS, RecordsStore, authorised_regions, open_records
from servtrade.records.synthetic import SyntheticMix, write_synthetic_records
from servtrade.store import Store, default_db_path, is_postgres

records_app = typer.Typer(no_args_is_help=True, help="Enterprise-level reported transactions.")
synth_app = typer.Typer(no_args_is_help=True, help="SYNTHETIC data for scale tests.")


def register_records_commands(app: typer.Typer) -> None:
    app.add_typer(records_app, name="records")
    app.add_typer(synth_app, name="synth")


EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="duckdb (default), postgres or spark; postgres is implied by a postgresql:// --db.",
    ),
]
RecordsDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="duckdb: the store file; postgres: a postgresql:// URL; spark: a directory.",
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="With postgres or spark: the store (file or postgresql:// URL) whose "
        "classifications and exchange rates apply (default: $SERVTRADE_DB or the user data "
        "dir).",
    ),
]
MasterOption = Annotated[
    str, typer.Option("--master", help="spark: the master URL (spark://host:7077 or local[*]).")
]


@contextmanager
def _records(
    engine: str | None, db: str | None, store: str | None, master: str
) -> Iterator[tuple[RecordsStore, Store]]:
    """The records and the store whose codelists, rates and users apply to them."""
    chosen = engine or ("postgres" if db and db.startswith(POSTGRES_URLS) else "duckdb")
    if chosen == "duckdb":
        reference = open_store(db or store)
    else:  # only read, so that any number of loaders can share it
        location = store or default_db_path()
        if not is_postgres(location) and not Path(location).exists():
            open_store(str(location)).close()
        reference = Store(location, read_only=True)
    try:
        records = open_records(chosen, db, reference, master)
    except ValueError as error:
        reference.close()
        raise usage(str(error)) from error
    try:
        yield records, reference
    finally:
        records.close()


@records_app.command("load")
def load(
    files: list[Path],
    engine: EngineOption = None,
    db: RecordsDbOption = None,
    store: StoreOption = None,
    master: MasterOption = "local[*]",
    by: ByOption = None,
) -> None:
    """Validate Parquet files of records and store the good rows (bad rows quarantined).
    Exit status as `ingest`: 0 all stored, 1 a file not read, 3 rows quarantined."""
    failed = False
    quarantined = False
    with (
        _records(engine, db, store, master) as (records, reference),
        writing_as(reference, by, "records load") as user,
    ):
        for file in files:
            try:
                authorised_regions(file, reference, user)
                report = records.load(file, by=user.name)
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
            quarantined = quarantined or report.rows_rejected > 0
    status = ExitStatus.REJECTED if failed else ExitStatus.PARTIAL if quarantined else 0
    raise typer.Exit(int(status))


@records_app.command("aggregate")
def aggregate(
    out_file: Annotated[
        Path, typer.Option("--out", help="CSV of the public cells, ready for `servtrade ingest`.")
    ],
    min_reporters: Annotated[int, typer.Option(min=1)] = DEFAULT_MIN_REPORTERS,
    source: Annotated[
        str, typer.Option(help="Source written in every row.")
    ] = "aggregated enterprise records",
    engine: EngineOption = None,
    db: RecordsDbOption = None,
    store: StoreOption = None,
    master: MasterOption = "local[*]",
) -> None:
    """Aggregate the stored records to every level; suppressed cells are left out. The file
    is in the canonical statistics layout, in yuan and in US dollars."""
    with _records(engine, db, store, master) as (records, _reference):
        try:
            cells = records.aggregate(min_reporters)
        except ValueError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
    public = canonical_observations(cells, date.today(), source)
    public.to_csv(out_file, index=False)
    out.print(
        _(
            "{cells} cells, {suppressed} suppressed (fewer than {n} reporters, or to protect "
            "one); {public} written to {path}",
            cells=len(cells),
            suppressed=int(cells["suppressed"].sum()),
            n=min_reporters,
            public=int((~cells["suppressed"]).sum()),
            path=out_file,
        )
    )


@records_app.command("errors")
def errors(
    column: Annotated[str | None, typer.Option(help="Only this column.")] = None,
    engine: EngineOption = None,
    db: RecordsDbOption = None,
    store: StoreOption = None,
    master: MasterOption = "local[*]",
) -> None:
    """The quarantined records: file, row, column and reason."""
    with _records(engine, db, store, master) as (records, _reference):
        frame = records.quarantine(column)
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
    """Write SYNTHETIC records (Parquet); category, region and partner mixes from the
    bundled real figures."""
    path = write_synthetic_records(out_dir, n, seed, SyntheticMix.from_bundled())
    out.print(_("wrote {n} SYNTHETIC records to {path}", n=n, path=path))
