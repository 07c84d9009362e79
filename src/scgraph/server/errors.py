"""The one place HTTP errors are shaped: problem+json (API), plain text (SPARQL), HTML (pages).

Every error response carries the request id, and no traceback or internal path ever leaves the
server.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from jinja2 import Environment
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Scope

from scgraph.errors import RemoteStoreError
from scgraph.negotiation import negotiate

logger = logging.getLogger("scgraph.server")

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"


class _FreshIds:
    """Ids of 32 hex digits, like a UUID's: a random half per process, then a counter. uuid4 reads
    the system's random source for each one, a visible part of a cheap SPARQL answer's time."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = secrets.token_hex(8)
        self.numbers = itertools.count()

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.numbers):016x}"


_fresh_id = _FreshIds()


def request_id(request: Request) -> str:
    """The id of this request: the client's X-Request-ID if sane, else a fresh one."""
    return request_id_of(request.scope)


_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")


def request_id_of(scope: Scope) -> str:
    """`request_id` from the ASGI scope: kept in its state, where `request.state` reads it.

    Read from the raw headers: a Request and its Headers cost a tenth of a cheap SPARQL answer.
    """
    state = scope.setdefault("state", {})
    existing = state.get("request_id")
    if isinstance(existing, str):
        return existing
    raw = next((value for key, value in scope["headers"] if key == _HEADER_KEY), b"")
    given = raw.decode("latin-1")
    rid = given if given.isascii() and given.isprintable() and 0 < len(given) <= 64 else ""
    state["request_id"] = rid or _fresh_id()
    return str(state["request_id"])


def _surface(request: Request) -> str:
    path = request.url.path
    if path.startswith("/api/") or path == "/api" or path.startswith("/reconcile"):
        return "api"
    if path.startswith("/sparql"):
        return "sparql"
    return "page"


def error_response(
    request: Request,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """An error in the shape of the surface the request was made to."""
    title = HTTPStatus(status).phrase
    rid = request_id(request)
    all_headers = {REQUEST_ID_HEADER: rid, **(headers or {})}
    if status >= 500:
        logger.error(
            "request %s %s %s failed: %s %s", rid, request.method, request.url.path, status, detail
        )
    surface = _surface(request)
    if surface == "sparql":
        return PlainTextResponse(f"{status} {title}: {detail}\n", status, headers=all_headers)
    wants_html = (
        negotiate(request.headers.get("accept"), ["application/json", "text/html"]) == "text/html"
    )
    if surface == "page" and wants_html and request.headers.get("accept"):
        environment: Environment = request.app.state.templates.env
        body = environment.get_template("error.html").render(
            request=request,
            status=status,
            title=title,
            detail=detail,
            request_id=rid,
            **(extra or {}),
        )
        return HTMLResponse(body, status, headers=all_headers)
    problem = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        "request_id": rid,
        **({k: v for k, v in (extra or {}).items() if isinstance(v, str | int | float | list)}),
    }
    return JSONResponse(problem, status, headers=all_headers, media_type=PROBLEM_JSON)


_REMOTE_DETAIL = {
    502: "the graph store answered with an error",
    503: "the graph store cannot be reached; try again later",
    504: "the graph store did not answer in time",
}


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through `error_response`."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        return error_response(
            request, error.status_code, str(error.detail), dict(error.headers or {})
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        details = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        return error_response(request, 422, details or "invalid request")

    @app.exception_handler(RemoteStoreError)
    async def _remote_store(request: Request, error: RemoteStoreError) -> Response:
        # The store's address and its own error text stay in our log (error_response logs 5xx).
        logger.warning("remote store failure in request %s: %s", request_id(request), error)
        status = error.http_status
        return error_response(
            request,
            status,
            _REMOTE_DETAIL.get(status, "the graph store failed"),
            {"Retry-After": "10"} if status in (503, 504) else None,
        )

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, error: ClientDisconnect) -> Response:
        # The client went away (or was cut off as too slow) while sending its body: no one is
        # left to answer, and it is not our fault, so no traceback.
        logger.info("client disconnected during request %s", request_id(request))
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        # The one broad catch: the client gets a clean 500 with the request id, we get the log.
        logger.exception("unhandled error in request %s", request_id(request), exc_info=error)
        return error_response(
            request, 500, "internal error; quote the request id when reporting it"
        )
