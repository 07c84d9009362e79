"""For crawlers and caches: the VoID + DCAT description, the dumps, sitemap.xml and robots.txt.

The VoID document describes `{base}dataset`, the dataset every linked-data document points at
with `void:inDataset`; it names the SPARQL endpoint, the dumps, the URI space, example resources,
counts and one class partition per class of the ontology.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from scgraph import __version__
from scgraph.iris import ONTOLOGY_IRI, SC, kebab
from scgraph.negotiation import negotiate
from scgraph.ontology import DCTERMS, FOAF, OWL, RDF_TYPE, RDFS_LABEL, VOID, XSD
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.linked_data import not_acceptable
from scgraph.server.pages.rendering import GET_HEAD, LICENSE
from scgraph.server.rdf_formats import FORMATS, content_type, serialize
from scgraph.server.representation import (
    build_time_iso,
    represent,
)

router = APIRouter()
DCAT = "http://www.w3.org/ns/dcat#"
DUMP_FORMATS = {
    "scgraph.nq.gz": "application/n-quads",
    "scgraph.trig": "application/trig",
    "scgraph.ttl": "text/turtle",
}
EXAMPLE_CLASSES = ("City", "Person", "GovernmentBody", "Article", "Summit")

_SUBJECTS = """
SELECT DISTINCT ?x ?s WHERE { ?s a ?t . FILTER(STRSTARTS(STR(?s), STR(?x))) } ORDER BY ?s
"""
_CLASS_COUNTS = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c
"""


def entity_iris(served: ServedBuild) -> list[str]:
    """Every typed resource under the dataset's URI space (`{base}id/`), sorted."""
    space = ox.NamedNode(served.settings.base_iri + "id/")
    result = served.store.query(_SUBJECTS, substitutions={ox.Variable("x"): space})
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return [row["s"].value for row in result]


def void_quads(served: ServedBuild) -> list[ox.Quad]:
    """The VoID + DCAT description of the served build."""
    base = served.settings.base_iri
    dataset = ox.NamedNode(base + "dataset")
    entities = entity_iris(served)
    triples: list[
        tuple[ox.NamedNode | ox.BlankNode, str, ox.NamedNode | ox.Literal | ox.BlankNode]
    ] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.Literal | ox.BlankNode
    ) -> None:
        triples.append((s, p, o))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(dataset, RDF_TYPE, ox.NamedNode(DCAT + "Dataset"))
    add(dataset, DCTERMS + "title", ox.Literal("scgraph", language="en"))
    add(dataset, RDFS_LABEL, ox.Literal("scgraph", language="en"))
    add(
        dataset,
        DCTERMS + "description",
        ox.Literal(
            "An open knowledge graph of Vietnamese smart-city news; every statement is linked to "
            "the quote of the article that supports it.",
            language="en",
        ),
    )
    add(dataset, DCTERMS + "license", ox.NamedNode(LICENSE))
    add(dataset, FOAF + "homepage", ox.NamedNode(base))
    add(dataset, OWL + "versionInfo", ox.Literal(served.build_id))
    add(dataset, DCAT + "version", ox.Literal(served.build_id))
    add(dataset, DCTERMS + "hasVersion", ox.Literal(__version__))
    add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(base + "sparql"))
    add(dataset, VOID + "uriSpace", ox.Literal(base + "id/"))
    add(dataset, VOID + "vocabulary", ox.NamedNode(SC))
    add(dataset, VOID + "vocabulary", ox.NamedNode(ONTOLOGY_IRI))
    add(dataset, VOID + "rootResource", ox.NamedNode(base))
    add(dataset, VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/Turtle"))
    add(dataset, VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/N-Quads"))
    add(dataset, VOID + "triples", integer(int(served.summary.get("triples", 0))))
    add(dataset, VOID + "entities", integer(len(entities)))
    add(dataset, VOID + "distinctSubjects", integer(len(entities)))
    for name, media in DUMP_FORMATS.items():
        dump = ox.NamedNode(f"{base}dumps/{name}")
        add(dataset, VOID + "dataDump", dump)
        # Named blank nodes keep the document byte-identical between requests (a stable ETag).
        distribution = ox.BlankNode(f"distribution-{name.replace('.', '-')}")
        add(dataset, DCAT + "distribution", distribution)
        add(distribution, RDF_TYPE, ox.NamedNode(DCAT + "Distribution"))
        add(distribution, DCAT + "downloadURL", dump)
        add(distribution, DCAT + "mediaType", ox.Literal(media))
        add(distribution, DCTERMS + "license", ox.NamedNode(LICENSE))
    for name in EXAMPLE_CLASSES:
        prefix = f"{base}id/{kebab(name)}/"
        example = next((iri for iri in entities if iri.startswith(prefix)), None)
        if example:
            add(dataset, VOID + "exampleResource", ox.NamedNode(example))
    counts = served.store.query(_CLASS_COUNTS)
    if not isinstance(counts, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    for row in counts:
        class_iri = row["c"]
        if isinstance(class_iri, ox.NamedNode) and class_iri.value.startswith(SC):
            partition = ox.BlankNode(f"class-{class_iri.value[len(SC) :]}")
            add(dataset, VOID + "classPartition", partition)
            add(partition, VOID + "class", class_iri)
            add(partition, VOID + "entities", integer(int(row["n"].value)))
    add(
        dataset,
        DCTERMS + "modified",
        ox.Literal(build_time_iso(served), datatype=ox.NamedNode(XSD + "dateTime")),
    )
    return [ox.Quad(s, ox.NamedNode(p), o, ox.DefaultGraph()) for s, p, o in triples]


@router.api_route("/.well-known/void", methods=GET_HEAD, include_in_schema=False)
def void(request: Request, served: ServedDep) -> Response:
    """The VoID + DCAT description, in any RDF format (Turtle unless asked otherwise)."""
    offers = [f.media_type for f in FORMATS]
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        # Browsers ask for text/html first but accept */*: they are served Turtle, readable as text.
        return not_acceptable(request, offers)
    rdf_format = next(f for f in FORMATS if f.media_type == chosen)
    body = serialize(void_quads(served), rdf_format)
    return represent(request, served, body, content_type(chosen), negotiated=True)


@router.api_route("/sitemap.xml", methods=GET_HEAD, include_in_schema=False)
def sitemap(request: Request, served: ServedDep) -> Response:
    """Every entity page, at its public address under the dataset base."""
    base = served.settings.base_iri
    modified = build_time_iso(served)[:10]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    lines.append(f"<url><loc>{escape(base)}</loc><lastmod>{modified}</lastmod></url>")
    lines.append(f"<url><loc>{escape(base)}ontology</loc><lastmod>{modified}</lastmod></url>")
    for iri in entity_iris(served):
        page = base + "page/" + iri[len(base) + len("id/") :]
        lines.append(f"<url><loc>{escape(page)}</loc><lastmod>{modified}</lastmod></url>")
    lines.append("</urlset>")
    body = ("\n".join(lines) + "\n").encode("utf-8")
    return represent(request, served, body, "application/xml")


@router.api_route("/robots.txt", methods=GET_HEAD, include_in_schema=False)
def robots(request: Request, served: ServedDep) -> Response:
    """Everything may be crawled except query results; the sitemap lists the pages."""
    base = served.settings.base_iri
    body = (
        "User-agent: *\nDisallow: /sparql\nDisallow: /search\nAllow: /\n\n"
        f"Sitemap: {base}sitemap.xml\n"
    )
    return represent(request, served, body.encode("utf-8"), "text/plain; charset=utf-8")
