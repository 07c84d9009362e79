"""The things themselves: an entity or graph IRI answers 303 to a document about it, or 404."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from scgraph.lookup import exists
from scgraph.negotiation import negotiate
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.linked_data import not_acceptable, not_found, see_other, url_path
from scgraph.server.pages.rendering import GET_HEAD
from scgraph.server.pages.resolving import suggestions
from scgraph.server.prepared import is_known
from scgraph.server.rdf_formats import FORMATS, HTML

router = APIRouter()


@router.api_route("/id/{path:path}", methods=GET_HEAD, include_in_schema=False)
async def entity_iri(path: str, request: Request, served: ServedDep) -> Response:
    """An entity IRI: 303 to its HTML page or its RDF document, by the Accept header."""
    return await _dereference(request, served, served.settings.base_iri + "id/" + path, path)


@router.api_route("/graph/{path:path}", methods=GET_HEAD, include_in_schema=False)
async def graph_iri(path: str, request: Request, served: ServedDep) -> Response:
    """A named-graph IRI: 303 to the page or the data of that graph."""
    return await _dereference(
        request, served, served.settings.base_iri + "graph/" + path, f"graph/{path}"
    )


@router.api_route("/dataset", methods=GET_HEAD, include_in_schema=False)
def dataset_iri(request: Request) -> Response:
    """The dataset's IRI (`void:inDataset` of every document): its VoID description."""
    return see_other(request, "/.well-known/void")


async def _dereference(request: Request, served: ServedBuild, iri: str, doc_path: str) -> Response:
    # An embedded store answers this ASK in a fraction of a millisecond, less than the hop to a
    # worker thread that was most of a 303's time; any other store may wait on the network.
    if is_known(served, iri):  # a document about it was made: no need to ask
        known = True
    elif isinstance(served.store, ox.Store):
        known = exists(served.store, iri)
    else:
        known = await run_in_threadpool(exists, served.store, iri)
    if not known:  # suggestions may scan every label: off the event loop
        return await run_in_threadpool(_not_found, request, served, iri, doc_path)
    offers = [HTML, *(f.media_type for f in FORMATS)]
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        return not_acceptable(request, offers)
    kind = "page" if chosen == HTML else "data"
    return see_other(request, url_path(f"/{kind}/{doc_path}"))


def _not_found(request: Request, served: ServedBuild, iri: str, doc_path: str) -> Response:
    return not_found(request, served, iri, suggestions(request, served, doc_path))
