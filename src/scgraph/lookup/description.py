"""Describe one resource: its statements, the labels of what it links to, and a page of incoming
links grouped by property, each statement with the quotes supporting it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.lookup.evidence import evidence_by_statement
from scgraph.lookup.model import (
    Description,
    IncomingGroup,
    PropertyValues,
    Resource,
    Value,
)
from scgraph.lookup.rows import Labels, ask, language_of, object_value, paging, select
from scgraph.lookup.vocabulary import super_properties
from scgraph.ontology import RDF_TYPE, RDFS_LABEL

DEFAULT_INCOMING_LIMIT = 50
"""Incoming links per page: a hub (a country, a theme) may be the object of hundreds of triples."""


_EXISTS = "ASK { { ?x ?p ?o } UNION { GRAPH ?x { ?s ?q ?v } } }"
_IS_GRAPH = "ASK { GRAPH ?x { ?s ?p ?o } }"


def exists(store: GraphStore, iri: str) -> bool:
    """Whether the graph says anything about `iri` as a subject, or has a graph of that name."""
    return ask(store, _EXISTS, iri)


def is_graph(store: GraphStore, iri: str) -> bool:
    """Whether `iri` names a graph of the store."""
    return ask(store, _IS_GRAPH, iri)


_OUTGOING = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?x ?p ?o ?pl ?ol WHERE {
  ?x ?p ?o .
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?o rdfs:label ?ol }
}
"""


_INCOMING_COUNTS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?x ?p (COUNT(?s) AS ?n) WHERE {
  ?s ?p ?x . FILTER(?p NOT IN (rdf:subject, rdf:object))
} GROUP BY ?x ?p
"""

_INCOMING_PAGE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?x ?s ?p ?sl ?pl WHERE {{
  {{ SELECT ?x ?s ?p WHERE {{ ?s ?p ?x . FILTER(?p NOT IN (rdf:subject, rdf:object)) }}
    ORDER BY ?p ?s LIMIT {limit} OFFSET {offset} }}
  OPTIONAL {{ ?s rdfs:label ?sl }}
  OPTIONAL {{ ?p rdfs:label ?pl }}
}}
"""


def _sort_key(
    term: ox.NamedNode | ox.Literal | ox.BlankNode, labels: Labels, lang: str
) -> tuple[str, str]:
    if isinstance(term, ox.NamedNode):
        return (labels.resource(term.value).label(lang).casefold(), term.value)
    return (term.value.casefold(), str(term))


def describe(
    store: GraphStore,
    iri: str,
    *,
    base_iri: str,
    lang: str = "vi",
    incoming_limit: int = DEFAULT_INCOMING_LIMIT,
    incoming_offset: int = 0,
    parents: Mapping[str, set[str]] | None = None,
) -> Description | None:
    """Describe `iri`, or None when the graph says nothing about it.

    Every label is kept; `lang` only orders each property's values by their label in that
    language. `base_iri` is kept on the description so callers can tell local IRIs from others.
    The incoming links are paged: `incoming_limit` links from `incoming_offset`, by property.
    `parents` is `super_properties(store)`, which a server computes once per build: asked for
    every description, it cost a fifth of the time.
    """
    limit, offset = paging(incoming_limit, incoming_offset)
    labels = Labels()
    rows = select(store, _OUTGOING, iri)
    incoming_counts = {
        row["p"].value: int(row["n"].value) for row in select(store, _INCOMING_COUNTS, iri)
    }
    if not rows and not incoming_counts:
        return None

    own_labels: dict[str, str] = {}
    type_iris: list[str] = []
    objects: dict[str, dict[ox.NamedNode | ox.Literal | ox.BlankNode, None]] = defaultdict(dict)
    for row in rows:
        predicate, obj = row["p"], row["o"]
        labels.add(predicate, row["pl"])
        labels.add(obj, row["ol"])
        if predicate.value == RDFS_LABEL and isinstance(obj, ox.Literal):
            own_labels.setdefault(language_of(obj), obj.value)
        elif predicate.value == RDF_TYPE and isinstance(obj, ox.NamedNode):
            if obj.value not in type_iris:
                type_iris.append(obj.value)
        else:
            objects[predicate.value][obj] = None

    evidence = evidence_by_statement(store, iri, labels)
    parents = super_properties(store) if parents is None else parents
    outgoing = tuple(
        PropertyValues(
            labels.resource(predicate),
            tuple(
                Value(
                    object_value(obj, labels),
                    tuple(evidence.get((predicate, str(obj)), ())),
                    implied=any(
                        obj in found and predicate in parents.get(other, ())
                        for other, found in objects.items()
                        if other != predicate
                    ),
                )
                for obj in sorted(values, key=lambda o: _sort_key(o, labels, lang))
            ),
        )
        for predicate, values in sorted(objects.items(), key=lambda item: item[0])
    )

    incoming_page = select(store, _INCOMING_PAGE.format(limit=limit, offset=offset), iri)
    page: dict[str, dict[str, None]] = defaultdict(dict)
    for row in incoming_page:
        labels.add(row["s"], row["sl"])
        labels.add(row["p"], row["pl"])
        page[row["p"].value][row["s"].value] = None
    incoming = tuple(
        IncomingGroup(
            labels.resource(predicate),
            count,
            tuple(labels.resource(s) for s in page.get(predicate, {})),
            implied=_implied_group(predicate, count, page, incoming_counts, parents),
        )
        for predicate, count in sorted(incoming_counts.items())
    )
    articles: dict[str, Resource] = {}
    for items in evidence.values():
        for item in items:
            articles.setdefault(item.article.iri, item.article)
    return Description(
        iri=iri,
        labels=own_labels,
        types=tuple(labels.resource(t) for t in type_iris),
        outgoing=outgoing,
        incoming=incoming,
        incoming_total=sum(incoming_counts.values()),
        incoming_offset=offset,
        incoming_limit=limit,
        base_iri=base_iri,
        articles=tuple(sorted(articles.values(), key=lambda r: r.iri)),
    )


def _implied_group(
    predicate: str,
    count: int,
    page: dict[str, dict[str, None]],
    counts: dict[str, int],
    parents: Mapping[str, set[str]],
) -> bool:
    """Whether the links through `predicate` are all links through more specific properties."""
    subs = [other for other in counts if predicate in parents.get(other, ())]
    if not subs:
        return False
    covered = {s for other in subs for s in page.get(other, {})}
    return set(page.get(predicate, {})) <= covered and count <= sum(counts[o] for o in subs)


def count_incoming(store: GraphStore, iri: str) -> int:
    """How many incoming links `describe` pages through (evidence links excluded)."""
    return sum(int(row["n"].value) for row in select(store, _INCOMING_COUNTS, iri))
