"""The dashboard: server-rendered pages (Jinja2) with Apache ECharts charts, in Chinese and
English. Pages call the same functions as the CLI and the API; each chart's table is
downloadable as CSV and shown as its text alternative."""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from servtrade.access.signin import MAX_PASSWORD, SignInError, sign_in, sign_out
from servtrade.classification import PROVINCIAL_KINDS, Classifications, amount_text
from servtrade.forecast import Frequency
from servtrade.i18n import (
    N_,
    _,
    declared_language,
    format_number,
    gettext,
    html_language,
    language,
    translate_all,
)
from servtrade.indicators.registry import INDICATOR_WORDS
from servtrade.indicators.summary import headline_cell, headline_summary
from servtrade.opening import (
    NATIONAL,
    applicable_measures,
    designations,
    edition_diff,
    exposure,
)
from servtrade.periods import PeriodError, parse_period
from servtrade.plans import plan_catalog, task_states
from servtrade.plans.compare import compare_places
from servtrade.plans.progress import TargetProgress, track_plan, year_to_date_note
from servtrade.plans.schema import PLATFORM_WORDS, TASK_STATUS_WORDS
from servtrade.plans.trajectory import target_trajectories
from servtrade.plans.verdict import status_words
from servtrade.report.html import LABELS as REPORT_LABELS
from servtrade.report.html import headline_basis_name
from servtrade.serving import csv_response, region_code, store_session
from servtrade.serving.errors import ApiError, request_language
from servtrade.serving.guard import AUTH_STATE, CSRF_STATE, SESSION_COOKIE
from servtrade.store import ObservationQuery, Store
from servtrade.views import PlanSummary
from servtrade.web.charts import (
    OUTLOOK_HORIZONS,
    ChartData,
    compare_chart,
    drivers_chart,
    fan_chart,
    outlook_chart,
    partners_chart,
    shares_chart,
    structure_chart,
    trend_chart,
    unit_name,
)

STATIC = Path(__file__).parent / "static"
pages = APIRouter(include_in_schema=False)
StoreDep = Annotated[Store, Depends(store_session)]
STATUS_CLASSES = {
    "target_achieved": "good",
    "substantial_progress": "good",
    "moderate_progress": "fair",
    "limited_progress": "poor",
    "deterioration": "bad",
    "not_available": "none",
}
LABELS = REPORT_LABELS | {
    "app": N_("Trade in services"),
    "overview": N_("Overview"),
    "plans": N_("Plans"),
    "compare": N_("Compare"),
    "upload": N_("Upload"),
    "places": N_("Places"),
    "csv": N_("Data (CSV)"),
    "table": N_("Data table"),
    "indicator": N_("Indicator"),
    "show": N_("Show"),
    "token": N_("Token"),
    "sign_in": N_("Sign in"),
    "sign_out": N_("Sign out"),
    "user_name": N_("Name"),
    "password": N_("Password"),
    "signed_in_upload": N_("Signed in: the file is loaded as you, within your regions."),
    "file": N_("File"),
    "drop": N_("Drop a CSV, Excel or SDMX file here, or choose one."),
    "check": N_("Check"),
    "commit": N_("Load into the store"),
    "line": N_("Line"),
    "column": N_("Column"),
    "reason": N_("Reason"),
    "opening": N_("Opening up"),
    "mode": N_("Mode of supply"),
    "category": N_("EBOPS category"),
    "measures_recorded": N_("measures listed / recorded here"),
    "no_texts": N_(
        "No measure texts of this edition are recorded here; load the official text with "
        "`servtrade opening import`."
    ),
    "openings": N_("Documented openings beyond the national list"),
    "exposure": N_("Services trade in categories a measure touches"),
    "diff": N_("Compared with the national list"),
    "diff_counts": N_("recorded measures only in the national list / only in this list / in both"),
    "platforms": N_("Pilot platforms"),
    "frequency": N_("Outlook by"),
    "annual": N_("year"),
    "quarterly": N_("quarter"),
    "monthly": N_("month"),
}


def labels() -> dict[str, str]:
    return translate_all(LABELS)


_environment = Environment(
    loader=PackageLoader("servtrade.web", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _chart_view(chart: ChartData, query: str) -> dict[str, Any]:
    return {
        "name": chart.name,
        "title": chart.title,
        "description": chart.description,
        "columns": chart.columns,
        "rows": chart.rows,
        "option": json.dumps(chart.option, ensure_ascii=False),  # escaped into the attribute
        "csv": f"/charts/{chart.name}.csv?{query}",
    }


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    lang = language()
    _token, user = getattr(request.state, AUTH_STATE, (None, None))
    response = HTMLResponse(
        _environment.get_template(template).render(
            label=labels(),
            user=user,
            csrf=getattr(request.state, CSRF_STATE, None),
            lang=html_language(lang),
            other_lang="en" if lang == "zh" else "zh",
            path=request.url.path,
            query={k: v for k, v in request.query_params.items() if k != "lang"},
            **values,
        ),
        status_code=status_code,
    )
    if "lang" in request.query_params:
        response.set_cookie("lang", request_language(request), samesite="lax")
    return response


def _headline(store: Store, region: str) -> list[dict[str, Any]]:
    rows = headline_summary(store, region)
    basis = headline_basis_name(rows, store.classifications(), language())
    return [
        {
            "period": row.period,
            "basis": basis,
            "cells": [headline_cell(v, row.unit) for v in row.figures()],
        }
        for row in rows
    ]


def _places(store: Store) -> list[dict[str, Any]]:
    """Every region with figures, with its latest total."""
    frame = store.observations(ObservationQuery(flows=["total"], categories=["S"]))
    frame = frame[frame["partner"] == "W1"].sort_values(["year", "last_month"])
    classifications = store.classifications()
    names = classifications.regions
    places = []
    for region, rows in frame.groupby("region"):
        latest = rows.iloc[-1]
        places.append(
            {
                "code": region,
                "name": names[str(region)].name(language()),
                "period": latest["period"],
                "value": amount_text(float(latest["value"]), str(latest["unit"]), classifications)
                if latest["value"] == latest["value"]
                else "—",
            }
        )
    return places


@pages.get("/", response_class=HTMLResponse)
def overview(request: Request, store: StoreDep) -> HTMLResponse:
    return render(
        request,
        "overview.html.j2",
        title=_("Overview"),
        region_name=store.classifications().regions["CN"].name(language()),
        headline=_headline(store, "CN"),
        charts=[
            _chart_view(trend_chart(store, "CN"), "region=CN"),
            _chart_view(shares_chart(store, "CN"), "region=CN"),
        ],
        places=_places(store),
    )


@pages.get("/region/{code}", response_class=HTMLResponse)
def region_page(
    request: Request, code: str, store: StoreDep, frequency: Frequency = "annual"
) -> HTMLResponse:
    region = region_code(store, code)
    query = f"region={region}&frequency={frequency}"
    charts = [
        trend_chart(store, region),
        outlook_chart(store, region, frequency),
        structure_chart(store, region),
        shares_chart(store, region),
        drivers_chart(store, region),
        partners_chart(store, region),
    ]
    return render(
        request,
        "region.html.j2",
        title=store.classifications().regions[region].name(language()),
        region=region,
        headline=_headline(store, region),
        charts=[_chart_view(c, query) for c in charts if c.rows],
        plans=[p for p in plan_catalog(store).values() if p.region == region],
        frequency=frequency,
        frequencies=list(OUTLOOK_HORIZONS),
    )


@pages.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, store: StoreDep) -> HTMLResponse:
    lang = language()
    names = store.classifications().regions
    return render(
        request,
        "plans.html.j2",
        title=_("Plans"),
        plans=[
            PlanSummary.of(p, lang).model_dump()
            | {
                "title_lang": declared_language(p.title.written_in(lang), lang),
                "region_name": names[p.region].name(lang),
            }
            for p in plan_catalog(store).values()
        ],
    )


def _plan_or_404(store: Store, plan_id: str) -> Any:
    catalog = plan_catalog(store)
    if plan_id not in catalog:
        raise ApiError(404, "unknown_plan", N_("no plan {plan}"), plan=plan_id)
    return catalog[plan_id]


def _year_to_date(item: TargetProgress, classifications: Classifications) -> str:
    if item.year_to_date is None:
        return ""
    shown = amount_text(item.year_to_date.value, item.target.unit, classifications)
    note = year_to_date_note(item, shown, item.year_to_date.period)
    return "" if note is None else str(note)


def _expected(item: TargetProgress) -> str:
    if item.expected_value is None:
        return "—"
    low = format_number(item.expected_lo80 or 0.0, 1)
    high = format_number(item.expected_hi80 or 0.0, 1)
    return f"{format_number(item.expected_value, 1)} ({low} – {high})"


@pages.get("/plan/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, plan_id: str, store: StoreDep) -> HTMLResponse:
    plan = _plan_or_404(store, plan_id)
    lang = language()
    progress = track_plan(store, plan)
    classifications = store.classifications()
    targets = []
    for item in progress.targets:
        target = item.target
        # The bar compares like with like: the full year the target is judged on.
        judged = item.judged.value if item.judged else None
        fill = 0.0
        if judged is not None and target.value:
            fill = max(0.0, min(1.0, judged / target.value))
        required, actual, points = item.paces
        suffix = " pp" if points else "%"
        targets.append(
            {
                "id": target.id,
                "description": target.description.text(lang),
                "goal": target.goal_text(classifications),
                "latest": "—"
                if item.judged is None
                else (
                    target.figure_text(item.judged.value, classifications, item.judged.qualifier)
                    + f" ({item.judged.period})"
                ),
                "year_to_date": _year_to_date(item, classifications),
                "fill": round(fill * 100),
                "status": status_words(item.status),
                "status_class": STATUS_CLASSES.get(item.status, "none"),
                "required": "—" if required is None else format_number(required, 2) + suffix,
                "actual": "—" if actual is None else format_number(actual, 2) + suffix,
                "probability": "—"
                if item.probability is None
                else format_number(item.probability * 100, 0) + "%",
                "expected": _expected(item),
                "verdict": "" if item.verdict is None else str(item.verdict),
            }
        )
    tasks: dict[str, list[dict[str, str]]] = defaultdict(list)
    for state in task_states(store, plan):
        tasks[state.task.aspect.text(lang)].append(
            {
                "id": state.task.id,
                "title": state.task.title.text(lang),
                "status": gettext(TASK_STATUS_WORDS[state.status]),
                "by": state.changed_by or "",
            }
        )
    fans = [
        _chart_view(
            fan_chart(t, t.target.description.text(lang), classifications),
            f"plan={plan.id}&target={t.target.id}",
        )
        for t in target_trajectories(store, plan, None)
    ]
    return render(
        request,
        "plan.html.j2",
        title=plan.title.text(lang),
        title_lang=declared_language(plan.title.written_in(lang), lang),
        plan=plan,
        issuer=plan.issuer.text(lang),
        region_name=store.classifications().regions[plan.region].name(lang),
        targets=targets,
        charts=fans,
        tasks=dict(tasks),
    )


@pages.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    store: StoreDep,
    indicator: str = "value",
    period: str = "2024",
    kind: Annotated[str, Query(pattern="^(province|country|all)$")] = "province",
) -> HTMLResponse:
    chart = _compare(store, indicator, period, kind)
    return render(
        request,
        "compare.html.j2",
        title=_("Compare"),
        indicator=indicator,
        period=period,
        kind=kind,
        indicators={
            code: gettext(INDICATOR_WORDS[code])
            for code in (
                "value",
                "yoy_growth",
                "knowledge_intensive_share",
                "digitally_deliverable_share",
                "share_of_parent",
            )
        },
        kinds={
            "province": _("provincial level"),
            "country": _("countries"),
            "all": _("all places"),
        },
        chart=_chart_view(chart, f"indicator={indicator}&period={period}&kind={kind}"),
    )


def _compare(store: Store, indicator: str, period: str, kind: str) -> ChartData:
    try:
        chosen = parse_period(period)
    except PeriodError as error:
        raise ApiError(
            422, "invalid_period", N_("invalid period: {reason}"), reason=error
        ) from error
    classifications = store.classifications()
    present = set(store.observations(ObservationQuery())["region"])
    kinds = PROVINCIAL_KINDS if kind == "province" else (kind,)
    regions = sorted(
        r for r in present if kind == "all" or classifications.regions[r].kind in kinds
    )
    unit = "CNY_100M" if indicator == "value" else None
    rows = compare_places(store, indicator, regions, chosen, unit=unit, with_targets=False)
    return compare_chart(rows, store, indicator, period)


@pages.get("/opening", response_class=HTMLResponse)
def opening_page(
    request: Request,
    store: StoreDep,
    region: str = "CN",
    category: str | None = None,
    mode: Annotated[str | None, Query(pattern="^[124]?$")] = None,
) -> HTMLResponse:
    code = region_code(store, region)
    category_code = store.classifications().code("category", category) if category else None
    found = applicable_measures(store, code, category=category_code, mode=mode or None)
    lang = language()
    diff = edition_diff(store, NATIONAL, found.edition.id) if found.edition.id != NATIONAL else None
    exposed = exposure(store, code)
    return render(
        request,
        "opening.html.j2",
        title=_("Opening up"),
        region=code,
        category=category or "",
        mode=mode or "",
        edition=found.edition,
        edition_title=found.edition.title_zh if lang == "zh" else found.edition.title_en,
        found=found,
        diff=diff,
        exposure=exposed,
        exposure_figures=None
        if exposed is None
        else {
            "touched": format_number(exposed.touched, 1),
            "total": format_number(exposed.total, 1),
            "share": format_number(exposed.share, 1),
            "unit": unit_name(store, exposed.unit),
        },
        platforms=designations(store),
        platform_words=translate_all(PLATFORM_WORDS),
    )


@pages.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, store: StoreDep) -> HTMLResponse:
    return render(request, "upload.html.j2", title=_("Upload"))


# The sign-in form's own CSRF token: a random cookie its hidden field must repeat, since
# there is no session yet to hold one.
SIGN_IN_COOKIE = "servtrade_signin"


def _cookie_options(request: Request) -> dict[str, Any]:
    """HttpOnly, same-site only, and Secure whenever the page came over HTTPS."""
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https"}


def _sign_in_form(
    request: Request,
    status_code: int = 200,
    message: str | None = None,
    name: str = "",
    next_page: str | None = None,
) -> HTMLResponse:
    form_token = secrets.token_urlsafe(32)
    response = render(
        request,
        "signin.html.j2",
        status_code=status_code,
        title=_("Sign in"),
        form_token=form_token,
        message=message,
        name=name,
        next=_local(next_page or request.query_params.get("next", "/")),
    )
    response.set_cookie(SIGN_IN_COOKIE, form_token, max_age=3600, **_cookie_options(request))
    return response


def _local(target: str) -> str:
    """A page of this site to go to after signing in (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@pages.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request) -> HTMLResponse:
    return _sign_in_form(request)


@pages.post("/signin", response_class=HTMLResponse)
def sign_in_submit(
    request: Request,
    store: StoreDep,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    form_token: Annotated[str, Form(max_length=128)],
    next_page: Annotated[str, Form(alias="next", max_length=512)] = "/",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not (expected and secrets.compare_digest(expected, form_token)):
        message = _("this form is not from this site's own page")
        return _sign_in_form(request, 403, message, name, next_page)
    try:
        session = sign_in(store, name, password)
    except SignInError as refused:
        if refused.locked_until is not None:
            message = _(
                "too many failed sign-ins; try again after {time}",
                time=refused.locked_until.strftime("%H:%M"),
            )
            return _sign_in_form(request, 429, message, name, next_page)
        return _sign_in_form(request, 401, _(str(refused)), name, next_page)
    response = RedirectResponse(_local(next_page), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=int((session.expires_at - datetime.now()).total_seconds()),
        **_cookie_options(request),
    )
    response.delete_cookie(SIGN_IN_COOKIE)
    return response


@pages.post("/signout")
def sign_out_submit(
    request: Request, store: StoreDep, csrf: Annotated[str, Form(max_length=128)]
) -> Response:
    expected = getattr(request.state, CSRF_STATE, None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None or not (expected and secrets.compare_digest(expected, csrf)):
        raise ApiError(403, "csrf", N_("this form is not from this site's own page"))
    sign_out(store, cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, **_cookie_options(request))
    return response


@pages.get("/charts/{name}.csv")
def chart_csv(
    name: str,
    store: StoreDep,
    region: str | None = None,
    plan: str | None = None,
    target: str | None = None,
    indicator: str = "value",
    period: str = "2024",
    kind: str = "province",
    frequency: Frequency = "annual",
) -> Response:
    builders = {
        "trend": trend_chart,
        "structure": structure_chart,
        "shares": shares_chart,
        "partners": partners_chart,
        "drivers": drivers_chart,
    }
    if name in builders and region is not None:
        chart = builders[name](store, region_code(store, region))
    elif name == "outlook" and region is not None:
        chart = outlook_chart(store, region_code(store, region), frequency)
    elif name == "compare":
        chart = _compare(store, indicator, period, kind)
    elif name.startswith("fan-") and plan is not None:
        found = _plan_or_404(store, plan)
        trajectories = target_trajectories(store, found, None)
        match = [t for t in trajectories if t.target.id == target]
        if not match:
            raise ApiError(404, "unknown_chart", N_("no chart {name}"), name=name)
        chart = fan_chart(
            match[0], match[0].target.description.text(language()), store.classifications()
        )
    else:
        raise ApiError(404, "unknown_chart", N_("no chart {name}"), name=name)
    return csv_response(chart.as_records(), f"{chart.name}.csv")
