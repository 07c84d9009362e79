"""Real SPARQL clients against the live endpoint: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from scgraph.queries import canonical, load_examples, read_expected
from scgraph.settings import Settings

LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 5"
)
CONSTRUCT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "CONSTRUCT { ?s rdfs:label ?label } WHERE { ?s rdfs:label ?label } LIMIT 5"
)


def _wrapper(live_server: str, query: str, return_format: str) -> Any:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client.queryAndConvert()


def test_sparqlwrapper_select_in_every_results_format(live_server: str) -> None:
    as_json = _wrapper(live_server, LABELS, JSON)
    rows = [(b["s"]["value"], b["label"]["value"]) for b in as_json["results"]["bindings"]]
    assert len(rows) == 5
    as_xml = _wrapper(live_server, LABELS, XML)
    assert len(as_xml.getElementsByTagName("result")) == 5
    for fmt, dialect in ((CSV, "excel"), (TSV, "excel-tab")):
        table = list(csv.reader(io.StringIO(_wrapper(live_server, LABELS, fmt).decode()), dialect))
        assert [name.lstrip("?") for name in table[0]] == ["s", "label"]
        assert len(table) == 6
    first = as_json["results"]["bindings"][0]["label"]["value"]
    assert first in {cell for row in table for cell in row} | {
        cell.split("@")[0].strip('"') for row in table for cell in row
    }


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning")
@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, JSONLD, XML])
def test_sparqlwrapper_construct_in_every_graph_format(
    live_server: str, return_format: str
) -> None:
    converted = _wrapper(live_server, CONSTRUCT, return_format)
    graph = converted
    if isinstance(converted, bytes):
        graph = rdflib.Graph().parse(data=converted, format="turtle")
    assert len(graph) == 5
    assert {p for _, p, _ in graph} == {rdflib.RDFS.label}


def test_rdflib_sparqlstore_as_a_client(live_server: str, built: Settings) -> None:
    graph = rdflib.Graph(SPARQLStore(live_server + "/sparql"))
    rows = list(graph.query(LABELS))
    assert len(rows) == 5
    assert all(isinstance(row[1], rdflib.Literal) for row in rows)  # type: ignore[index]
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    registry = rdflib.URIRef(built.base_iri + "graph/registry")
    graphs = {row[0] for row in graph.query("SELECT ?g WHERE { GRAPH ?g {} }")}  # type: ignore[index]
    assert registry in graphs


EXAMPLES = load_examples(Path(__file__).resolve().parents[2] / "queries")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_each_example_query_over_http_gives_its_expected_answer(
    live_server: str, example: Any
) -> None:
    response = httpx.post(
        live_server + "/sparql",
        data={"query": example.text},
        headers={"accept": "application/sparql-results+json, application/n-triples"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/n-triples"):
        triples = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        got: object = Counter((str(t.subject), str(t.predicate), str(t.object)) for t in triples)
    else:
        parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        got = canonical(parsed, example.is_ordered)
    assert got == read_expected(example)
