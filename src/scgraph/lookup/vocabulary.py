"""What the ontology graph says about its own terms: super-properties and labelled classes."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.lookup.model import Resource
from scgraph.lookup.rows import language_of

_SUPER_PROPERTIES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?sub ?super WHERE { ?sub rdfs:subPropertyOf ?parent . ?parent rdfs:subPropertyOf* ?super }
"""
# Not `rdfs:subPropertyOf+`, which is the same: Virtuoso refuses a transitive path with neither end
# bound ("transitive start not given"), and pages must read the same from any SPARQL store.


def super_properties(store: GraphStore) -> dict[str, set[str]]:
    """Property IRI → every super-property the ontology graph declares for it."""
    parents: dict[str, set[str]] = defaultdict(set)
    result = store.query(_SUPER_PROPERTIES)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        parents[row["sub"].value].add(row["super"].value)
    return parents


_CLASS_LABELS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?l WHERE {
  ?c a owl:Class ; rdfs:label ?l .
  FILTER(STRSTARTS(STR(?c), "https://scgraph.org/ontology#"))
}
"""


def ontology_classes(store: GraphStore) -> dict[str, Resource]:
    """Every class of our ontology by local name, with its labels."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    result = store.query(_CLASS_LABELS)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        literal = row["l"]
        if isinstance(literal, ox.Literal):
            labels[row["c"].value][language_of(literal)] = literal.value
    return {iri.rsplit("#", 1)[1]: Resource(iri, found) for iri, found in labels.items()}
