"""The `report` command: a plan's progress report as HTML, PDF or Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from servtrade.cli.common import DbOption, date_option, open_store, out, usage
from servtrade.cli.plans import load_plan_or_exit
from servtrade.i18n import LANGUAGES, _, language


def register_report_commands(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    plan_id: Annotated[str, typer.Argument(metavar="PLAN_ID_OR_FILE")],
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en.")] = None,
    format_: Annotated[str, typer.Option("--format", help="html, pdf or xlsx.")] = "html",
    as_of: Annotated[str | None, typer.Option(help="Data as of this date.")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: PLAN_ID.LANG.FORMAT).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a progress report on a plan: figures, targets, charts, tasks, peers, sources."""
    from servtrade.report import FORMATS, render_report

    chosen = (lang or language()).lower()
    if chosen not in LANGUAGES:
        raise usage(_("--lang must be one of {choices}", choices=", ".join(LANGUAGES)))
    if format_ not in FORMATS:
        raise usage(_("--format must be one of {choices}", choices=", ".join(FORMATS)))
    with open_store(db) as store:
        plan = load_plan_or_exit(store, plan_id)
        data = render_report(store, plan, format_, chosen, date_option(as_of))
    target = out_file or Path(f"{plan.id}.{chosen}.{format_}")
    target.write_bytes(data)
    out.print(_("wrote {path}", path=target))
