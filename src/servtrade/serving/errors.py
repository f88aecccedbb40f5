"""API errors: a stable code for programs and a message in the caller's language."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from servtrade.access import WriteRefusedError
from servtrade.classification import UnknownCodeError
from servtrade.i18n import N_, _, using_language
from servtrade.i18n.faults import schema_reason


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail


class ApiError(Exception):
    """An error the API reports as JSON: `{"error": {"code": ..., "message": ...}}`."""

    def __init__(self, status: int, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params


def request_language(request: Request) -> str:
    """?lang=, else the `lang` cookie, else Accept-Language (zh-CN → zh), else English."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if not chosen:
        accepted = request.headers.get("accept-language", "")
        chosen = "zh" if accepted.lower().lstrip().startswith("zh") else "en"
    return "zh" if chosen.lower().startswith("zh") else "en"


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


async def api_error_handler(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    with using_language(request_language(request)):
        message = _(error.message, **error.params)
    return JSONResponse(error_body(error.code, message), status_code=error.status)


async def unknown_code_handler(request: Request, error: Exception) -> JSONResponse:
    """A label no codelist knows: 404 for a region (the resource asked for), else 422."""
    assert isinstance(error, UnknownCodeError)
    with using_language(request_language(request)):
        if error.kind == "region":
            message = _("unknown region {region}", region=error.label)
            return JSONResponse(error_body("unknown_region", message), status_code=404)
        message = _(error.message, kind=_(error.kind), label=error.label)
    return JSONResponse(error_body("unknown_code", message), status_code=422)


async def refused_write_handler(request: Request, error: Exception) -> JSONResponse:
    """A write the core refused (role, region, bundled plan): 403 with its code."""
    assert isinstance(error, WriteRefusedError)
    with using_language(request_language(request)):
        message = _(error.message, **error.params)
    return JSONResponse(error_body(error.code, message), status_code=403)


async def validation_error_handler(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    with using_language(request_language(request)):
        details = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {schema_reason(e)}"
            for e in error.errors()
        )
        message = _("invalid request: {details}", details=details)
    return JSONResponse(error_body("invalid_request", message), status_code=422)


# What Starlette itself refuses (no such route, a method a route lacks, a body it cannot
# parse), in the API's format.
HTTP_ERRORS = {
    400: ("unreadable_body", N_("the request body cannot be read: {detail}")),
    404: ("not_found", N_("nothing is at {path}")),
    405: ("method_not_allowed", N_("{method} is not allowed at {path}")),
}


async def http_error_handler(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code, message = HTTP_ERRORS.get(
        error.status_code, ("http_error", N_("the request cannot be answered: {detail}"))
    )
    with using_language(request_language(request)):
        text = _(message, detail=error.detail, path=request.url.path, method=request.method)
    return JSONResponse(
        error_body(code, text), status_code=error.status_code, headers=error.headers
    )
