"""The HTML pages about resources: an entity, an article with its quotes marked, a named graph."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from scgraph.iris import SC
from scgraph.lookup import (
    Description,
    LiteralValue,
    article_annotations,
    describe,
    exists,
    is_graph,
)
from scgraph.ontology import SCHEMA
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.highlight import segments
from scgraph.server.linked_data import Target, not_found, page_lang
from scgraph.server.pages.rendering import (
    GET_HEAD,
    PageNumber,
    html_response,
    render,
    render_body,
)
from scgraph.server.pages.resolving import incoming_offset, resolve, suggestions
from scgraph.server.pages.schema_org import schema_org, summary_text
from scgraph.server.prepared import (
    Prepared,
    encoded,
    mark_known,
    on_event_loop,
    prepared_bodies,
)
from scgraph.server.rdf_formats import FORMATS, HTML
from scgraph.server.representation import not_modified, variant_etag

router = APIRouter()

# Literal-valued properties that hold an article's text: shown as the text, not in the table.
_ARTICLE_TEXT = (SC + "articleText", SCHEMA + "articleBody")


@router.api_route("/page/{path:path}", methods=GET_HEAD, include_in_schema=False)
async def page(path: str, request: Request, served: ServedDep, page: PageNumber = 1) -> Response:
    """The HTML page about a resource (`.html` may be added)."""
    if on_event_loop(served):
        made = _prepared_page(path, request, served, page)
        if made is not None:
            return made
    return await run_in_threadpool(_page, path, request, served, page)


def _prepared_page(path: str, request: Request, served: ServedBuild, page: int) -> Response | None:
    """The page from a body made before (by a request or the warm-up), else None."""
    prepared = prepared_bodies(served)
    if prepared is None:
        return None
    target = resolve(served, path, ("html",))
    lang = page_lang(request)
    found = prepared.get(("page", target.iri, lang, page))
    if found is None:
        return None
    etag = variant_etag(served, request, HTML, lang)
    return not_modified(request, served, etag) or encoded(
        request, html_response(request, served, found.body, lang, etag), found
    )


def _page(path: str, request: Request, served: ServedBuild, page: int) -> Response:
    base = served.settings.base_iri
    target = resolve(served, path, ("html",))
    lang = page_lang(request)
    etag = variant_etag(served, request, HTML, lang)
    if exists(served.store, target.iri):
        # Only now: a resource that is only linked to has a page too, but no document or /id/.
        mark_known(prepared_bodies(served), target.iri)
        cached = not_modified(request, served, etag)
        if cached is not None:
            return cached
    description = describe(
        served.store,
        target.iri,
        base_iri=base,
        lang=lang,
        incoming_offset=incoming_offset(page),
        parents=served.super_properties,
    )
    if description is None:
        if target.is_graph and is_graph(served.store, target.iri):
            return _graph_page(request, served, target, lang)
        return not_found(request, served, target.iri, suggestions(request, served, target.doc_path))
    if any(t.iri == SC + "Article" for t in description.types):
        return _article_page(request, served, target, description, lang, page, etag)
    return _entity_page(request, served, target, description, lang, page, "entity.html", etag)


def _common(
    served: ServedBuild, target: Target, description: Description, lang: str, page: int
) -> dict[str, Any]:
    base = served.settings.base_iri
    doc_path = f"/data/{target.doc_path}"
    label = description.label(lang)
    summary = summary_text(description, lang)
    return {
        "d": description,
        "lang": lang,
        "label": label,
        "page_number": page,
        "doc_path": doc_path,
        "page_path": f"/page/{target.doc_path}",
        "canonical": base + f"page/{target.doc_path}",
        "formats": FORMATS,
        "summary": summary,
        "schema_org": schema_org(description, label, summary, base + f"page/{target.doc_path}"),
        "hidden": {*_ARTICLE_TEXT},
    }


def _entity_page(
    request: Request,
    served: ServedBuild,
    target: Target,
    description: Description,
    lang: str,
    page: int,
    template: str,
    etag: str,
    **extra: Any,
) -> Response:
    context = _common(served, target, description, lang, page)
    context.update(extra)
    body = render_body(request, served, template, **context)
    prepared = prepared_bodies(served)
    if prepared is not None:
        prepared.put(("page", target.iri, lang, page), Prepared(body))
    return html_response(request, served, body, lang, etag)


def _article_page(
    request: Request,
    served: ServedBuild,
    target: Target,
    description: Description,
    lang: str,
    page: int,
    etag: str,
) -> Response:
    text = next(
        (
            v.term.value
            for p in _ARTICLE_TEXT
            for v in description.values_of(p)
            if isinstance(v.term, LiteralValue)
        ),
        "",
    )
    annotations = article_annotations(served.store, description.iri)
    spans = [
        (a.start, a.end, index)
        for index, a in enumerate(annotations)
        if a.start is not None and a.end is not None
    ]
    return _entity_page(
        request,
        served,
        target,
        description,
        lang,
        page,
        "article.html",
        etag,
        annotations=annotations,
        text_segments=segments(text, spans),
        sc=SC,
    )


def _graph_page(request: Request, served: ServedBuild, target: Target, lang: str) -> Response:
    count = sum(
        1 for _ in served.store.quads_for_pattern(None, None, None, ox.NamedNode(target.iri))
    )
    return render(
        request,
        served,
        "graph.html",
        iri=target.iri,
        lang=lang,
        count=count,
        doc_path=f"/data/{target.doc_path}",
        formats=FORMATS,
    )
