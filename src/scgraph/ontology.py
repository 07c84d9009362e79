"""The ontology as the build sees it: namespaces, and every declared term with its hierarchy.

Read from `ontology/scgraph.ttl`, the single source of truth: a term is usable in a mapping
exactly when that file declares it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from scgraph.errors import OntologyError
from scgraph.iris import ONTOLOGY_IRI, SC

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
VOID = "http://rdfs.org/ns/void#"

PREFIXES = {
    "sc": SC,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "schema": SCHEMA,
    "prov": PROV,
    "oa": OA,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "void": VOID,
}

RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
LANG_STRING = RDF + "langString"

# Properties the build writes itself; a mapping may not state them.
GENERATED_PROPERTIES = frozenset(
    {
        "mentions",
        "articleText",
        "inLanguage",
        "quote",
        "inferred",
        "inferenceNote",
        "mappingLocation",
        "sha256",
        "path",
        "softwareVersion",
    }
)
# Classes the build instantiates itself; a mapping may not use them as an entity type.
GENERATED_CLASSES = frozenset({"Article", "Evidence", "Build", "MappingFile"})


@dataclass(frozen=True)
class ClassTerm:
    name: str
    iri: str
    ancestors: frozenset[str]
    """Every parent class IRI, transitively (ours and reused ones), not the class itself."""


@dataclass(frozen=True)
class PropertyTerm:
    name: str
    iri: str
    is_object: bool
    domain: str | None
    range: str | None
    ancestors: frozenset[str]
    inverse: str | None


@dataclass(frozen=True)
class Individual:
    name: str
    iri: str
    types: frozenset[str]


@dataclass
class Ontology:
    """Every term `scgraph.ttl` declares, by local name."""

    path: Path
    classes: dict[str, ClassTerm] = field(default_factory=dict)
    properties: dict[str, PropertyTerm] = field(default_factory=dict)
    individuals: dict[str, Individual] = field(default_factory=dict)

    def class_iris_with_ancestors(self, names: Iterable[str]) -> set[str]:
        """The IRIs of the named classes and of all their ancestors."""
        iris: set[str] = set()
        for name in names:
            term = self.classes[name]
            iris.add(term.iri)
            iris.update(term.ancestors)
        return iris

    def local_name(self, iri: str) -> str | None:
        return iri[len(SC) :] if iri.startswith(SC) else None


def _closure(start: str, parents: dict[str, set[str]]) -> frozenset[str]:
    seen: set[str] = set()
    todo = list(parents.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(parents.get(node, ()))
    seen.discard(start)
    return frozenset(seen)


def load_ontology(path: Path) -> Ontology:
    """Read the terms of `scgraph.ttl`.

    >>> onto = load_ontology(Path("ontology/scgraph.ttl"))
    >>> onto.classes["Summit"].iri
    'https://scgraph.org/ontology#Summit'
    >>> "https://schema.org/Event" in onto.classes["Summit"].ancestors
    True
    """
    try:
        triples = [
            (t.subject, t.predicate, t.object)
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        ]
    except (OSError, SyntaxError) as error:
        raise OntologyError(f"{path}: {error}") from error

    types: dict[str, set[str]] = defaultdict(set)
    sub_class: dict[str, set[str]] = defaultdict(set)
    sub_property: dict[str, set[str]] = defaultdict(set)
    domain: dict[str, str] = {}
    range_: dict[str, str] = {}
    inverse: dict[str, str] = {}
    for s, p, o in triples:
        if not isinstance(s, ox.NamedNode):
            continue
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            types[s.value].add(o.value)
        elif p.value == RDFS + "subClassOf" and isinstance(o, ox.NamedNode):
            sub_class[s.value].add(o.value)
        elif p.value == RDFS + "subPropertyOf" and isinstance(o, ox.NamedNode):
            sub_property[s.value].add(o.value)
        elif p.value == RDFS + "domain" and isinstance(o, ox.NamedNode):
            domain[s.value] = o.value
        elif p.value == RDFS + "range" and isinstance(o, ox.NamedNode):
            range_[s.value] = o.value
        elif p.value == OWL + "inverseOf" and isinstance(o, ox.NamedNode):
            inverse[s.value] = o.value
            inverse.setdefault(o.value, s.value)

    onto = Ontology(path=path)
    for iri, kinds in types.items():
        name = iri[len(SC) :] if iri.startswith(SC) else None
        if not name:
            continue
        if OWL + "Class" in kinds:
            onto.classes[name] = ClassTerm(name, iri, _closure(iri, sub_class))
        elif OWL + "ObjectProperty" in kinds or OWL + "DatatypeProperty" in kinds:
            onto.properties[name] = PropertyTerm(
                name=name,
                iri=iri,
                is_object=OWL + "ObjectProperty" in kinds,
                domain=domain.get(iri),
                range=range_.get(iri),
                ancestors=_closure(iri, sub_property),
                inverse=inverse.get(iri),
            )
        elif iri != ONTOLOGY_IRI:
            onto.individuals[name] = Individual(name, iri, frozenset(kinds))
    if not onto.classes or not onto.properties:
        raise OntologyError(f"{path}: declares no classes or no properties")
    return onto


@lru_cache(maxsize=4)
def cached_ontology(path: Path) -> Ontology:
    """`load_ontology`, read once per process and path."""
    return load_ontology(path)
