"""The OpenAPI document as the server behaves, so that a client generated from it (or a
tester such as Schemathesis) expects what the server answers.

FastAPI documents a route's success and its parameter validation; what happens before a
route runs (the guard's token, body-limit and read-limit checks) and the errors it raises
are found here from the route's dependencies and parameters: every error has the one body
`{"error": {"code", "message"}}`. On a server whose reads are public (the default) a read
needs no token, so its security is optional; a write always needs one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from servtrade.serving import admin, reader
from servtrade.serving.errors import ErrorBody

ERROR_REFERENCE = {"$ref": "#/components/schemas/ErrorBody"}
# Why each status can come, in the document's words.
STATUS_REASONS = {
    "400": "the body cannot be read (malformed JSON or multipart)",
    "401": "no token where one is needed (`login_required`), or one that is not valid "
    "(`invalid_token`)",
    "403": "the user's role or regions do not allow this (`forbidden`, a refused write's "
    "code), or a cookie without the session's CSRF token (`csrf`)",
    "404": "no such plan, region, edition, user or load",
    "409": "it exists already",
    "413": "the body is over its limit (`too_large`)",
    "422": "a parameter or the body is not valid (`invalid_request` and the route's codes)",
    "429": "over the client's rate limit (`rate_limited`) or reports busy (`reports_busy`)",
}
# Query parameters naming a region: an unknown one is a 404, as an unknown path is.
REGION_PARAMETERS = frozenset({"region", "regions"})
READS = frozenset({"GET", "HEAD"})


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _statuses(route: RouteContext, method: str, admin_only: bool) -> set[str]:
    statuses = {"401", "422", "429"}
    if method not in READS:
        statuses |= {"403", "413"}
        if route.body_field is not None:
            statuses.add("400")
    if admin_only:
        statuses.add("403")
    named = {p.alias for p in route.dependant.query_params} | {
        p.alias for p in route.dependant.path_params
    }
    if route.dependant.path_params or named & REGION_PARAMETERS:
        statuses.add("404")
    return statuses


def document_behaviour(app: FastAPI, public_read: bool) -> None:
    """Replace the app's OpenAPI document with one that states every error status of each
    operation (with the error body), and optional security on public reads."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components["ErrorBody"] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.update(components["ErrorBody"].pop("$defs", {}))
        # Each route as included, with its prefix and the dependencies of its routers.
        for route in iter_route_contexts(app.routes):
            if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
                continue
            calls = set(_calls(route.dependant))
            for method in route.methods or ():
                operation = schema["paths"][route.path_format][method.lower()]
                responses = operation["responses"]
                for status in sorted(_statuses(route, method, admin in calls)):
                    declared = route.responses.get(int(status), {})
                    responses[status] = {
                        "description": declared.get("description") or STATUS_REASONS[status],
                        "content": {"application/json": {"schema": ERROR_REFERENCE}},
                    }
                operation["responses"] = dict(sorted(responses.items()))
                if public_read and reader in calls:
                    operation["security"] = [{}, *operation.get("security", [])]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
