"""Slow clients on a real uvicorn (raw sockets): silent connections, headers or a body sent a
byte at a time, a response left unread. Others are served meanwhile; the slow ones are cut off.
Each case runs with both HTTP parsers of `scgraph serve` (httptools, the default, and h11); so
does the hand-over of a request httptools refuses to h11 on the same connection."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from scgraph.settings import Settings

LIMIT_S = 1.0  # request_read_timeout_s and response_write_timeout_s of the server under test
BOUND_S = 15.0  # how long a test waits for the cut-off before calling it a failure
SLOW = 20  # slow connections held open at once


@pytest.fixture(params=["httptools", "h11"])
def server(
    request: pytest.FixtureRequest,
    mini_project: Settings,
    start_scgraph: Callable[[list[str], Settings], tuple[str, Path]],
) -> Iterator[tuple[str, Path]]:
    settings = mini_project.model_copy(
        update={
            "request_read_timeout_s": LIMIT_S,
            "response_write_timeout_s": LIMIT_S,
            "http_parser": request.param,
        }
    )
    yield start_scgraph([], settings)


def _connect(base: str) -> socket.socket:
    address = urlsplit(base)
    sock = socket.create_connection((address.hostname or "", address.port or 80))
    sock.settimeout(BOUND_S)
    return sock


def _drip(base: str, request: bytes, pause_s: float) -> tuple[bytes, float]:
    """Send `request` a byte every `pause_s` until the server hangs up; what it answered, and
    after how long."""
    started = time.monotonic()
    with _connect(base) as sock:
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(pause_s)
                if time.monotonic() - started > BOUND_S:
                    return b"(still open)", BOUND_S
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _read_all(sock), time.monotonic() - started


def _read_all(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _others_are_served(base: str) -> None:
    with httpx.Client(base_url=base, timeout=5) as http:
        for path in ("/health", "/api/entities/city/da-nang", "/page/city/da-nang"):
            assert http.get(path).status_code == 200


def _cut_off(answer: bytes) -> None:
    """The server answered 408 or nothing, and hung up (the caller read up to its EOF)."""
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:200]


GET = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: drip\r\nAccept: */*\r\n\r\n"
POST = (
    b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: 40\r\n\r\n"
    b"ASK { ?s ?p ?o } # a body sent slowly.."
)


def test_silent_connections_are_closed_with_408(server: tuple[str, Path]) -> None:
    base, log = server
    sockets = [_connect(base) for _ in range(SLOW)]
    try:
        _others_are_served(base)
        started = time.monotonic()
        answers = [_read_all(sock) for sock in sockets]
        assert time.monotonic() - started < BOUND_S
    finally:
        for sock in sockets:
            sock.close()
    assert all(answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n") for answer in answers)
    assert "Traceback" not in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "request_bytes",
    [GET, POST[:-38]],  # headers a byte at a time; then a body whose bytes come slowly
    ids=["headers", "body"],
)
def test_requests_sent_slowly_are_cut_off(server: tuple[str, Path], request_bytes: bytes) -> None:
    base, log = server
    body_stalls = request_bytes.startswith(b"POST")
    with ThreadPoolExecutor(SLOW) as threads:
        if body_stalls:  # headers at once, then a body that never completes
            slow = [threads.submit(_stall_body, base, request_bytes) for _ in range(SLOW)]
        else:
            slow = [threads.submit(_drip, base, request_bytes, 0.2) for _ in range(SLOW)]
        time.sleep(LIMIT_S / 2)
        _others_are_served(base)
        results = [future.result() for future in slow]
    for answer, elapsed in results:
        _cut_off(answer)
        assert elapsed < BOUND_S
    assert "Traceback" not in log.read_text(encoding="utf-8")
    _others_are_served(base)


def _stall_body(base: str, request: bytes) -> tuple[bytes, float]:
    started = time.monotonic()
    with _connect(base) as sock:
        sock.sendall(request)
        return _read_all(sock), time.monotonic() - started


# Every pair of triples of the miniature store: a result of several MB, streamed.
BIG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"


def test_a_response_left_unread_is_cut_off(server: tuple[str, Path]) -> None:
    base, log = server
    address = urlsplit(base)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: small window
    sock.connect((address.hostname or "", address.port or 80))
    sock.settimeout(BOUND_S)
    with sock:
        query = httpx.QueryParams({"query": BIG})
        sock.sendall(
            f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode()
        )
        time.sleep(LIMIT_S * 4)  # not reading: the server's send buffer fills, then stays full
        _others_are_served(base)
        answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding: chunked" in head.lower()  # streamed, so it can be cut short
    assert not body.endswith(b"0\r\n\r\n"), "the whole response was sent: nothing was cut off"
    _others_are_served(base)
    assert "Traceback" not in log.read_text(encoding="utf-8")


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send one request on a kept-alive connection and read its whole answer (Content-Length)."""
    sock.sendall(request)
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_request_httptools_refuses_is_answered_on_the_same_connection(
    server: tuple[str, Path],
) -> None:
    """llhttp refuses a control byte in a header value; h11 lets the application see it (and
    the application tolerates it): with either parser, the answer is the application's, and the
    connection goes on serving."""
    base, log = server
    ask = "/sparql?" + str(httpx.QueryParams({"query": "ASK {}"}))
    plain = f"GET {ask} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode()
    hostile = f"GET {ask} HTTP/1.1\r\nHost: x\r\nAccept: \x01;;;q=abc,,/\r\n\r\n".encode()
    with _connect(base) as sock:
        answers = [_exchange(sock, request) for request in (plain, hostile, plain, hostile)]
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
        assert b"\r\nx-request-id: " in answer.lower()
    assert all(b"true" in answer.partition(b"\r\n\r\n")[2] for answer in answers)
    assert "Invalid HTTP request" not in log.read_text(encoding="utf-8")


def test_a_refused_request_sent_in_pieces_is_handed_over_whole(server: tuple[str, Path]) -> None:
    """The refused byte arrives in a later piece than the request's first, with a body after
    the head: h11 gets every byte once, from the first of the request, and answers the query."""
    base, log = server
    query = b"ASK { ?s ?p ?o }"
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: %d\r\nAccept: text/csv\r\nX-Note: a\x01b\r\n\r\n" % len(query)
    )
    split = head.index(b"X-Note")
    with _connect(base) as sock:
        sock.sendall(head[:split])
        time.sleep(0.2)  # a separate read on the server: the head comes in two pieces
        answer = _exchange(sock, head[split:] + query)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert answer.partition(b"\r\n\r\n")[2].strip().endswith(b"true")
    assert "Invalid HTTP request" not in log.read_text(encoding="utf-8")
