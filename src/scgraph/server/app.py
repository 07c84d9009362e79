"""Build the FastAPI application: `create_app(settings)`; nothing happens at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from fastapi.templating import Jinja2Templates
from opentelemetry import _logs as otel_logs
from opentelemetry import metrics, trace

from scgraph import __version__
from scgraph.served_store import close_served_store
from scgraph.server import (
    api,
    dumps,
    ontology_page,
    pages,
    query_page,
    reconcile,
    reload,
    sparql,
    void,
)
from scgraph.server.aborted_streams import AbortedStreams
from scgraph.server.body_limit import BodyLimit
from scgraph.server.errors import REQUEST_ID_HEADER, install_error_handlers
from scgraph.server.etags import CodingAwareETags
from scgraph.server.reload import build_directory, open_served
from scgraph.server.request_ids import RequestIds
from scgraph.server.response_cache import CachedResponses, ResponseCache
from scgraph.server.sparql_direct import DirectSparql
from scgraph.server.sparql_lane import LaneFirst
from scgraph.server.warm_up import warm_up_state
from scgraph.settings import Settings, get_settings

EXPOSED_HEADERS = ["Link", "ETag", "Location", "Content-Location", "Vary", REQUEST_ID_HEADER]
CORS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "HEAD", "POST", "OPTIONS"],
    "allow_headers": ["*"],
    "expose_headers": EXPOSED_HEADERS,
    "max_age": 86400,
}


def _package_dir(name: str) -> Path:
    return Path(str(files("scgraph") / name))


def _telemetry() -> TelemetryConfig:
    """FastAPI reports to OpenTelemetry when a global provider is set, and by default looks for
    one on every request: ~20 µs, a tenth of a cheap SPARQL answer. Providers are set before the
    application is made (by `opentelemetry-instrument`, or by the code that calls create_app), so
    look once, here; a signal whose provider is still the API's placeholder is off."""
    return {
        "tracing": _configured(trace.get_tracer_provider()),
        "metrics": _configured(metrics.get_meter_provider()),
        "logs": _configured(otel_logs.get_logger_provider()),
    }


def _configured(provider: object) -> bool:
    # The API's placeholders (ProxyTracerProvider, _ProxyMeterProvider, ProxyLoggerProvider) stand
    # in until an SDK provider is set; the API has no public "is configured" query.
    return not type(provider).__name__.lstrip("_").startswith("Proxy")


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
        close_served_store(app.state.served.store)
        app.state.served = None

    app = LaneFirst(
        telemetry=_telemetry(),
        title="scgraph",
        version=__version__,
        summary="An open knowledge graph of smart-city news: SPARQL, linked data and lookups.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=_package_dir("templates"))
    app.state.templates.env.globals["version"] = __version__
    # The templates are package files: no stat() of each one on every render.
    app.state.templates.env.auto_reload = False
    # Innermost: its 413 is raised while the endpoint reads the body.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(CodingAwareETags)  # outside GZip: sees the encoded response
    # Outside both: an entry holds the encoded body with its final ETag (see response_cache.py).
    app.state.response_cache = ResponseCache(max(0, settings.answer_cache_mb) * 1024 * 1024)
    app.add_middleware(CachedResponses, cache=app.state.response_cache)
    app.add_middleware(CORSMiddleware, **CORS)
    app.add_middleware(RequestIds)
    app.add_middleware(AbortedStreams)  # nothing after it may see the exception
    # Outermost: /sparql queries skip the routing, in the same layers (sparql_direct.py).
    app.add_middleware(DirectSparql, body_limit=settings.max_body_bytes, cors=CORS)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=_package_dir("static")), name="static")

    @app.get("/health", include_in_schema=False)
    def health(request: Request) -> dict[str, str]:
        """Liveness, the build being served and how far its warm-up is, for process managers,
        tests and benchmarks."""
        build = request.app.state.served.build_id
        return {"status": "ok", "build": build, "warm_up": warm_up_state(request.app)}

    app.include_router(sparql.router)
    app.include_router(reload.router)  # after sparql: watches while the query pool is up
    app.include_router(query_page.router)
    app.include_router(api.router)
    app.include_router(reconcile.router)
    app.include_router(ontology_page.router)
    app.include_router(void.router)
    app.include_router(dumps.router)
    app.include_router(pages.router)
    return app
