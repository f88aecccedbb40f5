"""REST routes of the opening-up register under /api/opening."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from servtrade.access import User
from servtrade.api.routes import Json, StoreDep, saved_upload
from servtrade.i18n import N_
from servtrade.opening import (
    MODES,
    applicable_measures,
    designations,
    edition_diff,
    editions,
    exposure,
    record_designation,
)
from servtrade.opening.importer import import_edition
from servtrade.serving import Service, code_of, reader, region_code, service, writer
from servtrade.serving.errors import ApiError, ErrorBody

opening_router = APIRouter()


def _edition(edition_id: str) -> None:
    if edition_id not in editions():
        raise ApiError(404, "unknown_edition", N_("no edition {edition}"), edition=edition_id)


@opening_router.get("/editions", summary="Negative-list editions")
def list_editions(_user: Annotated[User | None, Depends(reader)]) -> list[Json]:
    return [
        e.__dict__ | {"notes": list(e.notes), "sources": list(e.sources)}
        for e in editions().values()
    ]


@opening_router.get("/measures", summary="Measures that apply to a service, mode and place")
def list_measures(
    store: StoreDep,
    _user: Annotated[User | None, Depends(reader)],
    region: str = "CN",
    category: str | None = None,
    door: Annotated[str | None, Query(pattern="^[A-T]$")] = None,
    mode: Annotated[str | None, Query(pattern="^[124]$")] = None,
) -> Json:
    code = region_code(store, region)
    category_code = None if category is None else code_of(store, "category", category)
    found = applicable_measures(store, code, category=category_code, door=door, mode=mode)
    return {
        "region": code,
        "edition": found.edition.id,
        "measures_listed": found.edition.measures,
        "measures_recorded": found.recorded,
        "measures": [m.as_dict() for m in found.measures],
        "without_mode_tag": found.untagged_modes,
        "documented_openings": [r.__dict__ | {"doors": list(r.doors)} for r in found.relaxations],
        "modes": list(MODES),
    }


@opening_router.get(
    "/diff",
    summary="What one edition opens beyond another",
    responses={404: {"model": ErrorBody, "description": "no such edition (`unknown_edition`)"}},
)
def diff(
    store: StoreDep,
    _user: Annotated[User | None, Depends(reader)],
    base: str = "national-2024",
    other: str = "ftz-2024",
) -> Json:
    _edition(base)
    _edition(other)
    found = edition_diff(store, base, other)
    return {
        "base": base,
        "other": other,
        "only_in_base": [m.as_dict() for m in found.only_in_base],
        "only_in_other": [m.as_dict() for m in found.only_in_other],
        "in_both": len(found.in_both),
        "documented_openings": [r.__dict__ | {"doors": list(r.doors)} for r in found.documented],
    }


@opening_router.get("/exposure", summary="Services trade in categories a measure touches")
def trade_exposure(
    store: StoreDep,
    _user: Annotated[User | None, Depends(reader)],
    region: str = "CN",
    period: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
) -> Json:
    found = exposure(store, region_code(store, region), period)
    if found is None:
        raise ApiError(
            404,
            "no_breakdown",
            N_("no category breakdown of services trade for {region}"),
            region=region,
        )
    return found.__dict__ | {"share": found.share}


@opening_router.get("/designations", summary="Places' pilot platforms")
def list_designations(
    store: StoreDep, _user: Annotated[User | None, Depends(reader)]
) -> list[Json]:
    return [d.__dict__ for d in designations(store)]


@opening_router.post("/designations", summary="Record a place's pilot platform")
def add_designation(
    store: StoreDep,
    user: Annotated[User, Depends(writer)],
    svc: Annotated[Service, Depends(service)],
    region: str,
    kind: str,
    name_zh: str,
    name_en: str,
    date: str,
    source: str,
) -> Json:
    code = region_code(store, region)
    with svc.lock:
        try:
            record_designation(svc.store, code, kind, name_zh, name_en, date, source, user)
        except ValueError as error:
            raise ApiError(
                422, "invalid_designation", N_("invalid designation: {reason}"), reason=error
            ) from error
    svc.cache.invalidate()
    return {"region": code, "kind": kind}


@opening_router.post(
    "/editions/{edition_id}/import", summary="Import an edition's official text (admins)"
)
async def import_text(
    edition_id: str,
    file: UploadFile,
    user: Annotated[User, Depends(writer)],
    svc: Annotated[Service, Depends(service)],
    allow_partial: bool = False,
) -> Json:
    if not user.is_admin:
        raise ApiError(403, "forbidden", N_("only an admin can do this"))
    _edition(edition_id)
    with tempfile.TemporaryDirectory(prefix="opening-", dir=svc.upload_directory) as folder:
        path = await saved_upload(file, svc.settings.max_upload_bytes, Path(folder))
        # Off the event loop, as uploads: the store's lock is never waited for on it.
        return await run_in_threadpool(_import_edition, svc, user, path, edition_id, allow_partial)


def _import_edition(
    svc: Service, user: User, path: Path, edition_id: str, allow_partial: bool
) -> Json:
    with svc.lock:
        result = import_edition(svc.store, path, edition_id, user, allow_partial=allow_partial)
        stored = bool(result.measures) and (allow_partial or not result.errors)
    svc.cache.invalidate()
    return {
        "edition": edition_id,
        "measures": len(result.measures),
        "stored": stored,
        "issues": [{"line": i.line, "level": i.level, "message": i.message} for i in result.issues],
    }
