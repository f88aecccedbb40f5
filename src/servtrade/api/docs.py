"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), from files that ship
with the package (fastapi-offline's copies of both): they work on an intranet with no way
out, and under the same Content-Security-Policy as every page."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/static/api-docs"
VENDORED = "/static/api-docs/vendor"
OWN = Path(__file__).with_name("static")

SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>servtrade API</title>
<link rel="stylesheet" href="{vendored}/swagger-ui.css">
<link rel="icon" href="{vendored}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{vendored}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""

docs_router = APIRouter(include_in_schema=False)


@docs_router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(
        SWAGGER_PAGE.format(vendored=VENDORED, assets=ASSETS, openapi="/openapi.json")
    )


@docs_router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="servtrade API",
        redoc_js_url=f"{VENDORED}/redoc.standalone.js",
        redoc_favicon_url=f"{VENDORED}/favicon.png",
        with_google_fonts=False,
    )


def add_docs(app: FastAPI) -> None:
    """Mount the pages and their files (before the dashboard's own /static)."""
    vendored = files("fastapi_offline").joinpath("static")
    app.mount(VENDORED, StaticFiles(directory=str(vendored)), name="api-docs-vendor")
    app.mount(ASSETS, StaticFiles(directory=OWN), name="api-docs")
    app.include_router(docs_router)
