"""The same lookups, pages, API answers and SPARQL results from the embedded store, from
`oxigraph serve` and from Virtuoso (see conftest.py here for how each is started and loaded)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from scgraph.errors import RemoteStoreTimeout
from scgraph.graph_store import GraphStore
from scgraph.kg import KnowledgeGraph
from scgraph.queries import ExampleQuery, canonical, load_examples, read_expected
from scgraph.remote_store import RemoteStore
from scgraph.search import collect_entities
from scgraph.settings import Settings

EXAMPLES = load_examples(Path(__file__).resolve().parents[2] / "queries")


class StoreCase(Protocol):
    """What the `store_kind` fixture (conftest.py here) gives."""

    kind: str
    settings: Settings
    store: GraphStore


# Virtuoso 7.2 answers these differently from the SPARQL 1.1 specification's results, for reasons
# of its engine that scgraph cannot undo on the wire; every other example must match exactly.
# Each difference is still checked as far as it goes: "order" answers hold the same rows, "values"
# answers as many rows, and a "rows" answer holds only expected rows (all, some or none of them).
VIRTUOSO_DIFFERS = {
    "03-events-by-date": ("values", "GROUP_CONCAT drops the common language tag"),
    "04-event-parts": ("values", "a computed boolean (BOUND/EXISTS) comes back as xsd:integer 1"),
    "05-awards-received": ("values", "an OPTIONAL inside OPTIONAL leaves a variable unbound"),
    "06-statistics": ("order", "ORDER BY over language-tagged literals orders ties differently"),
    "09-evidence-for-statement": (
        "order",
        "ORDER BY over language-tagged literals orders ties differently",
    ),
    "12-places": ("values", "a computed boolean (BOUND/EXISTS) comes back as xsd:integer 1"),
    "20-fact-stated-twice": ("rows", "the nested sub-SELECT with HAVING finds some of the rows"),
    "23-smart-service-sectors": ("values", "GROUP_CONCAT drops the common language tag"),
    "27-workshops": ("values", "GROUP_CONCAT drops the common language tag"),
}


def _size(answer: object) -> int:
    if isinstance(answer, Counter):
        return sum(answer.values())
    assert isinstance(answer, list)
    return len(answer)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_query_gives_expected_answer(store_kind: StoreCase, example: ExampleQuery) -> None:
    expected = read_expected(example)
    difference = VIRTUOSO_DIFFERS.get(example.name) if store_kind.kind == "virtuoso" else None
    if difference is None:
        assert canonical(store_kind.store.query(example.text), example.is_ordered) == expected
        return
    kind, why = difference
    if kind == "order":
        rows = canonical(store_kind.store.query(example.text), ordered=False)
        assert isinstance(expected, list)
        assert rows == Counter(expected), why
    elif kind == "values":
        answer = canonical(store_kind.store.query(example.text), example.is_ordered)
        assert _size(answer) == _size(expected), why
    else:
        # Runs differ: all the rows, some of them (seen once: 2 of 10) or none; never other rows.
        answer = canonical(store_kind.store.query(example.text), example.is_ordered)
        assert isinstance(answer, list) and isinstance(expected, list)
        assert all(row in expected for row in answer), why


def test_virtuoso_matches_most_examples() -> None:
    # The exceptions above stay exceptions: most examples must agree on every server.
    assert len(VIRTUOSO_DIFFERS) < len(EXAMPLES) / 2
    assert set(VIRTUOSO_DIFFERS) <= {e.name for e in EXAMPLES}


@pytest.mark.parametrize(
    "name", ["01-speakers-at-events", "16-ask-binh-duong-smart21", "17-construct-event-calendar"]
)
def test_sparql_endpoint_answers_examples(
    store_kind: StoreCase, store_client: TestClient, name: str
) -> None:
    example = next(e for e in EXAMPLES if e.name == name)
    response = store_client.get(
        "/sparql",
        params={"query": example.text},
        headers={"Accept": "application/sparql-results+json, application/n-triples"},
    )
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0]
    if media == "application/n-triples":
        triples = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        got = canonical(_as_query_triples(list(triples)), ordered=False)
    else:
        assert media == "application/sparql-results+json"
        got = canonical(
            ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON),
            example.is_ordered,
        )
    assert got == read_expected(example)


def _as_query_triples(triples: list[ox.Triple]) -> ox.QueryTriples:
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    result = scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QueryTriples)
    return result


@pytest.mark.parametrize(
    "accept", ["text/csv", "application/sparql-results+xml", "text/tab-separated-values"]
)
def test_sparql_endpoint_negotiates_like_the_embedded_store(
    store_kind: StoreCase,
    store_client: TestClient,
    embedded: StoreCase,
    accept: str,
) -> None:
    query = (
        "SELECT ?c ?l WHERE { ?c a <https://scgraph.org/ontology#City> ;"
        " <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?c ?l"
    )
    response = store_client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    local = embedded.store.query(query)
    assert isinstance(local, ox.QuerySolutions)
    fmt = ox.QueryResultsFormat.from_media_type(accept)
    assert fmt is not None
    assert response.content == local.serialize(format=fmt)


def test_sparql_endpoint_keeps_its_guard(store_client: TestClient) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    assert store_client.get("/sparql", params={"query": service}).status_code == 403
    update = store_client.post("/sparql", data={"update": "DROP ALL"})
    assert update.status_code == 403
    bad = store_client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("text/plain")


def test_ask_is_a_boolean(store_kind: StoreCase, store_client: TestClient) -> None:
    for query, expected in [
        ("ASK { ?x a <https://scgraph.org/ontology#City> }", True),
        ("ASK { ?x a <https://scgraph.org/ontology#Nothing> }", False),
    ]:
        assert bool(store_kind.store.query(query)) is expected
        answer = store_client.get(
            "/sparql", params={"query": query}, headers={"Accept": "application/json"}
        ).json()
        assert answer["boolean"] is expected


class _Text(HTMLParser):
    """The visible text of a page's <main>, and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.text, self.links = 0, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth += 1
        if self.depth and tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and data.strip():
            self.text.append(data.strip())


def _main_of(html: str) -> tuple[list[str], list[str | None]]:
    parser = _Text()
    parser.feed(html)
    assert parser.text, "no <main> content"
    return parser.text, parser.links


@pytest.mark.parametrize("path", ["/page/city/da-nang", "/page/province/binh-duong"])
def test_entity_page_is_the_same(
    store_kind: StoreCase, store_client: TestClient, path: str, client: TestClient
) -> None:
    page = store_client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    reference = client.get(path, headers={"Accept": "text/html"})
    got, expected = _main_of(page.text), _main_of(reference.text)
    if store_kind.kind == "virtuoso":
        # Rows of a query without ORDER BY come in another order (the types' list, for one).
        got, expected = (
            tuple(sorted(map(str, x)) for x in got),
            tuple(sorted(map(str, x)) for x in expected),
        )
    assert got == expected


def test_entity_turtle_is_the_same(store_client: TestClient, client: TestClient) -> None:
    graphs = []
    for http in (store_client, client):
        response = http.get("/data/city/da-nang", headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        graphs.append(rdflib.Graph().parse(data=response.text, format="turtle"))
    assert len(graphs[0]) > 10
    assert isomorphic(graphs[0], graphs[1])


def test_search_finds_binh_duong(store_client: TestClient) -> None:
    hits = store_client.get("/api/search", params={"q": "binh duong", "type": "Province"}).json()
    assert [h["id"] for h in hits["results"]] == ["province/binh-duong"]


def test_reconciliation_is_the_same(store_client: TestClient, client: TestClient) -> None:
    queries = {"q0": {"query": "Da Nang"}, "q1": {"query": "binh duong", "type": "Province"}}
    answers = [
        http.post("/reconcile", data={"queries": json.dumps(queries)}).json()
        for http in (store_client, client)
    ]
    assert answers[0]["q0"]["result"][0]["id"].endswith("city/da-nang")
    assert answers[0] == answers[1]


HOSTILE = [
    'x" } UNION { ?s ?p ?o',
    "x' } # ",
    'back\\slash \\" \\u0022 } ',
    "line\nbreak\r\ttab \u0000 end",
    '"""triple""" \'\'\' ',
    "Đà Nẵng ☃ 𝄞",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_substitutions_cannot_inject(store_kind: StoreCase, value: str) -> None:
    literal = ox.Literal(value)
    echoed = store_kind.store.query(
        "SELECT ?v WHERE { OPTIONAL { ?s ?p ?o } } LIMIT 1",
        substitutions={ox.Variable("v"): literal},
    )
    assert isinstance(echoed, ox.QuerySolutions)
    assert [row["v"] for row in echoed] == [literal]
    # Were the value to escape its string, this would match every triple.
    matches = store_kind.store.query("ASK { ?s ?p ?v }", substitutions={ox.Variable("v"): literal})
    assert bool(matches) is False


def test_remote_store_lists_only_scgraph_graphs(store_kind: StoreCase, embedded: StoreCase) -> None:
    ours = sorted(str(g) for g in embedded.store.named_graphs())
    assert sorted(str(g) for g in store_kind.store.named_graphs()) == ours
    if isinstance(store_kind.store, RemoteStore):
        assert store_kind.store.default_graph not in ours


def test_quads_for_pattern_reads_one_graph(store_kind: StoreCase, embedded: StoreCase) -> None:
    graph = next(g for g in embedded.store.named_graphs() if "/graph/article/" in str(g))
    assert isinstance(graph, ox.NamedNode)
    expected = sorted(map(str, embedded.store.quads_for_pattern(None, None, None, graph)))
    got = sorted(map(str, store_kind.store.quads_for_pattern(None, None, None, graph)))
    assert got == expected and got


def test_settings_name_the_store(store_kind: StoreCase, built: Settings) -> None:
    remote = store_kind.kind != "embedded"
    assert (store_kind.settings.store_url is not None) is remote
    assert store_kind.settings.current_build == built.data_dir / "current"


def test_python_api_reads_the_store(store_kind: StoreCase, built: Settings) -> None:
    where = store_kind.settings.store_url or built.data_dir
    with KnowledgeGraph.open(where) as kg, KnowledgeGraph.open(built.data_dir) as local:
        assert [h.iri for h in kg.search("da nang")] == [h.iri for h in local.search("da nang")]
        got, expected = kg.entity("city/da-nang"), local.entity("city/da-nang")
        assert got is not None and expected is not None
        if store_kind.kind == "virtuoso":  # types come in the store's order (no ORDER BY)
            got = replace(got, types=tuple(sorted(got.types, key=lambda r: r.iri)))
            expected = replace(expected, types=tuple(sorted(expected.types, key=lambda r: r.iri)))
        assert got == expected
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://scgraph.org/ontology#City> }"
        assert kg.query(count) == local.query(count)


# About 4,800 rows (all graphs but the evidence in the metadata graph), over 256 KB in JSON and CSV.
ALL_QUADS = """SELECT ?s ?p ?o ?g WHERE {
  GRAPH ?g { ?s ?p ?o } FILTER(?g != <https://scgraph.org/graph/metadata>) }"""


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_large_results_match_the_embedded_store(
    store_kind: StoreCase, store_client: TestClient, embedded: StoreCase, accept: str
) -> None:
    response = store_client.get("/sparql", params={"query": ALL_QUADS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert len(response.content) > 256 * 1024  # past the size answered in one piece
    local = embedded.store.query(ALL_QUADS)
    assert isinstance(local, ox.QuerySolutions)
    if accept == "text/csv":
        assert sorted(response.text.splitlines()) == sorted(
            (local.serialize(format=ox.QueryResultsFormat.CSV) or b"").decode().splitlines()
        )
        return
    got = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    assert sorted(map(str, got)) == sorted(map(str, local))  # type: ignore[arg-type]
    if store_kind.kind == "oxigraph":  # passed through as it arrives, not buffered
        assert "content-length" not in response.headers


def test_result_limit_applies_to_remote_results(store_kind: StoreCase) -> None:
    from scgraph.server.app import create_app
    from scgraph.server.sparql import COMMIT_BYTES

    # Under the size at which an embedded answer starts streaming: past it, the limit can only
    # abort the stream (tests/server/test_sparql_streaming.py), not answer 400.
    limit = COMMIT_BYTES // 2
    settings = store_kind.settings.model_copy(update={"max_result_bytes": limit})
    with TestClient(create_app(settings)) as client:
        response = client.get(
            "/sparql", params={"query": ALL_QUADS}, headers={"Accept": "application/json"}
        )
    assert response.status_code == 400
    assert str(limit) in response.text


def test_virtuoso_stops_a_long_query_itself(
    request: pytest.FixtureRequest, built: Settings
) -> None:
    # Virtuoso gets our time limit and answers 200 with partial rows and X-SQL-State S1TAT when it
    # is reached: that must be a timeout (504), never a short answer taken for the whole one.
    # (Oxigraph has no limit of its own and goes on after we hang up: not tried on the shared one.)
    case = _virtuoso_case(request)
    from scgraph.server.app import create_app

    settings = case.settings.model_copy(update={"query_timeout_s": 1.0})
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with TestClient(create_app(settings)) as client:
        store = client.app.state.served.store  # type: ignore[attr-defined]
        assert store.server_limits == [("timeout", "1000")]
        with pytest.raises(RemoteStoreTimeout):
            store.query(heavy)
        response = client.get("/sparql", params={"query": heavy})
        assert response.status_code == 504
        assert response.headers["content-type"].startswith("text/plain")


def _virtuoso_case(request: pytest.FixtureRequest) -> StoreCase:
    request.getfixturevalue("virtuoso_server")
    case: StoreCase = request.getfixturevalue("_virtuoso_case")
    return case


def test_the_search_entities_read_from_the_store_are_the_same(
    store_kind: StoreCase, embedded: StoreCase, built: Settings
) -> None:
    """The index of a build made before index files is read from its store, remote too: label
    query with the build's own nodes left out, then types asked in batches of IRIs."""
    expected = collect_entities(embedded.store, built.base_iri)
    assert len(expected) > 100
    assert not any("/id/evidence/" in entity.iri for entity in expected)
    assert collect_entities(store_kind.store, built.base_iri) == expected
