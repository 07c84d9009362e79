"""`/sparql` answered without FastAPI's routing: the outermost middleware calls the endpoint.

A cheap query spends more time in the layers around the endpoint than in the endpoint: FastAPI's
routing and its request handler, Starlette's two exception middlewares and the middleware that
never change a SPARQL answer (the page answer cache, ETags: no SPARQL answer is cached or tagged)
took ~100 µs of ~600 µs per request (py-spy under wrk, bench/sparql.py). This middleware answers
GET, HEAD and POST `/sparql` with the very function the route runs (`sparql.sparql`), wrapped in
the layers that do shape a SPARQL answer, in the full stack's order: request ids, CORS, gzip when
the client accepts it, the body limit. An exception becomes an answer through the application's
own exception handlers, as ExceptionMiddleware would make it; a streamed answer cut off after its
first bytes (StreamAborted) ends the exchange as AbortedStreams ends it. Every other request, and
OPTIONS (CORS preflight) and other methods on `/sparql`, go through the full stack.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from scgraph.errors import StreamAborted
from scgraph.server import sparql
from scgraph.server.body_limit import BodyLimit
from scgraph.server.request_ids import RequestIds

PATH = "/sparql"
METHODS = frozenset({"GET", "HEAD", "POST"})
GZIP_MINIMUM_BYTES = 1024


class DirectSparql:
    """Outermost ASGI middleware: `/sparql` queries skip the routing; the rest go to `app`."""

    def __init__(self, app: ASGIApp, body_limit: int, cors: dict[str, Any]) -> None:
        self.app = app
        endpoint = BodyLimit(self._endpoint, limit=body_limit)
        gzipped = GZipMiddleware(endpoint, minimum_size=GZIP_MINIMUM_BYTES)
        self.plain = RequestIds(CORSMiddleware(endpoint, **cors))
        self.gzipped = RequestIds(CORSMiddleware(gzipped, **cors))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        # GZipMiddleware's own test: the first Accept-Encoding header names gzip.
        coding = next((v for k, v in scope["headers"] if k == b"accept-encoding"), b"")
        chain = self.gzipped if b"gzip" in coding else self.plain
        try:
            await chain(scope, receive, send)
        except StreamAborted:
            return  # see aborted_streams.py: the connection is cut, the failure already logged

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await sparql.sparql(request)
        except StreamAborted:
            raise
        except Exception as error:
            handler = _handler_for(scope["app"].exception_handlers, error)
            if handler is None:
                raise
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def _handler_for(handlers: dict[Any, Any], error: Exception) -> Any:
    """The application's handler for `error`, looked up along its class hierarchy as Starlette
    does."""
    status = getattr(error, "status_code", None)
    if isinstance(error, HTTPException) and status in handlers:
        return handlers[status]
    for cls in type(error).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
