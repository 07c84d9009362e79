"""The RDF formats the linked-data views offer: media types, file suffixes and serialization.

JSON-LD is written here rather than by pyoxigraph, whose JSON-LD is expanded (full IRIs as keys):
ours carries the context published at `/context.jsonld` inline, so the keys read `rdfs:label`
and a client needs no second request to expand them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from scgraph.ontology import PREFIXES, RDF_TYPE, XSD

HTML = "text/html"


@dataclass(frozen=True)
class RdfFormat:
    suffix: str
    media_type: str
    label: str
    quads: bool
    """Whether the format keeps named graphs (the provenance of each statement)."""
    oxigraph: ox.RdfFormat | None
    """None for JSON-LD, which `to_jsonld` writes."""


FORMATS = (
    RdfFormat("ttl", "text/turtle", "Turtle", False, ox.RdfFormat.TURTLE),
    RdfFormat("jsonld", "application/ld+json", "JSON-LD", False, None),
    RdfFormat("nt", "application/n-triples", "N-Triples", False, ox.RdfFormat.N_TRIPLES),
    RdfFormat("rdf", "application/rdf+xml", "RDF/XML", False, ox.RdfFormat.RDF_XML),
    RdfFormat("nq", "application/n-quads", "N-Quads", True, ox.RdfFormat.N_QUADS),
    RdfFormat("trig", "application/trig", "TriG", True, ox.RdfFormat.TRIG),
)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}
RDF_MEDIA_TYPES = [f.media_type for f in FORMATS]

CONTEXT: dict[str, Any] = {"@context": dict(PREFIXES)}
"""The JSON-LD context published at /context.jsonld and embedded in every JSON-LD document."""


def content_type(media_type: str) -> str:
    """The Content-Type header value: text formats say their charset."""
    return f"{media_type}; charset=utf-8"


def serialize(quads: Iterable[ox.Quad], rdf_format: RdfFormat) -> bytes:
    """`quads` in `rdf_format`; triple formats drop graph names (each triple once)."""
    if rdf_format.oxigraph is None:
        return to_jsonld(q.triple for q in quads)
    if rdf_format.quads:
        data = ox.serialize(list(quads), format=rdf_format.oxigraph, prefixes=PREFIXES)
    else:
        triples = list(dict.fromkeys(q.triple for q in quads))
        data = ox.serialize(triples, format=rdf_format.oxigraph, prefixes=PREFIXES)
    # Without an output argument pyoxigraph returns the bytes; None only when writing to a file.
    return data or b""


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and all(c.isalnum() or c in "_-" for c in local):
            return f"{prefix}:{local}"
    return iri


def _node_id(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    raise ValueError("RDF 1.2 triple terms have no JSON-LD 1.1 form")


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, str] | str:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD + "string":
            return term.value
        return {"@value": term.value, "@type": _compact(term.datatype.value)}
    return {"@id": _node_id(term)}


def to_jsonld(triples: Iterable[ox.Triple]) -> bytes:
    """Triples as a JSON-LD document: one node object per subject, the context inline."""
    nodes: dict[str, dict[str, Any]] = {}
    for triple in triples:
        node_id = _node_id(triple.subject)
        node = nodes.setdefault(node_id, {"@id": node_id})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact(triple.object.value))
        else:
            key = _compact(triple.predicate.value)
            node.setdefault(key, []).append(_value(triple.object))
    document = {**CONTEXT, "@graph": list(nodes.values())}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
