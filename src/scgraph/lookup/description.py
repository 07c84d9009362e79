"""Describe one resource: its statements, the labels of what it links to, and a page of incoming
links grouped by property, each statement with the quotes supporting it."""

from __future__ import annotations

from collections import Counter, defaultdict
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
from scgraph.ontology import RDF, RDF_TYPE, RDFS_LABEL

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


# Incoming links are filtered, counted, ordered and paged in Python: the same pattern with
# FILTER, GROUP BY or ORDER BY in SPARQL took 30 to 60 times as long on Oxigraph 0.5.
_INCOMING = "SELECT ?x ?s ?p WHERE { ?s ?p ?x }"
_EVIDENCE_LINKS = frozenset({RDF + "subject", RDF + "object"})

Subject = ox.NamedNode | ox.BlankNode | ox.Triple
IncomingLink = tuple[Subject, str]
"""The subject and the property IRI of a statement whose object is the described resource."""


def incoming_links(store: GraphStore, iri: str) -> list[IncomingLink]:
    """Every link to `iri` (evidence links excluded) in SPARQL's `ORDER BY ?p ?s` order."""
    links = [
        (row["s"], row["p"].value)
        for row in select(store, _INCOMING, iri)
        if row["p"].value not in _EVIDENCE_LINKS
    ]
    links.sort(key=lambda link: (link[1], _term_order(link[0])))
    return links


def _term_order(term: Subject) -> tuple[int, str]:
    """SPARQL's order of terms: blank nodes before IRIs, IRIs by their characters."""
    if isinstance(term, ox.BlankNode):
        return (0, term.value)
    if isinstance(term, ox.NamedNode):
        return (1, term.value)
    return (2, str(term))


def incoming_counts(links: list[IncomingLink]) -> dict[str, int]:
    """Property IRI → how many links go through it."""
    return dict(Counter(predicate for _, predicate in links))


_LABELS_OF = "SELECT ?n ?l WHERE {{ VALUES ?n {{ {nodes} }} ?n <{label}> ?l }}"


def labels_of(store: GraphStore, nodes: list[Subject]) -> dict[Subject, list[ox.Literal]]:
    """The labels of each node in store order (one query for all IRIs; blank nodes one by one,
    as VALUES cannot name them)."""
    found: dict[Subject, list[ox.Literal]] = {term: [] for term in nodes}
    iris = [term for term in found if isinstance(term, ox.NamedNode)]
    if iris:
        query = _LABELS_OF.format(nodes=" ".join(map(str, iris)), label=RDFS_LABEL)
        result = store.query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("expected a SELECT query")
        for row in result:
            label = row["l"]
            if isinstance(label, ox.Literal):
                found[row["n"]].append(label)
    label_node = ox.NamedNode(RDFS_LABEL)
    for term in found:
        if isinstance(term, ox.BlankNode):
            quads = store.quads_for_pattern(term, label_node, None, ox.DefaultGraph())
            found[term] = [q.object for q in quads if isinstance(q.object, ox.Literal)]
    return found


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
    links = incoming_links(store, iri)
    counts = incoming_counts(links)
    if not rows and not counts:
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

    page_links = links[offset : offset + limit]
    found = labels_of(
        store, [*(s for s, _ in page_links), *(ox.NamedNode(p) for _, p in page_links)]
    )
    page: dict[str, dict[str, None]] = defaultdict(dict)
    for subject, predicate in page_links:
        for term in (subject, ox.NamedNode(predicate)):
            labels.add(term, None)
            for label in found[term]:
                labels.add(term, label)
        page[predicate][str(subject) if isinstance(subject, ox.Triple) else subject.value] = None
    incoming = tuple(
        IncomingGroup(
            labels.resource(predicate),
            count,
            tuple(labels.resource(s) for s in page.get(predicate, {})),
            implied=_implied_group(predicate, count, page, counts, parents),
        )
        for predicate, count in sorted(counts.items())
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
        incoming_total=len(links),
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
    return len(incoming_links(store, iri))
