"""Parts served one after the other answer exactly as Starlette serves one file of those bytes:
status, body and headers, for whole bodies, HEAD, single and multiple ranges and If-Range."""

from __future__ import annotations

import email.parser
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from scgraph.server.concatenated_files import ConcatenatedFilesResponse, PartSizeMismatch

HEADERS = {"ETag": '"tag"', "Last-Modified": "Sun, 22 Nov 2026 10:00:00 GMT"}


def _app(parts: list[tuple[Path, int]], whole: Path) -> Starlette:
    def one_file(request: Request) -> Response:
        return FileResponse(whole, media_type="text/turtle", headers=HEADERS, filename="d.ttl")

    def concatenated(request: Request) -> Response:
        return ConcatenatedFilesResponse(
            parts, media_type="text/turtle", headers=HEADERS, filename="d.ttl"
        )

    methods = ["GET", "HEAD"]
    return Starlette(
        routes=[
            Route("/one", one_file, methods=methods),
            Route("/parts", concatenated, methods=methods),
        ]
    )


def _write(folder: Path, sizes: list[int]) -> tuple[list[tuple[Path, int]], Path]:
    parts, data = [], b""
    for number, size in enumerate(sizes):
        body = bytes((number * 7 + i) % 251 for i in range(size))
        path = folder / f"part-{number}"
        path.write_bytes(body)
        parts.append((path, size))
        data += body
    whole = folder / "whole"
    whole.write_bytes(data)
    return parts, whole


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    parts, whole = _write(tmp_path, [5, 0, 70_000, 1, 130_000, 3])
    with TestClient(_app(parts, whole)) as test_client:
        yield test_client


def _parsed(response: httpx.Response) -> object:
    """A multipart/byteranges body as its parts' headers and bytes (boundaries are random)."""
    kind = response.headers.get("content-type", "")
    if not kind.startswith("multipart/byteranges"):
        return response.content
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + kind.encode() + b"\r\n\r\n" + response.content
    )
    return [(dict(part.items()), part.get_payload(decode=True)) for part in message.get_payload()]


def _same(client: TestClient, method: str, headers: dict[str, str]) -> None:
    one = client.request(method, "/one", headers=headers)
    ours = client.request(method, "/parts", headers=headers)
    assert ours.status_code == one.status_code, headers
    assert _parsed(ours) == _parsed(one), headers
    names = ("content-length", "content-range", "accept-ranges", "content-disposition", "etag")
    for name in names:
        assert ours.headers.get(name) == one.headers.get(name), (name, headers)
    if not one.headers.get("content-type", "").startswith("multipart/"):
        assert ours.headers.get("content-type") == one.headers.get("content-type")


TOTAL = 5 + 70_000 + 1 + 130_000 + 3


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"range": "bytes=0-0"},
        {"range": "bytes=-5"},
        {"range": "bytes=7-"},
        {"range": "bytes=3-70010"},  # across three parts, the empty one included
        {"range": f"bytes={TOTAL - 4}-{TOTAL + 100}"},  # the end, past the end
        {"range": "bytes=0-1,69000-71000,-2"},
        {"range": f"bytes={TOTAL}-"},  # unsatisfiable
        {"range": "bytes=oops"},
        {"range": "lines=1-2"},
        {"range": "bytes=1-3", "if-range": '"tag"'},
        {"range": "bytes=1-3", "if-range": '"other"'},
        {"range": "bytes=1-3", "if-range": HEADERS["Last-Modified"]},
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_same_answers_as_one_file(
    client: TestClient, method: str, headers: dict[str, str]
) -> None:
    _same(client, method, headers)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sizes=st.lists(st.integers(0, 300), min_size=1, max_size=6),
    first=st.integers(0, 2000),
    length=st.integers(0, 2000),
)
def test_any_parts_and_any_range(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], first: int, length: int
) -> None:
    folder = tmp_path_factory.mktemp("parts")
    parts, whole = _write(folder, sizes)
    with TestClient(_app(parts, whole)) as test_client:
        _same(test_client, "GET", {"range": f"bytes={first}-{first + length}"})
        _same(test_client, "GET", {})


def test_a_part_of_another_size_stops_the_answer(tmp_path: Path) -> None:
    parts, whole = _write(tmp_path, [10, 10])
    parts[1][0].write_bytes(b"x" * 11)  # changed after its size was recorded
    with TestClient(_app(parts, whole)) as test_client, pytest.raises(PartSizeMismatch):
        test_client.get("/parts")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_real_server_sends_ranges_across_parts(tmp_path: Path) -> None:
    parts, whole = _write(tmp_path, [100_000, 0, 50_000, 7])
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app(parts, whole), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        data = whole.read_bytes()
        with httpx.Client(base_url=base) as http:
            assert http.get("/parts").content == data
            answer = http.get("/parts", headers={"range": "bytes=99990-100020"})
            assert answer.status_code == 206
            assert answer.content == data[99990:100021]
    finally:
        server.should_exit = True
        thread.join(timeout=20)
