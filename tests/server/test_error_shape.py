"""One error shape per surface, walked along its failure paths (after Datasette's test_error_shape).

API and reconciliation answer application/problem+json carrying the request id; SPARQL answers
`<status> <phrase>: <detail>` as text/plain; pages answer browsers with the HTML error page.
Every error response carries X-Request-ID, and none shows a traceback or a path of this machine.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from scgraph.server.app import create_app
from scgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FORM = {"content-type": "application/x-www-form-urlencoded"}
BIG = b"queries=" + b"a" * 1_100_000

# (method, path, request options, status)
API_FAILURES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/api/entities/city/no-such-city", {}, 404),
    ("GET", "/api/queries/no-such-query", {}, 404),
    ("PUT", "/api/types", {}, 405),
    ("DELETE", "/api/search", {}, 405),
    ("GET", "/api/search?q=x&limit=0", {}, 422),
    ("GET", "/api/types?lang=not%20a%20tag", {}, 422),
    ("GET", "/api/queries/01-speakers-at-events?nope=1", {}, 400),
    ("GET", "/reconcile?queries=not-json", {}, 400),
    ("POST", "/reconcile", {"content": b"queries=%FF", "headers": FORM}, 400),
    ("GET", "/reconcile/preview?id=city/no-such-city", {}, 404),
    ("GET", "/reconcile/extend/propose", {}, 422),
    ("PATCH", "/reconcile", {}, 405),
    ("POST", "/reconcile", {"content": BIG, "headers": FORM}, 413),
    ("GET", "/api/no-such-route", {}, 404),
]
SPARQL_FAILURES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/sparql?query=SELEC", {}, 400),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", {}, 400),
    ("POST", "/sparql", {}, 415),
    ("GET", "/sparql?query=DROP%20ALL", {}, 403),
    ("PUT", "/sparql", {}, 405),
    ("GET", "/sparql?query=ASK%7B%7D", {"headers": {"accept": "image/png"}}, 406),
    ("POST", "/sparql", {"content": BIG, "headers": FORM}, 413),
]
PAGE_FAILURES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/no/such/page", {}, 404),
    ("GET", "/class/City?page=0", {}, 422),
    ("GET", "/page/city/da-nang?page=not-a-number", {}, 422),
    ("DELETE", "/page/city/da-nang", {}, 405),
    ("POST", "/", {}, 405),
    ("GET", "/dumps/no-such-dump.nt", {}, 404),
]


@pytest.fixture(params=["in-process", "uvicorn"])
def either(request: pytest.FixtureRequest) -> Iterator[httpx.Client | TestClient]:
    if request.param == "in-process":
        yield request.getfixturevalue("client")
        return
    with httpx.Client(base_url=request.getfixturevalue("live_server"), timeout=30) as live:
        yield live


def _send(
    client: httpx.Client | TestClient,
    method: str,
    path: str,
    options: dict[str, Any],
    accept: str | None = None,
) -> httpx.Response:
    headers = {**options.get("headers", {}), "x-request-id": f"shape-{method}-{len(path)}"}
    if accept and "accept" not in headers:
        headers["accept"] = accept
    response: httpx.Response = client.request(
        method, path, content=options.get("content"), headers=headers
    )
    return response


def _assert_common(response: httpx.Response, status: int, method: str, path: str) -> None:
    assert response.status_code == status, (path, response.text)
    # The client's own sane request id comes back, so logs and reports can be matched.
    assert response.headers["x-request-id"] == f"shape-{method}-{len(path)}"
    body = response.text
    assert "Traceback" not in body
    assert 'File "' not in body
    for internal in (str(ROOT), sys.prefix, "site-packages", "/tmp/"):
        assert internal not in body


@pytest.mark.parametrize(("method", "path", "options", "status"), API_FAILURES)
def test_api_errors_are_problem_json(
    either: httpx.Client | TestClient,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int,
) -> None:
    # Browsers included: the JSON surfaces never answer with HTML.
    for accept in (None, BROWSER):
        response = _send(either, method, path, options, accept)
        _assert_common(response, status, method, path)
        assert response.headers["content-type"] == "application/problem+json"
        problem = json.loads(response.text)
        assert set(problem) >= {"type", "title", "status", "detail", "instance", "request_id"}
        assert problem["status"] == status
        assert problem["title"] == HTTPStatus(status).phrase
        assert problem["request_id"] == response.headers["x-request-id"]
        assert problem["instance"] == path.split("?")[0]
        assert problem["detail"]


@pytest.mark.parametrize(("method", "path", "options", "status"), SPARQL_FAILURES)
def test_sparql_errors_are_plain_text(
    either: httpx.Client | TestClient,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int,
) -> None:
    response = _send(either, method, path, options)
    _assert_common(response, status, method, path)
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    first, _, detail = response.text.partition(": ")
    assert first == f"{status} {HTTPStatus(status).phrase}"
    assert detail.strip()


class _ErrorPage(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1 = ""
        self.code: list[str] = []
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "h1" in self._open:
            self.h1 += data
        if self._open and self._open[-1] == "code":
            self.code.append(data)


@pytest.mark.parametrize(("method", "path", "options", "status"), PAGE_FAILURES)
def test_page_errors_are_html_for_browsers_and_problem_json_otherwise(
    either: httpx.Client | TestClient,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int,
) -> None:
    page = _send(either, method, path, options, BROWSER)
    _assert_common(page, status, method, path)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    parsed = _ErrorPage(page.text)
    assert parsed.h1.strip() == f"{status} {HTTPStatus(status).phrase}"
    assert page.headers["x-request-id"] in parsed.code
    program = _send(either, method, path, options, "application/json")
    _assert_common(program, status, method, path)
    assert program.headers["content-type"] == "application/problem+json"
    assert program.json()["request_id"] == program.headers["x-request-id"]


def test_an_unknown_entity_page_is_the_not_found_page(client: TestClient) -> None:
    # The one 404 with its own page (a search box); it still carries the request id.
    response = client.get("/id/city/no-such-city", headers={"accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-request-id"]


def test_a_server_error_is_logged_with_the_id_the_client_gets(
    built: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # An example query without its expected results: /api/queries fails on our side (500).
    (tmp_path / "broken.rq").write_text("# title: Broken\nASK {}\n", encoding="utf-8")
    settings = built.model_copy(update={"queries_dir": tmp_path})
    with TestClient(create_app(settings)) as broken, caplog.at_level(logging.ERROR):
        response = broken.get("/api/queries")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    rid = response.headers["x-request-id"]
    assert response.json()["request_id"] == rid
    assert "broken.rq" in response.json()["detail"]
    assert str(tmp_path) not in response.text
    logged = [r.getMessage() for r in caplog.records if r.name == "scgraph.server"]
    assert any(rid in message and "500" in message for message in logged)


@pytest.mark.parametrize("given", ["x" * 65, "bad\x7fid", "a b" * 30, ""])
def test_an_unusable_client_request_id_is_replaced(client: TestClient, given: str) -> None:
    response = client.get("/api/entities/city/no-such-city", headers={"x-request-id": given})
    rid = response.headers["x-request-id"]
    assert rid != given
    assert len(rid) == 32 and int(rid, 16) >= 0
    assert response.json()["request_id"] == rid
