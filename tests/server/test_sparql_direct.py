"""`/sparql` answered by the outermost middleware (server/sparql_direct.py) is the answer the full
FastAPI stack gives: same status, headers and body for queries, errors, gzip, CORS and HEAD."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from scgraph.server import sparql_direct
from scgraph.server.app import create_app
from scgraph.settings import Settings

ENTITY = "https://scgraph.org/id/city/da-nang"
JSON = "application/sparql-results+json"
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/sparql", {"params": {"query": f"SELECT ?p ?o WHERE {{ <{ENTITY}> ?p ?o }}"}}),
    ("HEAD", "/sparql", {"params": {"query": "ASK {}"}}),
    ("GET", "/sparql", {"params": {"query": f"DESCRIBE <{ENTITY}>"}, "accept": "text/turtle"}),
    ("GET", "/sparql", {"params": {"query": "SELECT * { ?s ?p ?o }"}, "gzip": True}),
    ("GET", "/sparql", {"params": {"query": "ASK {}"}, "origin": "https://example.org"}),
    ("GET", "/sparql", {"params": {"query": "SELEC nothing"}}),
    ("GET", "/sparql", {"params": {"query": "ASK {}"}, "accept": "image/png"}),
    ("GET", "/sparql", {"params": {"query": "ASK {}", "format": "nonsense"}}),
    ("GET", "/sparql", {"params": {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, "accept": JSON}),
    ("GET", "/sparql", {"params": {"update": "CLEAR ALL"}}),
    ("GET", "/sparql", {"accept": "text/turtle"}),
    ("GET", "/sparql", {"accept": "text/html"}),
    ("POST", "/sparql", {"form": {"query": "ASK { ?s ?p ?o }"}}),
    ("POST", "/sparql", {"direct": "ASK { ?s ?p ?o }"}),
    ("POST", "/sparql", {"direct": "x" * 2_000_000}),
    ("POST", "/sparql", {"type": "text/plain", "direct": "ASK {}"}),
    ("POST", "/sparql", {"type": "application/sparql-update", "direct": "CLEAR ALL"}),
    ("PUT", "/sparql", {"direct": "ASK {}"}),
    ("OPTIONS", "/sparql", {"origin": "https://example.org", "preflight": True}),
]


@pytest.fixture(scope="module")
def clients(built: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """A client of the app as it is, and one of the app with the direct path turned off."""
    with TestClient(create_app(built)) as direct:
        patch = pytest.MonkeyPatch()
        patch.setattr(sparql_direct, "PATH", "/no-direct-path")
        try:
            with TestClient(create_app(built)) as routed:
                yield direct, routed
        finally:
            patch.undo()


def _send(client: TestClient, method: str, path: str, case: dict[str, Any]) -> httpx.Response:
    headers = {"x-request-id": "same-id", "accept-encoding": "gzip" if case.get("gzip") else ""}
    headers["accept"] = case.get("accept", JSON)
    if "origin" in case:
        headers["origin"] = case["origin"]
    if case.get("preflight"):
        headers["access-control-request-method"] = "POST"
    content: bytes | None = None
    if "form" in case:
        content = str(httpx.QueryParams(case["form"])).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
    elif "direct" in case:
        content = case["direct"].encode()
        headers["content-type"] = case.get("type", "application/sparql-query")
    return client.request(method, path, params=case.get("params"), headers=headers, content=content)


@pytest.mark.parametrize(("method", "path", "case"), CASES)
def test_the_direct_path_answers_as_the_full_stack(
    clients: tuple[TestClient, TestClient], method: str, path: str, case: dict[str, Any]
) -> None:
    direct, routed = clients
    ours, theirs = _send(direct, method, path, case), _send(routed, method, path, case)
    assert ours.status_code == theirs.status_code
    if ours.headers.get("content-type", "").startswith("text/turtle") and ours.content:
        # The service description names fresh blank nodes each time: the same graph, not bytes.
        assert isomorphic(Graph().parse(data=ours.text), Graph().parse(data=theirs.text))
        assert _without_length(ours) == _without_length(theirs)
    else:
        assert ours.content == theirs.content
        assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.headers["x-request-id"] == "same-id"


def _without_length(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k != "content-length"]
