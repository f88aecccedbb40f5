"""What every command shares: consoles, the --db option, argument parsing."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from servtrade.i18n import _
from servtrade.ingest import ExitStatus
from servtrade.periods import Period, PeriodError, parse_period
from servtrade.store import Store, StoreLocation, StoreLockedError, default_db_path, is_postgres

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
    typer.Option("--by", help="Who does it, as the audit log names them (default: the OS user)."),
]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en.")]
BasisOption = Annotated[
    str | None,
    typer.Option(
        "--basis",
        help="Statistical basis: mofcom_sts, bop, unknown or a registered one "
        "(default: the first of mofcom_sts, bop, others, unknown with figures).",
    ),
]
FormatOption = Annotated[str, typer.Option("--format", help="table or json.")]


def acting(by: str | None) -> str:
    """Who a command's write is attributed to in the audit log: `--by`, else the OS user."""
    return by or getpass.getuser()


def open_store(db: str | None) -> Store:
    """The store `--db` names; when it cannot be opened (a server holds the file, the
    database is unreachable), one line says why and what to do."""
    location: StoreLocation = default_db_path() if db is None else db
    if not is_postgres(location):
        location = Path(location)
    try:
        return Store(location)
    except (StoreLockedError, ConnectionError) as error:
        err.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(ExitStatus.USAGE) from None


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


def basis_option(store: Store, label: str | None) -> str | None:
    """The basis code a `--basis` names (a code or a name such as 国际收支)."""
    if label is None:
        return None
    code = store.classifications().bases.resolve(label)
    if code is None:
        raise usage(_("unknown statistical basis {value!r}", value=label))
    return code


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
