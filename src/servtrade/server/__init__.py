"""The servtrade server: the REST API and the dashboard, one FastAPI application over one
store.

Every route calls the same core functions as the CLI (indicators, plans, forecasts,
ingest); nothing is computed here. The API (`servtrade.api`) and the pages
(`servtrade.web`) share what `servtrade.serving` holds and do not import each other; this
module puts them together.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from servtrade import __version__
from servtrade.access import WriteRefusedError
from servtrade.api.docs import add_docs
from servtrade.api.openapi import document_behaviour
from servtrade.api.opening import opening_router
from servtrade.api.routes import router
from servtrade.classification import UnknownCodeError
from servtrade.serving import LanguageAndCache, Service, Settings
from servtrade.serving.errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    refused_write_handler,
    unknown_code_handler,
    validation_error_handler,
)
from servtrade.serving.guard import Guard, too_large_handler
from servtrade.web import STATIC, pages

__all__ = ["Settings", "app_from_environment", "create_app", "settings_to_environment"]

# `servtrade serve --workers N` hands each worker process its settings here, as JSON.
ENV_SERVE_SETTINGS = "SERVTRADE_SERVE_SETTINGS"


def settings_to_environment(settings: Settings) -> None:
    os.environ[ENV_SERVE_SETTINGS] = json.dumps(asdict(settings) | {"db": str(settings.db)})


def app_from_environment() -> FastAPI:
    """The application of one worker process of a server on PostgreSQL."""
    return create_app(Settings(**json.loads(os.environ[ENV_SERVE_SETTINGS])))


def create_app(settings: Settings) -> FastAPI:
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()  # on shutdown (SIGTERM) too: its upload directory goes with it

    app = FastAPI(
        title="servtrade",
        version=__version__,
        description="Trade-in-services statistics, indicators, plans and forecasts.",
        lifespan=lifespan,
        docs_url=None,  # served from bundled files (servtrade.api.docs)
        redoc_url=None,
    )
    app.state.service = service

    app.add_middleware(Guard)
    app.add_middleware(LanguageAndCache)  # outermost: the language is set for the guard too
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(WriteRefusedError, refused_write_handler)
    app.add_exception_handler(UnknownCodeError, unknown_code_handler)
    app.add_exception_handler(413, too_large_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.include_router(router, prefix="/api")
    app.include_router(opening_router, prefix="/api/opening")
    app.include_router(pages)
    add_docs(app)
    document_behaviour(app, settings.public_read)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
