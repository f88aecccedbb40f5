"""Commands for the web server: `serve` and `users`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from servtrade.access import ROLES, AccessError, add_user, authorise_admin
from servtrade.cli.common import ByOption, DbOption, err, open_store, out, usage, writing_as
from servtrade.i18n import _
from servtrade.store import redacted

users_app = typer.Typer(no_args_is_help=True, help="Users of the API and their tokens.")


def register_server_commands(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    private: Annotated[bool, typer.Option(help="Reading also needs a token.")] = False,
    write_rate: Annotated[str, typer.Option(help="Writes allowed per user.")] = "30/minute",
    read_rate: Annotated[
        str, typer.Option(help="Reads not answered from the cache, per client.")
    ] = "600/minute",
    cache: Annotated[
        int, typer.Option(help="Answers to public reads kept until the next write (0: none).")
    ] = 256,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (more than one needs PostgreSQL).")
    ] = 1,
) -> None:
    """Serve the REST API (/api, /docs) and the dashboard (/)."""
    import uvicorn

    from servtrade.server import Settings, create_app, settings_to_environment

    with open_store(db) as store:
        location = store.location
        shared = store.url is not None
    if workers > 1 and not shared:
        raise usage(
            _(
                "--workers {workers} needs a PostgreSQL store (--db postgresql://...): a DuckDB "
                "file is opened by one process",
                workers=workers,
            )
        )
    settings = Settings(
        db=location,
        public_read=not private,
        write_rate=write_rate,
        read_rate=read_rate,
        cache_entries=cache,
    )
    out.print(
        _("serving {db} on http://{host}:{port}/", db=redacted(location), host=host, port=port)
    )
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    settings_to_environment(settings)
    uvicorn.run(
        "servtrade.server:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help=" | ".join(ROLES))],
    region: Annotated[list[str], typer.Option("--region", help="Region in scope (repeat).")] = [],  # noqa: B006 - Typer reads the default, it is never mutated
    replace: Annotated[
        bool, typer.Option(help="Replace an existing user (its old token stops working).")
    ] = False,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Create a user (or, with --replace, replace it) and print its token once."""
    with open_store(db) as store, writing_as(store, by, "users add") as user:
        authorise_admin(user)  # the first user of a store is added by its owner
        if store.users().empty and role != "admin":
            raise usage(
                _(
                    "the first user of a store is its admin (--role admin), who adds the "
                    "others; with {role} first, no one could manage users",
                    role=role,
                )
            )
        try:
            token = add_user(store, name, role, region, replace=replace, by=user.name)
        except AccessError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from error
    out.print(_("token for {name} (shown once; store it safely):", name=name))
    out.print(token, highlight=False, soft_wrap=True)


@users_app.command("revoke")
def users_revoke(
    name: str,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Revoke a user's token now (a new one: `users add NAME --replace`)."""
    with open_store(db) as store, writing_as(store, by, "users revoke") as user:
        if user.name != name:  # a person may revoke their own token
            authorise_admin(user)
        if not store.revoke_token(name, user.name):
            err.print(f"[red]{_('no user {name}', name=name)}[/red]")
            raise typer.Exit(2)
    out.print(_("token of {name} revoked", name=name))


@users_app.command("password")
def users_password(
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Set the password a person signs in to the dashboard with (their sessions end)."""
    from servtrade.access.signin import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    with open_store(db) as store, writing_as(store, by, "users password") as user:
        if user.name != name:  # a person may set their own password
            authorise_admin(user)
        try:
            set_password(store, name, password, user.name)
        except ValueError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from error
    out.print(_("password of {name} set", name=name))


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Users, their roles and regions (never their tokens)."""
    with open_store(db) as store:
        frame = store.users()
    table = Table(title=_("Users"))
    for column in ("name", "role", "regions", "created_at"):
        table.add_column(column)
    for row in frame.itertuples(index=False):
        table.add_row(str(row.name), str(row.role), str(row.regions), str(row.created_at)[:16])
    out.print(table)
