"""The shortest way through for the commonest SPARQL request: a GET of a bounded query.

A cheap query answered in the server process (sparql_inline.py) still spent more time in the
layers around it than in pyoxigraph: a Request, the protocol parameters, a Response, the CORS
and gzip wrappers and their header rewrites. This lane answers, straight from the ASGI scope, a
GET whose only parameter is `query`, holding a bounded query, from a client that sends no Origin,
no body and does not accept gzip: the layers would leave such an answer as it is, apart from the
headers they add, which the lane writes itself. Its answer has the same status, headers and bytes
as the full path's (tests/server/test_sparql_lane.py compares them). Anything else goes the full
way: a browser (text/html), a `format=` or dataset parameter, an Origin, gzip, a query that is not
bounded or whose answer is over the inline budget (then it is not tried inline a second time).
Under `scgraph serve`, uvicorn's HTTP protocol offers the request to the lane earlier still, as
soon as its headers are parsed (protocol_lane.py); the application's own offer below serves
every other way in (h11, a test client, another ASGI server).
"""

from __future__ import annotations

import logging
import urllib.parse
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.types import Receive, Scope, Send

from scgraph.server.errors import REQUEST_ID_HEADER, request_id_of
from scgraph.server.sparql import refusal_of
from scgraph.server.sparql_answers import is_deterministic, job_key
from scgraph.server.sparql_inline import INLINE_TRIED, try_inline
from scgraph.settings import Settings
from scgraph.sparql_bounded import is_bounded
from scgraph.sparql_formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    ResultFormat,
    pick,
    prefers_html,
)

logger = logging.getLogger("scgraph.server")

PATH = "/sparql"
_PREFIX = b"query="
_SKIPPED_WHEN_PRESENT = frozenset({b"origin", b"content-length", b"transfer-encoding"})
# What the full path's layers add to a small answer without an Origin: the endpoint's Vary,
# extended by CORSMiddleware.
_VARY = (b"vary", b"Accept, Origin")
_REQUEST_ID = REQUEST_ID_HEADER.lower().encode("latin-1")
LANE_TRIED = "scgraph.lane_tried"
"""Set in the ASGI scope by the HTTP protocol once it offered the request to the lane
(protocol_lane.py): the application does not offer it again."""


async def answer_in_lane(app: FastAPI, scope: Scope, send: Send) -> bool:
    """Answer the request if it is one for this lane; False (nothing sent) if not."""
    if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
        return False
    answer = lane_answer(app, scope)
    if answer is None:
        return False
    headers, body = answer
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True


Answer = tuple[list[tuple[bytes, bytes]], bytes]
"""A lane's answer: its headers (after uvicorn's own) and its body; the status is 200."""


def lane_answer(app: FastAPI, scope: Scope) -> Answer | None:
    """The answer's headers and body, or None when the request is not one for this lane or the
    lane failed (logged): the lane is in front of the application's error handling, so the full
    path answers instead, with its request id and its error page if it fails too."""
    try:
        return _lane_answer(app, scope)
    except Exception:
        logger.exception("the SPARQL lane failed; the request goes the full way")
        return None


def _lane_answer(app: FastAPI, scope: Scope) -> Answer | None:
    settings: Settings = app.state.settings
    raw = scope["query_string"]
    if not settings.inline_queries or not raw.startswith(_PREFIX) or b"&" in raw:
        return None
    accept: str | None = None
    for key, value in scope["headers"]:
        if key in _SKIPPED_WHEN_PRESENT:
            return None
        if key == b"accept-encoding" and b"gzip" in value:
            return None
        if key == b"accept" and accept is None:
            accept = value.decode("latin-1")
    query = _query(raw)
    if query is None or len(query.encode("utf-8")) > settings.max_query_bytes:
        return None
    formats = _formats(accept)
    if formats is None or not is_bounded(query):
        return None
    # The SERVICE guard as on the full path (remembered there): should the reading of a bounded
    # query ever miss what Oxigraph reads, a SERVICE still makes no request from here.
    if refusal_of(query, tuple(settings.service_allowlist)) is not None:
        return None
    served = app.state.served
    solutions, graph = formats
    if not isinstance(served.store, ox.Store) or (solutions is None and graph is None):
        return None
    job = {
        "query": query,
        "default_graph": None,
        "named_graphs": None,
        "solutions_format": solutions.name if solutions else None,
        "graph_format": graph.name if graph else None,
    }
    # A kept answer is the full path's first choice: answered from the cache there, not evaluated
    # here again (a bounded query over the budget would cost the budget on every repeat).
    if is_deterministic(query) and app.state.sparql_answers.holds(
        app.state.query_pool.store_dir, job_key(job)
    ):
        return None
    answer = try_inline(served, job)
    if answer is None:
        scope[INLINE_TRIED] = True
        return None
    chosen, body = answer
    headers = [  # in the full path's order
        _VARY,
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"content-type", chosen.media_type.encode("latin-1")),
        (_REQUEST_ID, request_id_of(scope).encode("latin-1")),
    ]
    return headers, body


@lru_cache(maxsize=256)
def _formats(accept: str | None) -> tuple[ResultFormat | None, ResultFormat | None] | None:
    """The solutions and the graph format an Accept header asks for; None when it asks for the
    query page. Remembered as a pair: clients send the same few Accept headers."""
    if prefers_html(accept):
        return None
    return pick(SOLUTION_FORMATS, accept), pick(GRAPH_FORMATS, accept)


def _query(raw: bytes) -> str | None:
    """The `query` value as the full path decodes it (parse_qsl, strict UTF-8), or None."""
    value = raw[len(_PREFIX) :]
    try:
        if value.isascii():
            # The same string, in a third less time: UTF-8 of the whole equals UTF-8 of each
            # run of escapes, since a multi-byte character holds no ASCII byte.
            return urllib.parse.unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        return urllib.parse.unquote_plus(value.decode("latin-1"), encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None


class LaneFirst(FastAPI):
    """The application, with the lane in front of everything, FastAPI's own layers included
    (error pages, body limit), which would leave a lane's answer as it is. With OpenTelemetry
    reporting on, every request goes the full way, so that every request is reported."""

    def __init__(self, *, telemetry: TelemetryConfig, **options: Any) -> None:
        super().__init__(telemetry=telemetry, **options)
        self.lane_open = not any(telemetry.get(signal) for signal in ("tracing", "metrics", "logs"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.lane_open and LANE_TRIED not in scope
        if lane and await answer_in_lane(self, scope, send):
            return
        await super().__call__(scope, receive, send)
