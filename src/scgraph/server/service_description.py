"""The SPARQL 1.1 Service Description of the endpoint (what `GET /sparql` without a query returns).

It states that the default graph is the merge of all named graphs (sd:UnionDefaultGraph: the
build writes the deduplicated merge into the store's default graph) and lists each named graph,
the result formats, and the query language.
"""

from __future__ import annotations

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.sparql_formats import GRAPH_FORMATS, SOLUTION_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
PREFIXES = {"sd": SD, "formats": FORMATS, "dcterms": "http://purl.org/dc/terms/"}

# W3C's identifiers of formats (https://www.w3.org/ns/formats/), by our format names.
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "nquads": "N-Quads",
    "trig": "TriG",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def describe_service(endpoint: str, store: GraphStore, format: ox.RdfFormat) -> bytes:
    """The service description of `endpoint` serving `store`, serialized in `format`."""
    service = ox.NamedNode(endpoint)
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(
            default_graph,
            DESCRIPTION,
            ox.Literal(
                "The merge of all named graphs, each triple once; GRAPH ?g reaches the named "
                "graphs (one per article, plus registry, metadata and ontology).",
                language="en",
            ),
        ),
    ]
    triples += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + _FORMAT_IRIS[f.name]))
        for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS)
    ]
    for graph in sorted(store.named_graphs(), key=str):
        named = ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), graph),
        ]
    return ox.serialize(triples, format=format, prefixes=PREFIXES) or b""
