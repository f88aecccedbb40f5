"""Commands for the opening-up register: editions, measures, diff, exposure, import and
pilot-platform designations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from servtrade.cli.common import (
    ByOption,
    DbOption,
    code_option,
    err,
    open_store,
    out,
    usage,
    writing_as,
)
from servtrade.i18n import N_, _, format_number, language

if TYPE_CHECKING:  # the register (YAML, plans) is read when a command runs
    from servtrade.opening import Measure

# Column names and words shown from data, translated where printed.
SHOWN_WORDS = (
    N_("edition"),
    N_("no."),
    N_("door"),
    N_("modes"),
    N_("measure"),
    N_("order"),
    N_("in force"),
    N_("scope"),
    N_("measures"),
    N_("recorded"),
    N_("opened"),
    N_("kind"),
    N_("name"),
    N_("date"),
    N_("source"),
)

opening_app = typer.Typer(no_args_is_help=True, help="Negative lists and pilot platforms.")


def register_opening_commands(app: typer.Typer) -> None:
    app.add_typer(opening_app, name="opening")


def _measure_table(title: str, found: list[Measure]) -> Table:
    table = Table(title=title)
    for column in ("edition", "no.", "door", "modes", "measure"):
        table.add_column(_(column), overflow="fold")
    for m in found:
        text = m.text_zh if language() == "zh" or not m.text_en else m.text_en
        table.add_row(
            m.edition, str(m.number or "—"), m.door, ",".join(m.modes) or "?", escape(text)
        )
    return table


@opening_app.command("editions")
def editions_command(db: DbOption = None) -> None:
    """The editions: issuer, order, dates, scope, measures listed and measures recorded."""
    from servtrade.opening import editions, measures

    with open_store(db) as store:
        recorded = [m.edition for m in measures(store)]
    table = Table(title=_("Negative lists for cross-border trade in services"))
    for column in ("id", "order", "in force", "scope", "measures", "recorded"):
        table.add_column(_(column), overflow="fold")
    for edition in editions().values():
        table.add_row(
            edition.id,
            edition.order,
            edition.in_force,
            edition.scope,
            str(edition.measures),
            str(recorded.count(edition.id)),
        )
    out.print(table)


@opening_app.command("measures")
def measures_command(
    region: Annotated[str, typer.Option(help="Place whose edition applies.")] = "CN",
    category: Annotated[str | None, typer.Option(help="EBOPS 2010 category.")] = None,
    door: Annotated[str | None, typer.Option(help="GB/T 4754-2017 door letter.")] = None,
    mode: Annotated[str | None, typer.Option(help="Mode of supply: 1, 2 or 4.")] = None,
    db: DbOption = None,
) -> None:
    """Which measures apply to a service, a mode of supply and a place."""
    from servtrade.opening import MODES, applicable_measures

    if mode is not None and mode not in MODES:
        raise usage(_("mode 3 (commercial presence) is outside these lists; use 1, 2 or 4"))
    with open_store(db) as store:
        classifications = store.classifications()
        code = code_option(classifications, "region", region)
        category_code = code_option(classifications, "category", category) if category else None
        found = applicable_measures(store, code, category=category_code, door=door, mode=mode)
    edition = found.edition
    out.print(
        _(
            "{region}: {edition} ({listed} measures listed, {recorded} recorded here)",
            region=code,
            edition=edition.title_zh if language() == "zh" else edition.title_en,
            listed=edition.measures,
            recorded=found.recorded,
        ),
        highlight=False,
    )
    if found.recorded == 0:
        out.print(
            _(
                "No measure texts of this edition are recorded here; load the official text "
                "with `servtrade opening import FILE --edition {edition}`. What sources "
                "document of its differences from the national list follows.",
                edition=edition.id,
            )
        )
    else:
        out.print(_measure_table(_("Measures that apply"), found.measures))
    if found.untagged_modes:
        out.print(
            _(
                "{count} of them have no mode tag and may apply to any mode",
                count=found.untagged_modes,
            )
        )
    for relaxation in found.relaxations:
        text, where = escape(relaxation.text_en), relaxation.source
        out.print(f"[green]{_('opened')}[/green] {text} [dim]({where})[/dim]")


@opening_app.command("diff")
def diff_command(
    base: Annotated[str, typer.Argument()] = "national-2024",
    other: Annotated[str, typer.Argument()] = "ftz-2024",
    db: DbOption = None,
) -> None:
    """What OTHER opens beyond BASE, measure by measure, and the documented differences."""
    from servtrade.opening import edition_diff, editions

    if base not in editions() or other not in editions():
        raise usage(_("known editions: {ids}", ids=", ".join(editions())))
    with open_store(db) as store:
        diff = edition_diff(store, base, other)
    out.print(_measure_table(_("Only in {edition}", edition=base), diff.only_in_base))
    out.print(_measure_table(_("Only in {edition}", edition=other), diff.only_in_other))
    out.print(_("{count} measures in both", count=len(diff.in_both)))
    for relaxation in diff.documented:
        number = f" (no. {relaxation.national_number})" if relaxation.national_number else ""
        out.print(
            f"[green]{_('opened')}[/green]{number} {escape(relaxation.text_en)} "
            f"[dim]({relaxation.source})[/dim]"
        )


@opening_app.command("exposure")
def exposure_command(
    region: Annotated[str, typer.Option(help="Region.")] = "CN",
    period: Annotated[str | None, typer.Option(help="Year (default: most categories).")] = None,
    db: DbOption = None,
) -> None:
    """How much of a region's services trade is in categories a measure touches."""
    from servtrade.opening import exposure

    with open_store(db) as store:
        code = code_option(store.classifications(), "region", region)
        found = exposure(store, code, period)
    if found is None:
        err.print(_("no category breakdown of services trade for {region}", region=code))
        raise typer.Exit(1)
    out.print(
        _(
            "{region} {period} ({edition}): {touched} of {total} {unit} ({share}%) is in "
            "categories a measure touches: {categories}; categories published cover {covered}.",
            region=code,
            period=found.period,
            edition=found.edition,
            touched=format_number(found.touched, 1),
            total=format_number(found.total, 1),
            unit=found.unit,
            share=format_number(found.share, 1),
            categories=", ".join(found.categories) or "—",
            covered=format_number(found.covered, 1),
        ),
        highlight=False,
    )


@opening_app.command("import")
def import_command(
    file: Path,
    edition: Annotated[str, typer.Option(help="Edition id, e.g. national-2024.")],
    allow_partial: Annotated[bool, typer.Option(help="Store the placed measures.")] = False,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Read an edition's official text (DOCX, HTML or text from the PDF)."""
    from servtrade.opening import editions
    from servtrade.opening.importer import import_edition

    if edition not in editions():
        raise usage(_("known editions: {ids}", ids=", ".join(editions())))
    with open_store(db) as store, writing_as(store, by, "opening import") as user:
        result = import_edition(store, file, edition, user, allow_partial=allow_partial)
    for issue in result.issues:
        colour = "red" if issue.level == "error" else "yellow"
        err.print(f"[{colour}]{escape(str(issue))}[/{colour}]", highlight=False)
    stored = bool(result.measures) and (allow_partial or not result.errors)
    out.print(
        _(
            "{count} measures read, {errors} errors; {stored}",
            count=len(result.measures),
            errors=len(result.errors),
            stored=_("stored") if stored else _("nothing stored"),
        )
    )
    raise typer.Exit(0 if stored else 1)


@opening_app.command("designations")
def designations_command(db: DbOption = None) -> None:
    """Places' pilot platforms (free trade zones, demonstration zones and cities ...)."""
    from servtrade.opening import designations, platform_tasks
    from servtrade.plans.schema import PLATFORM_WORDS, TASK_STATUS_WORDS

    with open_store(db) as store:
        found = designations(store)
        tasks = {d.region: platform_tasks(store, d.region) for d in found}
    table = Table(title=_("Pilot platforms"))
    for column in ("region", "kind", "name", "date", "source"):
        table.add_column(_(column), overflow="fold")
    for d in found:
        name = d.name_zh if language() == "zh" else d.name_en
        table.add_row(
            d.region, _(PLATFORM_WORDS.get(d.kind, d.kind)), name, d.date, escape(d.source)
        )
    out.print(table)
    for region, aimed in tasks.items():
        for plan, task_id, kind, status in aimed:
            out.print(f"{region} {plan.id}/{task_id} → {kind}: {_(TASK_STATUS_WORDS[status])}")


@opening_app.command("designate")
def designate_command(
    region: str,
    kind: Annotated[
        str,
        typer.Option(
            help="Kind of pilot platform, e.g. free_trade_pilot_zone (an unknown kind is "
            "answered with the list of kinds)."
        ),
    ],
    name_zh: Annotated[str, typer.Option()],
    name_en: Annotated[str, typer.Option()],
    date: Annotated[str, typer.Option(help="Date of the designation (YYYY-MM-DD).")],
    source: Annotated[str, typer.Option(help="Where it is published.")],
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Record a place's designation as a pilot platform, with its date and source."""
    from servtrade.opening import record_designation

    with open_store(db) as store, writing_as(store, by, "opening designate") as user:
        try:
            code = record_designation(store, region, kind, name_zh, name_en, date, source, user)
        except ValueError as error:
            raise usage(str(error)) from error
    out.print(_("recorded {kind} for {region}", kind=kind, region=code))
