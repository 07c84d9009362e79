"""The RDF documents about resources: negotiated or fixed by a suffix, with their own metadata."""

from __future__ import annotations

import json

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from scgraph.lookup import (
    DEFAULT_INCOMING_LIMIT,
    count_incoming,
    describe_graph,
    exists,
    graph_quads,
    is_graph,
)
from scgraph.ontology import DCTERMS, FOAF, RDF_TYPE, VOID, XSD
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.linked_data import Target, format_for, not_acceptable, not_found, url_path
from scgraph.server.pages.rendering import GET_HEAD, LICENSE, PageNumber
from scgraph.server.pages.resolving import incoming_offset, resolve, suggestions
from scgraph.server.prepared import (
    Prepared,
    encoded,
    is_known,
    mark_known,
    on_event_loop,
    prepared_bodies,
)
from scgraph.server.rdf_formats import (
    BY_SUFFIX,
    CONTEXT,
    FORMATS,
    RdfFormat,
    content_type,
    serialize,
)
from scgraph.server.representation import build_time_iso, not_modified, represent, variant_etag

router = APIRouter()
HYDRA = "http://www.w3.org/ns/hydra/core#"


@router.api_route("/data/{path:path}", methods=GET_HEAD, include_in_schema=False)
async def data(path: str, request: Request, served: ServedDep, page: PageNumber = 1) -> Response:
    """The RDF document about a resource: negotiated, or fixed by a suffix (.ttl, .jsonld …)."""
    if on_event_loop(served):
        made = _data(path, request, served, page, compute=False)
        if made is not None:
            return made
    answer = await run_in_threadpool(_data, path, request, served, page, compute=True)
    assert answer is not None
    return answer


def _data(
    path: str, request: Request, served: ServedBuild, page: int, *, compute: bool
) -> Response | None:
    """The answer; without `compute`, only if it needs no document made now (else None)."""
    prepared = prepared_bodies(served)
    if prepared is None and not compute:
        return None
    target = resolve(served, path, tuple(BY_SUFFIX))
    known = is_known(served, target.iri)
    if not known and not compute:
        return None  # a resource with nothing made yet: asked about in a worker thread
    if not known and not exists(served.store, target.iri):
        return not_found(request, served, target.iri, suggestions(request, served, target.doc_path))
    rdf_format = format_for(target, request, list(FORMATS))
    if rdf_format is None:
        return not_acceptable(request, [f.media_type for f in FORMATS])
    etag = variant_etag(served, request, rdf_format.media_type)
    cached = not_modified(request, served, etag)
    if cached is not None:
        if target.suffix is None:
            cached.headers["Vary"] = "Accept"
        return cached
    key = ("data", target.iri, rdf_format.suffix, page)
    found = prepared.get(key) if prepared is not None else None
    made_now = found is None
    if found is None:
        if not compute:
            return None
        found = _document(served, target, rdf_format, page)
        if prepared is not None and prepared.put(key, found):
            mark_known(prepared, target.iri)
    doc_path = f"/data/{target.doc_path}"
    headers = {"Link": _alternate_links(doc_path, rdf_format) + found.headers.get("Link", "")}
    if target.suffix is None:
        headers["Content-Location"] = url_path(f"{doc_path}.{rdf_format.suffix}")
    response = represent(
        request,
        served,
        found.body,
        content_type(rdf_format.media_type),
        negotiated=target.suffix is None,
        headers=headers,
        etag=etag,
    )
    return response if made_now else encoded(request, response, found)


def _document(served: ServedBuild, target: Target, rdf_format: RdfFormat, page: int) -> Prepared:
    """The RDF document about `target` in `rdf_format`, with its next-page link if any."""
    base = served.settings.base_iri
    offset = incoming_offset(page)
    if target.is_graph and is_graph(served.store, target.iri):
        quads = graph_quads(served.store, target.iri)
        quads += describe_graph(served.store, target.iri, base_iri=base, with_graphs=False)
        has_next = False
    else:
        quads = describe_graph(
            served.store,
            target.iri,
            base_iri=base,
            with_graphs=rdf_format.quads,
            incoming_offset=offset,
        )
        has_next = offset + DEFAULT_INCOMING_LIMIT < count_incoming(served.store, target.iri)
    doc_path = f"/data/{target.doc_path}"
    doc_iri = base + doc_path.lstrip("/")
    next_path = f"{doc_path}.{rdf_format.suffix}?page={page + 1}" if has_next else None
    quads += _document_quads(served, target.iri, doc_iri, next_path)
    link = f', <{url_path(next_path)}>; rel="next"' if next_path else ""
    return Prepared(serialize(quads, rdf_format), {"Link": link} if link else {})


def _alternate_links(doc_path: str, current: RdfFormat) -> str:
    links = [
        f'<{url_path(doc_path)}.{f.suffix}>; rel="alternate"; type="{f.media_type}"'
        for f in FORMATS
        if f != current
    ]
    page_path = doc_path.replace("/data/", "/page/", 1)
    links.append(f'<{url_path(page_path)}>; rel="alternate"; type="text/html"')
    return ", ".join(links)


def _document_quads(
    served: ServedBuild, iri: str, doc_iri: str, next_path: str | None
) -> list[ox.Quad]:
    """The document's own metadata: what it is about, licence, date, dataset, next page."""
    doc = ox.NamedNode(doc_iri)
    triples: list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (ox.NamedNode(RDF_TYPE), ox.NamedNode(FOAF + "Document")),
        (ox.NamedNode(FOAF + "primaryTopic"), ox.NamedNode(iri)),
        (ox.NamedNode(DCTERMS + "license"), ox.NamedNode(LICENSE)),
        (ox.NamedNode(VOID + "inDataset"), ox.NamedNode(served.settings.base_iri + "dataset")),
    ]
    triples.append(
        (
            ox.NamedNode(DCTERMS + "modified"),
            ox.Literal(build_time_iso(served), datatype=ox.NamedNode(XSD + "dateTime")),
        )
    )
    if next_path:
        triples.append(
            (
                ox.NamedNode(HYDRA + "next"),
                ox.NamedNode(served.settings.base_iri + next_path.lstrip("/")),
            )
        )
    return [ox.Quad(doc, p, o, ox.DefaultGraph()) for p, o in triples]


@router.api_route("/context.jsonld", methods=GET_HEAD, include_in_schema=False)
def jsonld_context(request: Request, served: ServedDep) -> Response:
    """The JSON-LD context that every JSON-LD document of the dataset embeds."""
    body = json.dumps(CONTEXT, indent=1).encode("utf-8")
    return represent(request, served, body, "application/ld+json")
