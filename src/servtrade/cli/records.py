"""Commands for enterprise records: `records load|aggregate|errors` and `synth records`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from servtrade.cli.common import (
    ByOption,
    check_format,
    err,
    open_store,
    out,
    usage,
    writing_as,
)
from servtrade.i18n import N_, _
from servtrade.ingest import ExitStatus
from servtrade.spreadsheet import csv_safe
from servtrade.store import Store, default_db_path, is_postgres

if TYPE_CHECKING:  # the records engines are imported when a records command runs
    import pandas as pd

    from servtrade.records.load import RecordsStore

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
    from servtrade.records.load import open_records

    chosen = engine or ("postgres" if db and is_postgres(db) else "duckdb")
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
    sheet: Annotated[
        str | None, typer.Option(help="The sheet of a workbook (default: the one with data).")
    ] = None,
) -> None:
    """Validate records files (Parquet, CSV in UTF-8 or GB18030, .xlsx, .xls, .ods) and
    store the good rows (bad rows quarantined). Exit status as `ingest`: 0 all stored, 1 a
    file not read, 3 rows quarantined."""
    from servtrade.records.load import authorised_regions

    failed = False
    quarantined = False
    with (
        _records(engine, db, store, master) as (records, reference),
        writing_as(reference, by, "records load") as user,
    ):
        for file in files:
            try:
                authorised_regions(file, reference, user, sheet)
                report = records.load(file, by=user.name, sheet=sheet)
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
            if report.sheet is not None:
                out.print(_("read sheet {sheet!r}, the only one with data", sheet=report.sheet))
            quarantined = quarantined or report.rows_rejected > 0
    status = ExitStatus.REJECTED if failed else ExitStatus.PARTIAL if quarantined else 0
    raise typer.Exit(int(status))


@records_app.command("aggregate")
def aggregate(
    out_file: Annotated[
        Path, typer.Option("--out", help="CSV of the public cells, ready for `servtrade ingest`.")
    ],
    min_reporters: Annotated[
        int | None,
        typer.Option(
            min=1, help="Fewest reporters a published cell needs (default: the records' rule)."
        ),
    ] = None,
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
    from servtrade.records import DEFAULT_MIN_REPORTERS, canonical_observations

    min_reporters = min_reporters or DEFAULT_MIN_REPORTERS
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


# The quarantine as the errors command lists it: (column, heading).
ERROR_FIELDS = (
    ("file", N_("file")),
    ("row_no", N_("row")),
    ("line", N_("line")),
    ("record_id", N_("record id")),
    ("reporter_id", N_("reporter")),
    ("column", N_("column")),
    ("value", N_("value found")),
    ("reason", N_("reason")),
)


def _error_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Each quarantined row, its reason in the reader's language."""
    from servtrade.records.load import issue_records

    rows = issue_records(frame[[name for name, _h in ERROR_FIELDS]])
    for row in rows:
        row["reason"] = _(str(row["reason"]))
    return rows


@records_app.command("errors")
def errors(
    column: Annotated[str | None, typer.Option(help="Only this column.")] = None,
    reporter: Annotated[
        str | None, typer.Option(help="Only this reporter (its unified social credit code).")
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (json, csv).")
    ] = None,
    engine: EngineOption = None,
    db: RecordsDbOption = None,
    store: StoreOption = None,
    master: MasterOption = "local[*]",
) -> None:
    """The quarantined records: file, row (and line of a text file), record id, reporter,
    column, the value found and the reason, to send back to the reporting enterprises.
    CSV opens in Excel as it is (UTF-8 with a byte-order mark; formula-like cells
    neutralised)."""
    check_format(format_, ("table", "json", "csv"))
    with _records(engine, db, store, master) as (records, _reference):
        rows = _error_rows(records.quarantine(column, reporter))
    if format_ == "table":
        table = Table(title=_("Quarantined records"))
        for _name, heading in ERROR_FIELDS:
            table.add_column(_(heading))
        for row in rows:
            table.add_row(
                *("" if row[name] is None else str(row[name]) for name, _h in ERROR_FIELDS)
            )
        out.print(table)
        return
    if format_ == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_(heading) for _name, heading in ERROR_FIELDS])
        writer.writerows([csv_safe(row[name]) for name, _h in ERROR_FIELDS] for row in rows)
        text = buffer.getvalue()
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text, encoding="utf-8-sig" if format_ == "csv" else "utf-8")
        err.print(_("{n} quarantined rows written to {path}", n=len(rows), path=out_file))


@synth_app.command("records")
def synth_records(
    n: Annotated[int, typer.Option(min=1)] = 10_000,
    seed: Annotated[int, typer.Option()] = 1,
    out_dir: Annotated[Path, typer.Option("--out")] = Path("synthetic"),
) -> None:
    """Write SYNTHETIC records (Parquet); category, region and partner mixes from the
    bundled real figures."""
    from servtrade.records.synthetic import SyntheticMix, write_synthetic_records

    path = write_synthetic_records(out_dir, n, seed, SyntheticMix.from_bundled())
    out.print(_("wrote {n} SYNTHETIC records to {path}", n=n, path=path))
