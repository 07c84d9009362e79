"""The RDF description of a resource (for the RDF documents), and the quads of a named graph."""

from __future__ import annotations

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.lookup.description import DEFAULT_INCOMING_LIMIT, incoming_links, labels_of
from scgraph.lookup.rows import construct, node, paging, select
from scgraph.ontology import RDFS_LABEL

_STATEMENTS_BY_GRAPH = "SELECT ?x ?p ?o ?g WHERE { GRAPH ?g { ?x ?p ?o } }"
_STATEMENTS = "SELECT ?x ?p ?o WHERE { ?x ?p ?o }"

_LINKED_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?o rdfs:label ?ol . ?p rdfs:label ?pl } WHERE {
  ?x ?p ?o . OPTIONAL { ?o rdfs:label ?ol } OPTIONAL { ?p rdfs:label ?pl }
}
"""

_PROVENANCE = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
CONSTRUCT { ?ev ?evp ?evo . ?t ?tp ?to . ?sel ?sp ?so } WHERE {
  ?ev rdf:subject ?x .
  { ?ev ?evp ?evo }
  UNION { ?ev oa:hasTarget ?t . ?t ?tp ?to }
  UNION { ?ev oa:hasTarget ?t . ?t oa:hasSelector ?sel . ?sel ?sp ?so }
}
"""


def describe_graph(
    store: GraphStore,
    iri: str,
    *,
    base_iri: str,
    with_graphs: bool = False,
    incoming_limit: int = DEFAULT_INCOMING_LIMIT,
    incoming_offset: int = 0,
) -> list[ox.Quad]:
    """The RDF description of `iri`: its statements, a page of incoming links, labels of linked
    IRIs, and the evidence (Web Annotations) for its statements.

    With `with_graphs`, each statement comes once per named graph that states it and the evidence
    sits in the metadata graph (for N-Quads and TriG); otherwise everything is in the default
    graph, each triple once. Document metadata (`foaf:primaryTopic`, licence, paging) is the
    caller's: it depends on the URL being served. Empty when the store knows nothing of `iri`.
    """
    limit, offset = paging(incoming_limit, incoming_offset)
    default = ox.DefaultGraph()
    quads: dict[ox.Quad, None] = {}
    if with_graphs:
        for row in select(store, _STATEMENTS_BY_GRAPH, iri):
            quads[ox.Quad(row["x"], row["p"], row["o"], row["g"])] = None
    else:
        for row in select(store, _STATEMENTS, iri):
            quads[ox.Quad(row["x"], row["p"], row["o"], default)] = None
    target = node(iri)
    page = incoming_links(store, iri)[offset : offset + limit] if target is not None else []
    found = labels_of(store, [subject for subject, _ in page])
    label = ox.NamedNode(RDFS_LABEL)
    for subject, predicate in page:
        assert target is not None
        link = ox.Quad(subject, ox.NamedNode(predicate), target, default)
        # In the order Oxigraph's CONSTRUCT gave them: each label, then the link (kept once).
        for literal in found[subject]:
            quads[ox.Quad(subject, label, literal, default)] = None
            quads[link] = None
        quads[link] = None
    for triple in construct(store, _LINKED_LABELS, iri):
        quads[ox.Quad(triple.subject, triple.predicate, triple.object, default)] = None
    metadata: ox.NamedNode | ox.DefaultGraph = (
        ox.NamedNode(base_iri + "graph/metadata") if with_graphs else default
    )
    for triple in construct(store, _PROVENANCE, iri):
        quads[ox.Quad(triple.subject, triple.predicate, triple.object, metadata)] = None
    return list(quads)


def graph_quads(store: GraphStore, graph_iri: str) -> list[ox.Quad]:
    """Every quad of one named graph (for the RDF views of a graph IRI)."""
    graph = node(graph_iri)
    return [] if graph is None else list(store.quads_for_pattern(None, None, None, graph))
