"""What a look-up returns: resources with their labels, literals, statements and their evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

from scgraph.ontology import PREFIXES

_LANG_ORDER = ("vi", "en")


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
