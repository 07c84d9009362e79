"""Quotes that support statements: by statement for a description, in text order for an article."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.lookup.model import Annotation, Evidence, Resource
from scgraph.lookup.rows import Labels, integer, object_value, select

_EVIDENCE = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sc: <https://scgraph.org/ontology#>
SELECT ?x ?ev ?p ?o ?quote ?article ?al ?start ?end WHERE {
  ?ev rdf:subject ?x ; rdf:predicate ?p ; rdf:object ?o ; sc:quote ?quote ; oa:hasTarget ?t .
  ?t oa:hasSource ?article ; oa:hasSelector ?sel .
  ?sel oa:start ?start ; oa:end ?end .
  OPTIONAL { ?article rdfs:label ?al }
}
"""
_INVERTED_EVIDENCE = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sc: <https://scgraph.org/ontology#>
SELECT ?x ?ev ?p ?o ?quote ?article ?al ?start ?end WHERE {
  ?ev rdf:object ?x ; rdf:predicate ?stated ; rdf:subject ?o .
  ?stated owl:inverseOf ?p .
  ?ev sc:quote ?quote ; oa:hasTarget ?t .
  ?t oa:hasSource ?article ; oa:hasSelector ?sel .
  ?sel oa:start ?start ; oa:end ?end .
  OPTIONAL { ?article rdfs:label ?al }
}
"""
# The build writes the inverse of every statement whose property has one (`X received R` for
# `R recipient X`), with no evidence of its own. The quote that supports `R recipient X` supports
# `X received R` as much, so the described resource shows it there too. A query of its own: as a
# UNION branch of the one above, it made a description ten times slower on Oxigraph 0.5.


def evidence_by_statement(
    store: GraphStore, iri: str, labels: Labels
) -> dict[tuple[str, str], list[Evidence]]:
    """(predicate IRI, str(object)) → the evidence supporting that statement, by quote order."""
    found: dict[tuple[str, str], dict[str, Evidence]] = defaultdict(dict)
    rows = [*select(store, _EVIDENCE, iri), *select(store, _INVERTED_EVIDENCE, iri)]
    for row in rows:
        labels.add(row["article"], row["al"])
        key = (row["p"].value, str(row["o"]))
        ev_iri = row["ev"].value
        if ev_iri in found[key]:
            continue
        found[key][ev_iri] = Evidence(
            iri=ev_iri,
            article=Resource(row["article"].value),  # labels filled in below
            quote=row["quote"].value,
            start=integer(row["start"]),
            end=integer(row["end"]),
        )
    result: dict[tuple[str, str], list[Evidence]] = {}
    for key, items in found.items():
        result[key] = sorted(
            (
                Evidence(e.iri, labels.resource(e.article.iri), e.quote, e.start, e.end)
                for e in items.values()
            ),
            key=lambda e: (e.article.iri, e.start or 0, e.iri),
        )
    return result


_ANNOTATIONS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sc: <https://scgraph.org/ontology#>
SELECT ?x ?ev ?s ?p ?o ?quote ?start ?end WHERE {
  ?t oa:hasSource ?x . ?ev oa:hasTarget ?t .
  ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; sc:quote ?quote .
  ?t oa:hasSelector ?sel . ?sel oa:start ?start ; oa:end ?end .
}
"""
# Oxigraph 0.5 joins in the written order here: from the article to its targets and their
# evidence first, then the selectors. Selectors first took twice as long.
# Labels in a second query: three OPTIONALs on the query above cost more than both together.
_ANNOTATION_LABELS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?x ?n ?l WHERE {
  ?t oa:hasSource ?x . ?ev oa:hasTarget ?t .
  { ?ev rdf:subject ?n } UNION { ?ev rdf:predicate ?n } UNION { ?ev rdf:object ?n }
  ?n rdfs:label ?l
}
"""


def article_annotations(store: GraphStore, article_iri: str) -> list[Annotation]:
    """Every quote of one article with the statement it supports, in text order.

    The build gives every evidence a text selector (oa:start, oa:end); asking for it as OPTIONAL
    made the query ten times slower on Oxigraph 0.5.
    """
    labels = Labels()
    raw: dict[str, tuple[ox.QuerySolution, ...]] = {}
    for row in select(store, _ANNOTATION_LABELS, article_iri):
        labels.add(row["n"], row["l"])
    for row in select(store, _ANNOTATIONS, article_iri):
        raw.setdefault(row["ev"].value, (row,))
    annotations = []
    for ev_iri, (row,) in raw.items():
        annotations.append(
            Annotation(
                iri=ev_iri,
                subject=labels.resource(row["s"].value),
                property=labels.resource(row["p"].value),
                object=object_value(row["o"], labels),
                quote=row["quote"].value,
                start=integer(row["start"]),
                end=integer(row["end"]),
            )
        )
    return sorted(annotations, key=lambda a: (a.start if a.start is not None else -1, a.iri))
