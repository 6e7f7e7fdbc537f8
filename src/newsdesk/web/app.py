"""`create_app(store_url, settings)`: the FastAPI application of `newsdesk serve` (API and pages)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsdesk.errors import NewsdeskError, QueryError
from newsdesk.settings import Settings
from newsdesk.store import open_store
from newsdesk.web import api, desk_pages, pages
from newsdesk.web.insights import SCAN_LIMIT
from newsdesk.web.jobs import Jobs
from newsdesk.web.security import Guard, RateLimit, Shield, new_token
from newsdesk.web.state import Desk

HERE = Path(__file__).parent


def create_app(store_url: str | None, settings: Settings | None = None, *, api_token: str | None = None,
               read_token: bool = False, allow_private: bool = False, max_body: int = 1 << 20,
               max_upload: int | None = None, writes_per_minute: float = 60, write_burst: int = 20,
               scan_limit: int = SCAN_LIMIT, allowed_hosts: Iterable[str] = ()) -> FastAPI:
    """The desk over the store at `store_url` (opened now, closed at shutdown).

    `api_token` guards every write (a random one when None: read it from `app.state.desk.guard.token`);
    `read_token` makes reads need it too. `allow_private` lets ingest fetch private addresses.
    Request bodies are capped at `max_body` bytes (uploads at `max_upload`, by default the
    max_input_bytes setting plus 1 MiB) and authenticated writes at `writes_per_minute` per client.
    Requests are answered only for loopback names, IP addresses and `allowed_hosts` (see
    `newsdesk.web.security`).
    """
    settings = settings or Settings.from_env()
    if allow_private:
        settings = replace(settings, allow_private=True)
    store = open_store(store_url)
    guard = Guard(api_token or new_token(), read_token=read_token,
                  writes=RateLimit(write_burst, writes_per_minute))
    desk = Desk(store, settings, Jobs(store, settings), guard, settings.allow_private, scan_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        desk.jobs.close()
        store.close()

    app = FastAPI(title="newsdesk", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="The newsdesk store over HTTP: articles, search, sources, errors, coverage, "
                              "entities, quotations, roundups, exports and ingest. Write calls need the API "
                              "token as `Authorization: Bearer TOKEN`.")
    app.state.desk = desk
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(desk_pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Shield, max_body=max_body,
                       max_form_body=max_upload or settings.max_input_bytes + (1 << 20),
                       allowed_hosts=list(allowed_hosts))

    @app.exception_handler(QueryError)
    async def bad_query(request: Request, error: QueryError) -> Response:
        return _problem(request, 400, error.reason)

    @app.exception_handler(NewsdeskError)
    async def store_trouble(request: Request, error: NewsdeskError) -> Response:
        return _problem(request, 503, str(error))

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException and the router's 404 and 405
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return _problem(request, error.status_code, str(error.detail), dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": _jsonable(error.errors())}, status_code=422)
        return _problem(request, 400, "; ".join(str(item.get("msg")) for item in error.errors()))

    return app


# How `newsdesk serve --workers N` hands its options to each worker process (uvicorn starts them anew).
WORKER_DB = "NEWSDESK_SERVE_DB"
WORKER_READ_TOKEN = "NEWSDESK_SERVE_READ_TOKEN"
WORKER_ALLOW_PRIVATE = "NEWSDESK_SERVE_ALLOW_PRIVATE"
WORKER_ALLOWED_HOSTS = "NEWSDESK_SERVE_ALLOWED_HOSTS"


def from_environment() -> FastAPI:
    """The desk of one worker of `newsdesk serve --workers N` (uvicorn's factory): the store, token and
    flags from the variables the serve command set (the token from $NEWSDESK_API_TOKEN)."""
    import os

    return create_app(os.environ.get(WORKER_DB) or None, api_token=os.environ.get("NEWSDESK_API_TOKEN"),
                      read_token=os.environ.get(WORKER_READ_TOKEN) == "1",
                      allow_private=os.environ.get(WORKER_ALLOW_PRIVATE) == "1",
                      allowed_hosts=os.environ.get(WORKER_ALLOWED_HOSTS, "").split())


def _jsonable(errors: object) -> object:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str, bytes: lambda b: b.decode("latin-1")})


def _problem(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return pages.error_page(request, status, detail, headers)


def _version() -> str:
    from importlib.metadata import version

    return version("newsdesk")
