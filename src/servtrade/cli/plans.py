"""Commands for plans: list, check, add, track, tasks, compare places, scenarios."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from servtrade.classification import Classifications, amount_text
from servtrade.cli.common import (
    ByOption,
    DbOption,
    FormatOption,
    check_format,
    code_option,
    date_option,
    err,
    open_store,
    out,
    parse_assignments,
    period_option,
    usage,
    writing_as,
)
from servtrade.i18n import N_, _, format_number, language
from servtrade.store import Store

if TYPE_CHECKING:  # plans (pydantic, YAML, the forecaster) are imported when a command runs
    from servtrade.plans import PlanError
    from servtrade.plans.progress import TargetProgress
    from servtrade.plans.schema import Plan

# Words shown from data, translated where printed (statuses: `status_words` and
# `TASK_STATUS_WORDS`).
SHOWN_WORDS = (
    N_("id"),
    N_("title"),
    N_("issued"),
    N_("info"),
)
STATUS_COLOURS = {
    "target_achieved": "green",
    "substantial_progress": "green",
    "moderate_progress": "yellow",
    "limited_progress": "dark_orange",
    "deterioration": "red",
}

plans_app = typer.Typer(invoke_without_command=True, help="List, check and add plans.")


def load_plan_or_exit(store: Store, plan_id: str) -> Plan:
    from servtrade.plans import PlanError, find_plan

    try:
        return find_plan(store, plan_id)
    except PlanError as error:
        _print_plan_error(error)
        raise typer.Exit(1) from error


def _print_plan_error(error: PlanError) -> None:
    for issue in error.issues:
        err.print(f"[red]{_('error')}[/red] {escape(str(issue))}", highlight=False)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _number(value: float | None, decimals: int = 1) -> str:
    return "—" if value is None else format_number(value, decimals)


@plans_app.callback()
def plans(ctx: typer.Context, db: DbOption = None, format_: FormatOption = "table") -> None:
    """List the plans: bundled ones and those added to the store."""
    from servtrade.plans import plan_catalog

    if ctx.invoked_subcommand is not None:
        return
    check_format(format_)
    with open_store(db) as store:
        catalog = plan_catalog(store)
    from servtrade.views import PlanSummary

    records = [PlanSummary.of(plan, language()).model_dump() for plan in catalog.values()]
    if format_ == "json":
        _json(records)
        return
    table = Table(title=_("Plans"))
    for column in ("id", "region", "title", "issued", "targets"):
        table.add_column(_(column))
    for record in records:
        table.add_row(*(str(record[c]) for c in ("id", "region", "title", "issued", "targets")))
    out.print(table)


@plans_app.command("schema")
def plans_schema() -> None:
    """Print the JSON Schema of plan documents."""
    from servtrade.plans import plan_json_schema

    sys.stdout.write(plan_json_schema())


@plans_app.command("add")
def plans_add(
    file: Path,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Validate a plan file and store it (replacing an earlier version of the same id)."""
    from servtrade.plans import PlanError, add_plan

    with open_store(db) as store, writing_as(store, by, "plans add") as user:
        try:
            plan = add_plan(store, file, user)
        except PlanError as error:
            _print_plan_error(error)
            raise typer.Exit(1) from error
    out.print(_("stored plan {plan}", plan=plan.id))


@plans_app.command("check")
def plans_check(
    plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option(help="Data as of this date.")] = None,
    max_gap: Annotated[
        float, typer.Option(help="Flag a grouping that must outgrow the total by more (points).")
    ] = 5.0,
    format_: FormatOption = "table",
) -> None:
    """Check that the plan's targets agree with each other and with the data."""
    from servtrade.plans.coherence import CHECK_WORDS, check_plan

    check_format(format_)
    with open_store(db) as store:
        plan = load_plan_or_exit(store, plan_id)
        findings = check_plan(plan, store.classifications(), store, date_option(as_of), max_gap)
    if format_ == "json":
        _json([f.as_dict() for f in findings])
        return
    if not findings:
        out.print(_("no findings"))
    for finding in findings:
        colour = "yellow" if finding.severity == "warning" else "cyan"
        check = _(CHECK_WORDS.get(finding.check, finding.check))
        out.print(f"[{colour}]{_(finding.severity)}[/{colour}] {check}: {finding.message}")


def _target_row(progress: TargetProgress, classifications: Classifications) -> list[str]:
    from servtrade.plans.verdict import status_words

    target = progress.target
    judged = progress.judged
    latest_text = "—"
    if judged is not None:
        shown = target.figure_text(judged.value, classifications, judged.qualifier)
        latest_text = f"{shown} ({judged.period})"
    colour = STATUS_COLOURS.get(progress.status, "white")
    return [
        target.id,
        str(target.target_year),
        target.goal_text(classifications),
        latest_text,
        f"[{colour}]{status_words(progress.status)}[/{colour}]",
        "—" if progress.probability is None else format_number(progress.probability * 100, 0) + "%",
    ]


def _paces(progress: TargetProgress) -> str | None:
    """The required and actual paces (growth, or points a year for shares), in one line
    below the table so that it fits 80 columns."""
    required, actual, points = progress.paces
    if required is None and actual is None:
        return None
    unit = " pp" if points else "%"
    return _(
        "required {required} a year, actual {actual} a year",
        required="—" if required is None else format_number(required, 2) + unit,
        actual="—" if actual is None else format_number(actual, 2) + unit,
    )


def register_plan_commands(app: typer.Typer) -> None:
    app.add_typer(plans_app, name="plans")
    app.command("track")(track)
    app.command("tasks")(tasks)
    app.command("compare")(compare)
    app.command("scenario")(scenario)


def track(
    plan_id: Annotated[str, typer.Argument(metavar="PLAN_ID_OR_FILE")],
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option(help="Data as of this date.")] = None,
    format_: FormatOption = "table",
) -> None:
    """Progress of each target: latest value, gap, required and actual growth, status."""
    from servtrade.plans.progress import track_plan, year_to_date_note

    check_format(format_)
    with open_store(db) as store:
        plan = load_plan_or_exit(store, plan_id)
        progress = track_plan(store, plan, date_option(as_of))
        classifications = store.classifications()
    if format_ == "json":
        _json(progress.as_dict())
        return
    lang = language()
    table = Table(title=f"{plan.title.text(lang)} — {plan.region}", box=box.SIMPLE_HEAD)
    for column in (
        N_("target"),
        N_("year"),
        N_("goal"),
        N_("latest"),
        N_("status"),
        N_("P(met)"),
    ):
        whole = column in ("target", "year", "P(met)")  # never broken; the others wrap at words
        table.add_column(_(column), no_wrap=whole)
    for target in progress.targets:
        table.add_row(*_target_row(target, classifications))
    out.print(table)
    for target in progress.targets:
        out.print(f"[bold]{target.target.id}[/bold]: {target.target.description.text(lang)}")
        if target.verdict is not None:
            out.print(f"  {target.verdict}", highlight=False)
        paces = _paces(target)
        if paces is not None:
            out.print(f"  {paces}", highlight=False)
        if target.year_to_date is not None:
            shown = amount_text(target.year_to_date.value, target.target.unit, classifications)
            note = year_to_date_note(target, shown, target.year_to_date.period)
            out.print(f"  {note}", highlight=False)
        for note in target.notes:
            out.print(f"  [dim]{note}[/dim]", highlight=False)
    out.print(
        _(
            "Growth in % a year (compound); for shares, change in percentage points a year. "
            "Status: Open SDG progress method on R = actual / required. "
            "P(met): probability of meeting the target from simulated forecast paths."
        )
    )


def tasks(
    plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
    set_: Annotated[
        list[str],
        typer.Option("--set", help="TASK_ID=STATUS (not_started, in_progress, done, blocked)."),
    ] = [],  # noqa: B006 - Typer reads the default, it is never mutated
    by: ByOption = None,
    note: Annotated[str | None, typer.Option(help="Evidence for the change.")] = None,
    db: DbOption = None,
    format_: FormatOption = "table",
) -> None:
    """List a plan's tasks by aspect, or record status changes (with who and when)."""
    from servtrade.plans import PlanError, task_states, update_task
    from servtrade.plans.schema import TASK_STATUS_WORDS

    check_format(format_)
    with open_store(db) as store:
        plan = load_plan_or_exit(store, plan_id)
        changes = parse_assignments(set_, "--set")
        if changes:
            with writing_as(store, by, "tasks --set") as user:
                for task_id, status in changes.items():
                    try:
                        update_task(store, plan, task_id, status, user, note)
                    except PlanError as error:
                        _print_plan_error(error)
                        raise typer.Exit(1) from error
        states = task_states(store, plan)
    lang = language()
    if format_ == "json":
        _json(
            [
                {
                    "id": s.task.id,
                    "aspect": s.task.aspect.text(lang),
                    "title": s.task.title.text(lang),
                    "lead": s.task.lead,
                    "due": s.task.due,
                    "status": s.status,
                    "changed_by": s.changed_by,
                    "changed_at": s.changed_at,
                    "note": s.note,
                }
                for s in states
            ]
        )
        return
    if not states:
        out.print(_("this plan lists no tasks"))
        return
    table = Table(title=plan.title.text(lang))
    for column in (N_("aspect"), N_("task"), N_("lead"), N_("due"), N_("status"), N_("changed")):
        table.add_column(_(column))
    for state in sorted(states, key=lambda s: s.task.aspect.text(lang)):
        changed = f"{state.changed_by} {state.changed_at:%Y-%m-%d}" if state.changed_at else ""
        table.add_row(
            state.task.aspect.text(lang),
            f"{state.task.id}: {state.task.title.text(lang)}",
            state.task.lead or "",
            str(state.task.due or ""),
            _(TASK_STATUS_WORDS[state.status]),
            changed,
        )
    out.print(table)


def compare(
    indicator: Annotated[str, typer.Option(help="Indicator to rank on.")],
    regions: Annotated[str, typer.Option(help="Comma-separated regions, e.g. CN-GD,CN-ZJ.")],
    period: Annotated[str, typer.Option(help="Period, e.g. 2024.")],
    flow: Annotated[str, typer.Option()] = "total",
    category: Annotated[str, typer.Option()] = "S",
    unit: Annotated[str | None, typer.Option()] = None,
    as_of: Annotated[str | None, typer.Option()] = None,
    db: DbOption = None,
    format_: FormatOption = "table",
) -> None:
    """Rank places on an indicator, with each place's progress on targets of that indicator."""
    from servtrade.plans.compare import compare_places

    check_format(format_)
    chosen = period_option(period)
    assert chosen is not None
    with open_store(db) as store:
        classifications = store.classifications()
        codes = [
            code_option(classifications, "region", label)
            for label in regions.split(",")
            if label.strip()
        ]
        rows = compare_places(
            store,
            indicator,
            codes,
            chosen,
            flow=code_option(classifications, "flow", flow),
            category=code_option(classifications, "category", category),
            unit=code_option(classifications, "unit", unit) if unit else None,
            as_of=date_option(as_of),
        )
    if format_ == "json":
        _json(
            [
                {
                    "rank": r.rank,
                    "region": r.region,
                    "value": r.value.value if r.value else None,
                    "unit": r.value.unit if r.value else None,
                    "derivation": r.value.derivation if r.value else None,
                    "basis": r.value.basis if r.value else None,
                    "qualifier": r.value.qualifier if r.value else None,
                    "targets": [{"plan": plan_id, **p.as_dict()} for plan_id, p in r.targets],
                }
                for r in rows
            ]
        )
        return
    table = Table(title=f"{indicator} — {chosen}")
    for column in (N_("rank"), N_("region"), N_("value"), N_("unit"), N_("targets")):
        table.add_column(_(column))
    for row in rows:
        targets = "; ".join(f"{p.target.id}: {_(p.status)}" for _plan_id, p in row.targets)
        table.add_row(
            str(row.rank or "—"),
            classifications.regions[row.region].name(language()),
            _number(row.value.value if row.value else None, 2),
            row.value.unit if row.value else "",
            targets,
        )
    out.print(table)


def scenario(
    plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
    growth: Annotated[
        list[str], typer.Option("--growth", help="CODE=RATE in % a year; TOTAL for the rest.")
    ],
    base: Annotated[
        list[str], typer.Option("--base", help="CODE=LEVEL for the base year (else from data).")
    ] = [],  # noqa: B006
    base_year: Annotated[int | None, typer.Option(help="Year of the --base levels.")] = None,
    as_of: Annotated[str | None, typer.Option()] = None,
    db: DbOption = None,
    format_: FormatOption = "table",
) -> None:
    """Outcome of each target under given growth rates, and the growth a share target needs."""
    from servtrade.plans.scenario import ScenarioError, run_scenario

    check_format(format_)
    try:
        rates = {k: float(v) for k, v in parse_assignments(growth, "--growth").items()}
        levels = {k: float(v) for k, v in parse_assignments(base, "--base").items()}
    except ValueError as error:
        raise usage(str(error)) from error
    with open_store(db) as store:
        plan = load_plan_or_exit(store, plan_id)
        try:
            result = run_scenario(
                store,
                plan,
                rates,
                base=levels or None,
                base_year=base_year,
                as_of=date_option(as_of),
            )
        except ScenarioError as error:
            err.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
        classifications = store.classifications()
    if format_ == "json":
        _json(
            {
                "plan": plan.id,
                "base_year": result.base_year,
                "unit": result.unit,
                "base": result.base,
                "growth": result.growth,
                "outcomes": [o.__dict__ for o in result.outcomes],
                "required": [r.__dict__ for r in result.required],
            }
        )
        return
    table = Table(title=_("Scenario from {year}", year=result.base_year))
    for column in (N_("target"), N_("year"), N_("projected"), N_("goal"), N_("met")):
        table.add_column(_(column))
    targets = {target.id: target for target in plan.targets}
    for outcome in result.outcomes:
        target = targets[outcome.target]
        table.add_row(
            outcome.target,
            str(outcome.year),
            target.figure_text(outcome.projected, classifications),
            target.goal_text(classifications),
            _("yes") if outcome.met else _("no"),
        )
    out.print(table)
    for required in result.required:
        out.print(
            _(
                "{target}: {grouping} must grow {rate} % a year if the rest grows {rest} %",
                target=required.target,
                grouping=classifications.categories[required.grouping].name(language()),
                rate=_number(required.required_growth, 2),
                rest=format_number(required.rest_growth, 2),
            )
        )
