"""`/sparql` with a URL store: the checked query is forwarded to the remote SPARQL server.

server/sparql.py reads the request, applies the same guard (updates and SERVICE refused, size
limits) and chooses the formats; this module sends the query with scgraph's dataset, asking the
server for the two formats every SPARQL server writes the same way (JSON results, N-Triples; a
server's CSV or TSV is not always the standard's), and answers in the chosen format:

- an answer that fits in COMMIT_BYTES is parsed by pyoxigraph and serialized again, so clients
  get the same bytes as from the embedded store whatever the server (Virtuoso's ASK comes back as
  a one-row SELECT binding "1", its booleans as 0/1);
- a larger one is streamed through as it arrives when the client chose JSON or N-Triples, and
  stopped at `max_result_bytes`; in any other format, or from Virtuoso, it is read whole (up to
  that limit) and converted.

The time limit is `query_timeout_s`: given to the server when it has a limit of its own
(Virtuoso), and always the httpx timeout (see RemoteStore).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

import httpx
import pyoxigraph as ox
from fastapi import HTTPException
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from scgraph.errors import QuerySyntaxError, RemoteStoreFailed, ResultTooLarge, StreamAborted
from scgraph.remote_store import (
    SOLUTIONS_ACCEPT,
    TRIPLES_ACCEPT,
    RemoteStore,
    accept_for,
    check_response,
    parse_result,
    transport_error,
)
from scgraph.sparql_formats import (
    BY_NAME,
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    ResultFormat,
    media_types,
)

logger = logging.getLogger("scgraph.server")

COMMIT_BYTES = 256 * 1024
_VARY = {"Vary": "Accept"}


@cache
def _tls() -> ssl.SSLContext:
    # One context for all requests: httpx would build (and load CA certificates into) a new one
    # for each client, which cost more than the query itself on a small result.
    return ssl.create_default_context()


async def forward(store: RemoteStore, job: dict[str, Any]) -> Response:
    """Run `job` (from sparql.py's `_job`) on the remote store and answer it."""
    solutions = BY_NAME[job["solutions_format"]] if job["solutions_format"] else None
    graph = BY_NAME[job["graph_format"]] if job["graph_format"] else None
    data: dict[str, Any] = {"query": job["query"]}
    if job["default_graph"] is None:
        for key, value in store.dataset():
            data.setdefault(key, []).append(value)
    else:  # the client named its dataset: it replaces ours, as on the embedded store
        data["default-graph-uri"] = job["default_graph"]
        data["named-graph-uri"] = job["named_graphs"]
    for key, value in store.server_limits:
        data[key] = value
    client = httpx.AsyncClient(timeout=store.http_timeout, verify=_tls())
    try:
        request = client.build_request(
            "POST", store.endpoint, data=data, headers={"Accept": _accept(job["query"])}
        )
        response = await client.send(request, stream=True)
    except httpx.HTTPError as error:
        await client.aclose()
        raise transport_error(store.endpoint, error) from error
    handed_over = False
    try:
        if response.status_code >= 400:
            await response.aread()
        _check(store.endpoint, response)
        chunks = response.aiter_bytes()
        head, complete = await _read_head(chunks, job["max_bytes"])
        chosen = _sent_format(response, solutions, graph)
        # Virtuoso's booleans ("1"^^xsd:boolean) must be rewritten: its answers are converted.
        virtuoso = response.headers.get("server", "").startswith("Virtuoso")
        if complete or chosen is None or virtuoso:
            if not complete:
                head += await _read_rest(chunks, job["max_bytes"] - len(head))
            return await _converted(store.endpoint, response, head, solutions, graph)
        handed_over = True
        return StreamingResponse(
            _stream(store.endpoint, client, response, chunks, head, job["max_bytes"]),
            media_type=chosen.media_type,
            headers=_VARY,
        )
    except httpx.HTTPError as error:
        raise transport_error(store.endpoint, error) from error
    except ResultTooLarge as error:
        raise HTTPException(400, error.reason) from error
    finally:
        if not handed_over:
            await response.aclose()
            await client.aclose()


def _accept(query: str) -> str:
    try:
        return accept_for(query)
    except QuerySyntaxError:  # a form our scanner misses: let the server answer either kind
        return f"{SOLUTIONS_ACCEPT}, {TRIPLES_ACCEPT}"


def _check(url: str, response: httpx.Response) -> None:
    try:
        check_response(url, response)
    except QuerySyntaxError as error:
        raise HTTPException(400, str(error)) from error


async def _read_head(chunks: AsyncIterator[bytes], limit: int) -> tuple[bytes, bool]:
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        if len(head) > limit:
            raise ResultTooLarge(f"the result is larger than {limit} bytes", limit)
        if len(head) >= COMMIT_BYTES:
            return bytes(head), False
    return bytes(head), True


async def _read_rest(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    rest = bytearray()
    async for chunk in chunks:
        rest += chunk
        if len(rest) > limit:
            raise ResultTooLarge(f"the result is larger than the limit of {limit} bytes", limit)
    return bytes(rest)


def _sent_format(
    response: httpx.Response, solutions: ResultFormat | None, graph: ResultFormat | None
) -> ResultFormat | None:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    for chosen in (solutions, graph):
        if chosen is not None and chosen.media_type.split(";")[0] == media:
            return chosen
    return None


async def _converted(
    url: str,
    response: httpx.Response,
    body: bytes,
    solutions: ResultFormat | None,
    graph: ResultFormat | None,
) -> Response:
    content_type = response.headers.get("content-type", "")
    chosen, payload = await run_in_threadpool(
        _reserialize, url, content_type, body, solutions, graph
    )
    return Response(payload, media_type=chosen.media_type, headers=_VARY)


def _reserialize(
    url: str,
    content_type: str,
    body: bytes,
    solutions: ResultFormat | None,
    graph: ResultFormat | None,
) -> tuple[ResultFormat, bytes]:
    # Parsing and serializing in one call on one thread: pyoxigraph results must not move.
    result = parse_result(url, content_type, body)
    if isinstance(result, ox.QueryTriples):
        if graph is None:
            raise _not_acceptable("CONSTRUCT/DESCRIBE results", GRAPH_FORMATS)
        rdf_format = graph.oxigraph
        assert isinstance(rdf_format, ox.RdfFormat)
        return graph, result.serialize(format=rdf_format) or b""
    if solutions is None:
        raise _not_acceptable("SELECT/ASK results", SOLUTION_FORMATS)
    results_format = solutions.oxigraph
    assert isinstance(results_format, ox.QueryResultsFormat)
    return solutions, result.serialize(format=results_format) or b""


def _not_acceptable(what: str, formats: tuple[ResultFormat, ...]) -> HTTPException:
    return HTTPException(
        406, f"no acceptable format for {what}; available: {', '.join(media_types(formats))}"
    )


async def _stream(
    url: str,
    client: httpx.AsyncClient,
    response: httpx.Response,
    chunks: AsyncIterator[bytes],
    head: bytes,
    limit: int,
) -> AsyncIterator[bytes]:
    sent = len(head)
    try:
        yield head
        async for chunk in chunks:
            sent += len(chunk)
            if sent > limit:
                raise RemoteStoreFailed(url, f"sent a result larger than {limit} bytes")
            yield chunk
    except (httpx.HTTPError, RemoteStoreFailed) as error:
        # Headers are gone: aborting the connection is the only honest signal left.
        logger.warning("aborted a streamed SPARQL result from the remote store: %s", error)
        raise StreamAborted(str(error)) from error
    finally:
        await response.aclose()
        await client.aclose()
