"""Find and describe resources of the graph; shared by the pages, the JSON API and the Python API.

A description is computed with a handful of our own SPARQL queries (Oxigraph's DESCRIBE omits
incoming links and named graphs, see PYOXIGRAPH.md), every term entering through `substitutions`.
It holds what a reader needs without a further request: labels of every linked IRI, incoming links
grouped by property (counted, paged) and, for each statement, the articles and quotes supporting it.

>>> from scgraph.lookup import iri_for_path
>>> iri_for_path("id/city/da-nang", base_iri="https://scgraph.org/")
'https://scgraph.org/id/city/da-nang'
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from scgraph.graph_store import GraphStore
from scgraph.iris import ONTOLOGY_IRI, SC
from scgraph.ontology import PREFIXES, RDF_TYPE, RDFS_LABEL, XSD
from scgraph.text import fold

DEFAULT_INCOMING_LIMIT = 50
"""Incoming links per page: a hub (a country, a theme) may be the object of hundreds of triples."""

_FALLBACK_LABELS: dict[str, dict[str, str]] = {
    RDF_TYPE: {"en": "type", "vi": "loại"},
    RDFS_LABEL: {"en": "label", "vi": "nhãn"},
}
_LANG_ORDER = ("vi", "en")


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _node(iri: str) -> ox.NamedNode | None:
    """`iri` as a node, or None when it is no IRI at all (a space, a control character): the
    store cannot hold anything about it, and a request path may carry anything."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def _bind(iri: str) -> dict[ox.Variable, Term] | None:
    node = _node(iri)
    # pyoxigraph 0.5 only substitutes variables that the query projects: every query selects ?x.
    return None if node is None else {ox.Variable("x"): node}


def _ask(store: GraphStore, query: str, iri: str) -> bool:
    bound = _bind(iri)
    return bound is not None and bool(store.query(query, substitutions=bound))


def _select(store: GraphStore, query: str, iri: str) -> list[ox.QuerySolution]:
    bound = _bind(iri)
    if bound is None:
        return []
    result = store.query(query, substitutions=bound)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return list(result)


def _construct(store: GraphStore, query: str, iri: str) -> list[ox.Triple]:
    bound = _bind(iri)
    if bound is None:
        return []
    result = store.query(query, substitutions=bound)
    if not isinstance(result, ox.QueryTriples):
        raise TypeError("expected a CONSTRUCT query")
    return list(result)


@dataclass(frozen=True)
class Resource:
    """An IRI with its labels by language ("" for a label without language)."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        """The label in `lang`, else in Vietnamese or English, else a short form of the IRI."""
        for candidate in (lang, *_LANG_ORDER, ""):
            if candidate in self.labels:
                return self.labels[candidate]
        if self.labels:
            return next(iter(sorted(self.labels.items())))[1]
        return short_name(self.iri)

    @property
    def has_label(self) -> bool:
        return bool(self.labels)


@dataclass(frozen=True)
class LiteralValue:
    """A literal: its lexical form, its datatype IRI, and its language tag if any."""

    value: str
    datatype: str
    language: str | None = None

    @property
    def datatype_name(self) -> str:
        return short_name(self.datatype)


@dataclass(frozen=True)
class Evidence:
    """One quote of one article that supports a statement."""

    iri: str
    article: Resource
    quote: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Value:
    """One object of an outgoing statement and the evidence supporting that statement."""

    term: Resource | LiteralValue
    evidence: tuple[Evidence, ...] = ()
    implied: bool = False
    """Also stated with a more specific property (the build writes out super-properties)."""

    @property
    def is_iri(self) -> bool:
        return isinstance(self.term, Resource)


@dataclass(frozen=True)
class PropertyValues:
    """The values of one property of the described resource."""

    property: Resource
    values: tuple[Value, ...]


@dataclass(frozen=True)
class IncomingGroup:
    """Resources linking to the described one through one property: the total and this page."""

    property: Resource
    count: int
    subjects: tuple[Resource, ...]
    implied: bool = False
    """Every link shown is also a link through a more specific property."""


@dataclass(frozen=True)
class Description:
    """Everything the pages, the JSON API and the RDF views show about one resource."""

    iri: str
    labels: dict[str, str]
    types: tuple[Resource, ...]
    outgoing: tuple[PropertyValues, ...]
    incoming: tuple[IncomingGroup, ...]
    incoming_total: int
    incoming_offset: int
    incoming_limit: int
    base_iri: str
    articles: tuple[Resource, ...]
    """Every article whose quotes support a statement about the resource."""

    @property
    def resource(self) -> Resource:
        return Resource(self.iri, self.labels)

    def label(self, lang: str = "vi") -> str:
        return self.resource.label(lang)

    @property
    def has_more_incoming(self) -> bool:
        return self.incoming_offset + self.incoming_limit < self.incoming_total

    def values_of(self, property_iri: str) -> tuple[Value, ...]:
        for group in self.outgoing:
            if group.property.iri == property_iri:
                return group.values
        return ()


def short_name(iri: str) -> str:
    """A prefixed name (`schema:name`) for a known namespace, else the IRI's last segment.

    >>> short_name("https://schema.org/containedInPlace")
    'schema:containedInPlace'
    >>> short_name("https://example.org/a/b")
    'b'
    """
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return tail or iri


def iri_for_path(path: str, *, base_iri: str) -> str:
    """The IRI a request path names under the dataset base (`id/city/x` → `{base}id/city/x`)."""
    return base_iri + path.lstrip("/")


def local_path(iri: str, *, base_iri: str) -> str | None:
    """The server path of an IRI this dataset serves (`/id/city/x`, `/ontology#Term`), or None.

    >>> local_path("https://scgraph.org/ontology#City", base_iri="https://scgraph.org/")
    '/ontology#City'
    >>> local_path("https://scgraph.org/id/city/x", base_iri="https://scgraph.org/")
    '/id/city/x'
    >>> local_path("https://schema.org/City", base_iri="https://scgraph.org/") is None
    True
    """
    if iri == ONTOLOGY_IRI or iri.startswith(SC):
        return "/ontology" + iri[len(ONTOLOGY_IRI) :]
    if iri.startswith(base_iri):
        return "/" + iri[len(base_iri) :]
    return None


_EXISTS = "ASK { { ?x ?p ?o } UNION { GRAPH ?x { ?s ?q ?v } } }"
_IS_GRAPH = "ASK { GRAPH ?x { ?s ?p ?o } }"


def exists(store: GraphStore, iri: str) -> bool:
    """Whether the graph says anything about `iri` as a subject, or has a graph of that name."""
    return _ask(store, _EXISTS, iri)


def is_graph(store: GraphStore, iri: str) -> bool:
    """Whether `iri` names a graph of the store."""
    return _ask(store, _IS_GRAPH, iri)


_OUTGOING = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?x ?p ?o ?pl ?ol WHERE {
  ?x ?p ?o .
  OPTIONAL { ?p rdfs:label ?pl }
  OPTIONAL { ?o rdfs:label ?ol }
}
"""

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


def _lang(literal: ox.Literal) -> str:
    return literal.language or ""


class _Labels:
    """Collects labels of IRIs seen in query rows."""

    def __init__(self) -> None:
        self.by_iri: dict[str, dict[str, str]] = defaultdict(dict)

    def add(self, node: object, label: object) -> None:
        if isinstance(node, ox.NamedNode):
            self.by_iri.setdefault(node.value, {})
            if isinstance(label, ox.Literal):
                self.by_iri[node.value].setdefault(_lang(label), label.value)

    def resource(self, iri: str) -> Resource:
        labels = dict(self.by_iri.get(iri) or _FALLBACK_LABELS.get(iri, {}))
        return Resource(iri, labels)


def _literal_value(literal: ox.Literal) -> LiteralValue:
    return LiteralValue(literal.value, literal.datatype.value, literal.language)


def _int(term: object) -> int | None:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(XSD):
        try:
            return int(term.value)
        except ValueError:
            return None
    return None


def _sort_key(
    term: ox.NamedNode | ox.Literal | ox.BlankNode, labels: _Labels, lang: str
) -> tuple[str, str]:
    if isinstance(term, ox.NamedNode):
        return (labels.resource(term.value).label(lang).casefold(), term.value)
    return (term.value.casefold(), str(term))


def _paging(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or offset < 0:
        raise ValueError("incoming_limit must be positive and incoming_offset non-negative")
    return limit, offset


def describe(
    store: GraphStore,
    iri: str,
    *,
    base_iri: str,
    lang: str = "vi",
    incoming_limit: int = DEFAULT_INCOMING_LIMIT,
    incoming_offset: int = 0,
) -> Description | None:
    """Describe `iri`, or None when the graph says nothing about it.

    Every label is kept; `lang` only orders each property's values by their label in that
    language. `base_iri` is kept on the description so callers can tell local IRIs from others.
    The incoming links are paged: `incoming_limit` links from `incoming_offset`, by property.
    """
    limit, offset = _paging(incoming_limit, incoming_offset)
    labels = _Labels()
    rows = _select(store, _OUTGOING, iri)
    incoming_counts = {
        row["p"].value: int(row["n"].value) for row in _select(store, _INCOMING_COUNTS, iri)
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
            own_labels.setdefault(_lang(obj), obj.value)
        elif predicate.value == RDF_TYPE and isinstance(obj, ox.NamedNode):
            if obj.value not in type_iris:
                type_iris.append(obj.value)
        else:
            objects[predicate.value][obj] = None

    evidence = _evidence(store, iri, labels)
    parents = _super_properties(store)
    outgoing = tuple(
        PropertyValues(
            labels.resource(predicate),
            tuple(
                Value(
                    labels.resource(obj.value)
                    if isinstance(obj, ox.NamedNode)
                    else _literal_value(obj)
                    if isinstance(obj, ox.Literal)
                    else LiteralValue(str(obj), XSD + "string"),
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

    incoming_page = _select(store, _INCOMING_PAGE.format(limit=limit, offset=offset), iri)
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


_SUPER_PROPERTIES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?sub ?super WHERE { ?sub rdfs:subPropertyOf ?parent . ?parent rdfs:subPropertyOf* ?super }
"""
# Not `rdfs:subPropertyOf+`, which is the same: Virtuoso refuses a transitive path with neither end
# bound ("transitive start not given"), and pages must read the same from any SPARQL store.


def _super_properties(store: GraphStore) -> dict[str, set[str]]:
    """Property IRI → every super-property the ontology graph declares for it."""
    parents: dict[str, set[str]] = defaultdict(set)
    result = store.query(_SUPER_PROPERTIES)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        parents[row["sub"].value].add(row["super"].value)
    return parents


def _implied_group(
    predicate: str,
    count: int,
    page: dict[str, dict[str, None]],
    counts: dict[str, int],
    parents: dict[str, set[str]],
) -> bool:
    """Whether the links through `predicate` are all links through more specific properties."""
    subs = [other for other in counts if predicate in parents.get(other, ())]
    if not subs:
        return False
    covered = {s for other in subs for s in page.get(other, {})}
    return set(page.get(predicate, {})) <= covered and count <= sum(counts[o] for o in subs)


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
            labels[row["c"].value][_lang(literal)] = literal.value
    return {iri.rsplit("#", 1)[1]: Resource(iri, found) for iri, found in labels.items()}


def _evidence(
    store: GraphStore, iri: str, labels: _Labels
) -> dict[tuple[str, str], list[Evidence]]:
    """(predicate IRI, str(object)) → the evidence supporting that statement, by quote order."""
    found: dict[tuple[str, str], dict[str, Evidence]] = defaultdict(dict)
    for row in _select(store, _EVIDENCE, iri):
        labels.add(row["article"], row["al"])
        key = (row["p"].value, str(row["o"]))
        ev_iri = row["ev"].value
        if ev_iri in found[key]:
            continue
        found[key][ev_iri] = Evidence(
            iri=ev_iri,
            article=Resource(row["article"].value),  # labels filled in below
            quote=row["quote"].value,
            start=_int(row["start"]),
            end=_int(row["end"]),
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


_STATEMENTS_BY_GRAPH = "SELECT ?x ?p ?o ?g WHERE { GRAPH ?g { ?x ?p ?o } }"
_STATEMENTS = "SELECT ?x ?p ?o WHERE { ?x ?p ?o }"

_INCOMING_LINKS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT {{ ?s ?p ?x . ?s rdfs:label ?sl }} WHERE {{
  {{ SELECT ?x ?s ?p WHERE {{ ?s ?p ?x . FILTER(?p NOT IN (rdf:subject, rdf:object)) }}
     ORDER BY ?p ?s LIMIT {limit} OFFSET {offset} }}
  OPTIONAL {{ ?s rdfs:label ?sl }}
}}
"""

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
    limit, offset = _paging(incoming_limit, incoming_offset)
    default = ox.DefaultGraph()
    quads: dict[ox.Quad, None] = {}
    if with_graphs:
        for row in _select(store, _STATEMENTS_BY_GRAPH, iri):
            quads[ox.Quad(row["x"], row["p"], row["o"], row["g"])] = None
    else:
        for row in _select(store, _STATEMENTS, iri):
            quads[ox.Quad(row["x"], row["p"], row["o"], default)] = None
    for query in (_INCOMING_LINKS.format(limit=limit, offset=offset), _LINKED_LABELS):
        for triple in _construct(store, query, iri):
            quads[ox.Quad(triple.subject, triple.predicate, triple.object, default)] = None
    metadata: ox.NamedNode | ox.DefaultGraph = (
        ox.NamedNode(base_iri + "graph/metadata") if with_graphs else default
    )
    for triple in _construct(store, _PROVENANCE, iri):
        quads[ox.Quad(triple.subject, triple.predicate, triple.object, metadata)] = None
    return list(quads)


def graph_quads(store: GraphStore, graph_iri: str) -> list[ox.Quad]:
    """Every quad of one named graph (for the RDF views of a graph IRI)."""
    graph = _node(graph_iri)
    return [] if graph is None else list(store.quads_for_pattern(None, None, None, graph))


def count_incoming(store: GraphStore, iri: str) -> int:
    """How many incoming links `describe` pages through (evidence links excluded)."""
    return sum(int(row["n"].value) for row in _select(store, _INCOMING_COUNTS, iri))


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
    limit, offset = _paging(limit, offset)
    labels = _Labels()
    order: dict[str, None] = {}
    for row in _select(store, _INSTANCES.format(limit=limit, offset=offset), class_iri):
        labels.add(row["s"], row["l"])
        order[row["s"].value] = None
    counts = _select(store, _INSTANCE_COUNT, class_iri)
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
    labels = _Labels()
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


@dataclass(frozen=True)
class Annotation:
    """One quote in an article and the statement it supports."""

    iri: str
    subject: Resource
    property: Resource
    object: Resource | LiteralValue
    quote: str
    start: int | None
    end: int | None


_ANNOTATIONS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sc: <https://scgraph.org/ontology#>
SELECT ?x ?ev ?s ?p ?o ?quote ?start ?end WHERE {
  ?t oa:hasSource ?x ; oa:hasSelector ?sel . ?sel oa:start ?start ; oa:end ?end .
  ?ev oa:hasTarget ?t ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; sc:quote ?quote .
}
"""
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
    labels = _Labels()
    raw: dict[str, tuple[ox.QuerySolution, ...]] = {}
    for row in _select(store, _ANNOTATION_LABELS, article_iri):
        labels.add(row["n"], row["l"])
    for row in _select(store, _ANNOTATIONS, article_iri):
        raw.setdefault(row["ev"].value, (row,))
    annotations = []
    for ev_iri, (row,) in raw.items():
        obj = row["o"]
        annotations.append(
            Annotation(
                iri=ev_iri,
                subject=labels.resource(row["s"].value),
                property=labels.resource(row["p"].value),
                object=labels.resource(obj.value)
                if isinstance(obj, ox.NamedNode)
                else _literal_value(obj)
                if isinstance(obj, ox.Literal)
                else LiteralValue(str(obj), XSD + "string"),
                quote=row["quote"].value,
                start=_int(row["start"]),
                end=_int(row["end"]),
            )
        )
    return sorted(annotations, key=lambda a: (a.start if a.start is not None else -1, a.iri))
