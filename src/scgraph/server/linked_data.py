"""The URI scheme of the linked-data views, and the answers shared by its routes.

    {base}id/{type}/{slug}      the entity itself    → 303 to /page/… (HTML) or /data/… (RDF)
    {base}graph/{name}          a named graph        → 303 to /page/graph/… or /data/graph/…
    /page/{type}/{slug}[.html]  the HTML document about it
    /data/{type}/{slug}[.ttl|.jsonld|.nt|.rdf|.nq|.trig]
                                the RDF document about it (negotiated without a suffix)

Request paths map onto the configured dataset base, never onto the request's host, so the IRIs in
every answer are the same behind a public domain and on 127.0.0.1 (Cool URIs for the Semantic Web,
§4.3: 303 redirects from a thing to the documents about it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from scgraph.negotiation import negotiate, parse_accept, quality_of
from scgraph.server.deps import ServedBuild
from scgraph.server.errors import error_response
from scgraph.server.rdf_formats import BY_SUFFIX, FORMATS, HTML, RdfFormat
from scgraph.server.response_cache import cacheable

LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Target:
    """What a /page/ or /data/ path names: the IRI, its path after the base, a fixed format."""

    iri: str
    rest: str
    """`id/city/da-nang` or `graph/registry`: the IRI's path under the dataset base."""
    suffix: str | None

    @property
    def doc_path(self) -> str:
        """`city/da-nang` or `graph/registry`: the part after /page/ and /data/."""
        return self.rest.removeprefix("id/")

    @property
    def is_graph(self) -> bool:
        return self.rest.startswith("graph/")


def target_of(path: str, base_iri: str, suffixes: tuple[str, ...]) -> Target:
    """The resource a document path (after /page/ or /data/) is about.

    >>> target_of("city/da-nang.ttl", "https://scgraph.org/", ("ttl",))
    Target(iri='https://scgraph.org/id/city/da-nang', rest='id/city/da-nang', suffix='ttl')
    >>> target_of("graph/registry", "https://scgraph.org/", ("ttl",)).iri
    'https://scgraph.org/graph/registry'
    """
    stem, dot, ext = path.rpartition(".")
    suffix = None
    if dot and ext in suffixes and "/" not in ext:
        path, suffix = stem, ext
    rest = path if path.startswith("graph/") else f"id/{path}"
    return Target(base_iri + rest, rest, suffix)


def page_lang(request: Request) -> str:
    """`?lang=` if given, else the better of vi and en by Accept-Language, else vi."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    header = request.headers.get("accept-language")
    if header:
        # Language ranges read like media ranges once written as `vi/*`; reuse their q-values.
        as_media = ",".join(
            f"{part.split(';', 1)[0].strip().split('-')[0]}/x;{part.partition(';')[2]}"
            for part in header.split(",")
            if part.strip()
        )
        ranges = parse_accept(as_media.replace("*/x", "*/*"))
        if ranges:
            best = max(LANGUAGES, key=lambda lang: quality_of(f"{lang}/x", ranges))
            if quality_of(f"{best}/x", ranges) > 0:
                return best
    return "vi"


def wants_html(request: Request) -> bool:
    """Browsers, clients sending no Accept and `*/*` get HTML; RDF clients do not."""
    return (
        negotiate(request.headers.get("accept"), [HTML, *(f.media_type for f in FORMATS)]) == HTML
    )


def alternatives_detail(offers: list[str]) -> str:
    return "no acceptable representation; available: " + ", ".join(offers)


def not_acceptable(request: Request, offers: list[str]) -> Response:
    """406 naming every representation on offer (RFC 9110 §15.5.7)."""
    return error_response(
        request,
        406,
        alternatives_detail(offers),
        headers={"Vary": "Accept"},
        extra={"alternatives": offers},
    )


def see_other(request: Request, location: str) -> Response:
    """303 to a document about the thing, keeping the query (language, page of links)."""
    query = request.url.query
    headers = {"Location": location + (f"?{query}" if query else ""), "Vary": "Accept"}
    cacheable(request)
    return Response(status_code=303, headers=headers)


def not_found(
    request: Request, served: ServedBuild, iri: str, suggestions: list[object]
) -> Response:
    """404 at the IRI itself: an HTML page with a search box for people, the error shape else."""
    if wants_html(request):
        templates = request.app.state.templates
        body = templates.get_template("not_found.html").render(
            request=request,
            iri=iri,
            suggestions=suggestions,
            lang=page_lang(request),
            base_iri=served.settings.base_iri,
        )
        return HTMLResponse(body, status_code=404, headers={"Vary": "Accept"})
    return error_response(request, 404, f"nothing is known about <{iri}>", {"Vary": "Accept"})


def format_for(target: Target, request: Request, offers: list[RdfFormat]) -> RdfFormat | None:
    """The fixed format of a suffix URL, else the negotiated one."""
    if target.suffix is not None:
        return BY_SUFFIX[target.suffix]
    chosen = negotiate(request.headers.get("accept"), [f.media_type for f in offers])
    return next((f for f in offers if f.media_type == chosen), None)


def url_path(path: str) -> str:
    """A path safe to put in a Location or Link header."""
    return quote(path, safe="/:@-._~!$&'()*+,;=")
