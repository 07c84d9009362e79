"""The JSON shapes of the lookup API: pydantic models made from, and read back into, lookup's data.

The server answers with these models and the Python API's remote mode reads them back, so a
description looks the same whether it came from a local store or over HTTP.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from scgraph.lookup import (
    Description,
    Evidence,
    IncomingGroup,
    LiteralValue,
    PropertyValues,
    Resource,
    Value,
)
from scgraph.search import Hit


def entity_id(iri: str, base_iri: str) -> str | None:
    """The short id of an entity IRI of this dataset: `{base}id/city/da-nang` → `city/da-nang`.

    >>> entity_id("https://scgraph.org/id/city/da-nang", "https://scgraph.org/")
    'city/da-nang'
    >>> entity_id("https://schema.org/City", "https://scgraph.org/") is None
    True
    """
    prefix = base_iri + "id/"
    return iri[len(prefix) :] if iri.startswith(prefix) else None


def entity_iri(id_or_iri: str, base_iri: str) -> str:
    """The IRI named by a short id (`city/da-nang`), an `id/…` path or a full IRI.

    >>> entity_iri("city/da-nang", "https://scgraph.org/")
    'https://scgraph.org/id/city/da-nang'
    >>> entity_iri("/id/city/da-nang", "https://scgraph.org/")
    'https://scgraph.org/id/city/da-nang'
    >>> entity_iri("https://example.org/x", "https://scgraph.org/")
    'https://example.org/x'
    """
    if id_or_iri.startswith(("http://", "https://")):
        return id_or_iri
    path = id_or_iri.lstrip("/")
    return base_iri + (path if path.startswith("id/") else "id/" + path)


class ResourceModel(BaseModel):
    iri: str
    label: str = Field(description="The label in the requested language, with fallbacks.")
    labels: dict[str, str] = Field(description='Labels by language tag ("" for none).')


class EvidenceModel(BaseModel):
    iri: str
    article: ResourceModel
    quote: str = Field(description="The words of the article that support the statement.")
    start: int | None = None
    end: int | None = None


class ValueModel(BaseModel):
    kind: Literal["iri", "literal"]
    iri: str | None = None
    label: str | None = None
    labels: dict[str, str] = {}
    value: str | None = Field(None, description="Lexical form of a literal.")
    datatype: str | None = None
    language: str | None = None
    evidence: list[EvidenceModel] = []
    implied: bool = Field(
        False, description="Also stated with a more specific property (a derived super-property)."
    )


class PropertyModel(BaseModel):
    property: ResourceModel
    values: list[ValueModel]


class IncomingModel(BaseModel):
    property: ResourceModel
    count: int = Field(description="All subjects linking through this property.")
    subjects: list[ResourceModel] = Field(description="The page of them included here.")
    implied: bool = Field(
        False, description="Every link shown is also a link through a more specific property."
    )


class EntityModel(BaseModel):
    """One entity: labels, types, properties with evidence, incoming links, source articles."""

    iri: str
    id: str | None = Field(description="Short id for /api/entities/{id}; null if not ours.")
    label: str
    labels: dict[str, str]
    types: list[ResourceModel]
    properties: list[PropertyModel]
    incoming: list[IncomingModel]
    incoming_total: int
    incoming_offset: int
    incoming_limit: int
    sources: list[ResourceModel] = Field(description="Articles whose quotes support statements.")


class SearchHitModel(BaseModel):
    iri: str
    id: str | None
    label: str = Field(description="The entity's label in the requested language.")
    matched: str = Field(description="The label or alt label that matched the query.")
    match: Literal["exact", "prefix", "words", "fuzzy"]
    score: float
    types: list[str]


class SearchResultsModel(BaseModel):
    query: str
    type: str | None
    offset: int
    limit: int
    results: list[SearchHitModel]


def resource_model(resource: Resource, lang: str) -> ResourceModel:
    return ResourceModel(iri=resource.iri, label=resource.label(lang), labels=resource.labels)


def _value_model(value: Value, lang: str) -> ValueModel:
    evidence = [
        EvidenceModel(
            iri=e.iri,
            article=resource_model(e.article, lang),
            quote=e.quote,
            start=e.start,
            end=e.end,
        )
        for e in value.evidence
    ]
    term = value.term
    if isinstance(term, Resource):
        return ValueModel(
            kind="iri",
            iri=term.iri,
            label=term.label(lang),
            labels=term.labels,
            evidence=evidence,
            implied=value.implied,
        )
    return ValueModel(
        kind="literal",
        value=term.value,
        datatype=term.datatype,
        language=term.language,
        evidence=evidence,
        implied=value.implied,
    )


def entity_model(description: Description, lang: str = "vi") -> EntityModel:
    """The JSON shape of a description (labels shown in `lang`)."""
    return EntityModel(
        iri=description.iri,
        id=entity_id(description.iri, description.base_iri),
        label=description.label(lang),
        labels=description.labels,
        types=[resource_model(t, lang) for t in description.types],
        properties=[
            PropertyModel(
                property=resource_model(group.property, lang),
                values=[_value_model(v, lang) for v in group.values],
            )
            for group in description.outgoing
        ],
        incoming=[
            IncomingModel(
                property=resource_model(group.property, lang),
                count=group.count,
                subjects=[resource_model(s, lang) for s in group.subjects],
                implied=group.implied,
            )
            for group in description.incoming
        ],
        incoming_total=description.incoming_total,
        incoming_offset=description.incoming_offset,
        incoming_limit=description.incoming_limit,
        sources=[resource_model(a, lang) for a in description.articles],
    )


def _resource(model: ResourceModel) -> Resource:
    return Resource(model.iri, dict(model.labels))


def _value(model: ValueModel) -> Value:
    evidence = tuple(
        Evidence(e.iri, _resource(e.article), e.quote, e.start, e.end) for e in model.evidence
    )
    if model.kind == "iri":
        return Value(Resource(model.iri or "", dict(model.labels)), evidence, model.implied)
    literal = LiteralValue(model.value or "", model.datatype or "", model.language)
    return Value(literal, evidence, model.implied)


def description_from_model(model: EntityModel, base_iri: str) -> Description:
    """A description read back from its JSON shape (the Python API's remote mode)."""
    return Description(
        iri=model.iri,
        labels=dict(model.labels),
        types=tuple(_resource(t) for t in model.types),
        outgoing=tuple(
            PropertyValues(_resource(p.property), tuple(_value(v) for v in p.values))
            for p in model.properties
        ),
        incoming=tuple(
            IncomingGroup(
                _resource(g.property),
                g.count,
                tuple(_resource(s) for s in g.subjects),
                g.implied,
            )
            for g in model.incoming
        ),
        incoming_total=model.incoming_total,
        incoming_offset=model.incoming_offset,
        incoming_limit=model.incoming_limit,
        base_iri=base_iri,
        articles=tuple(_resource(a) for a in model.sources),
    )


def hit_model(hit: Hit, base_iri: str) -> SearchHitModel:
    return SearchHitModel(
        iri=hit.iri,
        id=entity_id(hit.iri, base_iri),
        label=hit.label,
        matched=hit.matched,
        match=hit.match,
        score=hit.score,
        types=list(hit.types),
    )


def hit_from_model(model: SearchHitModel) -> Hit:
    return Hit(
        iri=model.iri,
        label=model.label,
        matched=model.matched,
        match=model.match,
        score=model.score,
        types=tuple(model.types),
    )
