"""The ontology IRI and its terms dereference here: a documentation page, or the ontology as RDF.

`https://scgraph.org/ontology#City` is a hash IRI: clients strip the fragment and ask for
`/ontology`, which answers with the whole vocabulary (Cool URIs for the Semantic Web, §4.2), each
term an anchored section of the HTML page. The terms are read from the store's ontology graph,
with instance counts and a few example instances from the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from scgraph.iris import ONTOLOGY_IRI, SC
from scgraph.lookup import Resource
from scgraph.negotiation import negotiate
from scgraph.ontology import OWL, RDF_TYPE, RDFS, RDFS_LABEL, SKOS
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.errors import error_response
from scgraph.server.linked_data import not_acceptable
from scgraph.server.pages.rendering import GET_HEAD, render
from scgraph.server.rdf_formats import BY_SUFFIX, FORMATS, HTML, content_type, serialize
from scgraph.server.representation import represent

router = APIRouter()
EXAMPLES_PER_CLASS = 3

_TERMS = """
SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }
"""
_INSTANCES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?s ?l WHERE { ?s a ?c . OPTIONAL { ?s rdfs:label ?l } } ORDER BY ?c ?s
"""


@dataclass
class Term:
    """One class or property of the ontology as the documentation page shows it."""

    iri: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    parents: list[Resource] = field(default_factory=list)
    children: list[Resource] = field(default_factory=list)
    domain: list[Resource] = field(default_factory=list)
    range: list[Resource] = field(default_factory=list)
    instances: int = 0
    examples: list[Resource] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.iri[len(SC) :]

    def label(self, lang: str) -> str:
        return Resource(self.iri, self.labels).label(lang)


def _kind(types: set[str]) -> str | None:
    if OWL + "Class" in types:
        return "class"
    if OWL + "ObjectProperty" in types:
        return "object property"
    if OWL + "DatatypeProperty" in types:
        return "datatype property"
    if types & {OWL + "NamedIndividual", SKOS + "Concept"}:
        return "individual"
    return None


def ontology_terms(served: ServedBuild) -> list[Term]:
    """Every term the ontology graph declares in our namespace, with counts and examples."""
    graph = ox.NamedNode(served.settings.base_iri + "graph/ontology")
    result = served.store.query(_TERMS, substitutions={ox.Variable("g"): graph})
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in result:
        s, p, o = row["s"], row["p"], row["o"]
        if not isinstance(s, ox.NamedNode) or not isinstance(o, ox.NamedNode | ox.Literal):
            continue
        facts[s.value][p.value].append(o)
        if p.value == RDFS_LABEL and isinstance(o, ox.Literal):
            labels[s.value].setdefault(o.language or "", o.value)

    def resource(iri: str) -> Resource:
        return Resource(iri, labels.get(iri, {}))

    terms: dict[str, Term] = {}
    for iri, props in facts.items():
        kind = _kind({o.value for o in props.get(RDF_TYPE, [])})
        if not iri.startswith(SC) or kind is None:
            continue
        term = Term(iri, kind, labels=labels.get(iri, {}))
        for literal in props.get(SKOS + "definition", []):
            if isinstance(literal, ox.Literal):
                term.definitions.setdefault(literal.language or "", literal.value)
        parent_property = RDFS + ("subClassOf" if kind == "class" else "subPropertyOf")
        term.parents = [resource(o.value) for o in props.get(parent_property, [])]
        term.domain = [resource(o.value) for o in props.get(RDFS + "domain", [])]
        term.range = [resource(o.value) for o in props.get(RDFS + "range", [])]
        terms[iri] = term
    for term in terms.values():
        for parent in term.parents:
            if parent.iri in terms:
                terms[parent.iri].children.append(resource(term.iri))
    _add_instances(served, terms)
    return sorted(terms.values(), key=lambda t: (t.kind != "class", t.kind, t.name.casefold()))


def _add_instances(served: ServedBuild, terms: dict[str, Term]) -> None:
    result = served.store.query(_INSTANCES)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    seen: dict[str, set[str]] = defaultdict(set)
    example_labels: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in result:
        class_iri, instance = row["c"].value, row["s"]
        if class_iri not in terms or not isinstance(instance, ox.NamedNode):
            continue
        seen[class_iri].add(instance.value)
        label = row["l"]
        if isinstance(label, ox.Literal):
            example_labels[(class_iri, instance.value)].setdefault(
                label.language or "", label.value
            )
    for class_iri, instances in seen.items():
        term = terms[class_iri]
        term.instances = len(instances)
        term.examples = [
            Resource(iri, example_labels.get((class_iri, iri), {}))
            for iri in sorted(instances)[:EXAMPLES_PER_CLASS]
        ]


def _ontology(request: Request, served: ServedBuild, suffix: str | None) -> Response:
    offers = [HTML, *(f.media_type for f in FORMATS)]
    if suffix is None:
        chosen = negotiate(request.headers.get("accept"), offers)
        if chosen is None:
            return not_acceptable(request, offers)
    else:
        chosen = HTML if suffix == "html" else BY_SUFFIX[suffix].media_type
    headers = {"Link": '<https://scgraph.org/ontology>; rel="describedby"'}
    if chosen == HTML:
        header = served.store.query(
            "SELECT ?g ?x ?p ?o WHERE { GRAPH ?g { ?x ?p ?o } }",
            substitutions={
                ox.Variable("g"): ox.NamedNode(served.settings.base_iri + "graph/ontology"),
                ox.Variable("x"): ox.NamedNode(ONTOLOGY_IRI),
            },
        )
        meta: dict[str, dict[str, str]] = defaultdict(dict)
        if isinstance(header, ox.QuerySolutions):
            for row in header:
                value = row["o"]
                language = value.language if isinstance(value, ox.Literal) else None
                meta[row["p"].value].setdefault(language or "", value.value)
        response = render(
            request,
            served,
            "ontology.html",
            terms=ontology_terms(served),
            meta=meta,
            ontology_iri=ONTOLOGY_IRI,
            formats=FORMATS,
        )
    else:
        rdf_format = next(f for f in FORMATS if f.media_type == chosen)
        graph = ox.NamedNode(served.settings.base_iri + "graph/ontology")
        quads = list(served.store.quads_for_pattern(None, None, None, graph))
        response = represent(
            request,
            served,
            serialize(quads, rdf_format),
            content_type(rdf_format.media_type),
            headers=headers,
        )
    if suffix is None:
        response.headers["Vary"] = "Accept"
    return response


@router.api_route("/ontology", methods=GET_HEAD, include_in_schema=False)
def ontology(request: Request, served: ServedDep) -> Response:
    """The ontology and every `#Term`: HTML documentation or RDF, by the Accept header."""
    return _ontology(request, served, None)


@router.api_route("/ontology.{suffix}", methods=GET_HEAD, include_in_schema=False)
def ontology_file(suffix: str, request: Request, served: ServedDep) -> Response:
    """The ontology in one fixed format: .html, .ttl, .jsonld, .nt, .rdf, .nq, .trig."""
    if suffix != "html" and suffix not in BY_SUFFIX:
        return not_acceptable(request, ["html", *BY_SUFFIX])
    return _ontology(request, served, suffix)


@router.api_route("/ontology/{version}", methods=GET_HEAD, include_in_schema=False)
def ontology_version(version: str, request: Request, served: ServedDep) -> Response:
    """The version IRI (`owl:versionIRI`): the ontology of this build."""
    version_iri = ox.NamedNode(f"{ONTOLOGY_IRI}/{version}")
    known = served.store.quads_for_pattern(
        ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(OWL + "versionIRI"), version_iri, ox.DefaultGraph()
    )
    if next(iter(known), None) is None:
        return error_response(request, 404, f"this server serves no ontology version {version!r}")
    return _ontology(request, served, None)
