"""The SPARQL lane answered in the HTTP protocol (server/protocol_lane.py): the same bytes on the
wire as through ASGI, over a real uvicorn; in order on a pipelining connection; and only for what
the protocol may answer itself (checked on the protocol, fed bytes, with no network)."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from uvicorn.config import Config
from uvicorn.server import ServerState

from scgraph.server.app import create_app
from scgraph.server.protocol_lane import LaneHttpToolsProtocol
from scgraph.server.sparql_lane import lane_answer
from scgraph.settings import Settings
from sparql_lane_cases import ENTITY, LANE_CASES, LOOKUP, TWO_STEPS

_CLIENT_PORT = re.compile(r"(?<=127\.0\.0\.1):\d+")
_VARYING = re.compile(rb"^(date|x-request-id): [^\r]*\r\n", re.MULTILINE | re.IGNORECASE)


def _request(query: str, accept: str, *, version: str = "1.1", extra: str = "") -> bytes:
    target = "/sparql?" + urlencode({"query": query})
    head = f"GET {target} HTTP/{version}\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n{extra}\r\n"
    return head.encode("latin-1")


def _read_responses(sock: socket.socket, count: int) -> list[bytes]:
    """`count` whole responses, as received (a chunked body with its chunk lines)."""
    buffer, responses = b"", []
    while len(responses) < count:
        end = _response_end(buffer)
        if end is None:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection"
            buffer += chunk
            continue
        responses.append(buffer[:end])
        buffer = buffer[end:]
    return responses


def _response_end(buffer: bytes) -> int | None:
    """Where the first response in `buffer` ends, or None if it is not all there."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    head, body_start = buffer[: head_end + 2], head_end + 4
    length = re.search(rb"(?im)^content-length: (\d+)\r$", head)
    if length is not None:
        end = body_start + int(length.group(1))
        return end if len(buffer) >= end else None
    assert re.search(rb"(?im)^transfer-encoding: chunked\r$", head), head
    position = body_start
    while (line_end := buffer.find(b"\r\n", position)) >= 0:
        size = int(buffer[position:line_end], 16)
        position = line_end + 2 + size + 2
        if size == 0:
            return position if len(buffer) >= position else None
    return None


def _exchange(base: str, requests: list[bytes]) -> list[bytes]:
    """Send the requests on one connection, all at once (pipelined); their responses."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(b"".join(requests))
        return _read_responses(sock, len(requests))


def test_the_protocol_writes_what_a_query_process_answers(
    built: Settings,
    live_server: str,
    start_scgraph: Callable[[list[str], Settings], tuple[str, Path]],
) -> None:
    """Every lane case, from `scgraph serve` and from a server that evaluates no query in its
    own process (each goes through ASGI to a query process): the same bytes but for the date and
    the request id, and the same access-log line but for the client's port."""
    pooled, pooled_log = start_scgraph([], built.model_copy(update={"inline_queries": False}))
    for query, accept in LANE_CASES:
        ours, theirs = (
            _exchange(base, [_request(query, accept)])[0] for base in (live_server, pooled)
        )
        assert _VARYING.sub(b"", ours) == _VARYING.sub(b"", theirs), (query, accept)
        assert len(_VARYING.findall(ours)) == 2  # a date and a request id, as uvicorn writes them
    logged = f'"GET /sparql?{urlencode({"query": LOOKUP})} HTTP/1.1" 200'
    lines = [
        {_CLIENT_PORT.sub(":PORT", line) for line in log.read_text().splitlines() if logged in line}
        for log in (built.data_dir / "server.log", pooled_log)
    ]
    assert lines[0] and lines[0] == lines[1]


def test_pipelined_requests_are_answered_in_order(live_server: str) -> None:
    """Lane answers and full-way answers (the query page's redirect, an answer over the inline
    budget) interleaved
    on one connection, sent in one write: each response is the one its request gets alone."""
    asked = [
        _request(LOOKUP, "text/csv"),
        _request(LOOKUP, "text/html"),
        _request(f"DESCRIBE <{ENTITY}>", "text/turtle"),
        _request(TWO_STEPS, "application/json"),
        _request(LOOKUP, "application/sparql-results+json"),
    ]
    together = _exchange(live_server, asked)
    alone = [_exchange(live_server, [request])[0] for request in asked]
    assert [_VARYING.sub(b"", r) for r in together] == [_VARYING.sub(b"", r) for r in alone]
    statuses = [r.split(b"\r\n", 1)[0].decode() for r in together]
    assert statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 303 See Other"] + ["HTTP/1.1 200 OK"] * 3


class _Transport(asyncio.Transport):
    """What the protocol writes, with no network."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


@pytest.fixture
def protocol(built: Settings) -> Iterator[LaneHttpToolsProtocol]:
    """The protocol as `scgraph serve` runs it (no access log, no proxy headers), on a started
    app, fed bytes through a transport that keeps what it is given."""
    app = create_app(built)
    loop = asyncio.new_event_loop()
    # uvicorn's Config turns the access logger off process-wide: put it back afterwards.
    access = logging.getLogger("uvicorn.access")
    kept = access.handlers[:], access.propagate
    with TestClient(app):  # runs the lifespan: the served build, the query processes
        config = Config(app=app, proxy_headers=False, access_log=False, log_config=None)
        state = ServerState()
        state.default_headers = [(b"date", b"Sun, 06 Dec 2026 07:00:00 GMT")]
        made = LaneHttpToolsProtocol(config=config, server_state=state, app_state={}, _loop=loop)
        made.connection_made(_Transport())
        yield made
        # What was left to ASGI is not run here: that path has tests of its own.
        pending = list(made.tasks)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending))
        made.connection_lost(None)
    loop.close()
    access.handlers, access.propagate = kept


def _written(protocol: LaneHttpToolsProtocol) -> bytes:
    transport = protocol.transport
    assert isinstance(transport, _Transport)
    return bytes(transport.written)


def test_the_protocol_answers_a_lane_request_itself(protocol: LaneHttpToolsProtocol) -> None:
    protocol.data_received(_request(LOOKUP, "text/csv") * 2)  # two, pipelined
    assert not protocol.tasks  # no ASGI request was made
    scope = {"query_string": urlencode({"query": LOOKUP}).encode(), "headers": []}
    scope["headers"] = [(b"host", b"127.0.0.1"), (b"accept", b"text/csv")]
    answer = lane_answer(protocol.app, scope)  # type: ignore[arg-type]
    assert answer is not None
    headers, body = answer
    responses = _written(protocol).split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert len(responses) == 2
    for response in responses:
        head, _, sent_body = response.partition(b"\r\n\r\n")
        assert sent_body == body
        lines = head.split(b"\r\n")
        assert lines[0] == b"date: Sun, 06 Dec 2026 07:00:00 GMT"
        names = [line.split(b": ", 1)[0] for line in lines[1:]]
        assert names == [name for name, _ in headers]
    assert protocol.timeout_keep_alive_task is not None  # idle, as after any response
    assert not protocol.transport.is_closing()


@pytest.mark.parametrize(
    ("request_bytes", "why"),
    [
        (_request(LOOKUP, "text/csv", version="1.0"), "HTTP/1.0: uvicorn closes after it"),
        (_request(LOOKUP, "text/csv", extra="Connection: close\r\n"), "the client closes"),
        (_request(LOOKUP, "text/csv").replace(b"GET", b"HEAD", 1), "HEAD: no body"),
        (_request(LOOKUP, "text/csv").replace(b"/sparql", b"/sparql/", 1), "another path"),
        (_request(LOOKUP, "text/html"), "a browser: the query page"),
        (_request(TWO_STEPS, "application/json"), "over the inline budget"),
    ],
)
def test_the_rest_is_left_to_asgi(
    protocol: LaneHttpToolsProtocol, request_bytes: bytes, why: str
) -> None:
    protocol.data_received(request_bytes)
    assert len(protocol.tasks) == 1, why
    assert _written(protocol) == b"", why


def test_nothing_is_answered_while_the_client_reads_nothing(
    protocol: LaneHttpToolsProtocol,
) -> None:
    """A client that pipelines requests and reads no answer fills the send buffer: past its high
    mark the protocol answers nothing itself, and uvicorn's backpressure takes over."""
    protocol.pause_writing()  # what the transport calls past the high mark
    protocol.data_received(_request(LOOKUP, "text/csv"))
    assert len(protocol.tasks) == 1
    assert _written(protocol) == b""
