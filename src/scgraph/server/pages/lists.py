"""The home page, the paged list of a class's instances, and the search page."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from scgraph.iris import SC
from scgraph.lookup import describe, exists, list_instances, ontology_classes
from scgraph.negotiation import negotiate
from scgraph.server.deps import ServedDep
from scgraph.server.errors import error_response
from scgraph.server.linked_data import not_acceptable, page_lang, see_other
from scgraph.server.pages.rendering import GET_HEAD, PageNumber, render
from scgraph.server.pages.resolving import find
from scgraph.server.rdf_formats import FORMATS, HTML
from scgraph.server.representation import last_modified

router = APIRouter()
CLASS_PAGE_SIZE = 100


@router.api_route("/", methods=GET_HEAD, include_in_schema=False)
def home(request: Request, served: ServedDep) -> Response:
    """What the dataset is, its classes with counts, and where to go next; VoID for RDF clients."""
    offers = [HTML, *(f.media_type for f in FORMATS)]
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        return not_acceptable(request, offers)
    if chosen != HTML:
        return see_other(request, "/.well-known/void")
    counts = {str(k): int(v) for k, v in served.summary.get("entities_per_class", {}).items()}
    classes = ontology_classes(served.store)
    response = render(
        request,
        served,
        "home.html",
        counts=sorted(counts.items()),
        classes=classes,
        summary=served.summary,
        last_modified=last_modified(served),
    )
    response.headers["Vary"] = "Accept"
    return response


@router.api_route("/class/{name}", methods=GET_HEAD, include_in_schema=False)
def class_list(name: str, request: Request, served: ServedDep, page: PageNumber = 1) -> Response:
    """A paged list of the instances of one class of the ontology."""
    class_iri = SC + name
    offset = (page - 1) * CLASS_PAGE_SIZE
    if not exists(served.store, class_iri):
        return error_response(request, 404, f"the ontology has no class {name!r}")
    members, total = list_instances(served.store, class_iri, limit=CLASS_PAGE_SIZE, offset=offset)
    if page > 1 and not members:
        return error_response(request, 404, f"page {page} is past the end of the list")
    class_description = describe(
        served.store, class_iri, base_iri=served.settings.base_iri, incoming_limit=1
    )
    return render(
        request,
        served,
        "class_list.html",
        name=name,
        class_iri=class_iri,
        class_label=class_description.label(page_lang(request)) if class_description else name,
        members=members,
        total=total,
        page_number=page,
        page_size=CLASS_PAGE_SIZE,
        has_next=offset + len(members) < total,
    )


@router.api_route("/search", methods=GET_HEAD, include_in_schema=False)
def search_page(request: Request, served: ServedDep, q: str = "") -> Response:
    """A label search for people (accents and case ignored), the 404 page's search box."""
    hits = find(request, served, q[:200], limit=30) if q.strip() else []
    return render(request, served, "search.html", q=q, hits=hits)
