"""Build the FastAPI application: `create_app(settings)`; nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from scgraph import __version__
from scgraph.server import api, ontology_page, pages, query_page, reconcile, reload, sparql, void
from scgraph.server.body_limit import BodyLimit
from scgraph.server.errors import REQUEST_ID_HEADER, install_error_handlers, request_id
from scgraph.server.etags import CodingAwareETags
from scgraph.server.reload import build_directory, open_served
from scgraph.settings import Settings, get_settings

EXPOSED_HEADERS = ["Link", "ETag", "Location", "Content-Location", "Vary", REQUEST_ID_HEADER]


def _package_dir(name: str) -> Path:
    return Path(str(files("scgraph") / name))


class _RequestIdMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        rid = request_id(request)
        response = await call_next(request)
        response.headers.setdefault(REQUEST_ID_HEADER, rid)
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application serving the build that `settings` points at.

    The store is opened read-only when the application starts, so several worker processes can
    serve the same build; each follows `current` to newer builds (server/reload.py).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.served = open_served(settings, build_directory(settings))
        app.state.search = app.state.served.search
        yield
        app.state.served = None

    app = FastAPI(
        title="scgraph",
        version=__version__,
        summary="An open knowledge graph of smart-city news: SPARQL, linked data and lookups.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=_package_dir("templates"))
    app.state.templates.env.globals["version"] = __version__
    # Innermost: its 413 is raised while the endpoint reads, outside BaseHTTPMiddleware's task
    # group, which would turn it into an ExceptionGroup and a 500.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(CodingAwareETags)  # outside GZip: sees the encoded response
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=86400,
    )
    app.add_middleware(_RequestIdMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=_package_dir("static")), name="static")

    @app.get("/health", include_in_schema=False)
    def health(request: Request) -> dict[str, str]:
        """Liveness and the build being served, for process managers and tests."""
        return {"status": "ok", "build": request.app.state.served.build_id}

    app.include_router(sparql.router)
    app.include_router(reload.router)  # after sparql: watches while the query pool is up
    app.include_router(query_page.router)
    app.include_router(api.router)
    app.include_router(reconcile.router)
    app.include_router(ontology_page.router)
    app.include_router(void.router)
    app.include_router(pages.router)
    return app
