"""What every command shares: consoles, the --db option, argument parsing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from servtrade.access import User, WriteRefusedError, acting_name, acting_user
from servtrade.classification import Classifications, UnknownCodeError
from servtrade.i18n import N_, _, gettext, set_language
from servtrade.ingest import ExitStatus
from servtrade.periods import Period, PeriodError, parse_period
from servtrade.store import Store, StoreLockedError, default_db_path, redacted

out = Console()
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="DuckDB file or postgresql:// URL (default: $SERVTRADE_DB or the user data dir).",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who does it: a user of the store, whose role and regions apply, as the audit "
        "log names them (default: the OS user).",
    ),
]


def _chosen_language(lang: str | None) -> str | None:
    """--lang is read before --help (both eager, in command-line order), so that
    `servtrade --lang zh --help` is in Chinese."""
    set_language(lang)
    return lang


LangOption = Annotated[
    str | None,
    typer.Option("--lang", help="zh or en.", is_eager=True, callback=_chosen_language),
]


# The words Typer puts around the help texts, by the names it reads them under when it
# draws a help screen.
HELP_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
}
HELP_OPTION = N_("Show this message and exit.")


def translate_help(command: Any, **values: object) -> None:
    """Put every help text of a command tree (commands, options, arguments, --help, the
    panels' titles) in the current language, from the message catalog; the English texts
    are kept to translate again. `values` fill the fields of the command's own help."""
    _translate_tree(command, values)


def _translate_panels() -> None:
    """The panels' titles, set where Typer reads them only when a help screen is drawn
    (its help renderer is not imported otherwise)."""
    from typer import rich_utils

    for name, words in HELP_WORDS.items():
        setattr(rich_utils, name, gettext(words))


def _translate_tree(command: Any, values: dict[str, object]) -> None:
    _translate_item(command, values)
    for param in getattr(command, "params", ()):
        _translate_item(param, {})
    help_option = command.get_help_option(click.Context(command))  # Click caches it
    if help_option is not None:
        help_option.help = gettext(HELP_OPTION)
    if not hasattr(command, "_english_format_help"):
        english = command.format_help
        command._english_format_help = english

        def format_help(ctx: Any, formatter: Any) -> None:
            _translate_panels()
            english(ctx, formatter)

        command.format_help = format_help
    for sub in getattr(command, "commands", {}).values():
        _translate_tree(sub, {})


def _translate_item(item: Any, values: dict[str, object]) -> None:
    for attribute in ("help", "short_help"):
        english = getattr(item, f"_english_{attribute}", None)
        if english is None:
            english = getattr(item, attribute, None)
            if not english:
                continue
            setattr(item, f"_english_{attribute}", english)
        setattr(item, attribute, gettext(english, **values))


class TranslatedGroup(TyperGroup):
    """The root command: its help (and every command's, once the root has run) reads in the
    chosen language."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        translate_help(self, store=redacted(default_db_path()))
        _translate_panels()
        super().format_help(ctx, formatter)


BasisOption = Annotated[
    str | None,
    typer.Option(
        "--basis",
        help="Statistical basis: mofcom_sts, bop, unknown or a registered one "
        "(default: the first of mofcom_sts, bop, others, unknown with figures).",
    ),
]
FormatOption = Annotated[str, typer.Option("--format", help="table or json.")]


@contextmanager
def writing_as(store: Store, by: str | None, command: str) -> Iterator[User]:
    """The person a command writes for (`--by`, else the OS user; see `acting_user`). A write
    the core refuses them is audited and said in one line, exit status 4."""
    try:
        yield acting_user(store, by)
    except WriteRefusedError as refusal:
        if store.writable:
            store.record_audit(
                acting_name(by),
                "refused",
                f"servtrade {command}",
                None,
                None,
                json.dumps({"reason": refusal.code}),
            )
        err.print(f"[red]{_(refusal.message, **refusal.params)}[/red]", highlight=False)
        raise typer.Exit(ExitStatus.REFUSED) from None


def open_store(db: str | None) -> Store:
    """The store `--db` names; when it cannot be opened (a server holds the file, the
    database is unreachable), one line says why and what to do."""
    try:
        return Store(default_db_path() if db is None else db)
    except (StoreLockedError, ConnectionError) as error:
        err.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(ExitStatus.USAGE) from None


def empty_store_note(store: Store, region: str) -> str:
    """An empty answer says which store was asked and how to fill it."""
    return _(
        "The store {store} holds no figures for {region}; load them with `servtrade ingest "
        "FILE --db {store}`, or the bundled figures with `servtrade quickstart`.",
        store=redacted(store.location),
        region=region,
    )


def usage(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(ExitStatus.USAGE)


def period_option(label: str | None) -> Period | None:
    if label is None:
        return None
    try:
        return parse_period(label)
    except PeriodError as error:
        raise usage(str(error)) from error


def code_option(classifications: Classifications, kind: str, label: str) -> str:
    """The code an option names (a code, or a name such as 出口 or 国际收支); an unknown one
    is a usage error in one line."""
    try:
        return classifications.code(kind, label)
    except UnknownCodeError as error:
        raise usage(_(error.message, kind=_(kind), label=label)) from None


def basis_option(store: Store, label: str | None) -> str | None:
    return None if label is None else code_option(store.classifications(), "basis", label)


def date_option(label: str | None) -> date | None:
    if label is None:
        return None
    try:
        return date.fromisoformat(label)
    except ValueError as error:
        raise usage(_("{value} is not a date (YYYY-MM-DD)", value=label)) from error


def parse_assignments(values: list[str], option: str) -> dict[str, str]:
    """`KEY=VALUE` options (--set, --growth, --base) as a mapping."""
    parsed = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise usage(_("{option} takes KEY=VALUE, got {value}", option=option, value=item))
        parsed[key.strip()] = value.strip()
    return parsed


def check_format(format_: str, allowed: tuple[str, ...] = ("table", "json")) -> None:
    if format_ not in allowed:
        raise usage(_("--format must be one of {choices}", choices=", ".join(allowed)))
