"""The result formats of the SPARQL endpoint, and choosing one from Accept or `format=`.

A query's form (SELECT/ASK or CONSTRUCT/DESCRIBE) is only known once it is parsed, in a worker
process, so a request picks one format of each family up front and the worker uses the one that
fits.

>>> pick(SOLUTION_FORMATS, "text/csv;q=0.5, application/sparql-results+xml").name
'xml'
>>> pick(GRAPH_FORMATS, "application/ld+json").media_type
'application/ld+json'
>>> pick(GRAPH_FORMATS, "*/*").name
'turtle'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import pyoxigraph as ox

from scgraph.negotiation import negotiate, parse_accept, quality_of


class Family(StrEnum):
    SOLUTIONS = "solutions"
    """SELECT and ASK results."""
    GRAPH = "graph"
    """CONSTRUCT and DESCRIBE results."""


@dataclass(frozen=True)
class ResultFormat:
    name: str
    """The `format=` value naming it (also used between server and worker)."""
    media_type: str
    """The Content-Type sent."""
    family: Family
    aliases: tuple[str, ...] = ()
    """Other media types a client may ask for to get it (e.g. `application/json`)."""

    @property
    def oxigraph(self) -> ox.QueryResultsFormat | ox.RdfFormat:
        return _OXIGRAPH[self.name]


_OXIGRAPH: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}

# Order is preference: the first is what `*/*` and clients without Accept get.
SOLUTION_FORMATS = (
    ResultFormat(
        "json", "application/sparql-results+json", Family.SOLUTIONS, ("application/json",)
    ),
    ResultFormat(
        "xml", "application/sparql-results+xml", Family.SOLUTIONS, ("application/xml", "text/xml")
    ),
    ResultFormat("csv", "text/csv; charset=utf-8", Family.SOLUTIONS),
    ResultFormat("tsv", "text/tab-separated-values; charset=utf-8", Family.SOLUTIONS),
)
GRAPH_FORMATS = (
    ResultFormat("turtle", "text/turtle; charset=utf-8", Family.GRAPH, ("application/x-turtle",)),
    ResultFormat("ntriples", "application/n-triples", Family.GRAPH, ("text/plain",)),
    ResultFormat("jsonld", "application/ld+json", Family.GRAPH, ("application/json",)),
    ResultFormat("rdfxml", "application/rdf+xml", Family.GRAPH, ("application/xml", "text/xml")),
    ResultFormat("nquads", "application/n-quads", Family.GRAPH),
    ResultFormat("trig", "application/trig", Family.GRAPH),
)
BY_NAME = {f.name: f for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS)}


def _offers(formats: tuple[ResultFormat, ...]) -> list[tuple[str, ResultFormat]]:
    primary = [(f.media_type.split(";")[0], f) for f in formats]
    return primary + [(alias, f) for f in formats for alias in f.aliases]


# Remembered: clients send the same few Accept headers, and negotiating is a visible part of a
# cheap query's time in the server process.
@lru_cache(maxsize=256)
def pick(formats: tuple[ResultFormat, ...], accept: str | None) -> ResultFormat | None:
    """The format of `formats` the Accept header prefers; None when it accepts none of them."""
    offers = _offers(formats)
    chosen = negotiate(accept, [media for media, _ in offers])
    return next((f for media, f in offers if media == chosen), None)


@lru_cache(maxsize=256)
def prefers_html(accept: str | None) -> bool:
    """A browser navigating: it names text/html and likes it at least as much as any result.

    >>> prefers_html("text/html,application/xhtml+xml,*/*;q=0.8"), prefers_html("*/*")
    (True, False)
    """
    ranges = parse_accept(accept)
    if not ranges or not any(r.type == "text" and r.subtype == "html" for r in ranges):
        return False
    html = quality_of("text/html", ranges)
    offers = media_types(SOLUTION_FORMATS) + media_types(GRAPH_FORMATS)
    return html > 0 and html >= max(quality_of(offer, ranges) for offer in offers)


def media_types(formats: tuple[ResultFormat, ...]) -> list[str]:
    """Every media type `formats` answers to, for a 406 message and the service description."""
    return [media for media, _ in _offers(formats)]


# `format=` values clients send (SPARQLWrapper sends its own names, repeated as `output=`),
# each naming the format of one or both families.
_PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv",),
    "tsv": ("tsv",),
    "turtle": ("turtle",),
    "ttl": ("turtle",),
    "n3": ("turtle",),
    "ntriples": ("ntriples",),
    "nt": ("ntriples",),
    "n-triples": ("ntriples",),
    "jsonld": ("jsonld",),
    "json-ld": ("jsonld",),
    "rdfxml": ("rdfxml",),
    "rdf+xml": ("rdfxml",),
    "rdf": ("rdfxml",),
    "nquads": ("nquads",),
    "nq": ("nquads",),
    "trig": ("trig",),
}


def from_format_param(values: list[str]) -> dict[Family, ResultFormat]:
    """The formats a `format=` parameter forces, by family; values not understood are ignored.

    >>> sorted(f.name for f in from_format_param(["json"]).values())
    ['json', 'jsonld']
    >>> [f.name for f in from_format_param(["text/tab-separated-values"]).values()]
    ['tsv']
    """
    forced: dict[Family, ResultFormat] = {}
    for value in values:
        value = value.strip().lower()
        if "/" in value:
            for formats in (SOLUTION_FORMATS, GRAPH_FORMATS):
                for media, chosen in _offers(formats):
                    if media == value:
                        forced.setdefault(chosen.family, chosen)
            continue
        for name in _PARAM_NAMES.get(value, ()):
            forced.setdefault(BY_NAME[name].family, BY_NAME[name])
    return forced
