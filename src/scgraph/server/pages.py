"""Routes of the linked-data surface: entity IRIs, their HTML and RDF documents, home and lists.

The URI scheme is documented in `linked_data.py`; the ontology, VoID, dumps and sitemap have their
own modules. Every route answers GET and HEAD and returns through `represent` (ETag, 304).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response

from scgraph.iris import SC
from scgraph.lookup import (
    DEFAULT_INCOMING_LIMIT,
    Description,
    LiteralValue,
    Resource,
    article_annotations,
    count_incoming,
    describe,
    describe_graph,
    exists,
    graph_quads,
    is_graph,
    list_instances,
    local_path,
    ontology_classes,
    suggest,
)
from scgraph.negotiation import negotiate
from scgraph.ontology import DCTERMS, FOAF, RDF_TYPE, SCHEMA, VOID, XSD
from scgraph.search import SearchIndex
from scgraph.server.deps import ServedBuild, ServedDep
from scgraph.server.errors import error_response
from scgraph.server.highlight import segments
from scgraph.server.linked_data import (
    LANGUAGES,
    Target,
    format_for,
    not_acceptable,
    not_found,
    page_lang,
    see_other,
    target_of,
    url_path,
)
from scgraph.server.rdf_formats import (
    BY_SUFFIX,
    CONTEXT,
    FORMATS,
    HTML,
    RdfFormat,
    content_type,
    serialize,
)
from scgraph.server.representation import (
    build_time_iso,
    last_modified,
    not_modified,
    represent,
    variant_etag,
)

router = APIRouter()
GET_HEAD = ["GET", "HEAD"]
HTML_TYPE = "text/html; charset=utf-8"
HYDRA = "http://www.w3.org/ns/hydra/core#"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CLASS_PAGE_SIZE = 100
PageNumber = Annotated[int, Query(ge=1, le=100_000)]

# Literal-valued properties that hold an article's text: shown as the text, not in the table.
_ARTICLE_TEXT = (SC + "articleText", SCHEMA + "articleBody")
_DESCRIPTIONS = (SC + "description", "http://www.w3.org/2004/02/skos/core#definition")


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


# ---- the things themselves: 303 to a document, or 404 at the IRI -------------------------


@router.api_route("/id/{path:path}", methods=GET_HEAD, include_in_schema=False)
def entity_iri(path: str, request: Request, served: ServedDep) -> Response:
    """An entity IRI: 303 to its HTML page or its RDF document, by the Accept header."""
    return _dereference(request, served, served.settings.base_iri + "id/" + path, path)


@router.api_route("/graph/{path:path}", methods=GET_HEAD, include_in_schema=False)
def graph_iri(path: str, request: Request, served: ServedDep) -> Response:
    """A named-graph IRI: 303 to the page or the data of that graph."""
    return _dereference(
        request, served, served.settings.base_iri + "graph/" + path, f"graph/{path}"
    )


@router.api_route("/dataset", methods=GET_HEAD, include_in_schema=False)
def dataset_iri(request: Request) -> Response:
    """The dataset's IRI (`void:inDataset` of every document): its VoID description."""
    return see_other(request, "/.well-known/void")


def _dereference(request: Request, served: ServedBuild, iri: str, doc_path: str) -> Response:
    if not exists(served.store, iri):
        return not_found(request, served, iri, _suggestions(request, served, doc_path))
    offers = [HTML, *(f.media_type for f in FORMATS)]
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        return not_acceptable(request, offers)
    kind = "page" if chosen == HTML else "data"
    return see_other(request, url_path(f"/{kind}/{doc_path}"))


def _find(request: Request, served: ServedBuild, text: str, limit: int) -> list[Resource]:
    """Entities named like `text`: the app's search index (typo-tolerant) if it has one."""
    index = served.search
    if isinstance(index, SearchIndex):
        lang = page_lang(request)
        return [
            Resource(hit.iri, {lang: hit.label})
            for hit in index.search(text, limit=limit, lang=lang)
        ]
    return suggest(served.store, text, limit=limit)


def _suggestions(request: Request, served: ServedBuild, doc_path: str) -> list[object]:
    words = doc_path.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return list(_find(request, served, words, limit=8))


def _resolve(served: ServedBuild, path: str, suffixes: tuple[str, ...]) -> Target:
    """The resource a document path names; a suffix is a format only if the rest names something.

    Some ids end like a suffix (a mapping file `ontology-scgraph.ttl`): then the whole path is
    the id, and its fixed-format URLs add a second suffix (`ontology-scgraph.ttl.ttl`).
    """
    target = target_of(path, served.settings.base_iri, suffixes)
    if target.suffix is not None and not exists(served.store, target.iri):
        whole = target_of(path, served.settings.base_iri, ())
        if exists(served.store, whole.iri):
            return whole
    return target


def _offset(page: int) -> int:
    return (page - 1) * DEFAULT_INCOMING_LIMIT


# ---- RDF documents ------------------------------------------------------------------------


@router.api_route("/data/{path:path}", methods=GET_HEAD, include_in_schema=False)
def data(path: str, request: Request, served: ServedDep, page: PageNumber = 1) -> Response:
    """The RDF document about a resource: negotiated, or fixed by a suffix (.ttl, .jsonld …)."""
    base = served.settings.base_iri
    target = _resolve(served, path, tuple(BY_SUFFIX))
    if not exists(served.store, target.iri):
        return not_found(
            request, served, target.iri, _suggestions(request, served, target.doc_path)
        )
    rdf_format = format_for(target, request, list(FORMATS))
    if rdf_format is None:
        return not_acceptable(request, [f.media_type for f in FORMATS])
    etag = variant_etag(served, request, rdf_format.media_type)
    cached = not_modified(request, served, etag)
    if cached is not None:
        if target.suffix is None:
            cached.headers["Vary"] = "Accept"
        return cached
    offset = _offset(page)
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
    headers = {"Link": _alternate_links(doc_path, rdf_format)}
    if next_path:
        headers["Link"] += f', <{url_path(next_path)}>; rel="next"'
    if target.suffix is None:
        headers["Content-Location"] = url_path(f"{doc_path}.{rdf_format.suffix}")
    body = serialize(quads, rdf_format)
    return represent(
        request,
        served,
        body,
        content_type(rdf_format.media_type),
        negotiated=target.suffix is None,
        headers=headers,
        etag=etag,
    )


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


# ---- HTML documents -----------------------------------------------------------------------


@router.api_route("/page/{path:path}", methods=GET_HEAD, include_in_schema=False)
def page(path: str, request: Request, served: ServedDep, page: PageNumber = 1) -> Response:
    """The HTML page about a resource (`.html` may be added)."""
    base = served.settings.base_iri
    target = _resolve(served, path, ("html",))
    lang = page_lang(request)
    etag = variant_etag(served, request, HTML, lang)
    if exists(served.store, target.iri):
        cached = not_modified(request, served, etag)
        if cached is not None:
            return cached
    description = describe(
        served.store, target.iri, base_iri=base, lang=lang, incoming_offset=_offset(page)
    )
    if description is None:
        if target.is_graph and is_graph(served.store, target.iri):
            return _graph_page(request, served, target, lang)
        return not_found(
            request, served, target.iri, _suggestions(request, served, target.doc_path)
        )
    if any(t.iri == SC + "Article" for t in description.types):
        return _article_page(request, served, target, description, lang, page, etag)
    return _entity_page(request, served, target, description, lang, page, "entity.html", etag=etag)


def _common(
    served: ServedBuild, target: Target, description: Description, lang: str, page: int
) -> dict[str, Any]:
    base = served.settings.base_iri
    doc_path = f"/data/{target.doc_path}"
    label = description.label(lang)
    summary = _summary_text(description, lang)
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
        "schema_org": _schema_org(description, label, summary, base + f"page/{target.doc_path}"),
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
    **extra: Any,
) -> Response:
    context = _common(served, target, description, lang, page)
    context.update(extra)
    return render(request, served, template, **context)


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
        annotations=annotations,
        text_segments=segments(text, spans),
        sc=SC,
        etag=etag,
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


def _summary_text(description: Description, lang: str) -> str:
    for prop in _DESCRIPTIONS:
        values = [v.term for v in description.values_of(prop) if not v.is_iri]
        for value in values:
            if getattr(value, "language", None) == lang:
                return str(getattr(value, "value", ""))
        if values:
            return str(getattr(values[0], "value", ""))
    types = ", ".join(t.label(lang) for t in description.types[:2])
    return f"{description.label(lang)} ({types}) · scgraph"


def _schema_org(description: Description, label: str, summary: str, url: str) -> dict[str, Any]:
    types = [t.iri[len(SCHEMA) :] for t in description.types if t.iri.startswith(SCHEMA)]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": types[0] if len(types) == 1 else (types or "Thing"),
        "@id": description.iri,
        "name": label,
        "url": url,
        "description": summary,
    }
    if SCHEMA + "NewsArticle" in {t.iri for t in description.types}:
        data["headline"] = label
        data.update(_article_fields(description))
    others = sorted({v for k, v in description.labels.items() if v != label})
    if others:
        data["alternateName"] = others
    return data


def _article_fields(description: Description) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    dates = [v.term for v in description.values_of(SC + "datePublished")]
    if dates and isinstance(dates[0], LiteralValue):
        fields["datePublished"] = dates[0].value
    authors = [
        {"@type": "Thing", "name": v.term.label("vi")}
        if isinstance(v.term, Resource)
        else {"@type": "Thing", "name": v.term.value}
        for v in description.values_of(SC + "author")
    ]
    if authors:
        fields["author"] = authors
    fields["inLanguage"] = "vi"
    return fields


# ---- home, class lists, search --------------------------------------------------------------


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
    hits = _find(request, served, q[:200], limit=30) if q.strip() else []
    return render(request, served, "search.html", q=q, hits=hits)
