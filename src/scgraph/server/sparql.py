"""The SPARQL 1.1 Protocol query endpoint, `/sparql`, read-only and safe to expose.

Queries run in killable worker processes (query_pool.py) and their results are serialized by
pyoxigraph there and streamed back: small results are answered with a Content-Length, larger ones
streamed once the first COMMIT_BYTES have arrived. A limit hit before that point gets a proper
error status; one hit later can only abort the connection, so that a client never takes a
truncated body for a complete one.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from scgraph.errors import (
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
    ScgraphError,
    StoreError,
    StreamAborted,
)
from scgraph.graph_store import GraphStore
from scgraph.remote_store import RemoteStore
from scgraph.server import sparql_remote
from scgraph.server.deps import get_served, get_settings_of_app
from scgraph.server.query_pool import QueryPool, QueryRun
from scgraph.server.service_description import describe_service
from scgraph.server.sparql_answers import (
    ANSWER_CACHE_HEADER,
    Answer,
    AnswerCache,
    Key,
    is_deterministic,
    job_key,
)
from scgraph.server.sparql_inline import INLINE_TRIED, inline_job, try_inline
from scgraph.settings import Settings
from scgraph.sparql_formats import (
    BY_NAME,
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    Family,
    ResultFormat,
    from_format_param,
    media_types,
    pick,
    prefers_html,
)
from scgraph.sparql_guard import refuse_unsafe
from scgraph.sparql_worker import DATA, DONE, ERROR, FIRST_CHUNK_BYTES
from scgraph.store import resolve_build

logger = logging.getLogger("scgraph.server")

COMMIT_BYTES = FIRST_CHUNK_BYTES
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
ALLOW = "GET, HEAD, POST"


@asynccontextmanager
async def _query_pool(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.store_url is not None:
        yield  # queries go to the remote server (sparql_remote.py): no local workers
        return
    pool = QueryPool(
        resolve_build(settings.current_build).resolve(),
        settings.query_workers,
        settings.query_timeout_s,
        settings.query_queue_wait_s,
    )
    app.state.query_pool = pool
    app.state.sparql_answers = AnswerCache()
    try:
        yield
    finally:
        await pool.close()


router = APIRouter(lifespan=_query_pool)


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status, detail, headers=headers)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _error(413, f"the request body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _error(413, f"the request body is larger than {limit} bytes")
    return bytes(body)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _error(400, f"the request body is not UTF-8: {error}") from error


def _form_pairs(encoded: str, where: str) -> list[tuple[str, str]]:
    # Starlette and parse_qsl's default would turn percent-encoded bytes that are not UTF-8 into
    # U+FFFD, and the query would fail later with a parse error about a character never sent.
    try:
        return urllib.parse.parse_qsl(encoded, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise _error(400, f"the {where} is not UTF-8 once percent-decoded: {error}") from error


async def _parameters(request: Request, settings: Settings) -> list[tuple[str, str]]:
    """The protocol parameters, from the URL or the body as the request's method and type say."""
    url_params = _form_pairs(request.scope["query_string"].decode("latin-1"), "query string")
    if request.method in ("GET", "HEAD"):
        return url_params
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == UPDATE:
        raise _error(403, "this endpoint is read-only: SPARQL Update requests are refused")
    if media not in (FORM, DIRECT):
        raise _error(
            415,
            f"unsupported request media type {media or '(none)'!r}; send {FORM} or {DIRECT}",
        )
    # A form-encoded query may take up to three bytes per character of the query itself.
    body = _decode(await _read_body(request, 3 * settings.max_query_bytes + 4096))
    if media == FORM:
        return _form_pairs(body, "request body")
    return [*url_params, ("query", body)]


def _graphs(values: list[str]) -> list[str]:
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError as error:
            raise _error(400, f"graph IRI {value!r} is not a valid IRI: {error}") from error
    return values


# Not in the OpenAPI schema: one route for three methods would repeat its operation id, and the
# protocol is described by the service description and docs/sparql.md.
@router.api_route(
    "/sparql", methods=["GET", "HEAD", "POST"], name="sparql", include_in_schema=False
)
async def sparql(request: Request) -> Response:
    """SPARQL 1.1 Protocol query operation; without a query, the service description."""
    # Called, not declared with Depends: FastAPI runs a plain `def` dependency in its thread
    # pool, a thread hop per request that took a tenth of a cheap query's time (py-spy).
    settings, served = get_settings_of_app(request), get_served(request)
    params = await _parameters(request, settings)
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    queries, updates = values.get("query", []), values.get("update", [])
    accept = request.headers.get("accept")
    if queries and updates:
        raise _error(400, "a request carries either `query` or `update`, not both")
    if updates:
        raise _error(403, "this endpoint is read-only: SPARQL Update requests are refused")
    if len(queries) > 1:
        raise _error(400, "the `query` parameter must be given exactly once")
    forced = from_format_param(values.get("format", []))
    if not queries:
        if request.method == "POST":
            raise _error(400, "missing the `query` parameter")
        if prefers_html(accept) and not forced:
            return RedirectResponse("/query", status_code=303)
        return _service_description(request, served.store, accept, forced)
    query = queries[0]
    if len(query.encode("utf-8")) > settings.max_query_bytes:
        raise _error(413, f"the query is longer than the limit of {settings.max_query_bytes} bytes")
    if request.method == "GET" and prefers_html(accept) and not forced:
        return RedirectResponse("/query?" + urllib.parse.urlencode({"query": query}), 303)
    refusal = refusal_of(query, tuple(settings.service_allowlist))
    if refusal is not None:
        raise _error(403, refusal)
    job = _job(query, values, accept, forced, settings)
    if isinstance(served.store, RemoteStore):
        return await sparql_remote.forward(served.store, job)
    pool: QueryPool = request.app.state.query_pool
    answers: AnswerCache = request.app.state.sparql_answers
    answer_key = job_key(job) if is_deterministic(query) else None
    if answer_key is not None:
        kept = answers.get(pool.store_dir, answer_key)
        if kept is not None:
            return Response(kept.body, media_type=kept.media_type, headers=_KEPT)
    if (
        settings.inline_queries
        and INLINE_TRIED not in request.scope
        and isinstance(served.store, ox.Store)
        and inline_job(job)
    ):
        inline = try_inline(served, job)
        if inline is not None:
            chosen, body = inline
            return Response(body, media_type=chosen.media_type, headers=_VARY)
    try:
        return await _answer(await pool.submit(job), answers, answer_key)
    except QueryTimeout as error:
        raise _error(503, error.reason, {"Retry-After": "10"}) from error
    except StoreError as error:
        raise _error(500, str(error)) from error


REMEMBERED_QUERY_CHARS = 4096


def refusal_of(query: str, allowlist: tuple[str, ...]) -> str | None:
    """Why `query` may not run here, or None; remembered for short queries, which clients repeat
    and which the guard would otherwise tokenize on every request."""
    if len(query) <= REMEMBERED_QUERY_CHARS:
        return _remembered_refusal(query, allowlist)
    return _remembered_refusal.__wrapped__(query, allowlist)


@lru_cache(maxsize=1024)
def _remembered_refusal(query: str, allowlist: tuple[str, ...]) -> str | None:
    try:
        refuse_unsafe(query, allowlist)
    except QueryRefused as error:
        return error.reason
    return None


def _job(
    query: str,
    values: dict[str, list[str]],
    accept: str | None,
    forced: dict[Family, Any],
    settings: Settings,
) -> dict[str, Any]:
    solutions = forced.get(Family.SOLUTIONS) or pick(SOLUTION_FORMATS, accept)
    graph = forced.get(Family.GRAPH) or pick(GRAPH_FORMATS, accept)
    if solutions is None and graph is None:
        raise _not_acceptable("SPARQL results")
    default_graphs = _graphs(values.get("default-graph-uri", []))
    named_graphs = _graphs(values.get("named-graph-uri", []))
    # SPARQL Protocol §2.1.4: graphs given in the request replace the whole dataset.
    overridden = bool(default_graphs or named_graphs)
    return {
        "query": query,
        "default_graph": default_graphs if overridden else None,
        "named_graphs": named_graphs if overridden else None,
        "solutions_format": solutions.name if solutions else None,
        "graph_format": graph.name if graph else None,
        "max_bytes": settings.max_result_bytes,
    }


def _not_acceptable(what: str, family: Family | None = None) -> HTTPException:
    formats = {
        Family.SOLUTIONS: SOLUTION_FORMATS,
        Family.GRAPH: GRAPH_FORMATS,
    }
    offered = (
        media_types(formats[family])
        if family
        else media_types(SOLUTION_FORMATS) + media_types(GRAPH_FORMATS)
    )
    return _error(406, f"no acceptable format for {what}; available: {', '.join(offered)}")


def _raise_worker_error(payload: bytes) -> None:
    error = json.loads(payload)
    kind, message = error["kind"], error["message"]
    if kind == "syntax":
        raise _error(400, message)
    if kind == "not_acceptable":
        family = Family(message)
        what = "SELECT/ASK results" if family is Family.SOLUTIONS else "CONSTRUCT/DESCRIBE results"
        raise _not_acceptable(what, family)
    if kind == "too_large":
        raise ResultTooLarge(message, 0)
    raise StoreError(message)


@lru_cache(maxsize=64)
def _format_of(header: bytes) -> ResultFormat:
    """The format a worker's H frame names (a handful of distinct frames, decoded once each)."""
    return BY_NAME[json.loads(header)["format"]]


async def _answer(
    run: QueryRun, answers: AnswerCache | None = None, key: Key | None = None
) -> Response:
    """The worker's answer: whole with a Content-Length if small (then kept in `answers` under
    `key`, if given), else streamed."""
    handed_over = False
    try:
        tag, payload = await run.read()
        if tag == ERROR:
            _raise_worker_error(payload)
        chosen = _format_of(payload)
        chunks: list[bytes] = []
        size = 0
        while size < COMMIT_BYTES:
            tag, payload = await run.read()
            if tag == DONE:
                body = b"".join(chunks)
                if answers is not None and key is not None:
                    answers.put(run.worker.store_dir, key, Answer(chosen.media_type, body))
                return Response(body, media_type=chosen.media_type, headers=_VARY)
            if tag == ERROR:
                _raise_worker_error(payload)
            chunks.append(payload)
            size += len(payload)
        handed_over = True
        return StreamingResponse(_rest(run, chunks), media_type=chosen.media_type, headers=_VARY)
    except ResultTooLarge as error:
        raise _error(400, error.reason) from error
    finally:
        if not handed_over:
            run.release()


_VARY = {"Vary": "Accept"}
_KEPT = {**_VARY, ANSWER_CACHE_HEADER: "hit"}


async def _rest(run: QueryRun, chunks: list[bytes]) -> AsyncIterator[bytes]:
    try:
        for chunk in chunks:
            yield chunk
        chunks.clear()
        while True:
            tag, payload = await run.read()
            if tag == DONE:
                return
            if tag == ERROR:
                _raise_worker_error(payload)
            if tag == DATA:
                yield payload
    except (ScgraphError, HTTPException) as error:
        # Headers are gone: aborting the connection is the only honest signal left.
        logger.warning("aborted a streamed SPARQL result: %s", error)
        raise StreamAborted(str(error)) from error
    finally:
        run.release()


def _service_description(
    request: Request, store: GraphStore, accept: str | None, forced: dict[Family, Any]
) -> Response:
    chosen = forced.get(Family.GRAPH) or pick(GRAPH_FORMATS, accept)
    if chosen is None:
        raise _not_acceptable("the service description", Family.GRAPH)
    rdf_format = chosen.oxigraph
    assert isinstance(rdf_format, ox.RdfFormat)
    body = describe_service(str(request.url_for("sparql")), store, rdf_format)
    return Response(body, media_type=chosen.media_type, headers=_VARY)
