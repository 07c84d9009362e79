"""Lists of resources: the instances of a class, and the resources whose labels match some words."""

from __future__ import annotations

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.lookup.model import Resource
from scgraph.lookup.rows import Labels, paging, select
from scgraph.text import fold

_INSTANCES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?x ?s ?l WHERE {{
  {{ SELECT ?x ?s WHERE {{ ?s a ?x }} ORDER BY ?s LIMIT {limit} OFFSET {offset} }}
  OPTIONAL {{ ?s rdfs:label ?l }}
}}
"""
_INSTANCE_COUNT = "SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?x } GROUP BY ?x"


def list_instances(
    store: GraphStore, class_iri: str, *, limit: int = 100, offset: int = 0
) -> tuple[list[Resource], int]:
    """A page of the instances of `class_iri` (by IRI) with their labels, and how many there are."""
    limit, offset = paging(limit, offset)
    labels = Labels()
    order: dict[str, None] = {}
    for row in select(store, _INSTANCES.format(limit=limit, offset=offset), class_iri):
        labels.add(row["s"], row["l"])
        order[row["s"].value] = None
    counts = select(store, _INSTANCE_COUNT, class_iri)
    total = int(counts[0]["n"].value) if counts else 0
    return [labels.resource(iri) for iri in order], total


_LABELS = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"


def suggest(store: GraphStore, text: str, *, limit: int = 10) -> list[Resource]:
    """Resources whose labels share the most words with `text` (accents and case folded).

    Made for the 404 page and the search box: a slug like `da-nang` finds "Đà Nẵng".
    """
    words = set(fold(text.replace("-", " ").replace("_", " ")).split())
    if not words:
        return []
    result = store.query(_LABELS)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    labels = Labels()
    scores: dict[str, float] = {}
    for row in result:
        subject, label = row["s"], row["l"]
        if not isinstance(subject, ox.NamedNode) or not isinstance(label, ox.Literal):
            continue
        label_words = set(fold(label.value).split())
        shared = len(words & label_words)
        if shared:
            labels.add(subject, label)
            score = shared / len(words | label_words)
            scores[subject.value] = max(scores.get(subject.value, 0.0), score)
    best = sorted(scores, key=lambda iri: (-scores[iri], iri))[:limit]
    return [labels.resource(iri) for iri in best]
