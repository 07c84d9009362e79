"""The reconciliation service under /reconcile (W3C Entity Reconciliation API 0.2, OpenRefine 3.x).

Manifest, reconcile queries (batch `queries=`, and the older single `query=`), preview, suggest
(entity, type, property) and data extension. Parameters come as query string or form fields;
the form body is parsed here so no multipart dependency is needed.
"""

from __future__ import annotations

import html
import json
import threading
import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from scgraph import __version__
from scgraph.apimodels import entity_id, entity_iri
from scgraph.lookup import describe
from scgraph.reconciliation import (
    DEFAULT_TYPES,
    Vocabulary,
    extend,
    propose_properties,
    reconcile,
    term_id,
    term_iri,
)
from scgraph.search import SearchIndex
from scgraph.server.deps import ServedBuild, ServedDep

router = APIRouter(prefix="/reconcile", tags=["reconciliation"])

_LOCK = threading.Lock()
_PREVIEW_SIZE = (400, 140)


def _vocabulary(request: Request, served: ServedBuild) -> Vocabulary:
    with _LOCK:
        cached = served.memo.get("vocabulary")
        if not isinstance(cached, Vocabulary):
            cached = Vocabulary.read(served.store)
            served.memo["vocabulary"] = cached
        return cached


def _base(served: ServedBuild) -> str:
    return str(served.summary.get("base_iri") or served.settings.base_iri)


def _manifest(request: Request, served: ServedBuild) -> dict[str, Any]:
    root = str(request.base_url).rstrip("/")
    vocabulary = _vocabulary(request, served)
    return {
        "versions": ["0.2"],
        "name": "scgraph: Vietnamese smart-city news",
        "identifierSpace": _base(served) + "id/",
        "schemaSpace": term_iri(""),
        "documentation": root + "/docs",
        "serviceVersion": __version__,
        "view": {"url": root + "/id/{{id}}"},
        "defaultTypes": [
            {"id": t, "name": vocabulary.classes[term_iri(t)].name("en")}
            for t in DEFAULT_TYPES
            if term_iri(t) in vocabulary.classes
        ],
        "preview": {
            "url": root + "/reconcile/preview?id={{id}}",
            "width": _PREVIEW_SIZE[0],
            "height": _PREVIEW_SIZE[1],
        },
        "suggest": {
            kind: {"service_url": root, "service_path": f"/reconcile/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {
                "service_url": root,
                "service_path": "/reconcile/extend/propose",
            },
            "property_settings": [],
        },
    }


def _json_parameter(name: str, raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise HTTPException(400, f"{name} is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise HTTPException(400, f"{name} must be a JSON object")
    return value


def _answer(request: Request, served: ServedBuild, params: dict[str, str]) -> dict[str, Any]:
    assert served.search is not None
    index: SearchIndex = served.search
    base = _base(served)
    if "queries" in params:
        batch = _json_parameter("queries", params["queries"])
        vocabulary = _vocabulary(request, served)
        answers = {}
        for key, query in batch.items():
            if not isinstance(query, dict):
                raise HTTPException(400, f"query {key!r} must be a JSON object")
            answers[key] = {"result": reconcile(served.store, index, vocabulary, query, base)}
        return answers
    if "query" in params:
        raw = params["query"]
        query = _json_parameter("query", raw) if raw.lstrip().startswith("{") else {"query": raw}
        vocabulary = _vocabulary(request, served)
        return {"result": reconcile(served.store, index, vocabulary, query, base)}
    if "extend" in params:
        wanted = _json_parameter("extend", params["extend"])
        return extend(served.store, _vocabulary(request, served), wanted, base)
    return _manifest(request, served)


async def _service(request: Request, served: ServedBuild) -> JSONResponse:
    params = dict(request.query_params)
    if request.method == "POST":
        try:
            body = (await request.body()).decode("utf-8")
            pairs = urllib.parse.parse_qsl(body, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as error:
            raise HTTPException(400, f"the request body is not UTF-8: {error}") from error
        params.update(dict(pairs))
    # Store queries leave the event loop; their results are consumed in that same thread.
    answer = await run_in_threadpool(_answer, request, served, params)
    return JSONResponse(answer)


@router.get("", summary="Manifest, or answers to `queries`, `query` or `extend`")
async def service_get(request: Request, served: ServedDep) -> JSONResponse:
    """Without parameters, the service manifest; with `queries`, `query` or `extend`, answers."""
    return await _service(request, served)


@router.post("", summary="Answers to `queries`, `query` or `extend` sent as form fields")
async def service_post(request: Request, served: ServedDep) -> JSONResponse:
    """The form-encoded variant OpenRefine uses for batches."""
    return await _service(request, served)


@router.get("/preview", response_class=HTMLResponse, summary="A small HTML card of an entity")
def preview(
    served: ServedDep, id: Annotated[str, Query(min_length=1)], lang: str = "vi"
) -> HTMLResponse:
    base = _base(served)
    found = describe(served.store, entity_iri(id, base), base_iri=base, lang=lang, incoming_limit=1)
    if found is None:
        raise HTTPException(404, f"no entity {id}")
    types = ", ".join(t.label(lang) for t in found.types if term_id(t.iri) != t.iri)
    other = found.label("en" if lang == "vi" else "vi")
    body = (
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>'
        f"{html.escape(found.label(lang))}</title>"
        '<body style="font-family:sans-serif;margin:8px">'
        f"<h1 style='font-size:16px;margin:0'>{html.escape(found.label(lang))}</h1>"
        f"<p style='margin:4px 0;color:#555'>{html.escape(other)}</p>"
        f"<p style='margin:4px 0'>{html.escape(types)}</p>"
        f"<p style='margin:4px 0;font-size:11px'>{html.escape(found.iri)}</p></body></html>"
    )
    return HTMLResponse(body)


@router.get("/suggest/entity", summary="Entities whose names start like `prefix`")
def suggest_entity(
    request: Request,
    served: ServedDep,
    prefix: str = "",
    type: str | None = None,
    cursor: Annotated[int, Query(ge=0)] = 0,
    lang: str = "vi",
) -> dict[str, Any]:
    assert served.search is not None
    index: SearchIndex = served.search
    vocabulary = _vocabulary(request, served)
    hits = index.search(prefix, type=term_iri(type) if type else None, limit=10, offset=cursor)
    return {
        "result": [
            {
                "id": entity_id(hit.iri, _base(served)) or hit.iri,
                "name": hit.label,
                "description": hit.matched if hit.matched != hit.label else "",
                "notable": [
                    {"id": term_id(t), "name": vocabulary.classes[t].name(lang)}
                    for t in hit.types
                    if t in vocabulary.classes
                ],
            }
            for hit in hits
        ]
    }


@router.get("/suggest/type", summary="Classes whose names start like `prefix`")
def suggest_type(request: Request, served: ServedDep, prefix: str = "") -> dict[str, Any]:
    terms = _vocabulary(request, served).suggest("type", prefix)
    return {"result": [{"id": t.id, "name": t.name("en")} for t in terms]}


@router.get("/suggest/property", summary="Properties whose names start like `prefix`")
def suggest_property(request: Request, served: ServedDep, prefix: str = "") -> dict[str, Any]:
    terms = _vocabulary(request, served).suggest("property", prefix)
    return {"result": [{"id": t.id, "name": t.name("en")} for t in terms]}


@router.get("/extend/propose", summary="Properties to fetch for entities of a type")
def propose(
    request: Request,
    served: ServedDep,
    type: Annotated[str, Query(min_length=1)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    vocabulary = _vocabulary(request, served)
    found = propose_properties(served.store, vocabulary, type, limit)
    return {"type": type, "limit": limit, "properties": found}
