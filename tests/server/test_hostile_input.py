"""Hostile and broken input: each case gets one exact answer, in its surface's error shape.

The SPARQL and path cases run against the in-process app and the real uvicorn server alike; the
literal `..` paths only against uvicorn, through http.client, since httpx removes dot segments
before sending.
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from scgraph.server.app import create_app
from scgraph.settings import Settings
from scgraph.store import write_store, write_summary

ROOT = Path(__file__).resolve().parent.parent.parent
SPARQL_TEXT = "text/plain; charset=utf-8"
PROBLEM = "application/problem+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Client(Protocol):
    """What the tests use of TestClient and httpx.Client alike."""

    def get(self, url: str, **kwargs: object) -> httpx.Response: ...
    def post(self, url: str, **kwargs: object) -> httpx.Response: ...
    def request(self, method: str, url: str, **kwargs: object) -> httpx.Response: ...


@pytest.fixture(params=["in-process", "uvicorn"])
def either(request: pytest.FixtureRequest) -> Iterator[Client]:
    """The in-process client, then a client of the real server."""
    if request.param == "in-process":
        yield request.getfixturevalue("client")
        return
    with httpx.Client(base_url=request.getfixturevalue("live_server"), timeout=30) as live:
        yield live


def assert_clean(body: str, built: Settings) -> None:
    """No traceback and no path of this machine in what the client sees."""
    assert "Traceback" not in body
    for internal in (str(ROOT), str(built.data_dir), sys.prefix, "site-packages"):
        assert internal not in body


def assert_sparql_error(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == SPARQL_TEXT
    assert response.headers["x-request-id"]
    assert response.text.startswith(f"{status} ")
    assert fragment in response.text


def assert_problem(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["request_id"] == response.headers["x-request-id"]
    assert fragment in problem["detail"]


def sparql(either: Client, query: str) -> httpx.Response:
    return either.get("/sparql", params={"query": query})


# ---- SPARQL -------------------------------------------------------------------------------


def test_syntax_error_is_400_with_its_position(either: Client, built: Settings) -> None:
    response = sparql(either, "SELEC * WHERE { ?s ?p ?o }")
    assert_sparql_error(response, 400, "error at 1:")
    assert_clean(response.text, built)


def test_a_query_of_several_megabytes_is_413(either: Client) -> None:
    big = "ASK {}" + " " * 3_000_000
    direct = either.post(
        "/sparql", content=big, headers={"content-type": "application/sparql-query"}
    )
    assert_sparql_error(direct, 413, "the request body is larger than")
    form = either.post("/sparql", data={"query": big})
    assert_sparql_error(form, 413, "the request body is larger than")


def test_a_query_just_over_max_query_bytes_is_413(either: Client) -> None:
    # Within the body limit, over the query limit: the query's own check answers.
    query = "ASK {}" + "#" * 150_000
    response = either.post(
        "/sparql", content=query, headers={"content-type": "application/sparql-query"}
    )
    assert_sparql_error(response, 413, "the query is longer than the limit of 100000 bytes")


def test_deeply_nested_groups_do_not_take_the_server_down(either: Client) -> None:
    nested = "SELECT * WHERE " + "{" * 2000 + "}" * 2000
    response = either.post("/sparql", data={"query": nested})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [{}]
    after = sparql(either, "ASK { ?s ?p ?o }")
    assert after.status_code == 200
    assert after.json()["boolean"] is True


def test_a_huge_values_block_within_the_limit_is_answered(either: Client) -> None:
    iris = [f"urn:x:{i}" for i in range(7000)]
    query = "SELECT ?x WHERE { VALUES ?x { " + " ".join(f"<{i}>" for i in iris) + " } }"
    assert len(query.encode()) < 100_000
    response = either.post("/sparql", data={"query": query})
    assert response.status_code == 200, response.text
    assert [b["x"]["value"] for b in response.json()["results"]["bindings"]] == iris


@pytest.fixture(scope="module")
def short_timeout(built: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(built.model_copy(update={"query_timeout_s": 2.0}))) as client:
        yield client


def test_an_unbounded_property_path_is_stopped_at_the_timeout(short_timeout: TestClient) -> None:
    # test_sparql_safety.py covers the cartesian product; this is the property-path kind.
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:none>)* ?b . ?c (!<urn:none>)* ?d }"
    response = short_timeout.get("/sparql", params={"query": query})
    assert_sparql_error(response, 503, "the query ran longer than the 2 s limit and was stopped")
    assert response.headers["retry-after"] == "10"
    assert short_timeout.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8000/sparql",
        "http://localhost/sparql",
        "http://[::1]/sparql",
        "http://10.0.0.1/sparql",
        "http://192.168.1.1/sparql",
        "http://169.254.169.254/latest/meta-data/",
        "https://query.wikidata.org/sparql",
    ],
)
def test_service_to_any_address_is_refused(either: Client, endpoint: str) -> None:
    response = sparql(either, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
    assert_sparql_error(response, 403, f"SERVICE <{endpoint}> is not allowed on this endpoint")


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://example.org/data.ttl>",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        "CLEAR DEFAULT",
        "PREFIX ex: <urn:x:> CREATE GRAPH ex:g",
    ],
)
def test_updates_are_refused_however_sent(either: Client, update: str) -> None:
    refused = "this endpoint is read-only: SPARQL Update requests are refused"
    assert_sparql_error(sparql(either, update), 403, refused)
    assert_sparql_error(either.get("/sparql", params={"update": update}), 403, refused)
    as_update = either.post(
        "/sparql", content=update, headers={"content-type": "application/sparql-update"}
    )
    assert_sparql_error(as_update, 403, refused)
    assert_sparql_error(either.post("/sparql", data={"update": update}), 403, refused)


def test_invalid_utf8_is_400_wherever_it_is_sent(either: Client) -> None:
    in_url = either.get("/sparql?query=ASK%20%7B%7D%FF")
    assert_sparql_error(in_url, 400, "the query string is not UTF-8 once percent-decoded")
    direct = either.post(
        "/sparql", content=b"ASK {\xff}", headers={"content-type": "application/sparql-query"}
    )
    assert_sparql_error(direct, 400, "the request body is not UTF-8")
    form = either.post(
        "/sparql",
        content=b"query=ASK%20%7B%7D%FF",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_sparql_error(form, 400, "the request body is not UTF-8 once percent-decoded")


def test_nul_bytes_are_data_in_strings_and_errors_elsewhere(either: Client) -> None:
    in_string = sparql(either, 'ASK { ?s ?p "a\x00b" }')
    assert in_string.status_code == 200
    assert in_string.json()["boolean"] is False
    assert_sparql_error(sparql(either, "ASK\x00{}"), 400, "error at 1:")


def test_an_unknown_prefix_is_400_naming_it(either: Client) -> None:
    response = sparql(either, "SELECT * WHERE { ?s nope:label ?o }")
    assert_sparql_error(response, 400, "Prefix not found")


def test_repeated_and_conflicting_parameters(either: Client) -> None:
    twice = either.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert_sparql_error(twice, 400, "the `query` parameter must be given exactly once")
    both = either.get("/sparql", params={"query": "ASK {}", "update": "DROP ALL"})
    assert_sparql_error(both, 400, "a request carries either `query` or `update`, not both")
    # Conflicting `format` values: the first understood one wins (docs/sparql.md).
    formats = either.get("/sparql?query=ASK%7B%7D&format=json&format=xml")
    assert formats.status_code == 200
    assert formats.headers["content-type"] == "application/sparql-results+json"
    assert formats.json()["boolean"] is True


# ---- HTTP ---------------------------------------------------------------------------------


def test_unknown_path_is_404_for_people_and_programs(either: Client, built: Settings) -> None:
    as_json = either.get("/no/such/thing")
    assert_problem(as_json, 404, "Not Found")
    as_page = either.get("/no/such/thing", headers={"accept": BROWSER})
    assert as_page.status_code == 404
    assert as_page.headers["content-type"] == "text/html; charset=utf-8"
    assert as_page.headers["x-request-id"] in as_page.text
    assert_clean(as_page.text, built)


# Bytes that would show the files were read: pyproject.toml, build.json, /etc/passwd.
LEAKS = ("[project]", '"build_id"', "root:")
ENCODED_TRAVERSALS = [
    "/id/%2e%2e/%2e%2e/etc/passwd",
    "/id/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/page/..%2f..%2f..%2fetc%2fpasswd",
    "/data/%2e%2e%2f%2e%2e%2fbuild.json",
    "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/dumps/%2e%2e/build.json",
    "/dumps/%2e%2e%2fbuild.json",
]
LITERAL_TRAVERSALS = [
    "/id/../../etc/passwd",
    "/static/../pyproject.toml",
    "/static/../../../pyproject.toml",
    "/dumps/../build.json",
    "/data/../../build.json",
]


@pytest.mark.parametrize("path", ENCODED_TRAVERSALS)
def test_encoded_path_traversal_reads_nothing(either: Client, built: Settings, path: str) -> None:
    response = either.get(path)
    assert response.status_code == 404
    assert response.headers["x-request-id"]
    assert not any(leak in response.text for leak in LEAKS)
    assert_clean(response.text, built)


@pytest.mark.parametrize("path", LITERAL_TRAVERSALS + ENCODED_TRAVERSALS)
def test_literal_path_traversal_reads_nothing(live_server: str, path: str) -> None:
    netloc = urllib.parse.urlsplit(live_server).netloc
    connection = http.client.HTTPConnection(netloc, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8")
    finally:
        connection.close()
    assert response.status == 404
    assert response.getheader("x-request-id")
    assert not any(leak in body for leak in LEAKS)


def test_overlong_paths_and_iris_are_404(client: TestClient, built: Settings) -> None:
    long_id = "city/" + "a" * 20_000
    page = client.get("/page/" + long_id, headers={"accept": BROWSER})
    assert page.status_code == 404
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert_problem(client.get("/api/entities/" + long_id), 404, "no entity https://scgraph.org/id/")
    data = client.get("/data/" + long_id, headers={"accept": "text/turtle"})
    assert_problem(data, 404, "nothing is known about <https://scgraph.org/id/city/aaaa")
    assert_clean(page.text, built)


def test_overlong_paths_get_a_clean_answer_from_uvicorn(live_server: str) -> None:
    # The request line alone is 20 kB; uvicorn passes it on and the app answers 404, not 5xx.
    response = httpx.get(live_server + "/id/city/" + "a" * 20_000, timeout=10)
    assert response.status_code == 404
    assert response.headers["x-request-id"]


def test_iris_with_spaces_or_control_characters_are_404(either: Client) -> None:
    # These used to reach ox.NamedNode and answer 500.
    for path in ("/id/city/a%20b", "/page/city/%06x", "/data/city/a%3Eb"):
        assert either.get(path, headers={"accept": BROWSER}).status_code == 404
    assert_problem(either.get("/api/entities/%06x"), 404, "no entity https://scgraph.org/id/\x06x")
    assert_problem(either.get("/reconcile/preview", params={"id": "a b"}), 404, "no entity a b")
    propose = either.get("/reconcile/extend/propose", params={"type": "a b"})
    assert propose.status_code == 200
    assert propose.json()["properties"] == []


@pytest.mark.parametrize(
    "accept", ["\x01;;;q=abc,,/", "text/html;q=xyz", "*/*;q=-1, text/html;q=2", ";", "a/b/c"]
)
def test_malformed_accept_headers_do_not_fail(either: Client, accept: str) -> None:
    page = either.get("/page/city/da-nang", headers={"accept": accept})
    assert page.status_code in (200, 406)
    assert page.headers["x-request-id"]
    if page.status_code == 406:
        assert_problem(page, 406, "no acceptable representation")
    result = either.get("/sparql", params={"query": "ASK {}"}, headers={"accept": accept})
    assert result.status_code in (200, 406)
    if result.status_code == 406:
        assert_sparql_error(result, 406, "no acceptable format")
    api = either.get("/api/types", headers={"accept": accept})
    assert api.status_code == 200
    assert api.json()


@pytest.mark.parametrize("language", [";;;q=zz,--,*;q=abc", "x" * 5000, "vi;q=2,en;q=-1", ""])
def test_malformed_accept_language_falls_back_to_vietnamese(either: Client, language: str) -> None:
    response = either.get(
        "/page/city/da-nang", headers={"accept": BROWSER, "accept-language": language}
    )
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text


@pytest.mark.parametrize("tag", ['"\x01bogus,,,W/', "*garbage*", 'W/"', '"' + "x" * 10_000 + '"'])
def test_bogus_if_none_match_gets_the_full_answer(either: Client, tag: str) -> None:
    for path in ("/page/city/da-nang", "/data/city/da-nang.ttl", "/dumps/SHA256SUMS"):
        response = either.get(path, headers={"if-none-match": tag})
        assert response.status_code == 200, path
        assert response.headers["etag"].startswith('"')
        assert response.content


SURFACES = ["/sparql", "/api/types", "/reconcile", "/page/city/da-nang", "/id/city/da-nang", "/"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_unsupported_methods_are_405_with_allow(either: Client, method: str) -> None:
    for path in SURFACES:
        response = either.request(method, path)
        assert response.status_code == 405, path
        assert response.headers["allow"], path
        assert method not in response.headers["allow"]
        assert response.headers["x-request-id"]
        if path == "/sparql":
            assert_sparql_error(response, 405, "Method Not Allowed")
        else:
            assert_problem(response, 405, "Method Not Allowed")


def _chunks(total: int) -> Iterator[bytes]:
    # A generator body is sent chunked, without Content-Length: the limit must count as it reads.
    yield b"queries="
    for _ in range(total // 65536):
        yield b"a" * 65536


def test_reconcile_bodies_over_the_limit_are_413(either: Client) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    declared = either.post("/reconcile", content=b"queries=" + b"a" * 2_000_000, headers=form)
    assert_problem(declared, 413, "the request body is larger than the limit of 1000000 bytes")
    chunked = either.post("/reconcile", content=_chunks(2_000_000), headers=form)
    assert_problem(chunked, 413, "the request body is larger than the limit of 1000000 bytes")


def test_chunked_sparql_body_over_the_limit_is_413(either: Client) -> None:
    body = (b"#" * 65536 for _ in range(40))
    response = either.post(
        "/sparql", content=body, headers={"content-type": "application/sparql-query"}
    )
    assert_sparql_error(response, 413, "the request body is larger than")


def test_a_smaller_body_limit_applies_to_every_surface(built: Settings) -> None:
    settings = built.model_copy(update={"max_body_bytes": 1000})
    with TestClient(create_app(settings)) as small:
        form = {"content-type": "application/x-www-form-urlencoded"}
        reconcile = small.post("/reconcile", content=b"queries=" + b"a" * 2000, headers=form)
        assert_problem(reconcile, 413, "larger than the limit of 1000 bytes")
        query = small.post("/sparql", data={"query": "ASK {}" + " " * 2000})
        assert_sparql_error(query, 413, "larger than the limit of 1000 bytes")
        assert small.post("/sparql", data={"query": "ASK {}"}).status_code == 200


# ---- pages --------------------------------------------------------------------------------

HOSTILE_LABELS = {
    "html": '"><img src=x onerror=alert(1)><b>bold</b>',
    "script": "</script><script>alert('x')</script>",
    "arabic": "مدينة ذكية <i>دا نانغ</i>",
    "hebrew": "עיר חכמה ‏(RTL)‏ ‮reversed‬",
    "combining": "Z\u0351\u0352\u0353a\u0300\u0301\u0302\u0303l\u0304\u0305g\u0306o\u0307",
}
BASE = "https://scgraph.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app over a tiny store whose cities are labelled with markup, RTL and combining text."""
    build = tmp_path_factory.mktemp("hostile-build")
    sc = "https://scgraph.org/ontology#"
    registry = ox.NamedNode(BASE + "graph/registry")
    quads = []
    for name, label in HOSTILE_LABELS.items():
        city = ox.NamedNode(f"{BASE}id/city/{name}")
        quads += [
            ox.Quad(city, ox.NamedNode(RDF_TYPE), ox.NamedNode(sc + "City"), registry),
            ox.Quad(city, ox.NamedNode(RDFS_LABEL), ox.Literal(label, language="vi"), registry),
            ox.Quad(city, ox.NamedNode(sc + "note"), ox.Literal(label), registry),
        ]
    write_store(build / "store", quads)
    write_summary(build, {"build_id": "20260101T000000Z-hostile", "triples": len(quads)})
    with TestClient(create_app(Settings(store=build))) as client:
        yield client


class _Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[tuple[str, str]] = []
        self.h1 = ""
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        if tag == "script":
            self.scripts.append((dict(attrs).get("type") or "", ""))

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in and self._in[-1] == "h1":
            self.h1 += data
        if self._in and self._in[-1] == "script":
            kind, content = self.scripts[-1]
            self.scripts[-1] = (kind, content + data)


@pytest.mark.parametrize("name", sorted(HOSTILE_LABELS))
def test_hostile_labels_render_as_text(hostile_client: TestClient, name: str) -> None:
    label = HOSTILE_LABELS[name]
    response = hostile_client.get(f"/page/city/{name}", headers={"accept": BROWSER})
    assert response.status_code == 200
    page = _Elements(response.text)
    assert page.h1.strip() == label
    # The label's markup stayed text: no element it names was created.
    assert "img" not in page.tags and "b" not in page.tags and "i" not in page.tags
    assert [kind for kind, _ in page.scripts] == ["application/ld+json"]
    ((_, ld),) = page.scripts
    assert json.loads(ld)["name"] == label
    assert sum(label in chunk for chunk in page.text) >= 2  # the heading and the note


def test_hostile_labels_come_back_intact_from_the_api(hostile_client: TestClient) -> None:
    for name, label in HOSTILE_LABELS.items():
        entity = hostile_client.get(f"/api/entities/city/{name}")
        assert entity.status_code == 200
        assert entity.json()["label"] == label
