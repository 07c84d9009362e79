"""Reconciliation (W3C Entity Reconciliation API 0.2, as OpenRefine 3.x speaks it): the answers.

Entities are named by their short id (`city/da-nang`), types and properties of our ontology by
their local name (`Province`, `location`), any other term by its full IRI. Candidates come from
the search index; property constraints then raise or lower each candidate's score (0–100).
The HTTP edges are in server/reconcile.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from scgraph.apimodels import entity_id, entity_iri
from scgraph.graph_store import GraphStore
from scgraph.iris import SC
from scgraph.ontology import OWL, RDFS, XSD
from scgraph.search import Hit, SearchIndex, normalize

_BASE_SCORE = {"exact": 100.0, "prefix": 75.0, "words": 60.0, "fuzzy": 50.0}
_PROPERTY_WEIGHT = 10.0
DEFAULT_TYPES = ("Place", "Organisation", "Person", "Event")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def term_id(iri: str) -> str:
    """A type or property id: the local name for our ontology, else the IRI.

    >>> term_id(SC + "Province"), term_id("https://schema.org/name")
    ('Province', 'https://schema.org/name')
    """
    return iri[len(SC) :] if iri.startswith(SC) else iri


def term_iri(term: str) -> str:
    return term if term.startswith(("http://", "https://")) else SC + term.removeprefix("sc:")


@dataclass(frozen=True)
class OntologyTerm:
    """A class or property of the ontology with its labels."""

    iri: str
    labels: dict[str, str]
    parents: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return term_id(self.iri)

    def name(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.labels.get("vi") or self.id


def _solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    assert isinstance(result, ox.QuerySolutions)
    return result


_TERMS = f"""
SELECT ?t ?label (LANG(?label) AS ?lang) ?parent ?kind WHERE {{
  VALUES ?kind {{ <{OWL}Class> <{OWL}ObjectProperty> <{OWL}DatatypeProperty> }}
  ?t a ?kind .
  OPTIONAL {{ ?t <{RDFS}label> ?label }}
  OPTIONAL {{ ?t <{RDFS}subClassOf> ?parent . FILTER(isIRI(?parent)) }}
}}"""


@dataclass(frozen=True)
class Vocabulary:
    """The classes and properties of our ontology, read once from the store."""

    classes: dict[str, OntologyTerm]
    properties: dict[str, OntologyTerm]

    @classmethod
    def read(cls, store: GraphStore) -> Vocabulary:
        found: dict[str, dict[str, dict[str, str]]] = {"class": {}, "property": {}}
        parents: dict[str, list[str]] = {}
        for row in _solutions(store.query(_TERMS)):
            iri = row["t"].value
            if not iri.startswith(SC):
                continue
            kind = "class" if row["kind"].value == OWL + "Class" else "property"
            labels = found[kind].setdefault(iri, {})
            if row["label"] is not None:
                labels.setdefault(row["lang"].value, row["label"].value)
            if row["parent"] is not None and row["parent"].value not in parents.get(iri, []):
                parents.setdefault(iri, []).append(row["parent"].value)
        return cls(
            {
                i: OntologyTerm(i, labels, tuple(sorted(parents.get(i, []))))
                for i, labels in found["class"].items()
            },
            {i: OntologyTerm(i, labels) for i, labels in found["property"].items()},
        )

    def suggest(self, kind: str, prefix: str, limit: int = 10) -> list[OntologyTerm]:
        """Classes or properties whose id or a label starts with (or contains) `prefix`."""
        wanted = normalize(prefix)
        terms = self.classes if kind == "type" else self.properties
        scored = []
        for term in terms.values():
            names = [normalize(term.id), *(normalize(label) for label in term.labels.values())]
            if any(name.startswith(wanted) for name in names):
                scored.append((0, term.id))
            elif any(wanted in name for name in names):
                scored.append((1, term.id))
        return [terms[term_iri(t)] for _, t in sorted(scored)[:limit]]


def _types_of(hit: Hit, vocabulary: Vocabulary, lang: str) -> list[dict[str, str]]:
    # The most specific classes first would need the hierarchy; ours by id is stable and short.
    return [
        {"id": term_id(t), "name": vocabulary.classes[t].name(lang)}
        for t in hit.types
        if t in vocabulary.classes
    ]


_VALUES = f"""
SELECT ?x ?p ?o ?label WHERE {{ ?x ?p ?o . OPTIONAL {{ ?o <{RDFS}label> ?label }} }}"""


def _nodes(**iris: str) -> dict[ox.Variable, Term] | None:
    """The IRIs as query bindings, or None if one is no IRI at all: ids come from the client,
    and the store holds nothing about a string with a space or a control character in it."""
    try:
        return {ox.Variable(name): ox.NamedNode(iri) for name, iri in iris.items()}
    except ValueError:
        return None


def _property_values(store: GraphStore, iri: str, property_iri: str) -> list[tuple[Term, str]]:
    bindings = _nodes(x=iri, p=property_iri)
    if bindings is None:
        return []
    return [
        (row["o"], row["label"].value if row["label"] is not None else "")
        for row in _solutions(store.query(_VALUES, substitutions=bindings))
    ]


def _matches(wanted: Any, values: list[tuple[Term, str]], base_iri: str) -> bool:
    items = wanted if isinstance(wanted, list) else [wanted]
    for item in items:
        if isinstance(item, dict):
            target = entity_iri(str(item.get("id", "")), base_iri)
            if any(isinstance(o, ox.NamedNode) and o.value == target for o, _ in values):
                return True
            item = item.get("name", "")
        text = normalize(str(item).lower() if isinstance(item, bool) else str(item))
        for obj, label in values:
            candidates = [label] + ([obj.value] if isinstance(obj, ox.Literal) else [])
            if text and any(normalize(c) == text for c in candidates):
                return True
    return False


def reconcile(
    store: GraphStore,
    index: SearchIndex,
    vocabulary: Vocabulary,
    query: dict[str, Any],
    base_iri: str,
    lang: str = "en",
) -> list[dict[str, Any]]:
    """The candidates for one reconciliation query, best first, in the 0.2 result shape."""
    text = str(query.get("query", ""))
    raw_limit = query.get("limit")
    limit = max(1, min(int(raw_limit), 50)) if isinstance(raw_limit, int | float) else 5
    raw_type = query.get("type")
    types: list[str | None] = (
        [raw_type] if isinstance(raw_type, str) else [str(t) for t in raw_type or []]
    )
    hits: dict[str, Hit] = {}
    for wanted in types or [None]:
        for hit in index.search(text, type=term_iri(wanted) if wanted else None, limit=limit * 3):
            hits.setdefault(hit.iri, hit)
    constraints = [c for c in query.get("properties", []) or [] if isinstance(c, dict)]
    candidates: list[dict[str, Any]] = []
    for hit in hits.values():
        # Hit.score is the tier plus half the closeness of the match (0–1).
        closeness = min(1.0, (hit.score - int(hit.score)) * 2)
        score = 100.0 if hit.match == "exact" else _BASE_SCORE[hit.match] * (0.6 + 0.4 * closeness)
        features = [{"id": "name_" + hit.match, "value": True}]
        for constraint in constraints:
            values = _property_values(store, hit.iri, term_iri(str(constraint.get("pid", ""))))
            agrees = _matches(constraint.get("v"), values, base_iri)
            score += _PROPERTY_WEIGHT if agrees else -_PROPERTY_WEIGHT
            features.append({"id": f"property_{constraint.get('pid')}", "value": agrees})
        entity = index.entity(hit.iri)
        candidates.append(
            {
                "id": entity_id(hit.iri, base_iri) or hit.iri,
                "name": entity.label(lang) if entity else hit.label,
                "type": _types_of(hit, vocabulary, lang),
                "score": round(max(0.0, min(100.0, score)), 1),
                "features": features,
                "match": False,
            }
        )
    candidates.sort(key=lambda c: (-c["score"], c["id"]))
    candidates = candidates[:limit]
    # A match only when the best is an exact name and clearly ahead of the next one.
    if (
        candidates
        and candidates[0]["score"] >= 95
        and (len(candidates) == 1 or candidates[1]["score"] < candidates[0]["score"] - 5)
    ):
        candidates[0]["match"] = True
    return candidates


def _extension_cell(obj: Term, label: str, base_iri: str) -> dict[str, Any]:
    if isinstance(obj, ox.NamedNode):
        return {"id": entity_id(obj.value, base_iri) or obj.value, "name": label or obj.value}
    if not isinstance(obj, ox.Literal):
        return {"str": str(obj)}
    datatype = obj.datatype.value
    if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
        return {"int": int(obj.value)}
    if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
        return {"float": float(obj.value)}
    if datatype == XSD + "date":
        return {"date": obj.value + "T00:00:00Z"}
    if datatype == XSD + "dateTime":
        return {"date": obj.value if obj.value[-1] == "Z" or "+" in obj.value else obj.value + "Z"}
    return {"str": obj.value}


def extend(
    store: GraphStore,
    vocabulary: Vocabulary,
    request: dict[str, Any],
    base_iri: str,
    lang: str = "en",
) -> dict[str, Any]:
    """Property values of the given entities (data extension), in the 0.2 response shape."""
    ids = [str(i) for i in request.get("ids", [])]
    properties = [str(p["id"]) for p in request.get("properties", []) if isinstance(p, dict)]
    meta = []
    for pid in properties:
        term = vocabulary.properties.get(term_iri(pid))
        meta.append({"id": pid, "name": term.name(lang) if term else pid})
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for entity in ids:
        iri = entity_iri(entity, base_iri)
        rows[entity] = {}
        for pid in properties:
            values = _property_values(store, iri, term_iri(pid))
            cells = [_extension_cell(o, label, base_iri) for o, label in values]
            unique = {repr(sorted(c.items())): c for c in cells}
            rows[entity][pid] = list(unique.values())
    return {"meta": meta, "rows": rows}


_PROPOSE = """
SELECT DISTINCT ?p ?class WHERE { ?x a ?class ; ?p ?o . }"""


def propose_properties(
    store: GraphStore, vocabulary: Vocabulary, type_id: str, limit: int, lang: str = "en"
) -> list[dict[str, str]]:
    """Properties of our ontology that entities of `type_id` actually have."""
    bindings = _nodes(**{"class": term_iri(type_id)})
    if bindings is None:
        return []
    used = {row["p"].value for row in _solutions(store.query(_PROPOSE, substitutions=bindings))}
    found = sorted(iri for iri in used if iri in vocabulary.properties)
    return [{"id": term_id(i), "name": vocabulary.properties[i].name(lang)} for i in found][:limit]
