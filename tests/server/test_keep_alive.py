"""Idle kept-alive connections on a real uvicorn stay open for `keep_alive_timeout_s`, then close.

The server's limit must outlast its clients' own (httpx 5 s, balancers 60 s) so that the client
always closes first; here it is set low and high to see that `scgraph serve` applies it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scgraph.settings import Settings

REQUEST = b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n"
IDLE_S = 2.5


def _answer(sock: socket.socket) -> bytes:
    """One whole answer to REQUEST (small, with Content-Length) read from `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(4096)
    return head


def _second_request_after_idle(base: str) -> bytes:
    address = urlsplit(base)
    with socket.create_connection((address.hostname or "", address.port or 80)) as sock:
        sock.settimeout(10)
        sock.sendall(REQUEST)
        assert _answer(sock).startswith(b"HTTP/1.1 200")
        time.sleep(IDLE_S)
        try:
            sock.sendall(REQUEST)
            return _answer(sock)
        except (BrokenPipeError, ConnectionResetError):
            return b""


@pytest.mark.parametrize(("limit_s", "kept"), [(1, False), (30, True)])
def test_an_idle_connection_is_kept_for_the_keep_alive_timeout(
    mini_project: Settings,
    start_scgraph: Callable[[list[str], Settings], tuple[str, Path]],
    limit_s: int,
    kept: bool,
) -> None:
    base, _ = start_scgraph([], mini_project.model_copy(update={"keep_alive_timeout_s": limit_s}))
    answer = _second_request_after_idle(base)
    assert answer.startswith(b"HTTP/1.1 200") is kept, answer
