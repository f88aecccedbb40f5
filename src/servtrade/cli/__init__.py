"""The `servtrade` command: a thin layer over the library, in Chinese and English."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table

from servtrade.access import authorise_admin, authorise_region
from servtrade.classification import Classifications, Code
from servtrade.cli.common import (
    BasisOption,
    ByOption,
    DbOption,
    FormatOption,
    LangOption,
    TranslatedGroup,
    basis_option,
    check_format,
    code_option,
    date_option,
    empty_store_note,
    err,
    open_store,
    out,
    parse_assignments,
    period_option,
    translate_help,
    usage,
    writing_as,
)
from servtrade.cli.drivers import register_drivers_commands
from servtrade.cli.exchange import register_exchange_commands
from servtrade.cli.forecasts import register_forecast_commands
from servtrade.cli.opening import register_opening_commands
from servtrade.cli.plans import register_plan_commands
from servtrade.cli.records import register_records_commands
from servtrade.cli.reports import register_report_commands
from servtrade.cli.server import register_server_commands
from servtrade.data import bundled_file
from servtrade.fx import read_rates_csv
from servtrade.i18n import N_, _, format_figure, language, set_language
from servtrade.indicators import (
    IndicatorError,
    IndicatorRequest,
    IndicatorValue,
    compute_indicators,
)
from servtrade.indicators.registry import INDICATOR_WORDS, INDICATORS
from servtrade.indicators.summary import HeadlineRow, headline_cell, headline_summary
from servtrade.ingest import (
    ExitStatus,
    IngestOptions,
    IngestReport,
    ReadOptions,
    file_sha256,
    ingest_file,
)
from servtrade.store import (
    ENV_MEMORY_LIMIT,
    Store,
    StoreInUseError,
    StoreLockedError,
    default_db_path,
    duckdb_config,
    make_room,
    redacted,
)

app = typer.Typer(
    cls=TranslatedGroup,
    no_args_is_help=True,
    add_completion=False,
    help=N_(
        "Services-trade statistics. Default store: {store} (--db or $SERVTRADE_DB for another)."
    ),
)
regions_app = typer.Typer(invoke_without_command=True, help="List or register regions.")
groupings_app = typer.Typer(invoke_without_command=True, help="List or add groupings.")
bases_app = typer.Typer(invoke_without_command=True, help="List or register statistical bases.")
fx_app = typer.Typer(no_args_is_help=True, help="Exchange rates.")
app.add_typer(regions_app, name="regions")
app.add_typer(groupings_app, name="groupings")
app.add_typer(bases_app, name="bases")
app.add_typer(fx_app, name="fx")

# Words shown from data (column names, bases, statuses), translated where printed.
SHOWN_WORDS = (
    N_("error"),
    N_("warning"),
    N_("period"),
    N_("flow"),
    N_("category"),
    N_("indicator"),
    N_("value"),
    N_("unit"),
    N_("basis"),
    N_("derivation"),
    N_("published"),
    N_("computed"),
    N_("published_aggregate"),
    N_("file"),
    N_("loaded_at"),
    N_("rows_loaded"),
    N_("rows_rejected"),
    N_("status"),
    N_("rejected"),
    N_("partial"),
    N_("unchanged"),
    N_("region"),
    N_("reference"),
)


@app.callback()
def main_options(ctx: typer.Context, lang: LangOption = None) -> None:
    set_language(lang)
    # Before a command reads its options or prints its help.
    translate_help(ctx.command, store=redacted(default_db_path()))
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():  # as Rich reads it, but when the command runs, not at import
        out.width = err.width = int(columns)
    try:
        duckdb_config()
    except ValueError as error:
        setting = f"{ENV_MEMORY_LIMIT}={os.environ.get(ENV_MEMORY_LIMIT)}"
        raise usage(_("{setting} is not a memory size such as 2GB", setting=setting)) from error
    # sdmx1 logs every quirk of a message it reads; what matters reaches the user as a report.
    logging.getLogger("sdmx").setLevel(logging.ERROR)


def _print_report(report: IngestReport) -> None:
    colour = {
        "loaded": "green",
        "unchanged": "green",
        "checked": "green",
        "partial": "yellow",
        "no_services": "yellow",
    }.get(report.status, "red")
    out.print(f"[{colour}]{report.file}: {report.summary()}[/{colour}]", highlight=False)
    if report.dataflow is not None:
        out.print(_("dataflow {dataflow}", dataflow=report.dataflow), highlight=False)
    if report.skipped:
        reasons = "; ".join(f"{_(reason)}: {count}" for reason, count in report.skipped.items())
        out.print(
            _(
                "skipped {observations} observations in {series} series: {reasons}",
                observations=report.rows_skipped,
                series=report.skipped_series,
                reasons=reasons,
            ),
            highlight=False,
        )
    for issue in report.errors:
        err.print(f"[red]{_('error')}[/red] {escape(str(issue))}", highlight=False)
    for issue in report.warnings:
        err.print(f"[yellow]{_('warning')}[/yellow] {escape(str(issue))}", highlight=False)
    if report.rejected_file is not None:
        err.print(_("rejected rows written to {path}", path=report.rejected_file))


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV, .xlsx, .xls, .ods or SDMX files.")],
    db: DbOption = None,
    allow_partial: Annotated[bool, typer.Option(help="Load good rows, quarantine bad.")] = False,
    vintage: Annotated[str | None, typer.Option(help="Release date for rows without one.")] = None,
    wide: Annotated[bool, typer.Option(help="Periods are columns (published tables).")] = False,
    set_: Annotated[
        list[str], typer.Option("--set", help="COLUMN=VALUE for a column the file lacks.")
    ] = [],  # noqa: B006 - Typer reads the default, it is never mutated
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name.")] = None,
    max_bytes: Annotated[int, typer.Option(help="Largest file accepted.")] = ReadOptions.max_bytes,
    format_: Annotated[
        str | None, typer.Option("--format", help="table or sdmx (default: from the content).")
    ] = None,
    structure: Annotated[
        Path | None, typer.Option(help="SDMX structure message (DSD with codelists).")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="SDMX mapping file (YAML).")] = None,
    by: ByOption = None,
) -> None:
    """Load statistics files: all or nothing per file unless --allow-partial."""
    if format_ not in (None, "table", "sdmx"):
        raise usage(_("--format must be one of {choices}", choices="table, sdmx"))
    options = IngestOptions(
        allow_partial=allow_partial,
        vintage=date_option(vintage),
        read=ReadOptions(
            wide=wide,
            constants=parse_assignments(set_, "--set"),
            sheet=sheet,
            max_bytes=max_bytes,
            format=format_,
            structure=structure,
            mapping=mapping,
        ),
    )
    statuses = []
    with open_store(db) as store, writing_as(store, by, "ingest") as user:
        options.user = user
        for file in files:
            report = ingest_file(store, file, options)
            _print_report(report)
            statuses.append(report.exit_status)
    raise typer.Exit(int(combined_status(statuses)))


def combined_status(statuses: list[ExitStatus]) -> ExitStatus:
    """0 if every file loaded, 1 if none did, 3 if some rows or files were left out."""
    if all(s == ExitStatus.LOADED for s in statuses):
        return ExitStatus.LOADED
    if all(s == ExitStatus.REJECTED for s in statuses):
        return ExitStatus.REJECTED
    return ExitStatus.PARTIAL


def _load_bundled(store: Store) -> IngestReport:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err
    ) as progress:
        task = progress.add_task(_("Loading bundled official figures"), total=1)
        report = ingest_file(store, bundled_file())
        progress.advance(task)
    return report


@app.command()
def quickstart(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="DuckDB file to create (default: the default store)."),
    ] = None,
    region: Annotated[str, typer.Option(help="Region to summarise.")] = "CN",
    force: Annotated[
        bool, typer.Option(help="Replace a store holding data of its own, keeping a backup.")
    ] = False,
) -> None:
    """Create a fresh store, load the bundled real figures and print the headline table."""
    location = default_db_path() if db is None else db
    if not isinstance(location, Path):
        raise usage(_("quickstart creates a DuckDB file; give --db PATH"))
    bundled = bundled_file()
    try:
        backup = make_room(location, [file_sha256(bundled)], force=force)
    except (StoreInUseError, StoreLockedError) as error:
        raise usage(str(error)) from None
    if backup is not None:
        out.print(_("The earlier store was kept as {path}", path=backup))
    location.parent.mkdir(parents=True, exist_ok=True)
    with Store(location) as store:
        report = _load_bundled(store)
        _print_report(report)
        if report.exit_status != ExitStatus.LOADED:
            raise typer.Exit(int(report.exit_status))
        _print_summary(store, region, None)
    out.print(_("Store written to {path}", path=location))


@app.command()
def summary(
    region: Annotated[str, typer.Option(help="Region code or name.")] = "CN",
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of this date.")] = None,
    basis: BasisOption = None,
    format_: FormatOption = "table",
) -> None:
    """Headline table: latest years and year-to-date, with growth and shares."""
    check_format(format_)
    with open_store(db) as store:
        _print_summary(store, region, date_option(as_of), basis_option(store, basis), format_)


def _unit_name(store: Store, unit: str) -> str:
    if not unit:
        return ""
    return store.classifications().units[unit].name(language())


def _print_summary(
    store: Store,
    region_label: str,
    as_of: date | None,
    basis: str | None = None,
    format_: str = "table",
) -> None:
    classifications = store.classifications()
    region = code_option(classifications, "region", region_label)
    rows: list[HeadlineRow] = headline_summary(store, region, as_of=as_of, basis=basis)
    if format_ == "json":
        from servtrade.views import HeadlineView

        records = [HeadlineView.of(row).model_dump() for row in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        out.print(empty_store_note(store, region))
        return
    units = [row.unit for row in rows if row.unit]
    unit = max(set(units), key=units.count) if units else ""
    name = classifications.regions[region].name(language())
    shown_basis = next((row.basis for row in rows if row.basis), "")
    table = Table(
        title=_(
            "Trade in services: {region} ({unit}; {basis})",
            region=name,
            unit=_unit_name(store, unit),
            basis=classifications.bases[shown_basis].name(language()) if shown_basis else "",
        ),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column(_("Period"), no_wrap=True)
    for header in (
        _("Total"),
        _("Exports"),
        _("Imports"),
        _("YoY %"),
        _("KIS %"),
        _("DDS %"),
    ):
        table.add_column(header, justify="right", no_wrap=True, min_width=cell_len(header))
    for row in rows:
        table.add_row(row.period, *(headline_cell(value, unit) for value in row.figures()))
    out.print(table)
    out.print(
        _(
            "Total: exports plus imports. KIS %: knowledge-intensive services, DDS %: "
            "digitally deliverable services, each as % of total services trade. "
            "YoY %: growth on a year earlier, the published rate where one exists. "
            "Figures as published, to their published precision, unless marked: "
            "* computed from published figures, † from a published aggregate; "
            "≥ a lower bound, ≤ an upper bound, ≈ approximate."
        )
    )


@app.command()
def indicators(
    region: Annotated[str, typer.Option(help="Region code or name.")],
    indicator: Annotated[
        list[str], typer.Option("--indicator", help=f"One of: {', '.join(INDICATORS)}.")
    ] = ["value"],  # noqa: B006
    flow: Annotated[str, typer.Option(help="export, import or total.")] = "total",
    category: Annotated[str, typer.Option(help="EBOPS code, grouping or name.")] = "S",
    from_: Annotated[str | None, typer.Option("--from", help="First period.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last period.")] = None,
    unit: Annotated[str | None, typer.Option(help="e.g. CNY_100M, 亿元, USD_100M.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Answer as of this date.")] = None,
    reference: Annotated[str | None, typer.Option(help="Reference region for rca.")] = None,
    basis: BasisOption = None,
    db: DbOption = None,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Compute indicators for one region."""
    if format_ not in ("table", "csv", "json"):
        raise usage(_("--format must be table, csv or json"))
    with open_store(db) as store:
        classifications = store.classifications()
        request = IndicatorRequest(
            region=code_option(classifications, "region", region),
            indicators=indicator,
            flow=code_option(classifications, "flow", flow),
            category=code_option(classifications, "category", category),
            period_from=period_option(from_),
            period_to=period_option(to),
            unit=code_option(classifications, "unit", unit) if unit else None,
            as_of=date_option(as_of),
            reference=code_option(classifications, "region", reference) if reference else None,
            basis=basis_option(store, basis),
        )
        try:
            values = compute_indicators(store, request)
        except (IndicatorError, LookupError) as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
    _print_values(values, format_, classifications)


def _print_values(
    values: list[IndicatorValue], format_: str, classifications: Classifications
) -> None:
    from servtrade.views import IndicatorView

    records = [IndicatorView.of(v).model_dump() for v in values]
    if format_ == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    if format_ == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else ["region"])
        writer.writeheader()
        writer.writerows(records)
        return
    table = Table()
    columns = ("period", "flow", "category", "indicator", "value", "unit", "derivation", "basis")
    for column in columns:
        table.add_column(_(column), justify="right" if column == "value" else "left")
    lang = language()
    for value in values:
        table.add_row(
            value.period,
            _(value.flow)
            if value.flow == "balance"
            else classifications.flows.name_of(value.flow, lang),
            f"{value.category} {classifications.categories.name_of(value.category, lang)}",
            _(INDICATOR_WORDS[value.indicator]),
            format_figure(value.value, value.decimals, value.qualifier, default=2),
            classifications.units.name_of(value.unit, lang),
            _(value.derivation),
            classifications.bases.name_of(value.basis, lang),
        )
    out.print(table)


@regions_app.callback()
def regions(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="country, province, city, zone ...")] = None,
    db: DbOption = None,
) -> None:
    """List regions with Chinese and English names."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db) as store:
        codes = [c for c in store.classifications().regions if kind is None or c.kind == kind]
    _print_codes(codes, _("Regions"), show_parent=True)


@regions_app.command("add")
def regions_add(
    code: str,
    name_en: Annotated[str, typer.Option("--name-en")],
    name_zh: Annotated[str, typer.Option("--name-zh")],
    parent: Annotated[str, typer.Option(help="Parent region code, e.g. CN-GZ.")],
    kind: Annotated[str, typer.Option(help="city, pilot_zone, ...")] = "city",
    alias: Annotated[list[str], typer.Option("--alias")] = [],  # noqa: B006
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Register a place (a city, a pilot zone) under a parent region."""
    with open_store(db) as store, writing_as(store, by, "regions add") as user:
        authorise_region(user, parent, store.classifications())
        try:
            store.add_place(
                Code(code, name_en, name_zh, tuple(alias), parent=parent, kind=kind), user.name
            )
        except ValueError as error:
            raise usage(str(error)) from error
    out.print(_("registered {code}", code=code))


@app.command()
def categories() -> None:
    """List EBOPS 2010 categories and groupings."""
    from servtrade.classification import default_classifications

    _print_codes(list(default_classifications().categories), _("Categories"), show_parent=True)


@groupings_app.callback()
def groupings(ctx: typer.Context, db: DbOption = None) -> None:
    """List groupings of categories (knowledge-intensive, digitally deliverable ...)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db) as store:
        codes = store.classifications().groupings()
    table = Table(title=_("Groupings"))
    for column in (_("code"), _("name"), _("members"), _("definition")):
        table.add_column(column)
    for code in codes:
        table.add_row(code.code, code.name(language()), "+".join(code.members), code.note)
    out.print(table)


@groupings_app.command("add")
def groupings_add(
    code: str,
    member: Annotated[list[str], typer.Option("--member", help="EBOPS code; repeat.")],
    name_en: Annotated[str, typer.Option("--name-en")],
    name_zh: Annotated[str, typer.Option("--name-zh")],
    definition: Annotated[str, typer.Option(help="Where the definition comes from.")],
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Add a grouping definition, e.g. a variant to compare with the official one."""
    with open_store(db) as store, writing_as(store, by, "groupings add") as user:
        authorise_admin(user)  # a grouping is read by every region's figures
        try:
            store.add_grouping(
                Code(
                    code, name_en, name_zh, kind="grouping", members=tuple(member), note=definition
                ),
                user.name,
            )
        except ValueError as error:
            raise usage(str(error)) from error
    out.print(_("registered {code}", code=code))


@bases_app.callback()
def bases(ctx: typer.Context, db: DbOption = None) -> None:
    """List statistical bases (MOFCOM services-trade statistics, SAFE balance of payments...)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db) as store:
        codes = list(store.classifications().bases)
    table = Table(title=_("Statistical bases"))
    for column in (_("code"), _("name"), _("aliases")):
        table.add_column(column)
    for code in codes:
        table.add_row(code.code, code.name(language()), " | ".join(code.aliases))
    out.print(table)


@bases_app.command("add")
def bases_add(
    code: str,
    name_en: Annotated[str, typer.Option("--name-en")],
    name_zh: Annotated[str, typer.Option("--name-zh")],
    alias: Annotated[list[str], typer.Option("--alias", help="Another name; repeat.")] = [],  # noqa: B006
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Register a statistical basis, e.g. a province's own statistics, for the basis column."""
    with open_store(db) as store, writing_as(store, by, "bases add") as user:
        authorise_admin(user)
        try:
            store.add_basis(Code(code, name_en, name_zh, tuple(alias)), user.name)
        except ValueError as error:
            raise usage(str(error)) from error
    out.print(_("registered {code}", code=code))


def _print_codes(codes: list[Code], title: str, *, show_parent: bool) -> None:
    table = Table(title=title)
    table.add_column(_("code"))
    table.add_column("English")
    table.add_column("中文")
    if show_parent:
        table.add_column(_("parent"))
    table.add_column(_("kind"))
    for code in codes:
        cells = [code.code, code.name_en, code.name_zh]
        if show_parent:
            cells.append(code.parent or "")
        table.add_row(*cells, code.kind)
    out.print(table)


@fx_app.command("load")
def fx_load(file: Path, by: ByOption = None, db: DbOption = None) -> None:
    """Load exchange rates (period,currency,cny_per_unit,source), e.g. central parities."""
    try:
        rates = read_rates_csv(file)
    except (OSError, ValueError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    with open_store(db) as store, writing_as(store, by, "fx load") as user:
        authorise_admin(user)  # rates convert every region's figures
        store.set_exchange_rates(rates, user.name)
    out.print(_("loaded {count} exchange rates", count=len(rates)))


@fx_app.command("show")
def fx_show(
    period: Annotated[str, typer.Argument(help="Period, e.g. 2024 or 2025-01/2025-11.")],
    db: DbOption = None,
) -> None:
    """Show the CNY/USD rate used for a period and its source."""
    parsed = period_option(period)
    assert parsed is not None
    with open_store(db) as store:
        try:
            rate = store.rate_table().rate(parsed, "USD")
        except LookupError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
    out.print(f"{rate.period}: {rate.cny_per_unit:.4f} CNY/USD — {rate.source}")


loads_app = typer.Typer(help="The files loaded into the store; take a mistaken one out.")
app.add_typer(loads_app, name="loads")


@loads_app.callback(invoke_without_command=True)
def loads(ctx: typer.Context, db: DbOption = None) -> None:
    """List the files loaded into the store (with the load id `loads remove` takes)."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db) as store:
        loads = store.loads()
    table = Table(title=_("Loads"))
    for column in ("load_id", "file", "loaded_at", "rows_loaded", "rows_rejected", "status"):
        table.add_column(_(column), no_wrap=column == "load_id")
    for row in loads:
        loaded_at = row["loaded_at"]
        table.add_row(
            str(row["load_id"]),
            str(row["file"]),
            loaded_at.strftime("%Y-%m-%d %H:%M")
            if isinstance(loaded_at, datetime)
            else str(loaded_at),
            str(row["rows_loaded"]),
            str(row["rows_rejected"]),
            _(str(row["status"])),
        )
    out.print(table)


@loads_app.command("remove")
def remove_load(
    load_id: Annotated[str, typer.Argument(metavar="LOAD_ID")],
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Take a load out of the store, as one transaction, audited."""
    with open_store(db) as store, writing_as(store, by, "loads remove") as user:
        authorise_admin(user)
        try:
            removed = store.remove_load(load_id, user.name)
        except LookupError as error:
            err.print(f"[red]{escape(str(error))}[/red]")
            raise typer.Exit(ExitStatus.REJECTED) from error
    out.print(
        _(
            "removed load {load_id} ({file}): {rows} observations",
            load_id=removed.load_id,
            file=removed.file,
            rows=removed.rows_loaded,
        ),
        highlight=False,
        soft_wrap=True,  # a file path is not broken across lines
    )


register_plan_commands(app)
register_forecast_commands(app)
register_report_commands(app)
register_exchange_commands(app)
register_server_commands(app)
register_opening_commands(app)
register_records_commands(app)
register_drivers_commands(app)


def main() -> None:
    app()
