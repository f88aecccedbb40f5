"""REST routes under /api: read statistics, indicators, plans, progress, forecasts and
comparisons; write uploads, plans and task status with a token scoped to regions."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, Field
from starlette.concurrency import run_in_threadpool

from servtrade.access import ROLES, AccessError, User, UserExistsError, add_user
from servtrade.forecast import ForecastError, Frequency, indicator_forecast
from servtrade.fx import MissingRateError
from servtrade.i18n import N_, _, language
from servtrade.indicators import IndicatorError, IndicatorRequest, compute_indicators
from servtrade.indicators.drivers import growth_drivers
from servtrade.indicators.registry import INDICATORS
from servtrade.indicators.summary import headline_summary
from servtrade.ingest import IngestOptions, IngestReport, ReadOptions, ingest_file
from servtrade.periods import Period, PeriodError, parse_period
from servtrade.plans import (
    PlanError,
    plan_catalog,
    save_plan,
    task_states,
    update_task,
)
from servtrade.plans.compare import compare_places
from servtrade.plans.documents import parse_plan
from servtrade.plans.progress import track_plan
from servtrade.plans.schema import Plan
from servtrade.records.load import (
    DuckDBRecords,
    authorised_regions,
    issue_records,
    records_beside,
)
from servtrade.report import FORMATS, MEDIA_TYPES, render_report
from servtrade.serving import (
    Service,
    admin,
    code_of,
    csv_response,
    reader,
    region_code,
    service,
    store_session,
    write_session,
    writer,
)
from servtrade.serving.errors import ApiError, ErrorBody
from servtrade.store import ObservationQuery, Store
from servtrade.views import HeadlineView, IndicatorView, PlanSummary

router = APIRouter()
# How long a report request waits for the one being made before it; then 429.
REPORT_WAIT = 30.0
StoreDep = Annotated[Store, Depends(store_session)]
WriteStoreDep = Annotated[Store, Depends(write_session)]
ReaderDep = Annotated[User | None, Depends(reader)]
WriterDep = Annotated[User, Depends(writer)]
AdminDep = Annotated[User, Depends(admin)]
Json = dict[str, Any]
# The indicators a read may name, in its OpenAPI document (an unknown one is a 422).
INDICATOR_NAMES = {"enum": sorted(INDICATORS)}
IndicatorName = Annotated[str, Query(json_schema_extra=INDICATOR_NAMES)]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD: pydantic alone would read a number as seconds since 1970."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("a date is YYYY-MM-DD")
    return value


AsOf = Annotated[
    date | None,
    BeforeValidator(_iso_date),
    Query(description="Answer with the figures known on this date (YYYY-MM-DD)"),
]
IndicatorNames = Annotated[list[str], Query(json_schema_extra={"items": INDICATOR_NAMES})]


def _period(label: str | None) -> Period | None:
    if label is None:
        return None
    try:
        return parse_period(label)
    except PeriodError as error:
        raise ApiError(
            422, "invalid_period", N_("invalid period: {reason}"), reason=error
        ) from error


def _plan(store: Store, plan_id: str) -> Plan:
    catalog = plan_catalog(store)
    if plan_id not in catalog:
        raise ApiError(404, "unknown_plan", N_("no plan {plan}"), plan=plan_id)
    return catalog[plan_id]


# A read that answers JSON, or CSV with ?format=csv.
CSV_TOO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


# -- reading -------------------------------------------------------------------------------
@router.get("/regions", summary="Regions: countries, provinces and registered places")
def regions(store: StoreDep, _user: ReaderDep, kind: str | None = None) -> list[Json]:
    lang = language()
    return [
        {"code": c.code, "name": c.name(lang), "kind": c.kind, "parent": c.parent}
        for c in store.classifications().regions
        if kind is None or c.kind == kind
    ]


@router.get("/categories", summary="EBOPS 2010 categories and groupings")
def categories(store: StoreDep, _user: ReaderDep) -> list[Json]:
    lang = language()
    return [
        {"code": c.code, "name": c.name(lang), "parent": c.parent, "members": list(c.members)}
        for c in store.classifications().categories
    ]


@router.get("/groupings", summary="Groupings of categories (knowledge-intensive, ...)")
def groupings(store: StoreDep, _user: ReaderDep) -> list[Json]:
    lang = language()
    return [
        {"code": c.code, "name": c.name(lang), "members": list(c.members), "definition": c.note}
        for c in store.classifications().groupings()
    ]


OBSERVATION_FIELDS = (
    "region",
    "period",
    "flow",
    "category",
    "partner",
    "mode",
    "value",
    "unit",
    "yoy_growth",
    "source",
    "vintage",
    "note",
)


@router.get(
    "/observations", summary="Stored observations, filtered and paginated", responses=CSV_TOO
)
def observations(
    store: StoreDep,
    _user: ReaderDep,
    region: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default
    flow: Annotated[list[str], Query()] = [],  # noqa: B006
    category: Annotated[list[str], Query()] = [],  # noqa: B006
    period_from: Annotated[str | None, Query(alias="from")] = None,
    period_to: Annotated[str | None, Query(alias="to")] = None,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    frame = store.observations(
        ObservationQuery(
            regions=[region_code(store, r) for r in region],
            flows=[code_of(store, "flow", f) for f in flow],
            categories=[code_of(store, "category", c) for c in category],
            period_from=_period(period_from),
            period_to=_period(period_to),
            as_of=as_of,
        )
    )
    frame = frame.sort_values(["region", "year", "first_month", "last_month", "flow", "category"])
    start = (page - 1) * page_size
    records = json.loads(
        frame.iloc[start : start + page_size][list(OBSERVATION_FIELDS)].to_json(
            orient="records", date_format="iso", force_ascii=False
        )
    )
    for record in records:
        if record["vintage"]:
            record["vintage"] = str(record["vintage"])[:10]
    if format == "csv":
        return csv_response(records, "observations.csv")
    return {"total": len(frame), "page": page, "page_size": page_size, "items": records}


@router.get(
    "/indicators",
    summary="Indicators, published beside computed",
    responses=CSV_TOO,
    response_model=list[IndicatorView],
)
def indicators(
    store: StoreDep,
    _user: ReaderDep,
    region: str,
    indicator: IndicatorNames = ["value"],  # noqa: B006 - FastAPI reads the default
    flow: str = "total",
    category: str = "S",
    period_from: Annotated[str | None, Query(alias="from")] = None,
    period_to: Annotated[str | None, Query(alias="to")] = None,
    unit: str | None = None,
    as_of: AsOf = None,
    basis: str | None = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    unknown = [i for i in indicator if i not in INDICATORS]
    if unknown:
        raise ApiError(
            422, "unknown_indicator", N_("unknown indicator {indicator}"), indicator=unknown[0]
        )
    try:
        values = compute_indicators(
            store,
            IndicatorRequest(
                region=region_code(store, region),
                indicators=indicator,
                flow=code_of(store, "flow", flow),
                category=code_of(store, "category", category),
                period_from=_period(period_from),
                period_to=_period(period_to),
                unit=unit,
                as_of=as_of,
                basis=None if basis is None else code_of(store, "basis", basis),
            ),
        )
    except (IndicatorError, MissingRateError) as error:
        raise ApiError(
            422, "indicator_error", N_("cannot compute: {reason}"), reason=error
        ) from error
    views = [IndicatorView.of(v) for v in values]
    if format == "csv":
        return csv_response([v.model_dump() for v in views], "indicators.csv")
    return views


@router.get("/summary", summary="Headline figures of a region")
def summary(
    store: StoreDep,
    _user: ReaderDep,
    region: str,
    as_of: AsOf = None,
    basis: str | None = None,
) -> list[HeadlineView]:
    rows = headline_summary(
        store,
        region_code(store, region),
        as_of=as_of,
        basis=None if basis is None else code_of(store, "basis", basis),
    )
    return [HeadlineView.of(row) for row in rows]


@router.get("/plans", summary="Known plans: bundled and added")
def plans(store: StoreDep, _user: ReaderDep) -> list[PlanSummary]:
    return [PlanSummary.of(p, language()) for p in plan_catalog(store).values()]


@router.get("/plans/{plan_id}", summary="A plan document")
def plan(store: StoreDep, _user: ReaderDep, plan_id: str) -> Json:
    found: Json = _plan(store, plan_id).model_dump(mode="json")
    return found


@router.get("/plans/{plan_id}/progress", summary="Progress of each target (servtrade track)")
def progress(store: StoreDep, _user: ReaderDep, plan_id: str, as_of: AsOf = None) -> Json:
    result: Json = track_plan(store, _plan(store, plan_id), as_of).as_dict()
    return result


@router.get("/plans/{plan_id}/tasks", summary="Key tasks with their latest status")
def tasks(store: StoreDep, _user: ReaderDep, plan_id: str) -> list[Json]:
    lang = language()
    return [
        {
            "id": s.task.id,
            "aspect": s.task.aspect.text(lang),
            "title": s.task.title.text(lang),
            "status": s.status,
            "changed_by": s.changed_by,
            "changed_at": s.changed_at.isoformat() if s.changed_at else None,
            "note": s.note,
        }
        for s in task_states(store, _plan(store, plan_id))
    ]


@router.get(
    "/plans/{plan_id}/report",
    summary="The progress report as HTML, PDF or XLSX",
    response_class=Response,
    responses={
        200: {
            "description": "The report, as a file to save",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES.values()
            },
        }
    },
)
def report(
    store: StoreDep,
    _user: ReaderDep,
    svc: Annotated[Service, Depends(service)],
    plan_id: str,
    format: Annotated[str, Query(pattern="^(html|pdf|xlsx)$")] = "pdf",
    as_of: AsOf = None,
) -> Response:
    lang = language()
    found = _plan(store, plan_id)
    if not svc.reports.acquire(timeout=REPORT_WAIT):
        raise ApiError(
            429, "reports_busy", N_("reports are being made for others; try again shortly")
        )
    try:
        data = render_report(store, found, format, lang, as_of)
    finally:
        svc.reports.release()
    assert format in FORMATS
    return Response(
        data,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{plan_id}.{lang}.{format}"'},
    )


@router.get("/forecast", summary="Forecast with 80% and 95% intervals")
def forecast(
    store: StoreDep,
    _user: ReaderDep,
    region: str,
    indicator: IndicatorName = "value",
    flow: str = "total",
    category: str = "S",
    unit: str | None = None,
    horizon: Annotated[int, Query(ge=1, le=60)] = 5,
    as_of: AsOf = None,
    frequency: Frequency = "annual",
) -> Json:
    try:
        points, notes, unit_code = indicator_forecast(
            store,
            region_code(store, region),
            indicator,
            flow=code_of(store, "flow", flow),
            category=code_of(store, "category", category),
            unit=unit,
            horizon=horizon,
            as_of=as_of,
            frequency=frequency,
        )
    except ForecastError as error:
        raise ApiError(422, "no_forecast", N_("no forecast: {reason}"), reason=error) from error
    except (IndicatorError, MissingRateError) as error:
        raise ApiError(
            422, "indicator_error", N_("cannot compute: {reason}"), reason=error
        ) from error
    return {
        "unit": unit_code,
        "points": [p.as_dict() for p in points],
        "notes": [str(note) for note in notes],
    }


@router.get("/compare", summary="Places ranked on an indicator for one period")
def compare(
    store: StoreDep,
    _user: ReaderDep,
    period: str,
    region: Annotated[list[str], Query()] = [],  # noqa: B006
    indicator: IndicatorName = "value",
    flow: str = "total",
    category: str = "S",
    unit: str | None = None,
) -> list[Json]:
    chosen = _period(period)
    assert chosen is not None
    codes = [region_code(store, r) for r in region] or sorted(
        set(store.observations(ObservationQuery())["region"])
    )
    try:
        ranked = compare_places(
            store,
            indicator,
            codes,
            chosen,
            flow=code_of(store, "flow", flow),
            category=code_of(store, "category", category),
            unit=unit,
            with_targets=False,
        )
    except (IndicatorError, MissingRateError) as error:
        raise ApiError(
            422, "indicator_error", N_("cannot compute: {reason}"), reason=error
        ) from error
    return [
        {
            "rank": row.rank,
            "region": row.region,
            "value": None if row.value is None else row.value.value,
            "unit": None if row.value is None else row.value.unit,
            "derivation": None if row.value is None else row.value.derivation,
            "basis": None if row.value is None else row.value.basis,
            "qualifier": None if row.value is None else row.value.qualifier,
        }
        for row in ranked
    ]


@router.get("/drivers", summary="What drove growth: contributions, structure shifts, shift-share")
def drivers(
    store: StoreDep,
    _user: ReaderDep,
    region: str,
    period: str,
    by: Annotated[str, Query(pattern="^(category|grouping|flow|partner)$")] = "category",
    flow: str = "total",
    category: str = "S",
    against: str | None = None,
    unit: str | None = None,
    as_of: AsOf = None,
    basis: str | None = None,
) -> Json:
    chosen = _period(period)
    assert chosen is not None
    try:
        found = growth_drivers(
            store,
            region_code(store, region),
            chosen,
            by,
            flow=code_of(store, "flow", flow),
            category=code_of(store, "category", category),
            unit=None if unit is None else code_of(store, "unit", unit),
            as_of=as_of,
            basis=None if basis is None else code_of(store, "basis", basis),
            against=None if against is None else region_code(store, against),
        )
    except (IndicatorError, MissingRateError) as error:
        raise ApiError(422, "no_drivers", N_("no decomposition: {reason}"), reason=error) from error
    return found.as_dict()


# -- writing -------------------------------------------------------------------------------
def _report_json(report: IngestReport) -> Json:
    def issues(found: list[Any]) -> list[Json]:
        return [
            {"line": i.line, "column": i.column, "code": i.message, "reason": i.reason}
            for i in found
        ]

    return {
        "file": Path(report.file).name,
        "status": report.status,
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_already_stored": report.rows_already_stored,
        "rows_rejected": report.rows_rejected,
        "rows_skipped": report.rows_skipped,
        "summary": report.summary(),
        "regions": report.regions,
        "errors": issues(report.errors),
        "warnings": issues(report.warnings),
    }


# A file name a file system takes: not empty, not `.` or `..`, at most 255 bytes.
MAX_NAME_BYTES = 255


async def saved_upload(file: UploadFile, limit: int, folder: Path) -> Path:
    name = Path(file.filename or "upload.csv").name
    if name in ("", ".", "..") or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ApiError(
            422,
            "invalid_file_name",
            N_("the file name {name!r} is not a file name (at most {limit} bytes)"),
            name=(file.filename or "")[:80],
            limit=MAX_NAME_BYTES,
        )
    target = folder / name
    size = 0
    with target.open("wb") as handle:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise ApiError(
                    413, "too_large", N_("the file is over {limit:,} bytes"), limit=limit
                )
            handle.write(chunk)
    return target


@router.post("/uploads", summary="Upload a statistics or SDMX file (validated; dry_run checks)")
async def upload(
    request: Request,
    file: UploadFile,
    user: WriterDep,
    svc: Annotated[Service, Depends(service)],
    dry_run: bool = False,
    allow_partial: bool = False,
) -> Json:
    with tempfile.TemporaryDirectory(prefix="upload-", dir=svc.upload_directory) as folder:
        path = await saved_upload(file, svc.settings.max_upload_bytes, Path(folder))
        # Off the event loop: a write holding the store's lock hands it back through the
        # loop, so waiting for the lock on it would hang the server.
        return await run_in_threadpool(_ingest_upload, svc, user, path, dry_run, allow_partial)


def _ingest_upload(
    svc: Service, user: User, path: Path, dry_run: bool, allow_partial: bool
) -> Json:
    options = IngestOptions(
        allow_partial=allow_partial,
        read=ReadOptions(),
        rejected_dir=path.parent,
        dry_run=dry_run,
        user=user,
        audit_action="upload",
    )
    with svc.lock:
        report = ingest_file(svc.store, path, options)
        if not dry_run:
            svc.cache.invalidate()
        return _report_json(report)


@router.post(
    "/records/uploads",
    summary="Upload enterprise records (Parquet, CSV, .xlsx, .xls or .ods; validated, bad rows "
    "quarantined; dry_run checks)",
)
async def upload_records(
    file: UploadFile,
    user: WriterDep,
    svc: Annotated[Service, Depends(service)],
    dry_run: bool = False,
) -> Json:
    with tempfile.TemporaryDirectory(prefix="upload-", dir=svc.upload_directory) as folder:
        path = await saved_upload(file, svc.settings.max_upload_bytes, Path(folder))
        name = file.filename or path.name
        return await run_in_threadpool(_load_records_upload, svc, user, path, name, dry_run)


def _load_records_upload(svc: Service, user: User, path: Path, name: str, dry_run: bool) -> Json:
    with svc.lock:
        try:
            regions = authorised_regions(path, svc.store, user)
            if svc.store.url is None:
                report = DuckDBRecords(svc.store).load(path, dry_run=dry_run, by=user.name)
            else:
                records = records_beside(svc.store.session())
                try:
                    report = records.load(path, dry_run=dry_run, by=user.name)
                finally:
                    records.close()
        except ValueError as error:
            raise ApiError(
                422,
                "invalid_records_file",
                N_("not a records file: {reason}"),
                reason=error,
            ) from error
    return {
        "status": "checked" if dry_run else "loaded",
        "regions": regions,
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_already_stored": report.rows_already_stored,
        "rows_rejected": report.rows_rejected,
        "sheet": report.sheet,
        "errors": [
            {
                "row": issue["row_no"],
                "line": issue["line"],
                "record_id": issue["record_id"],
                "column": issue["column"],
                "value": issue["value"],
                "reason": _(str(issue["reason"])),
            }
            for issue in issue_records(report.issues)
        ],
    }


@router.put("/plans/{plan_id}", summary="Create or replace a plan (YAML document)")
def put_plan(
    plan_id: str,
    store: WriteStoreDep,
    user: WriterDep,
    document: Annotated[str, Body(media_type="application/yaml")],
) -> PlanSummary:
    try:
        plan = parse_plan(document, f"upload:{plan_id}", store.classifications())
    except PlanError as error:
        raise ApiError(422, "invalid_plan", N_("invalid plan: {reason}"), reason=error) from error
    if plan.id != plan_id:
        raise ApiError(422, "plan_id_mismatch", N_("the document's id is {found}"), found=plan.id)
    save_plan(store, plan, document, user)
    return PlanSummary.of(plan, language())


class TaskChange(BaseModel):
    status: str = Field(description="not_started, in_progress, done or blocked")
    note: str | None = None


@router.post("/plans/{plan_id}/tasks/{task_id}", summary="Record a task's new status")
def set_task(
    plan_id: str, task_id: str, change: TaskChange, store: WriteStoreDep, user: WriterDep
) -> Json:
    found = _plan(store, plan_id)
    try:
        update_task(store, found, task_id, change.status, user, change.note)
    except PlanError as error:
        raise ApiError(
            422, "invalid_task", N_("invalid task change: {reason}"), reason=error
        ) from error
    return {"plan": plan_id, "task": task_id, "status": change.status}


class NewUser(BaseModel):
    name: str = Field(max_length=64, description="letters, digits, . _ @ - (no spaces)")
    role: str = Field(description=", ".join(ROLES), json_schema_extra={"enum": list(ROLES)})
    regions: list[str] = Field(default_factory=list, max_length=100)
    replace: bool = Field(False, description="replace an existing user (its token stops)")


@router.post(
    "/users",
    summary="Create a user and return its token (admins)",
    responses={409: {"model": ErrorBody, "description": "the user exists (`user_exists`)"}},
)
def create_user(new: NewUser, store: WriteStoreDep, user: WriterDep) -> Json:
    if not user.is_admin:
        raise ApiError(403, "forbidden", N_("only an admin can do this"))
    try:
        token = add_user(store, new.name, new.role, new.regions, replace=new.replace, by=user.name)
    except UserExistsError as error:
        raise ApiError(409, "user_exists", N_("invalid user: {reason}"), reason=error) from error
    except AccessError as error:
        raise ApiError(422, "invalid_user", N_("invalid user: {reason}"), reason=error) from error
    return {"name": new.name, "role": new.role, "regions": new.regions, "token": token}


@router.delete("/users/{name}/tokens", summary="Revoke a user's token (admins)")
def revoke_token(name: str, store: WriteStoreDep, user: AdminDep) -> Json:
    if not store.revoke_token(name, user.name):
        raise ApiError(404, "unknown_user", N_("no user {name}"), name=name)
    return {"name": name, "revoked": True}


@router.delete("/loads/{load_id}", summary="Take a mistaken load out of the store (admins)")
def remove_load(load_id: str, store: WriteStoreDep, user: AdminDep) -> Json:
    try:
        removed = store.remove_load(load_id, user.name)
    except LookupError as error:
        raise ApiError(
            404, "unknown_load", N_("no load {load_id} in the store"), load_id=load_id
        ) from error
    return {
        "load_id": removed.load_id,
        "file": removed.file,
        "rows_removed": removed.rows_loaded,
        "regions": list(removed.regions),
    }


@router.get("/audit", summary="The audit log of every write (admins)")
def audit(store: StoreDep, _user: AdminDep) -> list[Json]:
    rows: list[Json] = json.loads(
        store.audit_log().to_json(orient="records", date_format="iso", force_ascii=False)
    )
    return rows
