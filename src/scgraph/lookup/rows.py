"""Run one look-up query with the looked-up IRI bound to ?x, and read the terms of its rows."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.lookup.model import LiteralValue, Resource
from scgraph.ontology import RDF_TYPE, RDFS_LABEL, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

_FALLBACK_LABELS: dict[str, dict[str, str]] = {
    RDF_TYPE: {"en": "type", "vi": "loại"},
    RDFS_LABEL: {"en": "label", "vi": "nhãn"},
}


def node(iri: str) -> ox.NamedNode | None:
    """`iri` as a node, or None when it is no IRI at all (a space, a control character): the
    store cannot hold anything about it, and a request path may carry anything."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def _bind(iri: str) -> dict[ox.Variable, Term] | None:
    found = node(iri)
    # pyoxigraph 0.5 only substitutes variables that the query projects: every query selects ?x.
    return None if found is None else {ox.Variable("x"): found}


def ask(store: GraphStore, query: str, iri: str) -> bool:
    bound = _bind(iri)
    return bound is not None and bool(store.query(query, substitutions=bound))


def select(store: GraphStore, query: str, iri: str) -> list[ox.QuerySolution]:
    bound = _bind(iri)
    if bound is None:
        return []
    result = store.query(query, substitutions=bound)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return list(result)


def construct(store: GraphStore, query: str, iri: str) -> list[ox.Triple]:
    bound = _bind(iri)
    if bound is None:
        return []
    result = store.query(query, substitutions=bound)
    if not isinstance(result, ox.QueryTriples):
        raise TypeError("expected a CONSTRUCT query")
    return list(result)


def language_of(literal: ox.Literal) -> str:
    return literal.language or ""


class Labels:
    """Collects labels of IRIs seen in query rows."""

    def __init__(self) -> None:
        self.by_iri: dict[str, dict[str, str]] = defaultdict(dict)

    def add(self, node: object, label: object) -> None:
        if isinstance(node, ox.NamedNode):
            self.by_iri.setdefault(node.value, {})
            if isinstance(label, ox.Literal):
                self.by_iri[node.value].setdefault(language_of(label), label.value)

    def resource(self, iri: str) -> Resource:
        labels = dict(self.by_iri.get(iri) or _FALLBACK_LABELS.get(iri, {}))
        return Resource(iri, labels)


def literal_value(literal: ox.Literal) -> LiteralValue:
    return LiteralValue(literal.value, literal.datatype.value, literal.language)


def object_value(obj: object, labels: Labels) -> Resource | LiteralValue:
    """An object of a statement as the look-ups show it (a blank node as its string form)."""
    if isinstance(obj, ox.NamedNode):
        return labels.resource(obj.value)
    if isinstance(obj, ox.Literal):
        return literal_value(obj)
    return LiteralValue(str(obj), XSD + "string")


def integer(term: object) -> int | None:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(XSD):
        try:
            return int(term.value)
        except ValueError:
            return None
    return None


def paging(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or offset < 0:
        raise ValueError("incoming_limit must be positive and incoming_offset non-negative")
    return limit, offset
