"""Render a page template with the helpers every page uses, and the constants the routes share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from scgraph.lookup import local_path
from scgraph.server.deps import ServedBuild
from scgraph.server.linked_data import LANGUAGES, page_lang
from scgraph.server.pages.terms import term_helpers
from scgraph.server.representation import represent

GET_HEAD = ["GET", "HEAD"]
HTML_TYPE = "text/html; charset=utf-8"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


def render(
    request: Request, served: ServedBuild, template: str, etag: str | None = None, **context: Any
) -> Response:
    """An HTML template rendered with the helpers every page uses."""
    lang = context.setdefault("lang", page_lang(request))
    body = render_body(request, served, template, **context)
    return html_response(request, served, body, lang, etag)


def render_body(request: Request, served: ServedBuild, template: str, **context: Any) -> bytes:
    """The bytes of a template rendered with the helpers every page uses (`lang` in `context`)."""
    base = served.settings.base_iri
    lang = context["lang"]

    def href(iri: str) -> str:
        return local_path(iri, base_iri=base) or iri

    text: str = request.app.state.templates.get_template(template).render(
        request=request,
        base_iri=base,
        href=href,
        other_langs=[code for code in LANGUAGES if code != lang],
        build_id=served.build_id,
        **term_helpers(href),
        **context,
    )
    return text.encode("utf-8")


def html_response(
    request: Request, served: ServedBuild, body: bytes, lang: str, etag: str | None = None
) -> Response:
    """A rendered page with its validators and language."""
    return represent(
        request, served, body, HTML_TYPE, headers={"Content-Language": lang}, etag=etag
    )
