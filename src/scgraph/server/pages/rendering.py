"""Render a page template with the helpers every page uses, and the constants the routes share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from scgraph.lookup import local_path
from scgraph.server.deps import ServedBuild
from scgraph.server.linked_data import LANGUAGES, page_lang
from scgraph.server.representation import represent

GET_HEAD = ["GET", "HEAD"]
HTML_TYPE = "text/html; charset=utf-8"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


def render(
    request: Request, served: ServedBuild, template: str, etag: str | None = None, **context: Any
) -> Response:
    """An HTML template rendered with the helpers every page uses."""
    base = served.settings.base_iri
    lang = context.setdefault("lang", page_lang(request))
    body = (
        request.app.state.templates.get_template(template)
        .render(
            request=request,
            base_iri=base,
            href=lambda iri: local_path(iri, base_iri=base) or iri,
            other_langs=[code for code in LANGUAGES if code != lang],
            build_id=served.build_id,
            **context,
        )
        .encode("utf-8")
    )
    return represent(
        request, served, body, HTML_TYPE, headers={"Content-Language": lang}, etag=etag
    )
