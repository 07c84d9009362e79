"""The SPARQL 1.1 Protocol query operation at /sparql, in process and over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
import rdflib

from scgraph.settings import Settings

COUNT_LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l }"
)
TWO_ROWS = "SELECT ?x WHERE { VALUES ?x { 1 2 } } ORDER BY ?x"
CONSTRUCT = "CONSTRUCT { ?g a <urn:x:Graph> } WHERE { GRAPH ?g { } }"
SPARQL_JSON = "application/sparql-results+json"


def _json(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.content)


def test_get_post_form_and_post_direct_give_the_same_answer(http: httpx.Client) -> None:
    accept = {"accept": SPARQL_JSON}
    by_get = _json(http.get("/sparql", params={"query": COUNT_LABELS}, headers=accept))
    by_form = _json(http.post("/sparql", data={"query": COUNT_LABELS}, headers=accept))
    direct = http.post(
        "/sparql",
        content=COUNT_LABELS.encode(),
        headers={**accept, "content-type": "application/sparql-query; charset=utf-8"},
    )
    assert by_get == by_form == _json(direct)
    assert int(by_get["results"]["bindings"][0]["n"]["value"]) > 0


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (SPARQL_JSON, SPARQL_JSON),
        ("application/json", SPARQL_JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", SPARQL_JSON),
        (None, SPARQL_JSON),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_results_are_negotiated(
    http: httpx.Client, accept: str | None, media_type: str
) -> None:
    headers = {"accept": accept} if accept else {}
    response = http.get("/sparql", params={"query": TWO_ROWS}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "accept" in response.headers["vary"].lower()
    if media_type == SPARQL_JSON:
        values = [b["x"]["value"] for b in response.json()["results"]["bindings"]]
    elif media_type.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        values = [e.text for e in ET.fromstring(response.content).iterfind(".//r:literal", ns)]
    else:
        dialect = "excel" if media_type == "text/csv" else "excel-tab"
        rows = list(csv.reader(io.StringIO(response.text), dialect=dialect))
        values = [row[0].split("^^")[0].strip('"') for row in rows[1:]]
    assert values == ["1", "2"]


def test_ask_is_answered_as_a_boolean(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
    ],
)
# rdflib 7.6 warns about its own deprecated internals when parsing quads and JSON-LD.
@pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_results_are_negotiated(
    http: httpx.Client, built: Settings, accept: str, rdflib_format: str
) -> None:
    response = http.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Dataset()
    graph.parse(data=response.content, format=rdflib_format)
    subjects = {str(quad[0]) for quad in graph.quads((None, None, None, None))}
    assert built.base_iri + "graph/registry" in subjects


def test_graph_parameters_replace_the_dataset(http: httpx.Client, built: Settings) -> None:
    registry = built.base_iri + "graph/registry"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = _json(http.get("/sparql", params={"query": query}))
    only_registry = _json(
        http.get("/sparql", params={"query": query, "default-graph-uri": registry})
    )
    named = _json(
        http.post(
            "/sparql",
            data={
                "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                "named-graph-uri": [registry, built.base_iri + "graph/ontology"],
            },
        )
    )
    count = lambda result: int(result["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert 0 < count(only_registry) < count(whole)
    assert {b["g"]["value"] for b in named["results"]["bindings"]} == {
        registry,
        built.base_iri + "graph/ontology",
    }


def test_format_parameter_overrides_accept(http: httpx.Client) -> None:
    response = http.get(
        "/sparql", params={"query": TWO_ROWS, "format": "csv"}, headers={"accept": SPARQL_JSON}
    )
    assert response.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "message"),
    [
        ("get", {"params": {"query": "SELEC * WHERE {}"}}, 400, "error at"),
        ("get", {"params": {"query": ["ASK {}", "ASK {}"]}}, 400, "exactly once"),
        ("post", {"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
        ("post", {"data": {"update": "CLEAR ALL"}}, 403, "read-only"),
        ("get", {"params": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 403, "read-only"),
        (
            "post",
            {"content": b"DROP ALL", "headers": {"content-type": "application/sparql-update"}},
            403,
            "read-only",
        ),
        (
            "post",
            {"content": b"ASK {}", "headers": {"content-type": "text/plain"}},
            415,
            "text/plain",
        ),
        ("post", {"data": {"format": "json"}}, 400, "missing"),
        ("put", {"params": {"query": "ASK {}"}}, 405, ""),
        ("delete", {}, 405, ""),
        (
            "get",
            {"params": {"query": "ASK {}"}, "headers": {"accept": "image/png"}},
            406,
            "text/csv",
        ),
        (
            "get",
            {"params": {"query": CONSTRUCT}, "headers": {"accept": "text/csv"}},
            406,
            "text/turtle",
        ),
        ("get", {"params": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400, "IRI"),
        (
            "get",
            {"params": {"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}},
            403,
            "SERVICE",
        ),
        (
            "get",
            {"params": {"query": "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> {} }"}},
            403,
            "SERVICE",
        ),
    ],
)
def test_errors_follow_the_protocol(
    http: httpx.Client, method: str, kwargs: dict[str, Any], status: int, message: str
) -> None:
    response = http.request(method.upper(), "/sparql", **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert message in response.text
    if status == 405:
        assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


def test_a_query_larger_than_the_limit_is_refused(http: httpx.Client, built: Settings) -> None:
    query = "ASK {} #" + "x" * built.max_query_bytes
    response = http.post("/sparql", data={"query": query})
    assert response.status_code == 413
    assert str(built.max_query_bytes) in response.text


def test_service_description_lists_formats_and_union_default_graph(
    http: httpx.Client, built: Settings
) -> None:
    response = http.get("/sparql", headers={"accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert str(service).endswith("/sparql")
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    formats = {str(f) for f in graph.objects(service, sd.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    names = {str(n) for n in graph.objects(None, sd.name)}
    assert built.base_iri + "graph/registry" in names


def test_browsers_are_sent_to_the_query_page(http: httpx.Client) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    described = http.get("/sparql", headers=browser, follow_redirects=False)
    assert described.status_code == 303
    assert described.headers["location"] == "/query"
    asked = http.get("/sparql", params={"query": "ASK {}"}, headers=browser, follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"].startswith("/query?query=ASK")


def test_head_cors_and_gzip(http: httpx.Client) -> None:
    head = http.head("/sparql", params={"query": TWO_ROWS})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith(SPARQL_JSON)
    assert head.content == b""
    preflight = http.options(
        "/sparql",
        headers={
            "origin": "https://example.org",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    big = http.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2000"},
        headers={"accept-encoding": "gzip", "origin": "https://example.org"},
    )
    assert big.headers["content-encoding"] == "gzip"
    assert big.headers["access-control-allow-origin"] == "*"
    assert len(big.json()["results"]["bindings"]) == 2000


ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _rows(accept: str, body: bytes) -> int:
    if accept == SPARQL_JSON:
        return len(json.loads(body)["results"]["bindings"])
    if accept == "application/sparql-results+xml":
        return len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if accept == "text/csv":
        return len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
    return len(body.decode().split("\n")) - 2  # less the header and the final newline


@pytest.mark.parametrize(
    "accept",
    [SPARQL_JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"],
)
def test_a_large_select_is_streamed_whole_in_every_format(http: httpx.Client, accept: str) -> None:
    expected = int(
        _json(http.get("/sparql", params={"query": COUNT_TRIPLES}))["results"]["bindings"][0]["n"][
            "value"
        ]
    )
    response = http.get("/sparql", params={"query": ALL_TRIPLES}, headers={"accept": accept})
    assert response.status_code == 200
    # Past the first piece the answer is streamed, so it cannot carry a Content-Length.
    assert len(response.content) > 32 * 1024
    assert "content-length" not in response.headers
    assert _rows(accept, response.content) == expected


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("application/n-triples", "nt"),
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
# rdflib 7.6 warns about its own deprecated internals when parsing JSON-LD.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_a_large_construct_is_streamed_whole(
    http: httpx.Client, accept: str, rdf_format: str
) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    response = http.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert response.status_code == 200
    assert "content-length" not in response.headers
    streamed = rdflib.Graph().parse(data=response.content, format=rdf_format)
    reference = http.get(
        "/sparql", params={"query": query}, headers={"accept": "application/n-triples"}
    )
    assert len(streamed) == len(rdflib.Graph().parse(data=reference.content, format="nt")) > 500


def test_a_small_result_carries_its_length(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": TWO_ROWS}, headers={"accept": "text/csv"})
    assert response.headers["content-length"] == str(len(response.content))
    assert response.text.split() == ["x", "1", "2"]
